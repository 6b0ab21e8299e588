import numpy as np
import pytest
import torch

from tlteach.torch.backbones import load_backbone
from tlteach.torch.strategies import (
    CS231N_TABLE,
    STRATEGIES,
    Budget,
    Target,
    epochs_for,
    flat_model,
    folk_recommendation,
    layer_outputs,
    run_strategies,
    split_top,
)


@pytest.fixture(scope="module")
def backbone():
    return load_backbone("efficientnet_lite0")


def tiny_target(n_per_class=12, classes=3, seed=0):
    """Bright squares, crosses and bars on black: a task a network learns from a few images."""
    rng = np.random.default_rng(seed)
    X, y = [], []
    for c in range(classes):
        for _ in range(n_per_class):
            image = np.zeros((28, 28), np.uint8)
            r, s = rng.integers(4, 12, size=2)
            if c == 0:
                image[r : r + 10, s : s + 10] = 255
            elif c == 1:
                image[r + 4 : r + 6, 2:26] = 255
                image[2:26, s + 4 : s + 6] = 255
            else:
                image[2:26, s : s + 3] = 255
            X.append(image)
            y.append(c)
    X, y = np.stack(X), np.array(y)
    return Target("tiny", X, y, X[::3], y[::3], X[1::3], y[1::3], ["square", "cross", "bar"])


def test_epochs_for_keeps_the_number_of_steps_about_equal():
    assert epochs_for(50, 32, 30) == 15  # 2 steps per epoch
    assert epochs_for(200, 32, 30) == 4  # 7 steps per epoch: 28 steps
    assert epochs_for(1000, 32, 30) == 1  # 32 steps per epoch
    assert epochs_for(10_000, 32, 30) == 1  # never zero


def test_folk_table_covers_the_four_cells():
    assert folk_recommendation(5, similar=True) == "frozen"
    assert folk_recommendation(500, similar=True) == "fine-tune all"
    assert folk_recommendation(5, similar=False) == "fine-tune top"
    assert folk_recommendation(500, similar=False) == "scratch"
    assert {folk_recommendation(k, s) for k in (5, 500) for s in (True, False)} <= set(STRATEGIES)


def test_cs231n_table_differs_where_the_target_is_different():
    assert folk_recommendation(5, similar=True, table=CS231N_TABLE) == "frozen"
    assert folk_recommendation(5, similar=False, table=CS231N_TABLE) == "frozen early"
    assert folk_recommendation(500, similar=False, table=CS231N_TABLE) == "fine-tune all"
    assert set(CS231N_TABLE.values()) <= set(STRATEGIES)


def test_split_top_cuts_a_flat_model_without_changing_its_output(backbone):
    model = flat_model(backbone, num_classes=4).eval()
    bottom, top = split_top(model, 7)
    x = torch.rand(2, 3, 64, 64)
    with torch.no_grad():
        assert torch.allclose(top(bottom(x)), model(x), atol=1e-5)
    assert len(bottom) + len(top) == len(model)
    assert isinstance(top[-1], torch.nn.Linear) and top[-1].out_features == 4
    with pytest.raises(ValueError, match="out of range"):
        split_top(model, 10_000)


def test_layer_outputs_match_a_forward_pass_in_batches(backbone):
    model = flat_model(backbone, num_classes=3)
    bottom, _ = split_top(model, 7)
    X = tiny_target().X_pool[:5]
    out = layer_outputs(bottom, X, size=64, batch_size=2)
    from tlteach.torch.backbones import to_tensor

    with torch.no_grad():
        assert torch.allclose(out, bottom.eval()(to_tensor(X, 64)), rtol=1e-4, atol=1e-4)


def test_run_strategies_reports_all_strategies_reproducibly(backbone):
    target = tiny_target()
    budget = Budget(head_steps=6, fine_tune_steps=2, scratch_steps=6, scratch_epochs=1)
    before = {k: v.clone() for k, v in backbone.body.state_dict().items()}
    first = run_strategies(backbone, target, 4, seed=1, size=32, budget=budget)
    second = run_strategies(backbone, target, 4, seed=1, size=32, budget=budget)
    assert list(first) == list(STRATEGIES)
    n_test = len(target.y_test)  # 12: accuracies are counts of the test images, over 12
    for s in STRATEGIES:
        assert first[s]["accuracy"] == second[s]["accuracy"]
        right = first[s]["accuracy"] * n_test
        assert right == pytest.approx(round(right)) and first[s]["seconds"] > 0
    for s in ("fine-tune top", "fine-tune all"):  # the head phase, then fine-tuning, marked
        history = first[s]["history"]
        head_epochs = len(first["frozen"]["history"]["epoch"])
        assert history["phase_starts"] == [0, head_epochs]
        assert history["epoch"] == list(range(1, len(history["epoch"]) + 1))
    after = backbone.body.state_dict()  # the backbone itself is not changed
    assert after.keys() == before.keys()
    assert all(torch.equal(before[k], after[k]) for k in before)


def test_frozen_features_learn_the_tiny_task(backbone):
    result = run_strategies(backbone, tiny_target(), 8, seed=0, size=32,
                            strategies=("frozen",))
    assert list(result) == ["frozen"] and result["frozen"]["accuracy"] >= 0.9


def test_unknown_strategy_is_named(backbone):
    with pytest.raises(ValueError, match="fine-tune middle"):
        run_strategies(backbone, tiny_target(), 4, strategies=("fine-tune middle",))
