"""Memory workarounds for long notebook kernels (Binder counts every MiB a kernel holds).

Nothing here changes a computed number: glibc's allocator is told to hand freed pages back
to the system (``trim_memory``, ``return_freed_memory``), and TensorFlow's global gradient
registry is rid of entries that keep deleted Keras models' traced steps alive
(``free_traced_graphs``). Where a workaround does not apply (macOS, Windows, musl, another
TensorFlow) the functions only collect garbage and say so in their return value.
"""

from __future__ import annotations

import platform
import sys

_M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter numbers (malloc.h)
_M_ARENA_MAX = -8
_MMAP_THRESHOLD = 1024 * 1024  # blocks above 1 MiB: activations, not small tensors
_ARENAS = 2  # malloc arenas: glibc's default is 8 per core, one per thread that contends


def trim_memory() -> bool:
    """Collect garbage and hand the C allocator's free pages back to the system, once.

    After training, glibc keeps the freed activations' pages for reuse, and the process's
    resident memory (what Binder counts) stays at its high-water mark. One ``malloc_trim``
    call returns them; nothing computed changes and later allocations are as fast as before.
    Returns True where it applied (Linux with glibc); elsewhere it only collects garbage.
    """
    import gc

    gc.collect()
    if not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc":
        return False
    import ctypes

    ctypes.CDLL(None).malloc_trim(0)
    return True


def return_freed_memory() -> bool:
    """Collect garbage and give free memory back to the system, now and from now on.

    The C allocator (glibc) keeps freed blocks for reuse, and keeps ever larger ones as a
    program frees large blocks: a kernel that has trained a Keras model holds hundreds of MiB
    it no longer uses, and Binder's 2 GB counts them. This hands the free pages back
    (``malloc_trim``), fixes glibc's mmap threshold at 1 MiB, so that every larger block
    (a batch's activations, not a small tensor) is returned as soon as it is freed, and keeps
    the threads that allocate (TensorFlow's thread pools) to 2 malloc arenas, each of which
    would otherwise hold free blocks of its own. Call it before the first training step.
    Computed numbers do not change. Measured (AVX2 cap, 2 threads): two full fine-tunings of
    EfficientNet-Lite0 at 64 px peaked 60-100 MiB lower with the fixed threshold, and
    notebook 03 (Keras), which called it before, 16 MiB lower with 2 arenas (1,442 against
    1,458 MiB). The price is time spent asking the system for
    memory again: a few percent for Keras, whose traced training steps allocate little per
    step, and about a third more for full fine-tuning in eager PyTorch (6 s of system time
    more on 17 s), which allocates every large activation anew; the PyTorch notebooks whose
    peak needs it call it. Returns True where it applied (Linux with glibc); elsewhere (macOS,
    Windows, musl) it only collects garbage and returns False.
    """
    if not trim_memory():
        return False
    import ctypes

    libc = ctypes.CDLL(None)
    libc.mallopt(_M_ARENA_MAX, _ARENAS)
    libc.mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD)
    return True


def _wraps_all_reduce(function, depth: int = 4) -> bool:
    """True if ``function`` or a function in its closures (``depth`` levels) belongs to
    ``tf.distribute``'s all-reduce."""
    if "all_reduce" in getattr(function, "__qualname__", ""):
        return True
    if depth == 0:
        return False
    for cell in getattr(function, "__closure__", None) or ():
        try:
            inner = cell.cell_contents
        except ValueError:  # an empty cell
            continue
        if callable(inner) and _wraps_all_reduce(inner, depth - 1):
            return True
    return False


def free_traced_graphs() -> int:
    """Let TensorFlow free the traced training steps of the Keras models you deleted.

    Keras' optimizer sums the gradients with ``tf.distribute``'s all-reduce, even on one
    device, and in a traced training step TensorFlow registers that all-reduce's own
    gradient in a global registry that is never emptied. The registered function holds the
    step's gradients, and through them its whole traced graph (tensorflow/tensorflow#97697):
    every training step a kernel traced stays in memory after its model is deleted (tens of
    MiB for an EfficientNet-Lite0 fine-tuned in notebook 03). This removes those registry
    entries (nothing differentiates the all-reduce of an optimizer's update) and collects
    garbage; the steps of models still in use keep working, and computed numbers do not
    change. Call it after ``del model``. Returns how many entries it removed: 0 where
    TensorFlow is not imported or keeps no such entries.
    """
    import gc

    if "tensorflow" not in sys.modules:
        return 0
    try:
        from tensorflow.python.framework import ops

        registry = ops._gradient_registry._registry  # noqa: SLF001  (no public way)
    except (ImportError, AttributeError):  # another TensorFlow: nothing known to remove
        return 0
    stale = [name for name, entry in registry.items()
             if name.startswith("CustomGradient-") and _wraps_all_reduce(entry.get("type"))]
    for name in stale:
        del registry[name]
    gc.collect()
    return len(stale)
