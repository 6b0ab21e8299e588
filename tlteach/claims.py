"""Asserted lessons: a measured effect checked against the margin a lesson promises.

``check("frozen beats scratch", gain, at_least=0.15)`` prints the claim with its measured
effect and raises an ``AssertionError`` when the effect is below ``at_least`` (or above
``at_most``, for claims of the form "within 8 points").

The robustness report (``make robustness``) runs every notebook and lesson test under many
seeds and emulated CPUs. It sets the environment variable ``TLTEACH_CLAIMS`` to a file: each
check then appends one JSON line there (claim, effect, bound) and a failed check is recorded
instead of stopping the run, so that every claim of a run is measured.
"""

from __future__ import annotations

import json
import os


def check(claim: str, effect: float, at_least: float | None = None,
          at_most: float | None = None) -> float:
    """Print ``claim`` with its measured ``effect``; assert ``at_least <= effect <= at_most``.

    Give one bound or both. Returns the margin: how far ``effect`` is inside its bounds
    (>= 0 when the claim holds, negative by how much it misses).
    """
    if at_least is None and at_most is None:
        raise ValueError(f"check({claim!r}): give at_least=, at_most= or both.")
    effect = float(effect)
    margins, bounds = [], []
    if at_least is not None:
        margins.append(effect - at_least)
        bounds.append(f"at least {at_least:+.3f}")
    if at_most is not None:
        margins.append(at_most - effect)
        bounds.append(f"at most {at_most:+.3f}")
    margin = min(margins)
    status = "holds" if margin >= 0 else "FAILS"
    text = f"{claim}: {effect:+.3f} (checked: {' and '.join(bounds)})"
    print(f"{status}: {text}")
    record = os.environ.get("TLTEACH_CLAIMS")
    if record:
        with open(record, "a", encoding="utf-8") as f:
            f.write(json.dumps({"claim": claim, "effect": effect, "at_least": at_least,
                                "at_most": at_most, "margin": margin}) + "\n")
    elif margin < 0:
        raise AssertionError(f"The lesson does not hold: {text}")
    return margin


def seeds(default: tuple[int, ...]) -> tuple[int, ...]:
    """The seeds a lesson test runs: ``TLTEACH_SEEDS`` ("3 4 5") if set, else ``default``."""
    value = os.environ.get("TLTEACH_SEEDS", "").replace(",", " ").split()
    try:
        return tuple(int(s) for s in value) or default
    except ValueError:
        raise ValueError(f"TLTEACH_SEEDS={os.environ['TLTEACH_SEEDS']!r}: give whole numbers "
                         "separated by spaces, e.g. TLTEACH_SEEDS='3 4 5'.") from None
