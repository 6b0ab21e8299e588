"""Your own images: read and write the ``root/<class>/<image>`` folder layout.

This is the layout of torchvision's ``ImageFolder`` and Keras'
``image_dataset_from_directory``. A root whose sub-folders are the splits ``train``,
``val`` (or ``valid``, ``validation``) and ``test``, each holding the class folders (a
Kaggle-style download), is read too, and its split is kept. Files that systems leave
behind (``.DS_Store``, ``._*`` AppleDouble files, ``__MACOSX``, ``Thumbs.db``,
``desktop.ini``) are ignored; other unreadable files are skipped with one warning that
names them. Reading never modifies the folder.

>>> folder = load_image_folder("pets", size=96)
>>> X, y, class_names = folder             # unpacks like data.load(...)
>>> folder.paths[0]                        # the file X[0] was read from
"""

from __future__ import annotations

import os
import shutil
import tempfile
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from tlteach.data.images import Fit, check_fit, read_image
from tlteach.data.splits import Split, split

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".gif", ".tif", ".tiff", ".webp", ".heic",
                  ".heif"}
SYSTEM_FILES = {"__MACOSX", "Thumbs.db", "desktop.ini", "ehthumbs.db", "Icon\r"}
SPLIT_NAMES = {"train": "train", "val": "val", "valid": "val", "validation": "val",
               "test": "test"}
MIN_IMAGES = 5  # per class: fewer cannot be split into training, validation and test images
FEW_IMAGES = 10  # per class: reported as few before training
IMBALANCE = 3.0  # largest class over smallest: reported before training


class ImageFolderError(ValueError):
    """A folder does not have a layout the course reads (``root/<class>/<image>``)."""


@dataclass
class FolderImages:
    """The images of a folder: ``X`` uint8 ``(N, H, W, 3)``, ``y`` ``(N,)``, the class
    names, the file each image was read from, and its split (``"train"``, ``"val"``,
    ``"test"``) where the folder has one, else None. Unpacks as ``X, y, class_names``."""

    X: np.ndarray
    y: np.ndarray
    class_names: list[str]
    paths: list[Path]
    subsets: np.ndarray | None = None

    def __iter__(self) -> Iterator:
        return iter((self.X, self.y, self.class_names))

    def __len__(self) -> int:
        return len(self.y)


def ignored(name: str) -> bool:
    """Hidden and system files and folders (``.DS_Store``, ``._x.jpg``, ``Thumbs.db``...)."""
    return name.startswith(".") or name in SYSTEM_FILES


def _entries(folder: Path) -> tuple[list[Path], list[Path]]:
    """The visible sub-folders and the visible image files (by suffix) of ``folder``."""
    children = sorted(p for p in folder.iterdir() if not ignored(p.name))
    dirs = [p for p in children if p.is_dir()]
    images = [p for p in children if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES]
    return dirs, images


def _class_dirs(root: Path) -> list[Path]:
    """The class folders of an ``ImageFolder`` root, or an error naming what is wrong."""
    dirs, loose = _entries(root)
    example = f"{root}/<class_name>/<image>.jpg (e.g. {root}/cat/1.jpg)"
    if not dirs:
        found = f" it holds {len(loose)} images directly" if loose else " it is empty"
        raise ImageFolderError(f"{root} has no class sub-folders;{found}. Put each class's "
                               f"images in its own sub-folder: {example}.")
    if loose:
        raise ImageFolderError(
            f"{root} has images at two depths: {len(loose)} directly in it (e.g. "
            f"{loose[0].name}) beside the class folders {[d.name for d in dirs]}. Move "
            f"each image into its class's sub-folder: {example}.")
    if len(dirs) < 2:
        inner, _ = _entries(dirs[0])
        hint = (f" Its only sub-folder {dirs[0].name!r} holds the folders "
                f"{[d.name for d in inner][:5]}: pass {dirs[0]} instead." if inner else
                " Add a sub-folder of images for each other class.")
        raise ImageFolderError(f"{root} has a single class ({dirs[0].name!r}); a classifier "
                               f"needs at least two.{hint}")
    return dirs


def split_dirs(root: Path) -> dict[str, Path]:
    """``{"train": root/train, "test": root/test, ...}`` where every visible sub-folder of
    ``root`` is a split name (``train``, ``val``/``valid``/``validation``, ``test``); else
    ``{}``, the ``ImageFolder`` layout."""
    dirs, _ = _entries(root)
    if not dirs or any(d.name.lower() not in SPLIT_NAMES for d in dirs):
        return {}
    order = list(dict.fromkeys(SPLIT_NAMES.values()))  # train, val, test
    splits = {SPLIT_NAMES[d.name.lower()]: d
              for d in sorted(dirs, key=lambda d: order.index(SPLIT_NAMES[d.name.lower()]))}
    if len(splits) < len(dirs):
        raise ImageFolderError(f"{root} has two validation folders "
                               f"{[d.name for d in dirs]}; keep one of them.")
    return splits


def _read_class(folder: Path, size, fit: Fit, skipped: list[str]) -> tuple[list, list[Path]]:
    """Every readable image below a class folder, in sorted path order."""
    images, paths = [], []
    files = sorted(p for p in folder.rglob("*") if p.is_file()
                   and not any(ignored(part) for part in p.relative_to(folder).parts))
    for file in files:
        try:
            images.append(read_image(file, size, fit))
        except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as error:
            skipped.append(f"{file} ({type(error).__name__}: {error})")
            continue
        paths.append(file)
    return images, paths


def load_image_folder(path: str | Path, size: int | tuple[int, int] = 96,
                      fit: Fit = "crop") -> FolderImages:
    """Read an image folder into ``FolderImages`` (unpacks as ``X, y, class_names``).

    Layouts: ``root/<class>/<image>`` (class names: the sorted sub-folder names, as in
    torchvision's ``ImageFolder``), or ``root/<split>/<class>/<image>`` with splits
    ``train``, ``val`` and ``test`` (its split is kept in ``subsets``; one line says so).
    Every image is read upright (EXIF), as 8-bit RGB, at ``size`` (an int or (height,
    width)): ``fit="crop"`` keeps the centre at the target's aspect ratio (the default),
    ``fit="pad"`` keeps the whole image with black borders. Unreadable files are skipped
    with one warning that names them; few images in a class, or very unequal classes, are
    reported with a warning. A folder that is none of these layouts, or a class with
    fewer than 5 readable images, raises ``ImageFolderError`` saying how to fix it.
    """
    check_fit(fit)  # before reading: a bad value would otherwise skip every file
    root = Path(path).expanduser()
    if not root.is_dir():
        raise FileNotFoundError(f"{root} is not a folder. Pass the folder that holds one "
                                "sub-folder per class, e.g. data/train with data/train/cat/...")
    splits = split_dirs(root)
    parts = {name: _class_dirs(folder) for name, folder in splits.items()} or {
        None: _class_dirs(root)}
    class_names = sorted({d.name for dirs in parts.values() for d in dirs})
    for subset, dirs in parts.items():
        if missing := sorted(set(class_names) - {d.name for d in dirs}):
            raise ImageFolderError(
                f"{splits[subset]} has no folder for the classes {missing}, which the other "
                f"splits have. Give every split ({', '.join(d.name for d in splits.values())}) "
                "the same class folders.")
    images, labels, paths, subsets, skipped = [], [], [], [], []
    for subset, dirs in parts.items():
        for folder in dirs:
            found, files = _read_class(folder, size, fit, skipped)
            images += found
            paths += files
            labels += [class_names.index(folder.name)] * len(found)
            subsets += [subset] * len(found)
    if skipped:
        warnings.warn(f"Skipped {len(skipped)} file(s) that are not readable images:\n  "
                      + "\n  ".join(skipped), stacklevel=2)
    y = np.asarray(labels, dtype=np.int64)
    _check_counts(root, y, class_names)
    if splits:
        counts = ", ".join(f"{name} {subsets.count(name)}" for name in splits)
        print(f"{root.name}: a split layout ({', '.join(d.name for d in splits.values())}); "
              f"its split is used ({counts} images)")
    return FolderImages(np.stack(images), y, class_names, paths,
                       np.asarray(subsets) if splits else None)


def split_folder(folder: FolderImages, val: float = 0.2, test: float = 0.2,
                 seed: int = 0) -> Split:
    """Training, validation and test images of a folder: its own split where it has one
    (a missing validation or test part is taken from its training images, stratified, as
    the fractions ``val`` and ``test`` of them), else a stratified random split."""
    from sklearn.model_selection import train_test_split

    if folder.subsets is None:
        return split(folder.X, folder.y, val=val, test=test, seed=seed)
    parts = {name: folder.subsets == name for name in ("train", "val", "test")}
    X, y = folder.X[parts["train"]], folder.y[parts["train"]]
    held = {}
    for name, fraction in (("test", test), ("val", val)):
        if parts[name].any():
            held[name] = folder.X[parts[name]], folder.y[parts[name]]
        else:
            X, X_held, y, y_held = train_test_split(X, y, test_size=fraction, stratify=y,
                                                    random_state=seed)
            held[name] = X_held, y_held
    return Split(X, y, *held["val"], *held["test"])


def _check_counts(root: Path, y: np.ndarray, class_names: list[str]) -> None:
    """Refuse classes too small to split; warn about few images or unequal classes."""
    counts = np.bincount(y, minlength=len(class_names))
    small = {name: int(n) for name, n in zip(class_names, counts, strict=True)
             if n < MIN_IMAGES}
    if small:
        raise ImageFolderError(
            f"{root}: too few readable images in {small}; each class needs at least "
            f"{MIN_IMAGES} (some to train on, some to check on). Add images to these class "
            "folders, or move the folders out of the dataset folder.")
    few = {name: int(n) for name, n in zip(class_names, counts, strict=True) if n < FEW_IMAGES}
    notes = []
    if few:
        notes.append(f"few images in {few}: expect noisy accuracies; aim for "
                     f"{FEW_IMAGES * 3}+ per class")
    if counts.max() >= IMBALANCE * counts.min():
        notes.append(f"unequal classes ({class_names[counts.argmax()]} {counts.max()}, "
                     f"{class_names[counts.argmin()]} {counts.min()}): accuracy then "
                     "rewards guessing the largest class; compare with that")
    if notes:
        warnings.warn(f"{root.name}: " + "; ".join(notes) + ".", stacklevel=3)


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
