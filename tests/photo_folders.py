"""Image folders as students bring them, built in a temporary directory for the tests.

``phone_folder``: three classes of photos as they come off a phone and a Mac: JPEG and PNG
of several sizes and aspect ratios, portrait shots stored sideways with an EXIF orientation
tag, grayscale, PNG with transparency, a 16-bit PNG, a CMYK JPEG, a truncated JPEG, an
iPhone HEIC file, and the clutter macOS and Windows leave (``.DS_Store``, ``._IMG_*.jpg``,
``__MACOSX/``, ``Thumbs.db``, ``desktop.ini``). ``kaggle_folder``: the same kind of images
under ``train/<class>`` and ``test/<class>``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from tlteach import data

CLASSES = ("bird", "cat", "horse")
ORIENTATION = 0x0112  # the EXIF tag phones use for "rotate to display"
SIZES = [(120, 90), (90, 120), (160, 90), (100, 100)]  # width x height: 4:3, 3:4, 16:9, 1:1


def silhouettes(per_class: int, seed: int = 0) -> dict[str, np.ndarray]:
    """``per_class`` animal silhouettes (uint8, 28 x 28) for each of ``CLASSES``."""
    X, y, names = data.load("animals")
    rng = np.random.default_rng(seed)
    return {c: X[rng.choice(np.flatnonzero(y == names.index(c)), per_class, replace=False)]
            for c in CLASSES}


def photo(pixels: np.ndarray, size: tuple[int, int]) -> Image.Image:
    """A silhouette drawn as a colour 'photo' of ``size`` (width, height), centred on a
    textured background, so that a centre crop keeps the animal."""
    w, h = size
    s = min(w, h)
    animal = Image.fromarray(pixels).resize((s, s), Image.BILINEAR).convert("RGB")
    canvas = Image.new("RGB", (w, h), (90, 120, 60))
    canvas.paste(animal, ((w - s) // 2, (h - s) // 2))
    return canvas


def sideways(image: Image.Image) -> tuple[Image.Image, Image.Exif]:
    """What a phone stores for an upright photo: the pixels turned 90° counter-clockwise,
    and EXIF orientation 6 ("rotate 90° clockwise to display")."""
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    return image.rotate(90, expand=True), exif


def write_class(folder: Path, images: np.ndarray, start: int = 1000) -> None:
    """One class folder with every kind of file, one image per kind, then plain JPEGs."""
    folder.mkdir(parents=True)
    kinds = ["exif", "alpha", "gray", "deep", "cmyk"]
    for i, pixels in enumerate(images):
        name = folder / f"IMG_{start + i}"
        image = photo(pixels, SIZES[i % len(SIZES)])
        kind = kinds[i] if i < len(kinds) else "jpeg"
        if kind == "exif":
            stored, exif = sideways(photo(pixels, (90, 120)))
            stored.save(f"{name}.jpg", exif=exif, quality=92)
        elif kind == "alpha":
            alpha = Image.new("L", image.size, 255)
            alpha.paste(0, (0, 0, 8, 8))  # a transparent corner
            rgba = image.convert("RGBA")
            rgba.putalpha(alpha)
            rgba.save(f"{name}.png")
        elif kind == "gray":
            image.convert("L").save(f"{name}.JPG", quality=90)
        elif kind == "deep":
            deep = np.asarray(image.convert("L"), dtype=np.uint16) * 257
            Image.fromarray(deep).save(f"{name}.png")
        elif kind == "cmyk":
            image.convert("CMYK").save(f"{name}.jpeg", quality=90)
        else:
            image.save(f"{name}.jpg", quality=85)
        (folder / f"._IMG_{start + i}.jpg").write_bytes(b"\x00\x05\x16\x07AppleDouble")
    (folder / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1" + bytes(64))
    (folder / "Thumbs.db").write_bytes(bytes(512))


def phone_folder(root: Path, per_class: int = 12) -> Path:
    """A messy folder of three classes (see the module docstring); returns ``root``."""
    for c, images in silhouettes(per_class).items():
        write_class(root / c, images)
    good = (root / CLASSES[0] / f"IMG_{1000 + per_class - 1}.jpg").read_bytes()
    (root / CLASSES[0] / "IMG_9999.jpg").write_bytes(good[: len(good) // 3])  # truncated
    (root / CLASSES[1] / "IMG_8888.HEIC").write_bytes(b"\x00\x00\x00\x18ftypheic" + bytes(64))
    (root / ".DS_Store").write_bytes(bytes(64))
    (root / "desktop.ini").write_text("[.ShellClassInfo]\n")
    (root / "__MACOSX" / CLASSES[0]).mkdir(parents=True)
    (root / "__MACOSX" / CLASSES[0] / "._IMG_1000.jpg").write_bytes(b"\x00\x05\x16\x07")
    return root


def kaggle_folder(root: Path, per_class: int = 15) -> Path:
    """``root/train/<class>`` and ``root/test/<class>`` (a third of each class in test)."""
    for c, images in silhouettes(per_class, seed=1).items():
        n_test = per_class // 3
        write_class(root / "train" / c, images[n_test:], start=2000)
        write_class(root / "test" / c, images[:n_test], start=3000)
    return root
