"""The headline lessons, computed by tlteach functions: the same numbers on a re-run, and the
lessons hold for three seeds (each seed picks other training images and initial weights).

Within a run the frozen part of the network passes each image once (``run_strategies``
keeps its outputs), so the three seeds take a few minutes on two CPU cores.
"""

import pytest

from tlteach.backbones import load_backbone
from tlteach.strategies import Budget, load_target, run_strategies

SEEDS = (0, 1, 2)


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
    first = run_strategies(backbone, animals, 5, seed=0)
    second = run_strategies(backbone, animals, 5, seed=0)
    assert accuracies(first) == accuracies(second)
    for name in first:
        assert first[name]["history"] == second[name]["history"]


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
def test_headline_lessons_hold(backbone, animals, digits, seed):
    close = accuracies(run_strategies(backbone, animals, 100, seed))
    far = accuracies(run_strategies(backbone, digits, 100, seed,
                                    strategies=("scratch", "frozen", "fine-tune all")))
    few = accuracies(run_strategies(backbone, animals, 20, seed,
                                    strategies=("frozen", "fine-tune all")))
    large_lr = accuracies(run_strategies(backbone, animals, 20, seed,
                                         strategies=("fine-tune all",),
                                         budget=Budget(fine_tune_lr=1e-2)))
    pretrained = max(close["frozen"], close["fine-tune top"], close["fine-tune all"])
    # Transfer beats training from scratch on a target close to ImageNet.
    assert pretrained - close["scratch"] >= 0.04, close
    # On a far target, frozen ImageNet features lose to scratch (negative transfer).
    assert far["scratch"] - far["frozen"] >= 0.03, far
    # Fine-tuning with a small learning rate reaches at least the frozen result (within a
    # point: on digits it adds 0 to 5 points, depending on the seed).
    assert few["fine-tune all"] >= few["frozen"] - 0.01, few
    assert far["fine-tune all"] >= far["frozen"] - 0.01, far
    # A 100x larger learning rate wrecks the pretrained features (forgetting).
    assert few["fine-tune all"] - large_lr["fine-tune all"] >= 0.3, (few, large_lr)
