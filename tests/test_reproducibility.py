"""The headline lessons, computed by tlteach functions: the same numbers on a re-run, and the
lessons of notebook 04 hold for the seeds in ``TLTEACH_SEEDS`` (default 4, which no notebook
uses). ``make test`` checks the re-run; the lessons (marker ``sweep``, a few minutes each on one
core) run in ``make robustness``, with the divergence lesson that notebook 03 checks, over
seeds, CPUs and thread counts. In every ``make test`` notebook 04 checks its far-target
lessons and notebook 02 that a frozen pretrained base beats scratch on the animals.

Notebook 04's lessons are each a mean over draws from independent sub-seeds of the seed
(four on animals, eight on digits); a draw is a split into training pool, validation and
test set, its labelled examples and the initialisations. "The best" of several strategies
is the one with the best validation accuracy, as in notebook 04. On animal silhouettes the
gain is a few points (one draw's gain varies by about 3 points, and is negative now and
then), so the lesson is its sign, on a mean steady enough to hold it. On digits at 50
labels per class one draw's gain (scratch - frozen) has a standard deviation of about 1.4
points: too much for one draw to hold a lesson on every machine. The mean of four had one
of 1.5 points over 16 runs (its mean 3.3 of them above the 3-point bound, under the 3.5 the
course asks), more than four independent draws explain, so the far target takes eight; the
robustness report gives their spread. The divergence lesson is one draw: its effect is tens
of points. Within a run the frozen part of the network passes each image once
(``run_strategies`` keeps its outputs), so one seed takes a few minutes on one CPU core.
"""

import numpy as np
import pytest

from tlteach import sub_seeds
from tlteach.claims import check, seeds
from tlteach.torch.backbones import load_backbone
from tlteach.torch.strategies import Budget, load_target, run_strategies

SEEDS = seeds(default=(4,))
CLOSE = ("scratch", "frozen", "frozen early", "fine-tune all")
FAR = ("scratch", "frozen", "fine-tune all")


@pytest.fixture(scope="module")
def backbone():
    return load_backbone("efficientnet_lite0")


def accuracies(results: dict) -> dict[str, float]:
    return {name: run["accuracy"] for name, run in results.items()}


def picked(results: dict, strategies: tuple[str, ...]) -> float:
    """The test accuracy of the strategy with the best validation accuracy (the first on a
    tie): a choice made without the test set, as notebook 04 makes it."""
    return results[max(strategies, key=lambda s: results[s]["val_accuracy"])]["accuracy"]


def test_same_seed_same_numbers(backbone):
    # Every strategy's code path, on a short budget and a small test set: the same numbers
    # twice.
    small = load_target("animals", val_per_class=5, test_per_class=10)
    short = Budget(head_steps=30, fine_tune_steps=10, scratch_steps=30, scratch_epochs=3)
    first = run_strategies(backbone, small, 5, seed=0, budget=short)
    second = run_strategies(backbone, small, 5, seed=0, budget=short)
    assert accuracies(first) == accuracies(second)
    for name in first:
        assert first[name]["history"] == second[name]["history"]


@pytest.mark.slow
@pytest.mark.sweep
@pytest.mark.parametrize("seed", SEEDS)
def test_close_target_lessons_hold(backbone, seed):
    # Four draws (a split, its labelled examples and the initialisations) per size, from
    # independent sub-seeds: the lesson is about the method, not one lucky sample.
    splits = {s: load_target("animals", seed=s) for s in sub_seeds(seed, 4)}
    runs = [run_strategies(backbone, animals, k, s, strategies=CLOSE)
            for k in (5, 20) for s, animals in splits.items()]
    print([accuracies(r) for r in runs])
    # Transfer beats training from scratch on a target close to ImageNet, with few labels.
    # Which pretrained strategy wins depends on the labelled sample drawn (notebook 04), so
    # the lesson is about the one a user would pick: the best on validation, as in 04.
    gains = [picked(r, CLOSE[1:]) - r["scratch"]["accuracy"] for r in runs]
    check("animals: pretrained (picked on validation) beats scratch, mean over 5 and "
          "20/class and 4 draws", np.mean(gains), at_least=0.0)


@pytest.mark.slow
@pytest.mark.sweep
@pytest.mark.parametrize("seed", SEEDS)
def test_large_learning_rate_diverges(backbone, seed):
    # A 100x larger learning rate diverges and loses the pretrained features. Notebook 03
    # checks it in every make test; make robustness runs it over seeds and CPUs.
    animals = load_target("animals", seed=seed)
    runs = {lr: accuracies(run_strategies(backbone, animals, 20, seed,
                                          strategies=("fine-tune all",),
                                          budget=Budget(fine_tune_lr=lr)))
            for lr in (1e-4, 1e-2)}
    print(runs)
    check("animals, 20/class: lr 1e-2 loses against lr 1e-4",
          runs[1e-4]["fine-tune all"] - runs[1e-2]["fine-tune all"], at_least=0.3)


@pytest.mark.slow
@pytest.mark.sweep
@pytest.mark.parametrize("seed", SEEDS)
def test_far_target_lessons_hold(backbone, seed):
    # Eight draws (a split, its labelled examples and the initialisations): the module
    # docstring says why eight.
    draws = [accuracies(run_strategies(backbone, load_target("mnist", seed=s), 50, s,
                                       strategies=FAR))
             for s in sub_seeds(seed, 8)]
    print(draws)
    mean = {name: float(np.mean([draw[name] for draw in draws])) for name in FAR}
    # On a far target with enough labels, frozen ImageNet features lose to scratch.
    check("digits, 50/class: scratch beats frozen ImageNet features, mean over 8 draws",
          mean["scratch"] - mean["frozen"], at_least=0.03)
    # There, fine-tuning all beats the frozen features. The gain is a few points, so the
    # lesson is its sign (as in notebook 04).
    check("digits, 50/class: fine-tune all beats frozen, mean over 8 draws",
          mean["fine-tune all"] - mean["frozen"], at_least=0.0)
