"""The headline lessons, computed by tlteach functions: the same numbers on a re-run, and the
lessons of notebook 04 hold for the seeds in ``TLTEACH_SEEDS`` (default 4, which no notebook
uses). ``make test`` runs the lesson once on an emulated older CPU; ``make robustness``
runs it for more seeds, CPUs and thread counts.

Within a run the frozen part of the network passes each image once (``run_strategies``
keeps its outputs), so one seed takes a few minutes on one CPU core.
"""

import pytest

from tlteach.backbones import load_backbone
from tlteach.claims import check, seeds
from tlteach.strategies import Budget, load_target, run_strategies

SEEDS = seeds(default=(4,))


@pytest.fixture(scope="module")
def backbone():
    return load_backbone("efficientnet_lite0")


@pytest.fixture(scope="module")
def animals():
    return load_target("animals")


@pytest.fixture(scope="module")
def digits():
    return load_target("mnist")


def accuracies(results: dict) -> dict[str, float]:
    return {name: run["accuracy"] for name, run in results.items()}


def test_same_seed_same_numbers(backbone, animals):
    # Every strategy's code path, on a short budget: the same numbers twice.
    short = Budget(head_steps=30, fine_tune_steps=10, scratch_steps=30, scratch_epochs=3)
    first = run_strategies(backbone, animals, 5, seed=0, budget=short)
    second = run_strategies(backbone, animals, 5, seed=0, budget=short)
    assert accuracies(first) == accuracies(second)
    for name in first:
        assert first[name]["history"] == second[name]["history"]


@pytest.mark.slow
@pytest.mark.lesson
@pytest.mark.parametrize("seed", SEEDS)
def test_headline_lessons_hold(backbone, animals, digits, seed):
    trio = ("scratch", "frozen", "fine-tune all")
    close = accuracies(run_strategies(backbone, animals, 20, seed, strategies=trio))
    far = accuracies(run_strategies(backbone, digits, 50, seed, strategies=trio))
    large_lr = accuracies(run_strategies(backbone, animals, 20, seed,
                                         strategies=("fine-tune all",),
                                         budget=Budget(fine_tune_lr=1e-2)))
    print(close, far, large_lr)
    # Transfer beats training from scratch on a target close to ImageNet, with few labels.
    check("animals, 20/class: fine-tune all beats scratch",
          close["fine-tune all"] - close["scratch"], at_least=0.02)
    # On a far target with enough labels, frozen ImageNet features lose to scratch.
    check("digits, 50/class: scratch beats frozen ImageNet features",
          far["scratch"] - far["frozen"], at_least=0.03)
    # There, fine-tuning recovers much of what the frozen features lose.
    check("digits, 50/class: fine-tune all beats frozen", far["fine-tune all"] - far["frozen"],
          at_least=0.02)
    # A 100x larger learning rate diverges and loses the pretrained features.
    check("animals, 20/class: lr 1e-2 loses against lr 1e-4",
          close["fine-tune all"] - large_lr["fine-tune all"], at_least=0.3)
