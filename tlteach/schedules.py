"""Training schedules that are plain arithmetic, so both frameworks' notebooks import them.

DANN's lambda (Ganin et al., JMLR 2016, section 5.2.2) raises the gradient reversal's weight
from 0 to ``scale`` with training progress ``p`` in [0, 1]:

    lambda_p = scale * (2 / (1 + exp(-gamma * p)) - 1),   gamma = 10.

Early on the domain classifier is untrained and its gradients are noise; the schedule keeps
them from disturbing the features until it has learnt something.
"""

from __future__ import annotations

import math


def dann_lambda(progress: float, gamma: float = 10.0, scale: float = 1.0) -> float:
    """The paper's schedule: 0 at the start of training, close to ``scale`` at the end."""
    if not 0.0 <= progress <= 1.0:
        raise ValueError(f"progress is the fraction of training done, in [0, 1]; got {progress}.")
    return scale * (2.0 / (1.0 + math.exp(-gamma * progress)) - 1.0)
