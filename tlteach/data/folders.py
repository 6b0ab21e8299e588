"""Your own images: read and write the ``root/<class>/<image>`` folder layout.

This is the layout of torchvision's ``ImageFolder`` and Keras'
``image_dataset_from_directory``. Reading never modifies the folder.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import warnings
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from tlteach.data.dataset import Dataset

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".gif", ".tif", ".tiff", ".webp"}


class ImageFolderError(ValueError):
    """A folder does not have the ``root/<class>/<image>`` layout the course expects."""


def _visible(path: Path) -> bool:
    return not path.name.startswith(".") and path.name != "__MACOSX"


def _class_dirs(root: Path) -> list[Path]:
    if not root.is_dir():
        raise FileNotFoundError(f"{root} is not a folder. Pass the folder that holds one "
                                "sub-folder per class, e.g. data/train with data/train/cat/...")
    dirs = sorted(p for p in root.iterdir() if p.is_dir() and _visible(p))
    loose = [p.name for p in root.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES]
    if not dirs:
        found = f" it holds {len(loose)} images directly" if loose else " it is empty"
        raise ImageFolderError(
            f"{root} has no class sub-folders;{found}. Put each class's images in its own "
            f"sub-folder: {root}/<class_name>/<image>.jpg (e.g. {root}/cat/1.jpg).")
    if len(dirs) < 2:
        raise ImageFolderError(
            f"{root} has a single class ({dirs[0].name!r}); a classifier needs at least two. "
            "Add a sub-folder of images for each other class.")
    return dirs


def to_uint8_rgb(image: Image.Image) -> Image.Image:
    """Any Pillow mode (gray, palette, RGBA, 16-bit, float) as 8-bit RGB."""
    if image.mode in ("I", "I;16", "I;16B", "I;16L", "F"):
        array = np.asarray(image, dtype=np.float64)
        top = 65535.0 if image.mode.startswith("I;16") or array.max() > 255 else 255.0
        image = Image.fromarray((np.clip(array / top, 0, 1) * 255).round().astype(np.uint8))
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(white, rgba)
    return image.convert("RGB")


def read_image(path: str | Path, size: int | tuple[int, int]) -> np.ndarray:
    """One image file as uint8 RGB ``(H, W, 3)`` resized to ``size``; raises on bad files."""
    h, w = (size, size) if isinstance(size, int) else size
    with Image.open(path) as image:
        image.load()
        return np.array(to_uint8_rgb(image).resize((w, h), Image.BILINEAR), dtype=np.uint8)


def load_image_folder(path: str | Path, size: int | tuple[int, int] = 96) -> Dataset:
    """Read ``root/<class>/<image>`` into ``(X, y, class_names)``, X uint8 ``(N, size, size, 3)``.

    Class names are the sorted sub-folder names (as in ``ImageFolder``). Unreadable files
    are skipped with one warning that lists them; all images become RGB at ``size``.
    """
    root = Path(path)
    images, labels, skipped, names = [], [], [], []
    for label, folder in enumerate(_class_dirs(root)):
        names.append(folder.name)
        count = 0
        for file in sorted(p for p in folder.rglob("*") if p.is_file() and _visible(p)):
            try:
                images.append(read_image(file, size))
            except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as error:
                skipped.append(f"{file} ({type(error).__name__}: {error})")
                continue
            labels.append(label)
            count += 1
        if count == 0:
            raise ImageFolderError(
                f"Class folder {folder} has no readable images. Add images to it or remove "
                "the folder (move it outside the dataset folder).")
    if skipped:
        warnings.warn(f"Skipped {len(skipped)} file(s) that are not readable images:\n  "
                      + "\n  ".join(skipped), stacklevel=2)
    return np.stack(images), np.asarray(labels, dtype=np.int64), names


def export_image_folder(X: np.ndarray, y: np.ndarray, class_names: list[str],
                        path: str | Path) -> Path:
    """Write images as PNG files in ``path/<class>/<index>.png``; refuses to overwrite.

    Only the classes that occur in ``y`` get a folder, so that the result reads back with
    torchvision's ``ImageFolder``, Keras' ``image_dataset_from_directory`` and
    ``load_image_folder`` (each refuses or miscounts empty class folders). Fails if ``path``
    exists and is not empty. Files appear only once all are written.
    """
    target = Path(path)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise FileExistsError(f"{target} already exists and is not empty; choose a new folder "
                              "so that nothing there is overwritten.")
    if len(X) != len(y):
        raise ValueError(f"X has {len(X)} images but y has {len(y)} labels.")
    if len(y) and (y.min() < 0 or y.max() >= len(class_names)):
        raise ValueError(f"Labels must lie in 0..{len(class_names) - 1} "
                         f"(one per class name); got {y.min()}..{y.max()}.")
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.partial-"))
    try:
        for label in np.unique(y):
            (staging / class_names[label]).mkdir()
        for i, (image, label) in enumerate(zip(X, y, strict=True)):
            Image.fromarray(image).save(staging / class_names[label] / f"{i:05d}.png")
        if target.exists():
            target.rmdir()  # empty, checked above
        os.replace(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target
