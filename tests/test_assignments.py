"""make assignments: the notebooks as nbgrader assignments, and a real nbgrader round trip on
the light notebook 00: generate the students' version, then autograde a copy with the
solutions filled in (full marks) and the released copy as handed out (zero, no crash)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from scripts import assignments

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
LIGHT = ROOT / "notebooks" / "00_start_here.ipynb"
NBGRADER = str(Path(sys.executable).parent / "nbgrader")


def nbgrader_cells(nb) -> dict[str, dict]:
    """{grade_id: nbgrader metadata} of a notebook's nbgrader cells."""
    return {c.metadata["nbgrader"]["grade_id"]: c.metadata["nbgrader"]
            for c in nb.cells if "nbgrader" in c.metadata}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem[:2] + p.stem[-7:])
def test_every_exercise_becomes_a_graded_solution(path):
    nb = nbformat.read(path, as_version=4)
    source = assignments.source_version(nb, path.stem)
    count = len(assignments.exercises(nb))
    assert count >= 1, f"{path.name} has no exercise"
    cells = nbgrader_cells(source)
    solutions = [c for c in source.cells if c.metadata.get("nbgrader", {}).get("solution")]
    assert len(solutions) == count
    for cell in solutions:
        assert cell.source.startswith("### BEGIN SOLUTION\n")
        assert cell.source.endswith("\n### END SOLUTION")
        assert "solution" not in cell.metadata.get("tags", [])
    graded = assignments.GRADED.get(path.stem, {})
    points = sum(meta.get("points", 0) for meta in cells.values() if meta["grade"])
    assert points == assignments.POINTS * count, "every exercise is worth POINTS"
    for number in graded:
        test = cells[f"exercise-{number}-test"]
        assert test["locked"] and test["grade"] and not test["solution"]
    assert all(not c.get("outputs") for c in source.cells if c.cell_type == "code")


def test_graded_tests_name_what_the_exercise_asks_for():
    for stem, checks in assignments.GRADED.items():
        path = ROOT / "notebooks" / f"{stem}.ipynb"
        nb = nbformat.read(path, as_version=4)
        numbers = {n for n, _, _ in assignments.exercises(nb)}
        assert set(checks) <= numbers, stem
        source = assignments.source_version(nb, stem)
        text = "\n".join(c.source for c in source.cells if c.cell_type == "markdown")
        for check in checks.values():
            compile(check.code, f"{stem} test", "exec")  # a test that cannot parse grades 0
            solution = next(c.source for c in source.cells
                            if c.metadata.get("nbgrader", {}).get("solution")
                            and all(name in c.source for name in check.names))
            assert solution, (stem, check.names)
            assert all(f"`{name}`" in text for name in check.names), (stem, check.names)


def test_an_untagged_solution_is_an_error():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("**Exercise 1.** Do it."),
                                         nbformat.v4.new_code_cell("x = 1")])
    with pytest.raises(ValueError, match="tag its solution"):
        assignments.exercises(nb)


def run_nbgrader(course: Path, *args: str) -> subprocess.CompletedProcess:
    bin_dir = str(Path(sys.executable).parent)  # nbgrader runs alembic from PATH
    env = {**os.environ, "OMP_NUM_THREADS": "1", "TF_NUM_INTRAOP_THREADS": "1",
           "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    result = subprocess.run([NBGRADER, *args, "--force"], cwd=course, env=env,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result


def grades(course: Path, assignment: str, student: str) -> dict[str, float]:
    """{grade_id: score} of one student's autograded notebook, from nbgrader's gradebook."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        notebook = gradebook.find_submission_notebook(assignment, assignment, student)
        return {grade.name: grade.score for grade in notebook.grades}


def filled_in(released: Path, source: Path) -> nbformat.NotebookNode:
    """The released notebook with each solution cell written as the source's solution."""
    nb, solved = nbformat.read(released, 4), nbformat.read(source, 4)
    answers = {c.metadata["nbgrader"]["grade_id"]: c.source for c in solved.cells
               if c.metadata.get("nbgrader", {}).get("solution")}
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            cell.source = answers[grade_id]
    return nb


@pytest.mark.slow
def test_nbgrader_round_trip_gives_full_marks_to_solutions_and_zero_to_the_blank(tmp_path):
    course, name = tmp_path / "course", LIGHT.stem
    source = assignments.write_course(course, [LIGHT])[0]
    run_nbgrader(course, "generate_assignment", name)
    released = course / "release" / name / LIGHT.name
    text = released.read_text()
    assert "BEGIN SOLUTION" not in text and "predict_imagenet(backbone, photos[3:]" not in text
    assert "raise NotImplementedError()" in text

    for student, nb in {"solved": filled_in(released, source),
                        "blank": nbformat.read(released, 4)}.items():
        folder = course / "submitted" / student / name
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / LIGHT.name)
    run_nbgrader(course, "autograde", name, "--create")

    tests = [f"exercise-{n}-test" for n in assignments.GRADED[name]]
    solved, blank = grades(course, name, "solved"), grades(course, name, "blank")
    assert {t: solved[t] for t in tests} == {t: assignments.POINTS for t in tests}
    assert {t: blank[t] for t in tests} == {t: 0 for t in tests}
    assert (course / "autograded" / "blank" / name / LIGHT.name).exists()
