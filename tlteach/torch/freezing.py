"""Freezing vocabulary for PyTorch models (after fastai): freeze, unfreeze, freeze_to, param_groups.

A model is seen as an ordered list of *units*: its ``nn.Sequential`` containers are opened
recursively and every other module that owns parameters is one unit (a conv, a BatchNorm,
a residual/MBConv block, a linear head). ``freeze_to(model, n)`` freezes the first ``n``
units; a negative ``n`` leaves the last ``-n`` units trainable.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from torch import nn


def check_module(model) -> None:
    """Raise a ``TypeError`` that names ``tlteach.keras`` unless ``model`` is an ``nn.Module``."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"Expected a PyTorch nn.Module, got {type(model).__module__}."
                        f"{type(model).__name__}. For Keras models use tlteach.keras.")


def units(model: nn.Module) -> list[nn.Module]:
    """The model's parameter-owning units, input side first (see the module docstring)."""
    check_module(model)
    out = []
    for child in model.children():
        if isinstance(child, nn.Sequential):
            out.extend(units(child))
        elif any(True for _ in child.parameters()):
            out.append(child)
    return out


def freeze(model: nn.Module) -> nn.Module:
    """Make every parameter untrainable (``requires_grad=False``); returns the model."""
    check_module(model)
    return model.requires_grad_(False)


def _freeze_batchnorm(model: nn.Module) -> None:
    for m in model.modules():
        if isinstance(m, nn.modules.batchnorm._BatchNorm):
            m.requires_grad_(False)


def unfreeze(model: nn.Module, train_bn: bool = True) -> nn.Module:
    """Make every parameter trainable; returns the model. ``train_bn=False`` keeps the
    BatchNorm layers frozen, so ``fit`` runs them in inference mode (Keras' default)."""
    check_module(model)
    model.requires_grad_(True)
    if not train_bn:
        _freeze_batchnorm(model)
    return model


def freeze_to(model: nn.Module, n: int, train_bn: bool = True) -> nn.Module:
    """Freeze the first ``n`` units and unfreeze the rest (``n < 0``: train the last ``-n``);
    ``train_bn=False`` keeps every BatchNorm layer frozen, as in ``unfreeze``."""
    parts = units(model)
    if not -len(parts) <= n <= len(parts):
        raise ValueError(f"n={n} is out of range: the model has {len(parts)} units.")
    for i, unit in enumerate(parts):
        unit.requires_grad_(i >= (n % len(parts) if n < 0 else n))
    if not train_bn:
        _freeze_batchnorm(model)
    return model


def trainable_parameters(model: nn.Module) -> int:
    """The number of trainable parameter values."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def spread_lrs(low: float, high: float, n: int) -> list[float]:
    """``n`` learning rates spaced geometrically from ``low`` to ``high`` (fastai's slice)."""
    return [float(x) for x in np.geomspace(low, high, n)] if n > 1 else [float(high)]


def param_groups(model: nn.Module, lrs: Sequence[float]) -> list[dict]:
    """Optimizer groups for discriminative learning rates: units split into ``len(lrs)``
    contiguous groups, input side first, each with its own ``lr``; frozen parameters and
    empty groups are left out. Pass the result to ``torch.optim.AdamW(...)``.
    """
    parts = units(model)
    groups = []
    for lr, chunk in zip(lrs, np.array_split(np.arange(len(parts)), len(lrs)), strict=True):
        params = [p for i in chunk for p in parts[i].parameters() if p.requires_grad]
        if params:
            groups.append({"params": params, "lr": float(lr)})
    return groups


def bn_eval_if_frozen(model: nn.Module) -> None:
    """Put BatchNorm layers whose parameters are frozen in inference mode.

    The PyTorch counterpart of Keras' ``base_model(x, training=False)``: a frozen layer
    should not keep updating its running mean and variance on the new data.
    """
    for m in model.modules():
        if isinstance(m, nn.modules.batchnorm._BatchNorm):
            params = list(m.parameters())
            if params and not any(p.requires_grad for p in params):
                m.eval()
