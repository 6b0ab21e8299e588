"""MNIST-M: MNIST digits blended over patches of colour photos (Ganin & Lempitsky, 2015).

Each image is ``|patch - digit|`` per channel, where ``patch`` is a random 28x28 crop
(at a random scale) of a natural photo. The original used BSDS500 photos; tlteach uses
the sample photos that ship with scikit-image and scikit-learn, so it builds offline.
Deterministic for a seed and cached in the tlteach cache directory.
"""

from __future__ import annotations

import numpy as np

from tlteach.data.dataset import Dataset

VERSION = 1  # bump when the construction changes, so stale caches are not reused


def background_photos() -> list[np.ndarray]:
    """The colour photos MNIST-M patches are cut from (uint8 RGB)."""
    from skimage import data as skdata
    from sklearn.datasets import load_sample_images

    names = ["astronaut", "chelsea", "coffee", "rocket", "hubble_deep_field",
             "immunohistochemistry"]  # fmt: skip
    photos = [getattr(skdata, n)() for n in names]
    return photos + list(load_sample_images().images)


def blend(digits: np.ndarray, photos: list[np.ndarray], seed: int) -> np.ndarray:
    """``|patch - digit|`` for each digit ``(N, 28, 28)`` -> ``(N, 28, 28, 3)`` uint8."""
    from PIL import Image

    rng = np.random.default_rng(seed)
    out = np.empty((*digits.shape, 3), dtype=np.uint8)
    h, w = digits.shape[1:]
    for i, digit in enumerate(digits):
        photo = photos[rng.integers(len(photos))]
        side = int(rng.integers(h, min(photo.shape[:2]) // 3))
        top = rng.integers(photo.shape[0] - side + 1)
        left = rng.integers(photo.shape[1] - side + 1)
        crop = np.ascontiguousarray(photo[top : top + side, left : left + side])
        patch = np.asarray(Image.fromarray(crop).resize((w, h), Image.BILINEAR), dtype=np.int16)
        out[i] = np.abs(patch - digit[..., None].astype(np.int16)).astype(np.uint8)
    return out


def load_mnist_m(mnist: Dataset, seed: int = 0) -> Dataset:
    """MNIST-M built from ``mnist`` (the course's 5,000 MNIST digits); cached per seed."""
    from tlteach.cache import atomic_write, cache_dir

    path = cache_dir("mnist_m") / f"mnist_m-v{VERSION}-seed{seed}.npz"
    digits, y, names = mnist
    if path.exists():
        with np.load(path) as cached:
            X = cached["X"]
        if X.shape == (*digits.shape, 3):
            return X, y, names
    X = blend(digits, background_photos(), seed)
    atomic_write(path, lambda tmp: np.savez_compressed(tmp, X=X))
    return X, y, names
