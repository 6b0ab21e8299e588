"""Write student copies of the notebooks: solutions removed, outputs cleared (``make student``).

    python scripts/student_copies.py build/student notebooks/*.ipynb

Uses nbconvert's ``TagRemovePreprocessor`` (cells tagged ``solution``) and
``ClearOutputPreprocessor``. The notebooks themselves are not changed.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbconvert.exporters import NotebookExporter
from nbconvert.preprocessors import ClearOutputPreprocessor, TagRemovePreprocessor
from traitlets.config import Config

SOLUTION_TAG = "solution"


def student_exporter() -> NotebookExporter:
    """A notebook exporter that drops solution cells and clears every output."""
    config = Config()
    config.TagRemovePreprocessor.remove_cell_tags = {SOLUTION_TAG}
    config.TagRemovePreprocessor.enabled = True
    exporter = NotebookExporter(config=config)
    exporter.register_preprocessor(TagRemovePreprocessor(config=config), enabled=True)
    exporter.register_preprocessor(ClearOutputPreprocessor(), enabled=True)
    return exporter


def student_copy(path: Path) -> nbformat.NotebookNode:
    """The student version of one notebook."""
    body, _ = student_exporter().from_filename(str(path))
    nb = nbformat.reads(body, as_version=4)
    nb.metadata.pop("widgets", None)  # widget state belongs to the cleared outputs
    return nb


def main(out: str, paths: list[str]) -> None:
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    for path in map(Path, paths):
        nbformat.write(student_copy(path), folder / path.name)
        print(f"{folder / path.name}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
