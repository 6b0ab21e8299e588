"""Training loops that return a history dict with Keras' keys (loss, accuracy, val_...)."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import torch
from torch import nn

from tlteach.history import join_phases
from tlteach.torch.freezing import (
    bn_eval_if_frozen,
    check_module,
    freeze_to,
    param_groups,
    spread_lrs,
    unfreeze,
)
from tlteach.torch.inference import infer
from tlteach.torch.layer_modes import eval_mode, train_mode


def _device_of(model: nn.Module) -> torch.device:
    """Where the model's parameters live; the CPU for a model without float parameters
    (an int8 model from ``torch.ao.quantization`` runs on the CPU only)."""
    parameter = next(model.parameters(), None)
    return torch.device("cpu") if parameter is None else parameter.device


def _batches(data, batch_size: int = 32, shuffle: bool = False) -> Iterable:
    """``data`` as batches of ``(x, y)``: a DataLoader (or any iterable of batches) as it is;
    a pair ``(X, y)`` of arrays or tensors batched here, as Keras does with arrays."""
    if not isinstance(data, tuple):
        return data
    if len(data) != 2:
        raise ValueError(f"Got a tuple of {len(data)} items: give a DataLoader or a pair "
                         "(X, y) of arrays.")
    X, y = (torch.as_tensor(np.asarray(a)) for a in data)
    if X.dtype == torch.uint8:
        raise ValueError("X holds uint8 images: make a loader with tlteach.data.to_torch_loader"
                         "(X, y, size=...), which scales and resizes them, or pass float "
                         "tensors (N, 3, H, W) or features (N, F).")
    y = y if y.is_floating_point() else y.long()
    return tensor_loader(X, y, batch_size, shuffle, seed=None)  # shuffled as torch is seeded


def _loss_and_hits(logits: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, int]:
    """Cross-entropy (softmax) for ``(B, C)`` logits, binary cross-entropy for ``(B, 1)``."""
    if logits.ndim == 2 and logits.shape[1] == 1:
        logits = logits[:, 0]
        hits = ((logits > 0).long() == y).sum().item()
        return nn.functional.binary_cross_entropy_with_logits(logits, y.float()), hits
    if y.max().item() >= logits.shape[1] or y.min().item() < 0:
        raise ValueError(f"Labels range over {y.min().item()}..{y.max().item()} but the model "
                         f"outputs {logits.shape[1]} classes: give the head one output per "
                         "class (or 1 output for a binary task).")
    return nn.functional.cross_entropy(logits, y), (logits.argmax(1) == y).sum().item()


@torch.no_grad()
def evaluate(model: nn.Module, data: Iterable) -> dict[str, float]:
    """Mean loss and accuracy of ``model`` over ``data`` (batches of ``(x, y)``, or ``(X, y)``
    arrays), in eval mode; every layer gets its earlier mode back."""
    check_module(model)
    data = _batches(data)
    dev, total, loss_sum, hits = _device_of(model), 0, 0.0, 0
    with eval_mode(model):
        for x, y in data:
            x, y = x.to(dev), y.to(dev)
            loss, h = _loss_and_hits(model(x), y)
            loss_sum += loss.item() * len(y)
            hits += h
            total += len(y)
    return {"loss": loss_sum / max(total, 1), "accuracy": hits / max(total, 1)}


def _probabilities(logits: torch.Tensor) -> torch.Tensor:
    """Softmax of ``(B, C)`` logits; ``(1 - p, p)`` of one sigmoid output ``(B, 1)``."""
    if logits.ndim == 2 and logits.shape[1] == 1:
        p = torch.sigmoid(logits)
        return torch.cat([1 - p, p], 1)
    return torch.softmax(logits, 1)


def predict_proba(model: nn.Module, data: Iterable) -> np.ndarray:
    """Class probabilities ``(N, classes)`` of a model that outputs logits (softmax; one
    sigmoid output gives two columns), over ``data``'s batches of ``(x, y)`` (or ``(X, y)``
    arrays), in eval mode; every layer gets its earlier mode back."""
    check_module(model)
    dev = _device_of(model)
    with eval_mode(model):
        return infer(lambda batch: _probabilities(model(batch[0].to(dev))),
                     _batches(data)).numpy()


def train_epoch(model: nn.Module, data: Iterable, optimizer: torch.optim.Optimizer,
                bn_inference: bool = False) -> dict:
    """One pass over ``data`` in training mode, frozen BatchNorm layers (all with
    ``bn_inference``) in eval; every layer gets its earlier mode back at the end."""
    with train_mode(model):
        bn_eval_if_frozen(model)
        if bn_inference:
            for m in model.modules():
                if isinstance(m, nn.modules.batchnorm._BatchNorm):
                    m.eval()
        dev, total, loss_sum, hits = _device_of(model), 0, 0.0, 0
        for x, y in data:
            x, y = x.to(dev), y.to(dev)
            loss, h = _loss_and_hits(model(x), y)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            loss_sum += loss.item() * len(y)
            hits += h
            total += len(y)
    return {"loss": loss_sum / max(total, 1), "accuracy": hits / max(total, 1)}


def fit(model: nn.Module, train: Iterable, val: Iterable | None = None, epochs: int = 5,
        initial_epoch: int = 0, batch_size: int = 32, restore_best: bool = False,
        progress: bool = True, *, lr: float | None = 1e-3,
        optimizer: torch.optim.Optimizer | None = None,
        bn_inference: bool = False) -> dict[str, list[float]]:
    """Train for ``epochs`` and return the history: epoch, loss, accuracy, val_loss, val_accuracy.

    ``train`` and ``val``: DataLoaders, or ``(X, y)`` arrays (features, or float images) that
    are batched by ``batch_size``, ``train`` shuffled, as in ``tlteach.keras.fit``.
    ``initial_epoch`` continues the epoch count, as in Keras. ``restore_best=True`` (needs
    ``val``) ends with the weights of the epoch with the best validation accuracy, as Keras'
    ``EarlyStopping(restore_best_weights=True)``.

    PyTorch only (Keras compiles its optimizer into the model, and keeps BatchNorm in
    inference mode by freezing it, ``unfreeze(..., train_bn=False)``): the default optimizer
    is AdamW over the trainable parameters at ``lr``; pass your own (e.g. with
    ``param_groups``) for discriminative learning rates. ``bn_inference=True`` keeps every
    BatchNorm layer in inference mode (running statistics used, not updated) even where its
    weights train: Keras' ``base_model(x, training=False)``. Frozen BatchNorm layers always are.
    Every layer ends in the mode it was found in (call ``model.eval()`` to predict by hand).
    """
    from tqdm.auto import tqdm

    check_module(model)
    if optimizer is None:
        params = [p for p in model.parameters() if p.requires_grad]
        if not params:
            raise ValueError("Every parameter is frozen: unfreeze the head (or more) first.")
        optimizer = torch.optim.AdamW(params, lr=lr)
    if restore_best and val is None:
        raise ValueError("restore_best=True needs validation data (val) to pick the best epoch.")
    train = _batches(train, batch_size, shuffle=True)
    val = _batches(val, batch_size) if val is not None else None
    history: dict[str, list[float]] = {"epoch": [], "loss": [], "accuracy": []}
    best_accuracy, best_state = -1.0, None
    bar = tqdm(range(initial_epoch, initial_epoch + epochs), disable=not progress, desc="epochs")
    for epoch in bar:
        stats = train_epoch(model, train, optimizer, bn_inference)
        if val is not None:
            stats.update({f"val_{k}": v for k, v in evaluate(model, val).items()})
        history["epoch"].append(epoch + 1)
        for key, value in stats.items():
            history.setdefault(key, []).append(value)
        bar.set_postfix({k: round(v, 3) for k, v in stats.items()})
        if restore_best and stats["val_accuracy"] > best_accuracy:
            best_accuracy = stats["val_accuracy"]
            best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
    if best_state is not None:
        model.load_state_dict(best_state)
    return history


def fine_tune(model: nn.Module, train: Iterable, val: Iterable | None = None, epochs: int = 5,
              freeze_epochs: int = 1, lr: float = 1e-3, unfrozen: int | None = None,
              lr_ratio: float = 10.0, bn_inference: bool = True,
              progress: bool = True) -> dict[str, list[float]]:
    """Train the head, then fine-tune deeper units with smaller, discriminative learning rates.

    Phase 1: only the last unit (the head) trains for ``freeze_epochs`` at ``lr``.
    Phase 2: the last ``unfrozen`` units (all when ``None``) train for ``epochs`` with
    learning rates from ``lr / lr_ratio**2`` (input side) up to ``lr / lr_ratio`` (head).
    BatchNorm stays in inference mode throughout unless ``bn_inference=False``.
    The history continues across phases; ``history["phase_starts"]`` marks each phase.
    """
    freeze_to(model, -1)
    history = fit(model, train, val, freeze_epochs, lr=lr, bn_inference=bn_inference,
                  progress=progress)
    if unfrozen is None:
        unfreeze(model)
    else:
        freeze_to(model, -unfrozen)
    groups = param_groups(model, spread_lrs(lr / lr_ratio**2, lr / lr_ratio, 3))
    second = fit(model, train, val, epochs, optimizer=torch.optim.AdamW(groups),
                 initial_epoch=freeze_epochs, bn_inference=bn_inference, progress=progress)
    return join_phases(history, second)


def tensor_loader(X, y, batch_size: int = 32, shuffle: bool = False,
                  seed: int | None = 0) -> torch.utils.data.DataLoader:
    """A DataLoader over arrays used as they are (e.g. cached features ``(N, F)``), shuffled
    (``shuffle=True``) from its own generator seeded with ``seed``, or from PyTorch's global
    one (``torch.manual_seed``) with ``seed=None``."""
    X = torch.as_tensor(X)
    y = torch.as_tensor(y)
    generator = None if seed is None else torch.Generator().manual_seed(seed)
    return torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X, y),
                                       batch_size=batch_size, shuffle=shuffle,
                                       generator=generator)
