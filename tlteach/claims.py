"""Asserted lessons: a measured effect checked against the margin a lesson promises.

``check("frozen beats scratch", gain, at_least=0.15)`` prints the claim with its measured
effect and raises an ``AssertionError`` when the effect is below ``at_least`` (or above
``at_most``, for claims of the form "within 8 points").

The robustness report (``make robustness``) runs every notebook and lesson test under many
seeds and emulated CPUs. It sets the environment variable ``TLTEACH_CLAIMS`` to a file: each
check then appends one JSON line there (claim, effect, bound) and a failed check is recorded
instead of stopping the run, so that every claim of a run is measured.

``sanity("labels kept", n, equal=500)`` is the same for facts that hold by construction
(constants, round trips, counts): printed and asserted, but recorded with ``"kind":
"sanity"`` and reported apart, never as a lesson (a claim is a lesson only if a plausible
world could make it fail).
"""

from __future__ import annotations

import json
import os


def check(claim: str, effect: float, at_least: float | None = None,
          at_most: float | None = None) -> float:
    """Print ``claim`` with its measured ``effect``; assert ``at_least <= effect <= at_most``.

    Give one bound or both. Returns the margin: how far ``effect`` is inside its bounds
    (>= 0 when the claim holds, negative by how much it misses). For a lesson: an effect
    that a plausible world could make fail (use ``sanity`` for constants and round trips).
    """
    return _checked("lesson", claim, effect, at_least, at_most)


def sanity(name: str, value: float, at_least: float | None = None,
           at_most: float | None = None, equal: float | None = None) -> float:
    """Like ``check``, for a fact that holds by construction (a constant, a round trip, a
    count): printed and asserted, recorded as ``"kind": "sanity"``, never counted as a lesson.

    ``equal=x`` means ``at_least=x, at_most=x``. Returns the margin.
    """
    if equal is not None:
        if at_least is not None or at_most is not None:
            raise ValueError(f"sanity({name!r}): give equal= or at_least=/at_most=, not both.")
        at_least = at_most = equal
    return _checked("sanity", name, value, at_least, at_most)


def _checked(kind: str, claim: str, effect: float, at_least: float | None,
             at_most: float | None) -> float:
    if at_least is None and at_most is None:
        name = "check" if kind == "lesson" else "sanity"
        raise ValueError(f"{name}({claim!r}): give at_least=, at_most= or both.")
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
    # A lesson prints "holds: claim: +0.123 (checked: ...)", the line that the robustness
    # report reads back from committed notebooks; a sanity check says what it is.
    print(f"{status}: {text}" if kind == "lesson" else f"sanity check {status}: {text}")
    record = os.environ.get("TLTEACH_CLAIMS")
    if record:
        with open(record, "a", encoding="utf-8") as f:
            f.write(json.dumps({"claim": claim, "kind": kind, "effect": effect,
                                "at_least": at_least, "at_most": at_most,
                                "margin": margin}) + "\n")
    elif margin < 0:
        what = "The lesson does not hold" if kind == "lesson" else "A sanity check fails"
        raise AssertionError(f"{what}: {text}")
    return margin


def seeds(default: tuple[int, ...]) -> tuple[int, ...]:
    """The seeds a lesson test runs: ``TLTEACH_SEEDS`` ("3 4 5") if set, else ``default``."""
    value = os.environ.get("TLTEACH_SEEDS", "").replace(",", " ").split()
    try:
        return tuple(int(s) for s in value) or default
    except ValueError:
        raise ValueError(f"TLTEACH_SEEDS={os.environ['TLTEACH_SEEDS']!r}: give whole numbers "
                         "separated by spaces, e.g. TLTEACH_SEEDS='3 4 5'.") from None
