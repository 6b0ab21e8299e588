"""Every widget pattern the course uses executes headless (nbclient, nbconvert, papermill)
and never leaves the client waiting: ``widgets.interact`` next to ``plt.show()`` can hang
nbclient for ever (jupyter/nbclient#312), so notebooks use the course's ``explorer``."""

import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))

PATTERNS = {
    "explorer": """
import matplotlib.pyplot as plt
from tlteach import plots
from tlteach.widgets import explorer
TABLE = {5: {"scratch": 0.3, "frozen": 0.6}, 20: {"scratch": 0.5, "frozen": 0.75}}
explorer(lambda k: plots.accuracy_by_setting(TABLE, k, "labels per class"), list(TABLE),
         "labels per class", value=20)
""",
    "explorers in a loop, shown with display": """
from IPython.display import display
for name in ("a", "b"):
    display(explorer(lambda k: plots.accuracy_by_setting(TABLE, k, name), list(TABLE), name))
""",
    "quiz": """
from tlteach.quiz import show_quiz
show_quiz("fine_tuning")
""",
    "a figure, then plt.show()": """
plt.plot([0, 1], [1, 0])
plt.show()
""",
}


def test_every_widget_pattern_executes_headless():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(code) for code in PATTERNS.values()]
    # A hang becomes an error within a minute, naming the cell.
    NotebookClient(nb, timeout=60, kernel_name="python3",
                   resources={"metadata": {"path": str(ROOT / "notebooks")}}).execute()
    for name, cell in zip(PATTERNS, nb.cells, strict=True):
        assert cell.outputs, f"{name}: no output"
        assert not [o for o in cell.outputs if o.output_type == "error"], name


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebooks_use_only_patterns_that_run_headless(path):
    code = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells
                     if c.cell_type == "code")
    assert not re.search(r"\binteract(ive)?(_manual)?\s*\(", code), (
        f"{path.name} uses widgets.interact, which can hang headless execution; use "
        "tlteach.widgets.explorer.")
