"""PyTorch's train/eval modes, given back as they were found.

``model.train(was_training)`` restores only the top module's flag and sets every submodule
to it, so it undoes a frozen base's BatchNorm in eval mode inside a training model. The
helpers here save and restore the flag of every submodule instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager

from torch import nn


def modes_of(*modules: nn.Module | None) -> list[tuple[nn.Module, bool]]:
    """Each submodule of ``modules`` with its ``training`` flag (``None`` entries skipped)."""
    return [(m, m.training) for module in modules if module is not None
            for m in module.modules()]


def restore_modes(saved: list[tuple[nn.Module, bool]]) -> None:
    """Give every submodule in ``saved`` (from ``modes_of``) its flag back."""
    for module, training in saved:
        module.training = training


@contextmanager
def _in_mode(modules: tuple[nn.Module | None, ...], training: bool) -> Iterator[None]:
    saved = modes_of(*modules)
    for module in modules:
        if module is not None:
            module.train(training)
    try:
        yield
    finally:
        restore_modes(saved)


def eval_mode(*modules: nn.Module | None) -> AbstractContextManager[None]:
    """Every submodule of ``modules`` in eval mode inside the block, each in its own earlier
    mode after it (also when the block raises)."""
    return _in_mode(modules, training=False)


def train_mode(*modules: nn.Module | None) -> AbstractContextManager[None]:
    """Every submodule of ``modules`` in training mode inside the block (set single layers
    back to eval inside it, e.g. frozen BatchNorm), each in its own earlier mode after it
    (also when the block raises)."""
    return _in_mode(modules, training=True)
