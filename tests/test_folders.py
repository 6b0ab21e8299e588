import hashlib

import numpy as np
import pytest
from photo_folders import kaggle_folder, phone_folder, sideways
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


def make_folder(root, classes=("cat", "dog"), n=5, size=(40, 30)):
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
    assert X.shape == (10, 16, 16, 3) and np.bincount(y).tolist() == [5, 5]
    assert tree_digest(root) == before


def test_modes_are_converted_to_8_bit_rgb(tmp_path):
    Image.new("L", (20, 10), 128).save(tmp_path / "gray.png")
    Image.new("RGBA", (30, 30), (255, 0, 0, 0)).save(tmp_path / "clear.png")
    Image.fromarray(np.full((12, 12), 65535, dtype=np.uint16)).save(tmp_path / "deep.png")
    Image.fromarray(np.full((12, 12), 257 * 64, dtype=np.uint16)).save(tmp_path / "dark.png")
    Image.new("P", (8, 8)).save(tmp_path / "palette.gif")
    Image.new("CMYK", (8, 8), (0, 255, 255, 0)).save(tmp_path / "cmyk.jpg", quality=100)
    read = {name: data.read_image(tmp_path / name, 8) for name in
            ("gray.png", "clear.png", "deep.png", "dark.png", "palette.gif", "cmyk.jpg")}
    assert all(x.shape == (8, 8, 3) and x.dtype == np.uint8 for x in read.values())
    assert (read["clear.png"] == 255).all()  # transparent -> composited onto white
    assert (read["gray.png"] == 128).all()  # gray -> RGB
    assert (read["deep.png"] == 255).all()  # 16-bit white -> 8-bit white, not clipped
    assert (read["dark.png"] == 64).all()  # 16-bit scaled: 64 * 257 -> 64
    assert (read["palette.gif"] == 0).all()
    red = read["cmyk.jpg"].reshape(-1, 3).mean(0)  # CMYK (0, 255, 255, 0) is red
    assert red[0] > 200 and red[1] < 60 and red[2] < 60


def upright_portrait(width=20, height=40):
    """A portrait image: white top half, black bottom half."""
    pixels = np.zeros((height, width, 3), np.uint8)
    pixels[: height // 2] = 255
    return Image.fromarray(pixels)


def test_an_exif_rotated_photo_comes_back_upright(tmp_path):
    stored, exif = sideways(upright_portrait())
    assert stored.size == (40, 20)  # stored landscape, as a phone writes it
    stored.save(tmp_path / "IMG_1.jpg", exif=exif, quality=95)
    image = data.open_image(tmp_path / "IMG_1.jpg")
    assert image.size == (20, 40)  # shown portrait
    x = np.asarray(image).mean(axis=(1, 2))
    assert x[:18].min() > 200 and x[22:].max() < 50  # white on top, black below
    pixels = data.read_image(tmp_path / "IMG_1.jpg", (40, 20))
    assert pixels[:18].mean() > 200 and pixels[22:].mean() < 50


def test_a_portrait_photo_is_cropped_or_padded_not_squashed(tmp_path):
    pixels = np.zeros((60, 20, 3), np.uint8)  # blue top and bottom thirds, red middle
    pixels[:, :, 2] = 255
    pixels[20:40] = (255, 0, 0)
    Image.fromarray(pixels).save(tmp_path / "tall.png")
    crop = data.read_image(tmp_path / "tall.png", 20)
    assert (crop == (255, 0, 0)).all()  # the centre square only: all red, no blue squashed in
    pad = data.read_image(tmp_path / "tall.png", 30, fit="pad")
    assert (pad[:, :10] == 0).all() and (pad[:, -10:] == 0).all()  # black side borders
    middle = pad[:, 10:20]
    assert (middle[:9] == (0, 0, 255)).all() and (middle[11:19] == (255, 0, 0)).all()
    with pytest.raises(ValueError, match="use 'crop'.*or 'pad'"):
        data.read_image(tmp_path / "tall.png", 20, fit="squash")
    with pytest.raises(ValueError, match="use 'crop'.*or 'pad'"):  # not "too few images"
        data.load_image_folder(make_folder(tmp_path / "pets"), 20, fit="squash")


def test_heic_without_pillow_heif_names_the_install_command(tmp_path, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "pillow_heif", None)  # as if not installed
    (tmp_path / "IMG_1.HEIC").write_bytes(b"\x00\x00\x00\x18ftypheic" + bytes(32))
    with pytest.raises(data.HeifUnsupportedError, match="pip install pillow-heif"):
        data.read_image(tmp_path / "IMG_1.HEIC", 8)


def test_folder_without_class_subfolders(tmp_path):
    root = tmp_path / "flat"
    root.mkdir()
    Image.new("RGB", (8, 8)).save(root / "1.jpg")
    with pytest.raises(ImageFolderError, match=r"no class sub-folders.*<class_name>"):
        data.load_image_folder(root)


def test_empty_class_and_single_class_and_missing_folder(tmp_path):
    root = make_folder(tmp_path / "pets")
    (root / "bird").mkdir()
    with pytest.raises(ImageFolderError, match=r"too few readable images in \{'bird': 0\}"):
        data.load_image_folder(root)
    single = make_folder(tmp_path / "one", classes=("cat",))
    with pytest.raises(ImageFolderError, match="single class"):
        data.load_image_folder(single)
    with pytest.raises(FileNotFoundError, match="not a folder"):
        data.load_image_folder(tmp_path / "nowhere")


def test_a_phone_folder_reads_with_its_clutter_ignored(tmp_path):
    root = phone_folder(tmp_path / "photos")
    before = tree_digest(root)
    with pytest.warns(UserWarning, match=r"Skipped 2 file\(s\)") as record:
        folder = data.load_image_folder(root, size=32)
    message = str(record[0].message)
    assert "IMG_9999.jpg" in message and "truncated" in message  # the truncated JPEG
    assert "IMG_8888.HEIC" in message and "pip install pillow-heif" in message
    assert ".DS_Store" not in message and "._IMG" not in message and "Thumbs" not in message
    X, y, names = folder
    assert names == ["bird", "cat", "horse"] and X.shape == (36, 32, 32, 3)
    assert np.bincount(y).tolist() == [12, 12, 12] and folder.subsets is None
    assert [p.name for p in folder.paths[:2]] == ["IMG_1000.jpg", "IMG_1001.png"]
    for i in (0, 5, 20):  # each image is the file it names, read the same way
        assert np.array_equal(X[i], data.read_image(folder.paths[i], 32))
    assert tree_digest(root) == before


def test_a_kaggle_style_root_keeps_its_split(tmp_path, capsys):
    root = kaggle_folder(tmp_path / "download")
    folder = data.load_image_folder(root, size=16)
    assert "a split layout (train, test); its split is used (train 30, test 15" in \
        capsys.readouterr().out
    assert folder.class_names == ["bird", "cat", "horse"]  # not ["test", "train"]
    assert sorted(set(folder.subsets)) == ["test", "train"]
    split = data.split_folder(folder, val=0.2, seed=0)
    assert len(split.y_test) == 15 and len(split.y_val) == 6 and len(split.y_train) == 24
    test_files = [p for p, s in zip(folder.paths, folder.subsets, strict=True) if s == "test"]
    assert all(p.parts[-3] == "test" for p in test_files)
    assert np.bincount(split.y_val).tolist() == [2, 2, 2]  # stratified from train


def test_layout_errors_name_the_problem_and_the_layout(tmp_path):
    root = make_folder(tmp_path / "two_depths")
    Image.new("RGB", (8, 8)).save(root / "stray.jpg")
    with pytest.raises(ImageFolderError, match=r"images at two depths.*stray\.jpg"):
        data.load_image_folder(root)
    nested = tmp_path / "unzipped"
    make_folder(nested / "pets")
    with pytest.raises(ImageFolderError, match=r"single class.*pass .*pets instead"):
        data.load_image_folder(nested)
    small = make_folder(tmp_path / "small", n=5)
    for f in sorted((small / "dog").iterdir())[:2]:
        f.unlink()
    with pytest.raises(ImageFolderError, match=r"too few readable images in \{'dog': 3\}"):
        data.load_image_folder(small)
    uneven = tmp_path / "uneven"
    make_folder(uneven / "train")
    make_folder(uneven / "test", classes=("bird", "cat"))
    with pytest.raises(ImageFolderError, match=r"train has no folder for the classes \['bird'\]"):
        data.load_image_folder(uneven)


def test_few_images_and_unequal_classes_are_reported(tmp_path):
    root = make_folder(tmp_path / "pets", n=6)
    make_folder(tmp_path / "more", classes=("dog",), n=14)
    for f in (tmp_path / "more" / "dog").iterdir():
        f.rename(root / "dog" / f"more_{f.name}")
    with pytest.warns(UserWarning, match=r"few images in \{'cat': 6\}.*unequal classes "
                                         r"\(dog 20, cat 6\)"):
        data.load_image_folder(root, size=8)
