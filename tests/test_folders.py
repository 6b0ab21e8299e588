import hashlib

import numpy as np
import pytest
from PIL import Image

from tlteach import data
from tlteach.data import ImageFolderError


def tree_digest(root):
    """A hash of every path and file content below root (to prove nothing was modified)."""
    h = hashlib.sha256()
    for p in sorted(root.rglob("*")):
        h.update(str(p.relative_to(root)).encode())
        if p.is_file():
            h.update(p.read_bytes())
    return h.hexdigest()


def make_folder(root, classes=("cat", "dog"), n=3, size=(40, 30)):
    rng = np.random.default_rng(0)
    for c in classes:
        (root / c).mkdir(parents=True)
        for i in range(n):
            Image.fromarray(rng.integers(0, 255, (*size, 3), dtype=np.uint8)).save(
                root / c / f"{i}.jpg")
    return root


def test_export_then_load_round_trip(tmp_path):
    X, y, names = data.load("cats_vs_dogs")
    out = data.export_image_folder(X[::100], y[::100], names, tmp_path / "pets")
    assert sorted(p.name for p in out.iterdir()) == ["cat", "dog"]
    X2, y2, names2 = data.load_image_folder(out, size=28)
    assert names2 == names and np.array_equal(np.sort(y2), np.sort(y[::100]))
    assert X2.shape == (len(y2), 28, 28, 3)
    assert np.array_equal(X2[0][..., 0], X[::100][y[::100] == y2[0]][0])


def test_an_exported_subset_of_classes_reads_back_with_torchvision_keras_and_the_course(
        tmp_path):
    # Cats and dogs out of the ten animals: only their two folders, which every loader reads.
    from torchvision.datasets import ImageFolder

    X, y, names = data.load("animals")
    keep = np.concatenate([np.flatnonzero(y == names.index(c))[:20] for c in ("cat", "dog")])
    out = data.export_image_folder(X[keep], y[keep], names, tmp_path / "pets")
    assert sorted(p.name for p in out.iterdir()) == ["cat", "dog"]
    folder = ImageFolder(out)
    assert folder.classes == ["cat", "dog"] and len(folder) == 40
    X2, y2, names2 = data.load_image_folder(out, size=28)
    assert names2 == ["cat", "dog"] and len(y2) == 40
    import keras

    ds = keras.utils.image_dataset_from_directory(out, label_mode="binary", image_size=(28, 28),
                                                  batch_size=40, shuffle=False, verbose=False)
    images, labels = next(iter(ds))
    assert ds.class_names == ["cat", "dog"] and images.shape == (40, 28, 28, 3)
    assert np.array_equal(np.asarray(labels)[:, 0].astype(int), y2)


def test_export_refuses_to_overwrite(tmp_path):
    target = tmp_path / "mine"
    target.mkdir()
    (target / "notes.txt").write_text("keep me")
    X, y, names = data.load("cats_vs_dogs")
    with pytest.raises(FileExistsError, match="not empty"):
        data.export_image_folder(X[:4], y[:4], names, target)
    assert (target / "notes.txt").read_text() == "keep me"
    with pytest.raises(ValueError, match="Labels must lie"):
        data.export_image_folder(X[:4], y[:4] + 5, names, tmp_path / "new")


def test_bad_files_are_skipped_with_a_warning_naming_them(tmp_path):
    root = make_folder(tmp_path / "pets")
    (root / "cat" / "notes.jpg").write_text("this is not an image")
    (root / "cat" / "empty.jpg").write_bytes(b"")
    good = (root / "dog" / "0.jpg").read_bytes()
    (root / "dog" / "cut.jpg").write_bytes(good[: len(good) // 3])  # truncated JPEG
    before = tree_digest(root)
    with pytest.warns(UserWarning, match=r"Skipped 3 file\(s\)") as record:
        X, y, names = data.load_image_folder(root, size=16)
    message = str(record[0].message)
    assert "notes.jpg" in message and "empty.jpg" in message and "cut.jpg" in message
    assert X.shape == (6, 16, 16, 3) and np.bincount(y).tolist() == [3, 3]
    assert tree_digest(root) == before


def test_mixed_modes_and_sizes_are_converted(tmp_path):
    root = tmp_path / "mixed"
    (root / "a").mkdir(parents=True)
    (root / "b").mkdir()
    Image.new("L", (20, 10), 128).save(root / "a" / "gray.png")
    Image.new("RGBA", (30, 30), (255, 0, 0, 0)).save(root / "a" / "clear.png")
    Image.fromarray(np.full((12, 12), 65535, dtype=np.uint16)).save(root / "b" / "deep.png")
    Image.new("P", (8, 8)).save(root / "b" / "palette.gif")
    X, y, names = data.load_image_folder(root, size=8)
    assert X.shape == (4, 8, 8, 3) and X.dtype == np.uint8 and names == ["a", "b"]
    assert (X[y == 0][0] == 255).all()  # clear.png: transparent -> white
    assert (X[y == 0][1] == 128).all()  # gray.png: gray -> RGB
    assert (X[y == 1][0] == 255).all()  # 16-bit white -> 8-bit white


def test_folder_without_class_subfolders(tmp_path):
    root = tmp_path / "flat"
    root.mkdir()
    Image.new("RGB", (8, 8)).save(root / "1.jpg")
    with pytest.raises(ImageFolderError, match=r"no class sub-folders.*<class_name>"):
        data.load_image_folder(root)


def test_empty_class_and_single_class_and_missing_folder(tmp_path):
    root = make_folder(tmp_path / "pets")
    (root / "bird").mkdir()
    with pytest.raises(ImageFolderError, match=r"bird has no readable images"):
        data.load_image_folder(root)
    single = make_folder(tmp_path / "one", classes=("cat",))
    with pytest.raises(ImageFolderError, match="single class"):
        data.load_image_folder(single)
    with pytest.raises(FileNotFoundError, match="not a folder"):
        data.load_image_folder(tmp_path / "nowhere")
