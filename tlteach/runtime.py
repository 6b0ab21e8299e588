"""Where the course runs: seeding, the compute device, Colab detection."""

from __future__ import annotations

import os
import random
import sys

import numpy as np


def seed_everything(seed: int) -> int:
    """Seed Python, NumPy, and PyTorch and TensorFlow/Keras where imported; return seed.

    Neither framework is imported here: a Keras notebook stays free of PyTorch and a
    PyTorch notebook free of TensorFlow.
    """
    random.seed(seed)
    np.random.seed(seed)
    if "torch" in sys.modules:
        import torch

        torch.manual_seed(seed)
    if "keras" in sys.modules or "tensorflow" in sys.modules:
        import keras

        keras.utils.set_random_seed(seed)
    return seed


def device() -> str:
    """The best available PyTorch device: ``"cuda"``, then ``"mps"``, else ``"cpu"``.

    Set the environment variable ``TLTEACH_DEVICE`` to force one (e.g. ``cpu``).
    """
    forced = os.environ.get("TLTEACH_DEVICE")
    if forced:
        return forced
    import torch

    if torch.cuda.is_available():
        return "cuda"
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return "mps"
    return "cpu"


def in_colab() -> bool:
    """True when running inside Google Colab."""
    return "google.colab" in sys.modules
