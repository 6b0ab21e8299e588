"""Teaching features across notebooks: quizzes, explorers, slides and student copies."""

import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from scripts.student_copies import SOLUTION_TAG, student_copy

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
CORE = [p for p in NOTEBOOKS if re.match(r"0[1-4]_", p.name)]


def first_exercise(nb) -> int:
    return next(i for i, c in enumerate(nb.cells)
                if c.cell_type == "markdown" and "**Exercise 1.**" in c.source)


def test_core_notebooks_are_the_lessons_01_to_04():
    assert len(CORE) == 6


@pytest.mark.parametrize("path", CORE, ids=lambda p: p.name)
def test_core_notebooks_have_a_quiz_and_an_explorer(path):
    code = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells
                     if c.cell_type == "code")
    assert re.search(r"^show_quiz\(\"\w+\"\)", code, re.M)
    assert "explorer(" in code


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_slide_metadata_for_live_presenting(path):
    cells = nbformat.read(path, as_version=4).cells
    kinds = [c.metadata.get("slideshow", {}).get("slide_type") for c in cells]
    assert None not in kinds, "every cell has a slide type"
    assert kinds[0] == "slide"
    for cell, kind in zip(cells, kinds, strict=True):
        if cell.cell_type == "markdown" and cell.source.startswith("## "):
            assert kind == "slide", cell.source[:40]
        if SOLUTION_TAG in cell.metadata.get("tags", []):
            assert kind == "skip", "solutions are not shown on slides"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_solutions_are_collapsed_so_a_student_tries_first(path):
    cells = nbformat.read(path, as_version=4).cells
    solutions = [c for c in cells if SOLUTION_TAG in c.metadata.get("tags", [])]
    assert len(solutions) >= 2, "at least two exercises, each with a solution"
    for cell in solutions:
        hidden = cell.metadata.get("jupyter", {})
        assert hidden.get("source_hidden") and hidden.get("outputs_hidden"), cell.source[:60]


def test_executing_collapses_the_solutions():
    from scripts.execute_notebooks import collapse_solutions

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("x = 1"), nbformat.v4.new_code_cell("print(x)")]
    nb.cells[1].metadata["tags"] = [SOLUTION_TAG]
    assert collapse_solutions(nb) == 1
    assert nb.cells[1].metadata["jupyter"] == {"source_hidden": True, "outputs_hidden": True}
    assert "jupyter" not in nb.cells[0].metadata


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_student_copy_has_no_solutions_or_outputs_and_keeps_the_lesson(path):
    original, copy = nbformat.read(path, as_version=4), student_copy(path)
    assert not [c for c in copy.cells if SOLUTION_TAG in c.metadata.get("tags", [])]
    assert all(not c.get("outputs") and c.get("execution_count") is None
               for c in copy.cells if c.cell_type == "code")
    # Up to the first exercise the copy holds the same cells that nbval executes.
    n = first_exercise(original)
    assert first_exercise(copy) == n
    assert [c.source for c in copy.cells[:n]] == [c.source for c in original.cells[:n]]
    assert len(copy.cells) < len(original.cells)


@pytest.mark.slow
def test_student_copy_executes_up_to_the_first_exercise():
    # One notebook end to end: for every notebook, the test above checks that its copy holds
    # the cells up to the first exercise unchanged, and nbval executes those cells.
    copy = student_copy(ROOT / "notebooks" / "00_start_here.ipynb")
    copy.cells = copy.cells[: first_exercise(copy)]
    NotebookClient(copy, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(ROOT / "notebooks")}}).execute()
    assert any(c.get("outputs") for c in copy.cells if c.cell_type == "code")


def test_slides_export_one_section_per_slide():
    from nbconvert import SlidesExporter

    path = ROOT / "notebooks" / "00_start_here.ipynb"
    html, _ = SlidesExporter().from_filename(str(path))
    cells = nbformat.read(path, as_version=4).cells
    slides = sum(c.metadata["slideshow"]["slide_type"] == "slide" for c in cells)
    assert slides >= 3 and html.count('<section') >= slides
