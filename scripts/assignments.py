"""The notebooks as nbgrader assignments (``make assignments``).

    python -m scripts.assignments build/assignments notebooks/*.ipynb

For each notebook it writes an nbgrader *source* version to
``<course>/source/<notebook>/<notebook>.ipynb`` and a ``nbgrader_config.py`` beside it:

- each exercise's solution cell (tag ``solution``) becomes an nbgrader solution cell, its code
  between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` (``nbgrader generate_assignment``
  replaces it with ``raise NotImplementedError()`` in the students' copy);
- an exercise whose answer can be checked (a value within a tolerance, a shape, what a
  function does: ``GRADED`` below) gets a locked, autograded test cell after its solution,
  worth ``POINTS``; its markdown says which names the test reads;
- the others are manually graded answers worth ``POINTS`` (nbgrader's formgrader shows them).

Exercises are the markdown cells with ``**Exercise N.**`` under ``## Exercises``; each one's
solution is the next code cell tagged ``solution``.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat

SOLUTION_TAG = "solution"
POINTS = 2
EXERCISE = re.compile(r"\*\*Exercise (\d+)\.\*\*")


@dataclass(frozen=True)
class Check:
    """An autograded test: the names the student's answer must define, and the asserts."""

    names: tuple[str, ...]
    code: str


def own_images_checks(saved_file: str, test_data: str) -> dict[int, Check]:
    """The two 07 twins' checks: the same exercises, each framework's names for the saved
    model file and the test data."""
    return {
        1: Check(("per_class", "accuracies"), """\
import numpy as np

assert per_class[-1] == np.bincount(split.y_train).min(), "last: all of the smallest class"
assert len(accuracies) == len(per_class) and all(0 <= a <= 1 for a in accuracies)"""),
        2: Check(("head_file", "rebuilt"), f"""\
assert head_file.stat().st_size < {saved_file}.stat().st_size / 10, "the head alone is small"
assert abs(evaluate(rebuilt, {test_data})["accuracy"] - frozen_accuracy) < 0.02"""),
    }


# notebook stem -> exercise number -> its autograded test. Each test reads only names the
# exercise's markdown asks for (and the notebook's own), and holds for any correct answer.
GRADED: dict[str, dict[int, Check]] = {
    "00_start_here": {
        1: Check(("predictions",), """\
assert len(predictions) == len(photos) - 3, "one prediction per photo after the first three"
for top in predictions:
    assert len(top) == 3, "the top 3 classes of each photo"
    probabilities = [p for _, p in top]
    assert probabilities == sorted(probabilities, reverse=True)
    assert all(0 <= p <= 1 for p in probabilities)"""),
        2: Check(("X5", "y5", "pixels5", "features5"), """\
import numpy as np

assert sorted(np.bincount(y5)) == [5, 5], "5 labelled images per class"
assert len(X5) == len(y5) == 10
assert features5.n_features_in_ == 1280, "the classifier on features reads 1,280 features"
assert pixels5.n_features_in_ == X5[0].size, "the classifier on pixels reads every pixel"
assert 0 <= features5.score(extract_features(backbone, split.X_test), split.y_test) <= 1"""),
    },
    "01_what_transfers": {
        1: Check(("digit_accuracy",), """\
assert isinstance(float(digit_accuracy), float) and 0 <= digit_accuracy <= 1"""),
        2: Check(("coffee_early",), """\
assert coffee_early.ndim == 4 and coffee_early.shape[0] == 1, "one image's feature maps"
assert coffee_early.shape[1] >= 16, "at least 16 maps to show\""""),
    },
    "02_frozen_backbone_pytorch": {
        1: Check(("F5", "accuracy_5"), """\
assert F5.shape == (5 * len(class_names), 1280), "5 images per class, 1,280 features each"
assert 0 <= accuracy_5 <= 1"""),
        2: Check(("mlp",), """\
import torch

assert mlp(torch.zeros(2, 1280)).shape == (2, 10), "1,280 features in, 10 classes out"
assert evaluate(mlp, tensor_loader(F_test, y_test))["accuracy"] > 0.3, "chance is 0.1\""""),
    },
    "02_frozen_backbone_keras": {
        2: Check(("ks", "accuracies"), """\
assert list(ks) == [5, 10, 20, 50] and len(accuracies) == len(ks), "one accuracy per size"
assert all(0 <= a <= 1 for a in accuracies)"""),
    },
    "04_choosing_a_strategy_pytorch": {
        1: Check(("cell",), """\
assert set(cell) == {"scratch", "frozen"}, "the two strategies on MNIST-M"
assert all(0 <= r["accuracy"] <= 1 for r in cell.values())"""),
    },
    "07_your_own_images_keras": own_images_checks("model_file", "test_ds"),
    "07_your_own_images_pytorch": own_images_checks("checkpoint", "test_loader"),
    "08_few_shot_and_zero_shot_pytorch": {
        1: Check(("by_euclidean",), """\
import numpy as np

support, y_support = np.array([[0.0, 0.0], [10.0, 10.0]]), np.array([0, 1])
query = np.array([[1.0, 1.0], [9.0, 9.0], [6.0, 6.0]])
assert by_euclidean(support, y_support, query, np.array([0, 1, 1])) == 1.0
assert abs(by_euclidean(support, y_support, query, np.array([1, 0, 0])) - 0.0) < 1e-9"""),
        2: Check(("prompted",), """\
import numpy as np

assert len(prompted) == len(SPLITS) and np.all((0 <= prompted) & (prompted <= 1))"""),
    },
    "09_which_layers_transfer_pytorch": {
        2: Check(("both", "combined"), """\
width = f_train["block 10"].shape[1] + f_train["head"].shape[1]
assert both[0].shape == (len(f_train["head"]), width), "block 10 and head side by side"
assert 0 <= combined <= 1"""),
    },
    "10_continual_and_parameter_efficient_pytorch": {
        1: Check(("by_buffer",), """\
assert sorted(by_buffer) == [1, 3, 10], "rehearsal with 1, 3 and 10 images per class of A"
assert by_buffer[10]["A"] == runs["rehearsal"]["A"], "10 per class is the notebook's own run"
assert all(len(c["A"]) == len(runs["rehearsal"]["A"]) for c in by_buffer.values())"""),
    },
    "12_reinforcement_learning_pytorch": {
        1: Check(("mapped",), """\
import torch

source = source_policies[0]
assert torch.equal(mapped[2].weight, source[2].weight.flip(0)), "the two output rows swapped"
assert torch.equal(mapped[2].bias, source[2].bias.flip(0))
assert torch.equal(mapped[0].weight, source[0].weight), "the hidden layer unchanged\""""),
        2: Check(("curve",), """\
assert len(curve) == TARGET_EPISODES, "one return per training episode\""""),
    },
    "13_model_cost_pytorch": {
        1: Check(("hard_labels", "from_hard"), """\
import torch

assert torch.equal(hard_labels, teacher_logits.argmax(1)), "the teacher's argmax"
assert len(from_hard) == len(STUDENT_SEEDS), "one student per seed\""""),
    },
    "14_text_pytorch": {
        1: Check(("means", "nearest"), """\
assert means.shape == (len(ABSTRACT), kinds.vectors.shape[1]), "one mean vector per class"
assert len(nearest) == len(kinds.test)"""),
        2: Check(("zero_shot",), """\
assert len(zero_shot) == len(kinds.test), "one answer per test definition"
assert set(zero_shot) <= set(range(len(ABSTRACT)))"""),
    },
}


def exercises(nb: nbformat.NotebookNode) -> list[tuple[int, int, int]]:
    """(exercise number, markdown cell index, solution cell index) for each exercise."""
    found = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "markdown":
            continue
        for number in map(int, EXERCISE.findall(cell.source)):
            solution = next((j for j in range(i + 1, len(nb.cells))
                             if SOLUTION_TAG in nb.cells[j].metadata.get("tags", [])), None)
            if solution is None:
                raise ValueError(f"Exercise {number} has no code cell tagged "
                                 f"{SOLUTION_TAG!r} after it: tag its solution")
            found.append((number, i, solution))
    return found


def nbgrader_meta(grade_id: str, *, solution: bool, grade: bool, points: int = 0) -> dict:
    """The ``nbgrader`` cell metadata (schema 3) of a solution, test or answer cell."""
    meta = {"grade": grade, "grade_id": grade_id, "locked": not solution, "schema_version": 3,
            "solution": solution, "task": False}
    if grade:
        meta["points"] = points
    return meta


def solution_cell(cell: nbformat.NotebookNode, number: int, graded: bool) -> None:
    """Turn a tagged solution cell into an nbgrader solution (manually graded if not
    ``graded``), its code between the BEGIN/END SOLUTION markers."""
    cell.source = f"### BEGIN SOLUTION\n{cell.source}\n### END SOLUTION"
    cell.metadata["tags"] = [t for t in cell.metadata.get("tags", []) if t != SOLUTION_TAG]
    cell.metadata.get("jupyter", {}).pop("source_hidden", None)  # students write here
    cell.metadata["nbgrader"] = nbgrader_meta(f"exercise-{number}", solution=True,
                                              grade=not graded, points=POINTS)
    cell.outputs, cell.execution_count = [], None


def source_version(nb: nbformat.NotebookNode, stem: str) -> nbformat.NotebookNode:
    """The nbgrader source version of a notebook (outputs cleared)."""
    nb = nbformat.from_dict(nb)
    checks = GRADED.get(stem, {})
    for number, markdown, solution in reversed(exercises(nb)):
        check = checks.get(number)
        solution_cell(nb.cells[solution], number, graded=check is not None)
        if check is None:
            nb.cells[markdown].source += f"\n\n*{POINTS} points, graded by hand.*"
            continue
        names = ", ".join(f"`{name}`" for name in check.names)
        nb.cells[markdown].source += (f"\n\n*{POINTS} points, graded automatically: "
                                      f"leave your answer in {names}.*")
        test = nbformat.v4.new_code_cell(check.code)
        test.metadata["nbgrader"] = nbgrader_meta(f"exercise-{number}-test", solution=False,
                                                  grade=True, points=POINTS)
        nb.cells.insert(solution + 1, test)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    nb.metadata.pop("widgets", None)
    return nb


CONFIG = """\
# nbgrader's course settings for this course (written by make assignments).
c = get_config()  # noqa
c.CourseDirectory.root = "."
c.CourseDirectory.db_assignments = {assignments!r}
c.ExecutePreprocessor.timeout = 1800  # the longest notebook runs for minutes on a CPU
c.ExecutePreprocessor.kernel_name = "python3"
"""


def write_course(course: Path, paths: list[Path]) -> list[Path]:
    """The source versions of ``paths`` and ``nbgrader_config.py`` in ``course``."""
    written = []
    for path in paths:
        target = course / "source" / path.stem / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(source_version(nbformat.read(path, as_version=4), path.stem), target)
        written.append(target)
    assignments = [{"name": p.stem} for p in paths]
    (course / "nbgrader_config.py").write_text(CONFIG.format(assignments=assignments))
    return written


def main(course: str, paths: list[str]) -> None:
    for target in write_course(Path(course), [Path(p) for p in paths]):
        print(target)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
