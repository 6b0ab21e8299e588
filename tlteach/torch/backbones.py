"""Pretrained PyTorch backbones: a feature body, its preprocessing, and its original head.

>>> from tlteach.torch.backbones import load_backbone, predict_imagenet
>>> from skimage import data
>>> predict_imagenet(load_backbone("efficientnet_lite0"), [data.chelsea()], top=3)

Names:

- ``efficientnet_lite0``: ImageNet weights installed by pip (offline);
- ``resnet18``, ``resnet50``, ``mobilenet_v3_small``, ``vgg16``: torchvision's ImageNet
  weights, downloaded on first use (online, e.g. Colab) or read from the torch cache;
- ``cnn_mnist``, ``cnn_animals``: the course's own small CNNs trained on a source task,
  shipped inside the package (see ``python -m tlteach.torch.pretrain``).
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from importlib import resources

import numpy as np
import torch
from torch import nn
from torchvision.transforms import v2

from tlteach.checkpoints import (
    WeightsUnavailableError,
    check_imagenet_head,
    course_cnn_manifest,
    efficientnet_lite0_state_dict,
    imagenet_classes,
)
from tlteach.data.pipelines import check_images, to_tensor
from tlteach.torch.inference import batches_of, infer
from tlteach.torch.layer_modes import eval_mode

IMAGENET_MEAN, IMAGENET_STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)
TORCHVISION = {  # name -> (builder, weights enum name)
    "resnet18": ("resnet18", "ResNet18_Weights"),
    "resnet50": ("resnet50", "ResNet50_Weights"),
    "mobilenet_v3_small": ("mobilenet_v3_small", "MobileNet_V3_Small_Weights"),
    "vgg16": ("vgg16", "VGG16_Weights"),
}
COURSE_CNNS = ("cnn_mnist", "cnn_animals")
NAMES = ("efficientnet_lite0", *TORCHVISION, *COURSE_CNNS)


@dataclass
class Backbone:
    """A pretrained network split for transfer learning.

    ``body``: preprocessed images ``(B, 3, H, W)`` -> features ``(B, num_features)``.
    ``preprocess``: images in ``[0, 1]`` -> the body's input scaling.
    ``head``: features -> logits of the source task (ImageNet or the course's source task),
    named by ``classes``; ``None`` when there is none.
    ``input_size``: the image size the course uses for this body on a CPU.
    ``pooling``: how the body ends: ``"avg"`` or ``"max"`` (features ``(B, num_features)``),
    ``None`` (feature maps ``(B, num_features, h, w)``).
    """

    name: str
    body: nn.Module
    num_features: int
    preprocess: nn.Module
    head: nn.Module | None = None
    classes: list[str] | None = None
    input_size: int = 96
    pooling: str | None = "avg"

    def to(self, device: str | torch.device) -> Backbone:
        """Move body and head to ``device``; returns self."""
        self.body.to(device)
        if self.head is not None:
            self.head.to(device)
        return self


def _efficientnet_lite0(pretrained: bool) -> Backbone:
    from efficientnet_lite_pytorch import EfficientNet

    net = EfficientNet.from_name("efficientnet-lite0")
    if pretrained:
        net.load_state_dict(efficientnet_lite0_state_dict())
    for m in net.modules():  # the port's 0.01 leaves running stats stale after a short training
        if isinstance(m, nn.BatchNorm2d):
            m.momentum = 0.1  # PyTorch's default; Keras' 0.9 in tlteach.keras
    body = nn.Sequential(OrderedDict(
        stem=nn.Sequential(net._conv_stem, net._bn0, nn.ReLU6()),
        blocks=nn.Sequential(*net._blocks),
        head=nn.Sequential(net._conv_head, net._bn1, nn.ReLU6()),
        pool=nn.AdaptiveAvgPool2d(1),
        flatten=nn.Flatten(),
    ))  # fmt: skip
    scale = v2.Normalize(mean=[127 / 255] * 3, std=[128 / 255] * 3)  # (x - 127) / 128 on 0-255
    return Backbone("efficientnet_lite0", body, 1280, scale, net._fc, imagenet_classes(), 96)


def _torchvision_weights(name: str, pretrained: bool):
    import torchvision.models as tvm

    builder, enum = TORCHVISION[name]
    weights = getattr(tvm, enum).DEFAULT if pretrained else None
    model = getattr(tvm, builder)(weights=None)
    if weights is not None:
        try:
            state = weights.get_state_dict(progress=False, check_hash=True)
        except Exception as error:  # URLError, socket errors, proxies: all mean "no download"
            raise WeightsUnavailableError(
                f"Could not get torchvision's ImageNet weights for {name!r} "
                f"({type(error).__name__}: {error}). They are downloaded on first use, which "
                "needs internet (it works on Colab and Binder) or a copy in the torch cache "
                f"({torch.hub.get_dir()}/checkpoints). Offline, use "
                "load_backbone('efficientnet_lite0'): its ImageNet weights come with pip."
            ) from None
        model.load_state_dict(state)
    return model


def _torchvision(name: str, pretrained: bool) -> Backbone:
    model = _torchvision_weights(name, pretrained)
    scale = v2.Normalize(mean=list(IMAGENET_MEAN), std=list(IMAGENET_STD))
    classes = imagenet_classes()
    if name.startswith("resnet"):
        layers = [(n, m) for n, m in model.named_children() if n != "fc"]
        body = nn.Sequential(OrderedDict([*layers, ("flatten", nn.Flatten())]))
        head = model.fc
        return Backbone(name, body, head.in_features, scale, head, classes, 96)
    if name == "mobilenet_v3_small":
        body = nn.Sequential(model.features, model.avgpool, nn.Flatten())
        return Backbone(name, body, 576, scale, model.classifier, classes, 96)
    # VGG16: its convolutional features, globally pooled (512), as Keras' VGG16(include_top=
    # False, pooling="avg") gives; its ImageNet classifier needs the unpooled 7x7 maps.
    body = nn.Sequential(model.features, nn.AdaptiveAvgPool2d(1), nn.Flatten())
    return Backbone(name, body, 512, scale, None, None, 96)


def _course_cnn(name: str, pretrained: bool) -> Backbone:
    from tlteach.cache import check_sha256
    from tlteach.torch.small_cnn import SmallCNN, small_cnn_preprocess

    entry = course_cnn_manifest()[name]
    model = SmallCNN(num_classes=len(entry["classes"]), width=entry["width"])
    if pretrained:
        with resources.as_file(resources.files("tlteach.weights").joinpath(entry["file"])) as p:
            check_sha256(p, entry["sha256"])
            model.load_state_dict(torch.load(p, map_location="cpu", weights_only=True))
    return Backbone(name, model.body, 4 * entry["width"], small_cnn_preprocess(), model.head,
                    list(entry["classes"]), entry["input_size"])


def _set_pooling(body: nn.Sequential, pooling: str | None) -> nn.Sequential:
    """The body with its global average pooling kept (``"avg"``), made a max (``"max"``), or
    dropped with the flatten after it (``None``: feature maps)."""
    if pooling == "max":
        body[-2] = nn.AdaptiveMaxPool2d(1)
    return body[:-2] if pooling is None else body


def load_backbone(name: str, input_shape: tuple[int, int, int] | None = None,
                  pooling: str | None = "avg", pretrained: bool = True) -> Backbone:
    """Load a backbone by name (see the module docstring); ``pretrained=False``: random init.

    The same arguments as ``tlteach.keras.load_backbone``: ``input_shape`` ``(size, size, 3)``
    sets ``input_size``, the size images are resized to (default: the course's size for this
    body); ``pooling`` is ``"avg"`` (features), ``"max"`` or ``None`` (feature maps).
    """
    if pooling not in ("avg", "max", None):
        raise ValueError(f"pooling must be 'avg', 'max' or None, got {pooling!r}.")
    if input_shape is not None and (len(input_shape) != 3 or input_shape[2] != 3
                                    or input_shape[0] != input_shape[1]):
        raise ValueError(f"input_shape must be (size, size, 3), got {input_shape!r}: the "
                         "course's backbones take square RGB images.")
    if name == "efficientnet_lite0":
        backbone = _efficientnet_lite0(pretrained)
    elif name in TORCHVISION:
        backbone = _torchvision(name, pretrained)
    elif name in COURSE_CNNS:
        backbone = _course_cnn(name, pretrained)
    else:
        raise KeyError(f"Unknown backbone {name!r}. Available: {', '.join(NAMES)}.")
    backbone.body = _set_pooling(backbone.body, pooling)
    backbone.pooling = pooling
    if input_shape is not None:
        backbone.input_size = int(input_shape[0])
    # Channels-last is PyTorch's faster layout for CNNs on CPU (its pooling and depthwise
    # kernels are vectorised over channels): the same network, outputs equal up to rounding.
    backbone.body.to(memory_format=torch.channels_last).eval()
    if backbone.head is not None:
        backbone.head.eval()
    return backbone


def as_backbone(name: str, body: nn.Module, num_features: int | None = None,
                preprocess: nn.Module | None = None, input_size: int = 28) -> Backbone:
    """A network trained in a notebook as a ``Backbone``, so that ``extract_features`` (and
    every helper that takes a backbone) treats it as it treats the pretrained ones.

    ``body``: images ``(B, 3, H, W)`` -> features ``(B, num_features)``; ``num_features``
    defaults to the length the body gives for one blank image (run in inference mode, so
    BatchNorm's running statistics stay as they are); ``preprocess`` defaults to the course
    CNN's scaling to ``[-1, 1]``; ``input_size``: the side images are resized to (28, the
    course CNN's). ``name`` is part of the feature cache key.
    """
    if preprocess is None:
        from tlteach.torch.small_cnn import small_cnn_preprocess

        preprocess = small_cnn_preprocess()
    if num_features is None:
        num_features = _output_length(body, input_size)
    return Backbone(name, body, num_features, preprocess, input_size=input_size)


def _output_length(body: nn.Module, size: int) -> int:
    """How many features ``body`` gives for one image of ``size`` x ``size`` pixels."""
    weight = next(body.parameters(), None)
    blank = torch.zeros(1, 3, size, size, device=weight.device if weight is not None else "cpu")
    with eval_mode(body), torch.inference_mode():
        return int(body(blank).flatten(1).shape[1])


def _fingerprint(backbone: Backbone, X: np.ndarray, size: int) -> str:
    """A hash of the body's weights, the images and the size: the feature cache key."""
    from tlteach.cache import fingerprint

    header = f"{backbone.name}|{backbone.pooling}|{size}|{X.shape}|{X.dtype}"
    weights = (t.detach().cpu().numpy() for t in backbone.body.state_dict().values())
    return fingerprint(header, [*weights, X])


def _forward_features(backbone: Backbone, X: np.ndarray, size: int, batch_size: int,
                      progress: bool) -> np.ndarray:
    from tqdm.auto import tqdm

    if len(X) == 0:
        return np.zeros((0, backbone.num_features), np.float32)
    dev = next(backbone.body.parameters()).device
    batches = tqdm(batches_of(X, batch_size), total=-(-len(X) // batch_size),
                   disable=not progress, desc="features")
    with eval_mode(backbone.body):
        return infer(lambda x: backbone.body(backbone.preprocess(to_tensor(x, size).to(dev)))
                     .float(), batches).numpy()


def extract_features(backbone: Backbone, X: np.ndarray, size: int | None = None,
                     batch_size: int = 32, cache: bool = True,
                     progress: bool = False) -> np.ndarray:
    """Features ``(N, num_features)`` of uint8 images, in inference mode, cached on disk.

    The cache key covers the backbone's weights, the images and ``size`` (default
    ``backbone.input_size``), so a changed model or dataset is never served stale features.
    """
    from tlteach.cache import cache_dir, cached_array

    check_images(X)
    size = size or backbone.input_size
    path = cache_dir("features") / f"{backbone.name}-{_fingerprint(backbone, X, size)}.npy"
    return cached_array(path, lambda: _forward_features(backbone, X, size, batch_size, progress),
                        cache)


@torch.inference_mode()
def predict_imagenet(backbone: Backbone, images, top: int = 5, *,
                     size: int = 224) -> list[list[tuple[str, float]]]:
    """Top-``top`` ``(class_name, probability)`` pairs for each image (uint8, any size).

    Images are centre-cropped and resized to ``size``, as ImageNet models expect.
    """
    from tlteach.data.transforms import center_crop_batch

    check_imagenet_head(backbone)
    dev = next(backbone.body.parameters()).device
    x = backbone.preprocess(to_tensor(center_crop_batch(images, size)).to(dev))
    with eval_mode(backbone.body, backbone.head):
        probs = backbone.head(backbone.body(x)).softmax(dim=1).cpu()
    values, indices = probs.topk(top, dim=1)
    return [[(backbone.classes[i], float(p)) for p, i in zip(row_p, row_i, strict=True)]
            for row_p, row_i in zip(values.tolist(), indices.tolist(), strict=True)]
