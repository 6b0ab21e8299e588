"""Both 07 notebooks, end to end, on folders as students bring them (tests/photo_folders.py):
a phone-and-Mac folder with its clutter, and a Kaggle-style train/test root."""

import json
import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from photo_folders import kaggle_folder, phone_folder

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ["07_your_own_images_pytorch.ipynb", "07_your_own_images_keras.ipynb"]
FOLDERS = {"phone": phone_folder, "kaggle": kaggle_folder}


def run_on(notebook: str, folder: Path, cache: Path, monkeypatch) -> str:
    """Execute ``notebook`` with ``FOLDER`` set to ``folder``; all its text outputs."""
    nb = nbformat.read(ROOT / "notebooks" / notebook, as_version=4)
    setting = [c for c in nb.cells if c.cell_type == "code" and "FOLDER = None" in c.source]
    assert len(setting) == 1, "the notebook sets FOLDER in one cell"
    setting[0].source = setting[0].source.replace("FOLDER = None", f"FOLDER = {str(folder)!r}")
    monkeypatch.setenv("TLTEACH_CACHE", str(cache))
    monkeypatch.setenv("TQDM_DISABLE", "1")
    NotebookClient(nb, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(ROOT / "notebooks")}}).execute()
    texts = []  # a print may arrive in several stream outputs: streams join without a break
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            texts.append(output["text"] if output.get("output_type") == "stream"
                         else "\n" + json.dumps(output.get("data", {})) + "\n")
    return "".join(texts)


@pytest.mark.slow
@pytest.mark.parametrize("kind", FOLDERS)
@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_the_capstone_runs_on_a_folder_as_it_arrives(notebook, kind, tmp_path, monkeypatch):
    folder = FOLDERS[kind](tmp_path / "my_photos")
    before = sorted((p.relative_to(folder), p.stat().st_size) for p in folder.rglob("*"))
    out = run_on(notebook, folder, tmp_path / "cache", monkeypatch)
    assert re.search(r"bird/ +1\d images", out) and re.search(r"horse/ +1\d images", out)
    accuracies = r"validation accuracy [\d.]+, test accuracy ([\d.]+)"
    frozen = re.search(r"frozen base \+ new head: " + accuracies, out).group(1)
    tuned = re.search(r"fine-tuned top: " + accuracies, out).group(1)
    kept, accuracy = re.search(r"kept: the ([\w-]+) model .*its test accuracy:? ([\d.]+)",
                               out).groups()
    assert accuracy == {"frozen": frozen, "fine-tuned": tuned}[kept]  # that model, restored
    assert "holds: a file gives the prediction of its pixels in memory" in out
    assert "the kept model beats guessing" not in out  # course-folder lessons stay off
    if kind == "phone":
        assert "Skipped 2 file(s)" in out and "IMG_9999.jpg" in out and "pillow-heif" in out
        assert "._IMG" not in out and ".DS_Store" not in out
        assert re.search(r"bird/IMG_1000\.jpg: \w+ \d\.\d\d", out)  # a file the loader read
    else:
        assert "a split layout (train, test); its split is used (train 30, test 15" in out
        assert "the same classes as Keras' loader: True" in out or "keras" not in notebook
    after = sorted((p.relative_to(folder), p.stat().st_size) for p in folder.rglob("*"))
    assert after == before  # the student's folder is only read
