"""Training histories as both frameworks' ``fit`` return them: dicts of per-epoch lists
(``epoch``, ``loss``, ``accuracy``, ``val_...``), Keras' keys."""

from __future__ import annotations

import math


def join_phases(*phases: dict) -> dict[str, list]:
    """Histories of consecutive training phases as one, with ``phase_starts``: the number of
    epochs before each phase, which ``plots.learning_curves`` marks. The last phase's keys
    count; where an earlier phase lacks one (e.g. it had no validation) its epochs get NaN,
    which plots leave out."""
    if not phases:
        raise ValueError("join_phases needs at least one history.")
    keys = [k for k in phases[-1] if k != "phase_starts"]
    joined: dict[str, list] = {k: [] for k in keys}
    starts, epochs = [], 0
    for phase in phases:
        starts.append(epochs)
        n = len(phase["epoch"])
        for k in keys:
            joined[k] = joined[k] + list(phase.get(k, [math.nan] * n))
        epochs += n
    joined["phase_starts"] = starts
    return joined
