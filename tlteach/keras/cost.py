"""What a Keras model costs to run: CPU time per image, measured as ``tlteach.torch``'s
``milliseconds_per_image`` measures a PyTorch model (``tlteach.timing``)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def milliseconds_per_image(model: Callable, batch: np.ndarray, repeats: int = 5) -> float:
    """Median CPU time per image of ``model(batch)`` (a Keras model in inference mode, or a
    ``tf.function`` that serves one), in milliseconds, after a warm-up call (which traces)."""
    from tlteach.timing import milliseconds_per_item

    return milliseconds_per_item(lambda: np.asarray(model(batch)), len(batch), repeats)
