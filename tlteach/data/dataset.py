"""What every loader returns: the ``Dataset`` type, the error for a missing source, and the
class names of the course's sources. A leaf module: the loaders import it, it imports none."""

from __future__ import annotations

import numpy as np

Dataset = tuple[np.ndarray, np.ndarray, list[str]]

ANIMAL_CLASSES = [
    "bear", "bird", "cat", "cow", "dog", "elephant", "giraffe", "horse", "sheep", "zebra",
]  # fmt: skip
DIGIT_CLASSES = [str(d) for d in range(10)]
FASHION_CLASSES = [
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
]  # fmt: skip


class DataUnavailableError(RuntimeError):
    """A source cannot be loaded here (not installed, or needs the network)."""
