"""Wall-clock time per item, measured the same way in both frameworks: one warm-up call (it
allocates memory and picks kernels, or traces a graph), then the median of repeated calls.

Compare numbers only when measured on the same machine at the same thread count.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np


def milliseconds_per_item(run: Callable[[], object], items: int, repeats: int = 5) -> float:
    """The median time of ``run()`` over ``repeats`` calls after a warm-up, divided by
    ``items`` (the batch size), in milliseconds."""
    if repeats < 1:
        raise ValueError(f"milliseconds_per_image: repeats must be at least 1, got {repeats}.")
    run()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return 1000 * float(np.median(times)) / items
