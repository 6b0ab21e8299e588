"""Where the course runs: seeding, the compute device, Colab detection and what the Colab
install kept. The memory workarounds are in ``tlteach.memory`` (also reachable here, as
``tlteach.runtime.return_freed_memory()`` in the notebooks)."""

from __future__ import annotations

import os
import random
import sys

import numpy as np

from tlteach.memory import free_traced_graphs, return_freed_memory, trim_memory

__all__ = ["STACK", "device", "free_traced_graphs", "in_colab", "installed_versions",
           "report_install", "return_freed_memory", "seed_everything", "sub_seeds", "trim_memory"]


def seed_everything(seed: int) -> int:
    """Seed Python, NumPy, and PyTorch and TensorFlow/Keras where imported; return seed.

    Neither framework is imported here: a Keras notebook stays free of PyTorch and a
    PyTorch notebook free of TensorFlow.
    """
    random.seed(seed)
    np.random.seed(seed)
    if "torch" in sys.modules:
        import torch

        torch.manual_seed(seed)
    if "keras" in sys.modules or "tensorflow" in sys.modules:
        import keras

        keras.utils.set_random_seed(seed)
    return seed


def sub_seeds(seed: int, n: int) -> list[int]:
    """``n`` seeds for the parts of one run (a data draw, each model's initialisation), derived
    from ``seed`` with NumPy's ``SeedSequence``: independent of each other and of the sub-seeds
    of any other ``seed`` (unlike ``seed + 1``, ``seed + 2``, which the next seed shares).
    """
    if n < 0:
        raise ValueError(f"sub_seeds(seed, n={n}): n is how many seeds you want, 0 or more.")
    return [int(child.generate_state(1)[0])
            for child in np.random.SeedSequence(seed).spawn(n)]


def device() -> str:
    """The best available PyTorch device: ``"cuda"``, then ``"mps"``, else ``"cpu"``.

    Set the environment variable ``TLTEACH_DEVICE`` to force one (e.g. ``cpu``).
    """
    forced = os.environ.get("TLTEACH_DEVICE")
    if forced:
        return forced
    import torch

    if torch.cuda.is_available():
        return "cuda"
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return "mps"
    return "cpu"


def in_colab() -> bool:
    """True when running inside Google Colab."""
    return "google.colab" in sys.modules


STACK = ("torch", "torchvision", "tensorflow")
"""The preinstalled packages the course installs next to, on Colab: kept when in range."""


def installed_versions(names: tuple[str, ...] = STACK) -> dict[str, str | None]:
    """The installed version of each package (``None`` where it is not installed)."""
    from importlib.metadata import PackageNotFoundError, version

    found: dict[str, str | None] = {}
    for name in names:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = None
    return found


def report_install(before: dict[str, str | None]) -> str:
    """Say what installing the course did to the packages of ``before`` (their versions
    just before the install, from ``installed_versions``): kept, installed or replaced.
    Returns the report and prints it."""
    after = installed_versions(tuple(before))
    lines, replaced = [], False
    for name, old in before.items():
        new = after[name]
        if new == old:
            lines.append(f"kept {name} {old}" if old else f"{name}: not installed (not needed)")
        elif old is None:
            lines.append(f"installed {name} {new}")
        else:
            lines.append(f"replaced {name} {old} with {new}")
            replaced = True
    if replaced:
        lines.append("Restart the session (Runtime > Restart session) before the next cell: "
                     "the replaced packages are loaded only then.")
    report = "\n".join(lines)
    print(report)
    return report
