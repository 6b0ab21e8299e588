"""Freezing vocabulary and training helpers for Keras 3, named as in ``tlteach.torch``.

Keras freezes with ``layer.trainable = False``. A frozen ``BatchNormalization`` layer runs
in inference mode in Keras 3; still call the base model with ``training=False`` (as the
classic tutorial does), so that BatchNorm stays in inference mode after you unfreeze it
for fine-tuning.
"""

from __future__ import annotations

import keras


def _check_model(model) -> None:
    if not isinstance(model, keras.layers.Layer):
        raise TypeError(f"Expected a Keras model or layer, got {type(model).__module__}."
                        f"{type(model).__name__}. For PyTorch models use tlteach.torch.")


def units(model: keras.Model) -> list[keras.layers.Layer]:
    """Layers that own weights, input side first, opening nested models."""
    _check_model(model)
    out = []
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            out.extend(units(layer))
        elif layer.weights:
            out.append(layer)
    return out


def freeze(model: keras.layers.Layer) -> keras.layers.Layer:
    """``trainable = False`` for the model (or layer) and everything in it; returns it."""
    _check_model(model)
    model.trainable = False
    return model


def unfreeze(model: keras.layers.Layer) -> keras.layers.Layer:
    """``trainable = True`` for the model (or layer) and everything in it; returns it."""
    _check_model(model)
    model.trainable = True
    return model


def freeze_to(model: keras.Model, n: int) -> keras.Model:
    """Freeze the first ``n`` units and unfreeze the rest (``n < 0``: train the last ``-n``).

    The tutorial's ``fine_tune_at``: ``freeze_to(base_model, fine_tune_at)``. Recompile
    the model afterwards, as Keras requires after changing ``trainable``.
    """
    parts = units(model)
    if not -len(parts) <= n <= len(parts):
        raise ValueError(f"n={n} is out of range: the model has {len(parts)} units.")
    model.trainable = True  # nested models must be trainable for their layers to be
    first_trainable = n % len(parts) if n < 0 else n
    for i, layer in enumerate(parts):
        layer.trainable = i >= first_trainable
    return model


def trainable_parameters(model: keras.Model) -> int:
    """The number of trainable weight values."""
    return int(sum(w.numpy().size for w in model.trainable_weights))


def fit(model: keras.Model, train, val=None, epochs: int = 5, initial_epoch: int = 0,
        verbose: int = 0) -> dict[str, list[float]]:
    """``model.fit`` (compile first) returning the history dict plus an ``epoch`` list."""
    _check_model(model)
    history = model.fit(train, validation_data=val, epochs=initial_epoch + epochs,
                        initial_epoch=initial_epoch, verbose=verbose)
    out = {"epoch": [e + 1 for e in history.epoch]}
    out.update({k: [float(v) for v in vs] for k, vs in history.history.items()})
    return out


def evaluate(model: keras.Model, data) -> dict[str, float]:
    """Loss and metrics of a compiled model on ``data``, as a dict."""
    _check_model(model)
    return {k: float(v) for k, v in model.evaluate(data, verbose=0, return_dict=True).items()}
