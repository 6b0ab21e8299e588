"""scripts/fingerprint.py: which files a robustness run depends on, and what of them counts."""

from __future__ import annotations

import nbformat

from scripts import fingerprint
from scripts.fingerprint import WorkTree


def _write(root, files: dict[str, str]) -> None:
    for path, text in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)


def test_imports_are_followed_through_relative_lazy_and_moved_imports(tmp_path):
    _write(tmp_path, {
        "tlteach/__init__.py": "",
        "tlteach/torch/__init__.py": "from .train import fit\n",
        "tlteach/torch/train.py": "def fit():\n    from tlteach.claims import check\n",
        "tlteach/claims.py": "",
        "tlteach/old.py": ("from tlteach._moved import moved_to\n"
                           "__getattr__ = moved_to('tlteach.new')\n"),
        "tlteach/_moved.py": "", "tlteach/new.py": "", "tlteach/unused.py": "",
        "tlteach/weights/cnn.pt": "bytes", "tlteach/quizzes.json": "{}",
    })
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("%matplotlib inline\nfrom tlteach import torch as tt\n"
                                          "import numpy\n!ls\nimport tlteach.old as old")]
    nbformat.write(nb, tmp_path / "nb.ipynb")
    found = fingerprint.dependencies("nb.ipynb", WorkTree(tmp_path))
    assert found == sorted(["nb.ipynb", "tlteach/__init__.py", "tlteach/torch/__init__.py",
                            "tlteach/torch/train.py", "tlteach/claims.py", "tlteach/old.py",
                            "tlteach/_moved.py", "tlteach/new.py", "tlteach/weights/cnn.pt"])


def test_prose_comments_and_docstrings_do_not_count_code_and_magics_do():
    def code(text: str) -> str:
        return fingerprint.code_of("m.py", text.encode())

    assert code('"""Docs."""\nx = 1  # one\n') == code("\n\nx = 1\n")
    assert code("def f():\n    'docs'\n    return 1\n") == code("def f():\n    return 1\n")
    assert code("x = 1\n") != code("x = 2\n")
    assert code("print('a sentence')\n") != code("print('another')\n")  # strings run

    def cells(*sources: str, markdown: str = "") -> str:
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_markdown_cell(markdown)] + [
            nbformat.v4.new_code_cell(s) for s in sources]
        return fingerprint.code_of("n.ipynb", nbformat.writes(nb).encode())

    assert cells("x = 1", markdown="one") == cells("x = 1  # note", markdown="two")
    assert cells("%time x = 1") != cells("x = 1")
    assert cells("x = 1", "y = 2") != cells("x = 1")


def test_a_test_counts_its_conftest_and_the_modules_beside_it(tmp_path):
    _write(tmp_path, {"tests/test_a.py": "from photo_folders import make\n",
                      "tests/photo_folders.py": "import os\n", "tests/conftest.py": "",
                      "tests/unused.py": ""})
    assert fingerprint.dependencies("tests/test_a.py", WorkTree(tmp_path)) == [
        "tests/conftest.py", "tests/photo_folders.py", "tests/test_a.py"]


def test_attribute_docstrings_and_quizzes_are_prose_tags_are_not(tmp_path):
    def code(text: str) -> str:
        return fingerprint.code_of("m.py", text.encode())

    assert code('X = 1\n"""About X."""\n') == code("X = 1\n")
    assert code("if x:\n    'why'\n    y = 1\n") == code("if x:\n    y = 1\n")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("x = 1")]
    plain = fingerprint.code_of("n.ipynb", nbformat.writes(nb).encode())
    nb.cells[0].metadata["tags"] = ["solution"]
    assert fingerprint.code_of("n.ipynb", nbformat.writes(nb).encode()) != plain


def test_a_commit_and_the_working_tree_give_the_same_fingerprint(tmp_path):
    import subprocess

    from scripts.fingerprint import GitTree

    _write(tmp_path, {"tlteach/__init__.py": "from tlteach import helper\n",
                      "tlteach/helper.py": "X = 1\n", "tlteach/class names.json": "[]",
                      "tlteach/données.json": "{}", "tests/conftest.py": "",
                      "tests/test_a.py": "import tlteach\n"})
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-C", str(tmp_path)]
    for command in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "one"]):
        subprocess.run(git + command, check=True)
    (tmp_path / "tests").mkdir(exist_ok=True)
    now, then = WorkTree(tmp_path), GitTree(tmp_path / "tests", "HEAD")  # from a sub-folder
    assert then.files_under("tlteach") == now.files_under("tlteach") == [
        "tlteach/__init__.py", "tlteach/class names.json", "tlteach/données.json",
        "tlteach/helper.py"]
    assert fingerprint.fingerprint("tests/test_a.py", then) == fingerprint.fingerprint(
        "tests/test_a.py", now)
    assert then.read("tlteach/missing.py") is None
    _write(tmp_path, {"tlteach/helper.py": "X = 2\n"})  # the working tree moves on
    changed = fingerprint.fingerprint("tests/test_a.py", now)
    assert changed["tlteach/helper.py"] != fingerprint.fingerprint("tests/test_a.py",
                                                                   then)["tlteach/helper.py"]
