"""Every notebook is collected by nbval, carries its header, and is committed executed."""

import json
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

import tlteach

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
REPO = "tlteach/tlteach"


def test_there_are_notebooks_and_all_are_numbered():
    assert NOTEBOOKS
    for path in NOTEBOOKS:
        assert re.fullmatch(r"\d\d_[a-z0-9_]+\.ipynb", path.name), path.name


def test_nbval_collects_every_notebook():
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "--nbval-lax",
         "-p", "no:cacheprovider", "notebooks/"],
        cwd=ROOT, capture_output=True, text=True, check=False)
    collected = {line.split("::")[0] for line in result.stdout.splitlines() if "::" in line}
    missing = {f"notebooks/{p.name}" for p in NOTEBOOKS} - collected
    assert not missing, f"nbval would skip {missing}\n{result.stdout[-2000:]}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_header_has_title_goals_runtime_memory_and_badges_to_itself(path):
    header = nbformat.read(path, as_version=4).cells[0]
    assert header.cell_type == "markdown" and header.source.startswith("# ")
    assert "**What you will learn**" in header.source and "**Prerequisites:**" in header.source
    assert re.search(r"\*\*CPU runtime:\*\* about \d+(\.\d)? (s|min) on 2 CPU cores; "
                     r"kernel memory \d\.\d\d GiB at its peak", header.source), (
        "run `make notebooks` to measure the runtime and memory")
    colab = f"https://colab.research.google.com/github/{REPO}/blob/main/notebooks/{path.name}"
    binder = f"https://mybinder.org/v2/gh/{REPO}/main?urlpath=lab/tree/notebooks/{path.name}"
    assert colab in header.source and binder in header.source


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_setup_cell_installs_only_on_colab(path):
    setup = nbformat.read(path, as_version=4).cells[2]
    assert setup.cell_type == "code"
    assert 'if "google.colab" in sys.modules:' in setup.source
    assert f"git+https://github.com/{REPO}@" in setup.source
    assert "report_install(" in setup.source  # says which of Colab's packages it kept


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_colab_installs_the_release_the_notebook_was_written_for(path):
    # The tip of main may have moved on (renamed a helper): the tag of this package version
    # is the code the notebook's committed outputs came from.
    setup = nbformat.read(path, as_version=4).cells[2]
    assert f"git+https://github.com/{REPO}@v{tlteach.__version__}\"" in setup.source


def test_package_version_is_the_one_pyproject_declares():
    text = (ROOT / "pyproject.toml").read_text()
    assert f'\nversion = "{tlteach.__version__}"\n' in text


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_with_outputs_and_without_noise(path):
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count is not None for c in code), "run `make notebooks`"
    counts = [c.execution_count for c in code]
    assert counts == list(range(1, len(code) + 1)), "executed top to bottom in one go"
    text = json.dumps(nb)
    assert str(ROOT) not in text and "/home/" not in text and "/root/" not in text
    assert '"execution": {' not in text, "timing metadata in the notebook"
    errors = [o for c in code for o in c.outputs if o.output_type == "error"]
    assert not errors


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_exercises_have_solutions(path):
    nb = nbformat.read(path, as_version=4)
    solutions = [c for c in nb.cells if "solution" in c.metadata.get("tags", [])]
    assert len(solutions) >= 2
    assert any("Check your understanding" in c.source for c in nb.cells)
    headings = [line for c in nb.cells if c.cell_type == "markdown"
                for line in c.source.splitlines()]
    assert "## Exercises" in headings, "the exercises have their own section heading"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_header_states_the_measured_runtime_and_memory(path):
    from scripts.execute_notebooks import header_line

    measured = json.loads((ROOT / "benchmarks" / "notebook_times.json").read_text())
    seconds, peak = (measured[key].get(path.name) for key in ("seconds", "peak_mib"))
    assert seconds and peak, f"{path.name} was never measured; run `make notebooks`"
    header = nbformat.read(path, as_version=4).cells[0].source
    assert header_line(seconds, peak) in header, (
        f"{path.name}: its header is not the measured one; run `make notebooks`")


def test_readme_table_lists_every_notebook_with_its_measured_runtime_and_memory():
    from scripts.execute_notebooks import memory_text, runtime_text

    measured = json.loads((ROOT / "benchmarks" / "notebook_times.json").read_text())
    times, peaks = measured["seconds"], measured["peak_mib"]
    for doc in ("README.md", "docs/instructors.md"):
        text = (ROOT / doc).read_text()
        for path in NOTEBOOKS:
            rows = [r for r in text.splitlines() if r.startswith("|") and f"{path.name})" in r]
            assert len(rows) == 1, f"{doc}: no row for {path.name} in the run-order table"
            cells = [c.strip() for c in rows[0].split("|")]
            if doc == "README.md":  # runtime, then the kernel's peak memory
                assert cells[-3:-1] == [runtime_text(times[path.name]),
                                        memory_text(peaks[path.name])]
            else:
                assert cells[-2] == runtime_text(times[path.name])


def test_readme_names_the_machine_of_its_measurements():
    from scripts.execute_notebooks import machines_text

    measured = json.loads((ROOT / "benchmarks" / "notebook_times.json").read_text())
    readme = (ROOT / "README.md").read_text()
    assert f"*Measured on:* {machines_text(measured['machines'])}." in readme
    assert set(measured["machines"]) == set(measured["seconds"])


def test_rows_measured_on_other_machines_are_named_with_them():
    from scripts.execute_notebooks import machines_text

    one = "Intel, 2 CPU cores"
    assert machines_text({"00_a.ipynb": one, "01_b.ipynb": one}) == one
    assert machines_text({"00_a.ipynb": one, "01_b.ipynb": one, "03_c_keras.ipynb": "AMD",
                          "09_c_pytorch.ipynb": "AMD"}) == (
        "Intel, 2 CPU cores (the others); AMD (03 Keras, 09 PyTorch)")


def test_course_map_in_start_here_lists_every_notebook():
    start = nbformat.read(ROOT / "notebooks" / "00_start_here.ipynb", as_version=4)
    course_map = next(c.source for c in start.cells if "## The course map" in c.source)
    for path in NOTEBOOKS:
        assert f"({path.name})" in course_map, path.name
