"""The lessons of notebook 05 on MNIST -> MNIST-M, on the notebook's budget (source only
1,000 steps; DANN and Deep CORAL 1,500 more from the source model, three runs each from
three seeds (their median), and source only continued for the same 1,500 steps as their control;
self-training two rounds of 500 from the source model; the oracle 1,000 steps on target
labels), for the seeds in ``TLTEACH_SEEDS`` (default 3, one the notebook does not use).
Several minutes per seed on one emulated CPU core, so it is not part of ``make test``
(notebook 05 checks the same lessons there, with its own seed): ``make robustness`` runs it
for more seeds and CPUs.
"""

import copy

import numpy as np
import pytest

from tlteach import seed_everything, sub_seeds
from tlteach.claims import check, seeds
from tlteach.torch.da import (
    accuracy,
    continue_from,
    digit_body,
    digit_domains,
    digit_head,
    self_train,
    source_then_dann,
    train_adapted,
)

SEEDS = seeds(default=(3,))
CORAL_WEIGHT = 300.0  # notebook 05's weight of the CORAL loss


@pytest.mark.slow
@pytest.mark.sweep
@pytest.mark.parametrize("seed", SEEDS)
def test_domain_adaptation_lessons_hold(seed):
    domains = digit_domains("mnist_m", seed=seed)  # the split follows the seed too
    test = domains.X_test, domains.y_test
    source, dann = source_then_dann(domains, seed=seed)
    # One adversarial run is one draw: runs from the same source model can end many points
    # apart, now and then one far below the others, so the lessons read the median of three
    # runs of DANN and of Deep CORAL (as notebook 05 does)
    dann_2, dann_3, coral_2, coral_3 = sub_seeds(seed, 4)
    danns = [dann] + [continue_from(source, domains, run_seed, "DANN")[0]
                      for run_seed in (dann_2, dann_3)]
    # the control: DANN's extra steps without the discriminator
    longer, _ = continue_from(source, domains, seed, "source only")
    corals = [continue_from(source, domains, run_seed, "Deep CORAL", coral_weight=CORAL_WEIGHT)[0]
              for run_seed in (seed, coral_2, coral_3)]
    selftrained = copy.deepcopy(source)
    rounds = self_train(*selftrained, domains, steps=500, seed=seed)
    seed_everything(seed)
    oracle = digit_body(), digit_head()
    train_adapted(*oracle, domains.X_target, domains.y_target, steps=1000, seed=seed)
    acc = {name: accuracy(*model, *test) for name, model in
           {"source": source, "longer": longer, "self": selftrained, "oracle": oracle}.items()}
    acc["dann"] = float(np.median([accuracy(*model, *test) for model in danns]))
    acc["coral"] = float(np.median([accuracy(*model, *test) for model in corals]))
    print(acc, rounds)
    gap = acc["oracle"] - acc["source"]
    check("MNIST-M: oracle beats source only", gap, at_least=0.20)
    check("MNIST-M: fraction of the gap DANN closes (median of three runs)",
          (acc["dann"] - acc["source"]) / gap, at_least=0.35)
    check("MNIST-M: DANN (median of three runs) beats source only with the same steps",
          acc["dann"] - acc["longer"], at_least=0.10)
    # Self-training's own gain is too small and too seed-dependent to assert (notebook 05
    # says so); what makes it work at all is robust: the confident pseudo-labels it keeps
    # are right far more often than the source model is on the target as a whole (about 26
    # points; how many of the kept labels are right moves by 4 points with the seed).
    check("MNIST-M: kept pseudo-labels are right more often than source only",
          rounds[0]["correct"] - acc["source"], at_least=0.10)
    # Deep CORAL's gain moves with the seed's source model: the lesson is that it is ahead,
    # as in the notebook
    check("MNIST-M: Deep CORAL (median of three runs) beats source only with the same steps",
          acc["coral"] - acc["longer"], at_least=0.0)
    check("MNIST-M: DANN (median of three runs) beats self-training", acc["dann"] - acc["self"],
          at_least=0.05)
