"""Old module paths that keep working for one release, with a ``DeprecationWarning``.

The PyTorch helpers moved under ``tlteach.torch`` (0.2). Each old module is a few lines
that hand its names over from the new one::

    __getattr__ = moved_to("tlteach.torch.backbones")

so ``from tlteach.backbones import load_backbone`` still works and warns once per name.
"""

from __future__ import annotations

import importlib
import warnings
from collections.abc import Callable
from typing import Any


def moved_to(new: str, old: str | None = None) -> Callable[[str], Any]:
    """A module-level ``__getattr__`` that warns and returns ``new``'s attribute."""

    def __getattr__(name: str) -> Any:  # noqa: N807  (Python's name for this hook)
        module = importlib.import_module(new)
        if name.startswith("__") or not hasattr(module, name):
            raise AttributeError(f"module {old or new!r} has no attribute {name!r}")
        where = f"{old}.{name}" if old else name
        warnings.warn(f"{where} moved to {new}.{name}; import it from {new} (the old path "
                      "goes in the next release).", DeprecationWarning, stacklevel=2)
        return getattr(module, name)

    return __getattr__
