"""The course's own small source CNN, trained by ``python -m tlteach.torch.pretrain``."""

from __future__ import annotations

from collections import OrderedDict

import torch
from torch import nn
from torchvision.transforms import v2


def conv_block(c_in: int, c_out: int, pool: bool) -> nn.Sequential:
    """3x3 conv, BatchNorm, ReLU, then an optional 2x2 max-pool."""
    layers = [nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out),
              nn.ReLU(inplace=True)]  # fmt: skip
    if pool:
        layers.append(nn.MaxPool2d(2))
    return nn.Sequential(*layers)


def small_cnn_body(width: int = 32) -> nn.Sequential:
    """Images ``(B, 3, H, W)`` -> features ``(B, 4 * width)``; any H, W >= 8."""
    return nn.Sequential(OrderedDict(
        block1=conv_block(3, width, pool=True),
        block2=conv_block(width, 2 * width, pool=True),
        block3=conv_block(2 * width, 4 * width, pool=False),
        pool=nn.AdaptiveAvgPool2d(1),
        flatten=nn.Flatten(),
    ))  # fmt: skip


class SmallCNN(nn.Module):
    """A 3-block CNN (about 100k parameters): ``body`` gives features, ``head`` the logits."""

    def __init__(self, num_classes: int = 10, width: int = 32) -> None:
        super().__init__()
        self.body = small_cnn_body(width)
        self.head = nn.Linear(4 * width, num_classes)
        self.to(memory_format=torch.channels_last)  # PyTorch's faster CNN layout on CPU

    def forward(self, x):
        return self.head(self.body(x))


def small_cnn_preprocess() -> nn.Module:
    """Images in ``[0, 1]`` -> ``[-1, 1]``: the scaling the course CNNs are trained with."""
    return v2.Normalize(mean=[0.5] * 3, std=[0.5] * 3)
