"""Freezing vocabulary and training helpers for Keras 3, named as in ``tlteach.torch``.

Keras freezes with ``layer.trainable = False``, and a frozen ``BatchNormalization`` layer
always runs in inference mode. Calling a base model with ``training=False`` (as Keras 2
tutorials do) is not enough in Keras 3: a functional model passes ``fit``'s
``training=True`` down to nested models, overriding that argument, so an unfrozen base
would update its BatchNorm statistics. ``unfreeze`` and ``freeze_to`` therefore keep
BatchNorm layers frozen unless ``train_bn=True``.
"""

from __future__ import annotations

import re

import keras
import numpy as np


def _check_model(model) -> None:
    if not isinstance(model, keras.layers.Layer):
        raise TypeError(f"Expected a Keras model or layer, got {type(model).__module__}."
                        f"{type(model).__name__}. For PyTorch models use tlteach.torch.")


def _check_labels(model: keras.Model, y) -> None:
    """Labels given as an array must fit the model's output: one output per class, or one
    output (sigmoid) for 0/1 labels."""
    y = np.asarray(y)
    classes = model.output_shape[-1]
    top = 2 if classes == 1 else classes
    if y.size and (y.min() < 0 or y.max() >= top):
        raise ValueError(f"Labels range over {y.min()}..{y.max()} but the model outputs "
                         f"{classes} {'value' if classes == 1 else 'classes'}: give the head "
                         "one output per class (or 1 output for a binary task).")


_BLOCK = re.compile(r"^(.*?block_?\d+[a-z]?)_")  # block1_conv1, block01_dw_bn, conv2_block1_0_bn


def _unit_key(layer: keras.layers.Layer) -> str:
    """The block a layer belongs to (by the ``blockN_`` prefix of its name), else its name."""
    match = _BLOCK.match(layer.name)
    return match.group(1) if match else layer.name


def units(model: keras.Model) -> list[list[keras.layers.Layer]]:
    """The model's units, input side first, opening nested models: each is the list of the
    layers with weights of one block (layers named ``blockN_...``, as in Keras' applications
    and the course's EfficientNet-Lite0), or of one layer outside blocks.

    EfficientNet-Lite0 has the same units as in ``tlteach.torch``: stem conv and BatchNorm,
    16 blocks, top conv and BatchNorm (and the head, when the model has one).
    """
    _check_model(model)
    out: list[list[keras.layers.Layer]] = []
    previous = None  # the key of the last unit, when it may still grow (not a nested model's)
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            out.extend(units(layer))
            previous = None
        elif layer.weights:
            key = _unit_key(layer)
            if key == previous:
                out[-1].append(layer)
            else:
                out.append([layer])
            previous = key
    return out


def _batchnorm_layers(model: keras.layers.Layer) -> list[keras.layers.Layer]:
    if isinstance(model, keras.layers.BatchNormalization):
        return [model]
    found = []
    for layer in getattr(model, "layers", []):
        found.extend(_batchnorm_layers(layer))
    return found


def freeze(model: keras.layers.Layer) -> keras.layers.Layer:
    """``trainable = False`` for the model (or layer) and everything in it; returns it."""
    _check_model(model)
    model.trainable = False
    return model


def unfreeze(model: keras.layers.Layer, train_bn: bool = False) -> keras.layers.Layer:
    """``trainable = True`` for the model and everything in it, BatchNorm layers excepted
    (they stay frozen, hence in inference mode) unless ``train_bn``; returns it."""
    _check_model(model)
    model.trainable = True
    if not train_bn:
        for layer in _batchnorm_layers(model):
            layer.trainable = False
    return model


def freeze_to(model: keras.Model, n: int, train_bn: bool = False) -> keras.Model:
    """Freeze the first ``n`` units and unfreeze the rest (``n < 0``: train the last ``-n``);
    BatchNorm layers stay frozen unless ``train_bn``.

    The tutorial's ``fine_tune_at``, counted in units (blocks) as in ``tlteach.torch``:
    ``freeze_to(base, -4)`` trains the same top of EfficientNet-Lite0 in both. Recompile
    the model afterwards, as Keras requires after changing ``trainable``.
    """
    parts = units(model)
    if not -len(parts) <= n <= len(parts):
        raise ValueError(f"n={n} is out of range: the model has {len(parts)} units.")
    model.trainable = True  # nested models must be trainable for their layers to be
    first_trainable = n % len(parts) if n < 0 else n
    for i, unit in enumerate(parts):
        for layer in unit:
            batchnorm = isinstance(layer, keras.layers.BatchNormalization)
            layer.trainable = i >= first_trainable and (train_bn or not batchnorm)
    return model


def trainable_parameters(model: keras.Model) -> int:
    """The number of trainable weight values."""
    return int(sum(w.numpy().size for w in model.trainable_weights))


def fit(model: keras.Model, train, val=None, epochs: int = 5, initial_epoch: int = 0,
        batch_size: int = 32, restore_best: bool = False,
        progress: bool = False) -> dict[str, list[float]]:
    """``model.fit`` (compile first) returning the history dict plus an ``epoch`` list.

    ``train`` and ``val``: ``tf.data`` datasets or ``(X, y)`` arrays (batched by
    ``batch_size``, ``train`` shuffled). ``epochs`` counts from ``initial_epoch``, as in the
    PyTorch ``fit``. ``restore_best=True`` (needs ``val``) ends with the weights of the best
    validation accuracy: ``EarlyStopping(restore_best_weights=True)`` that never stops early.
    ``progress=True`` shows Keras' progress bar (off by default: one bar per epoch).
    """
    _check_model(model)
    if restore_best and val is None:
        raise ValueError("restore_best=True needs validation data (val) to pick the best epoch.")
    callbacks = [keras.callbacks.EarlyStopping(
        monitor="val_accuracy", mode="max", patience=epochs + initial_epoch,
        restore_best_weights=True)] if restore_best else []
    x, y = train if isinstance(train, tuple) else (train, None)
    arrays = y is not None  # a dataset is batched and shuffled already
    for labels in (y, val[1] if isinstance(val, tuple) else None):
        if labels is not None:
            _check_labels(model, labels)
    history = model.fit(x, y, validation_data=val, epochs=initial_epoch + epochs,
                        initial_epoch=initial_epoch, verbose=1 if progress else 0,
                        shuffle=arrays,
                        batch_size=batch_size if arrays else None, callbacks=callbacks)
    out = {"epoch": [e + 1 for e in history.epoch]}
    out.update({k: [float(v) for v in vs] for k, vs in history.history.items()})
    return out


def evaluate(model: keras.Model, data) -> dict[str, float]:
    """Loss and metrics of a compiled model on ``data`` (a dataset or ``(X, y)``), as a dict."""
    _check_model(model)
    x, y = data if isinstance(data, tuple) else (data, None)
    if y is not None:
        _check_labels(model, y)
    return {k: float(v) for k, v in model.evaluate(x, y, verbose=0, return_dict=True).items()}


def predict_proba(model: keras.Model, data) -> np.ndarray:
    """Class probabilities ``(N, classes)`` of a model that outputs logits (softmax; one
    sigmoid output gives two columns), over ``data`` (a dataset or ``(X, y)``)."""
    _check_model(model)
    x = data[0] if isinstance(data, tuple) else data
    logits = np.asarray(model.predict(x, verbose=0), dtype=np.float64)
    from scipy.special import softmax

    if logits.ndim == 2 and logits.shape[1] == 1:
        p = 1 / (1 + np.exp(-logits))
        return np.concatenate([1 - p, p], 1)
    return softmax(logits, axis=1)
