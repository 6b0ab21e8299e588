"""What a PyTorch model costs to keep and to run: parameters, file size, arithmetic and CPU
time per image.

Latency depends on the machine, the thread count and the batch size: compare models only
when measured here, at the same ``torch.get_num_threads()``, and report the median of
repeated runs after a warm-up call (the first call allocates memory and picks kernels).
"""

from __future__ import annotations

import io
from collections.abc import Hashable

import numpy as np
import torch
from torch import nn


def parameter_count(model: nn.Module) -> int:
    """The number of parameters of ``model`` (trainable or not)."""
    return sum(p.numel() for p in model.parameters())


def file_megabytes(model: nn.Module) -> float:
    """The size of ``torch.save(model.state_dict())`` in megabytes (10^6 bytes): what a
    checkpoint of the weights takes on disk (quantized weights included)."""
    buffer = io.BytesIO()
    torch.save(model.state_dict(), buffer)
    return buffer.getbuffer().nbytes / 1e6


def flops_per_image(model: nn.Module, batch: torch.Tensor) -> float:
    """Floating-point operations of one forward pass per image, as PyTorch's
    ``torch.utils.flop_counter.FlopCounterMode`` counts them (a multiply-add is 2 FLOPs;
    matrix products and convolutions only, which dominate a network's arithmetic), in eval
    mode; the model's own mode is restored afterwards."""
    from torch.utils.flop_counter import FlopCounterMode

    from tlteach.torch.layer_modes import eval_mode

    with eval_mode(model), FlopCounterMode(display=False) as counter, torch.no_grad():
        model(batch)
    return counter.get_total_flops() / len(batch)


def milliseconds_per_image(model: nn.Module, batch: torch.Tensor, repeats: int = 5) -> float:
    """Median CPU time per image of a forward pass over ``batch``, in milliseconds (after a
    warm-up call, in eval mode, without gradients; ``tlteach.timing``)."""
    from tlteach.timing import milliseconds_per_item

    model.eval()
    with torch.no_grad():
        return milliseconds_per_item(lambda: model(batch), len(batch), repeats)


def milliseconds_interleaved(runs: dict[Hashable, tuple[nn.Module, torch.Tensor]],
                             rounds: int = 10, min_seconds: float = 0.02
                             ) -> dict[Hashable, np.ndarray]:
    """CPU milliseconds per image of each ``model`` on its ``batch`` (``runs``: name ->
    ``(model, batch)``), measured together: in each of ``rounds`` rounds every entry is timed
    once with ``torch.utils.benchmark.Timer`` (enough calls to last ``min_seconds``, in eval
    mode, without gradients), so a busy or throttled moment touches all entries alike.

    Returns name -> ``(rounds,)`` milliseconds per image: read the median, and the spread
    over rounds (e.g. the quartiles) before calling two entries different. Each model's mode
    is restored afterwards.
    """
    import logging

    # torch.utils.benchmark imports cpp_extension, which logs a CUDA note on CPU-only machines
    logger = logging.getLogger("torch.utils.cpp_extension")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        from torch.utils import benchmark
    finally:
        logger.setLevel(level)

    from tlteach.torch.layer_modes import eval_mode

    if rounds < 1:
        raise ValueError(f"milliseconds_interleaved: rounds must be at least 1, got {rounds}.")
    timers = {name: benchmark.Timer("model(batch)", globals={"model": model, "batch": batch},
                                    num_threads=torch.get_num_threads())
              for name, (model, batch) in runs.items()}
    times: dict[Hashable, list[float]] = {name: [] for name in runs}
    models = list({id(model): model for model, _ in runs.values()}.values())
    with eval_mode(*models), torch.no_grad():
        calls = {name: max(1, int(min_seconds / timer.timeit(1).mean))  # also the warm-up
                 for name, timer in timers.items()}
        for _ in range(rounds):
            for name, timer in timers.items():
                seconds = timer.timeit(calls[name]).mean
                times[name].append(1000 * seconds / len(runs[name][1]))
    return {name: np.array(values) for name, values in times.items()}
