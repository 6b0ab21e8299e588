"""Batched inference without gradients: the one loop behind features, predictions and the
outputs of frozen layers.

    with eval_mode(body):
        features = infer(lambda x: body(x.to(device)), batches_of(X, 64))   # (N, D)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

import torch


def batches_of(inputs, batch_size: int) -> Iterator:
    """Consecutive slices ``inputs[i : i + batch_size]`` of an array or tensor."""
    return (inputs[start : start + batch_size] for start in range(0, len(inputs), batch_size))


@torch.no_grad()
def infer(fn: Callable[[Any], torch.Tensor], batches: Iterable) -> torch.Tensor:
    """``fn(batch)`` for every batch, without gradients, concatenated on the CPU along the
    first axis. The caller sets the modes (``eval_mode``) and moves inputs to the device."""
    return torch.cat([fn(batch).cpu() for batch in batches])
