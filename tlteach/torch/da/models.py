"""The networks of the DANN paper's digit experiments (Ganin et al., JMLR 2016), with
BatchNorm: a convolutional feature extractor and a label predictor."""

from __future__ import annotations

import torch
from torch import nn


class Standardize(nn.Module):
    """Each image to zero mean and unit variance over its pixels: ``(B, C, H, W)``."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        mean = x.mean(dim=(1, 2, 3), keepdim=True)
        return (x - mean) / (x.std(dim=(1, 2, 3), keepdim=True) + 1e-3)


def digit_body() -> nn.Sequential:
    """The DANN paper's MNIST feature extractor with BatchNorm: ``(B, 3, 28, 28) -> (B, 768)``.

    conv 5x5 (32) - pool - conv 5x5 (48) - pool, flattened (48 x 4 x 4).
    """
    return nn.Sequential(
        Standardize(),
        nn.Conv2d(3, 32, 5), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 48, 5), nn.BatchNorm2d(48), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(),
    ).to(memory_format=torch.channels_last)  # fmt: skip  # PyTorch's faster layout on CPU


def digit_head(num_classes: int = 10, in_features: int = 768) -> nn.Sequential:
    """The paper's label predictor: ``(B, 768) -> 100 -> 100 -> (B, num_classes)``."""
    return nn.Sequential(nn.Linear(in_features, 100), nn.ReLU(), nn.Linear(100, 100), nn.ReLU(),
                         nn.Linear(100, num_classes))
