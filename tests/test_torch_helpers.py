import math

import numpy as np
import pytest
import torch
from torch import nn

from tlteach.torch import (
    bn_eval_if_frozen,
    evaluate,
    fine_tune,
    fit,
    freeze,
    freeze_to,
    param_groups,
    predict_proba,
    spread_lrs,
    trainable_parameters,
    unfreeze,
    units,
)
from tlteach.torch.small_cnn import SmallCNN


def tiny_data(n=64, classes=3, seed=0):
    g = torch.Generator().manual_seed(seed)
    y = torch.arange(n) % classes
    x = torch.randn(n, 3, 8, 8, generator=g) * 0.3 + y.view(-1, 1, 1, 1).float()
    return [(x[i : i + 16], y[i : i + 16]) for i in range(0, n, 16)]


def test_units_open_sequentials_and_keep_blocks():
    model = SmallCNN(num_classes=3, width=4)
    parts = units(model)
    assert [type(p).__name__ for p in parts] == ["Conv2d", "BatchNorm2d"] * 3 + ["Linear"]


def test_freeze_unfreeze_freeze_to():
    model = SmallCNN(num_classes=3, width=4)
    total = trainable_parameters(model)
    freeze(model)
    assert trainable_parameters(model) == 0
    unfreeze(model)
    assert trainable_parameters(model) == total
    freeze_to(model, -1)
    assert trainable_parameters(model) == sum(p.numel() for p in model.head.parameters())
    freeze_to(model, 2)
    assert not any(p.requires_grad for p in units(model)[1].parameters())
    assert all(p.requires_grad for p in units(model)[2].parameters())
    with pytest.raises(ValueError, match="out of range"):
        freeze_to(model, 99)
    # train_bn=False, as in Keras: BatchNorm stays frozen, hence in inference mode in fit.
    batchnorms = [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]
    bn_weights = sum(p.numel() for m in batchnorms for p in m.parameters())
    unfreeze(model, train_bn=False)
    assert trainable_parameters(model) == total - bn_weights > 0
    freeze_to(model, 0, train_bn=False)
    assert trainable_parameters(model) == total - bn_weights
    means = [m.running_mean.clone() for m in batchnorms]
    fit(model, tiny_data(), epochs=1, lr=1e-2, progress=False)
    assert all(torch.equal(m.running_mean, mean) for m, mean in zip(batchnorms, means,
                                                                     strict=True))


def test_param_groups_spread_learning_rates_input_side_lowest():
    model = SmallCNN(num_classes=3, width=4)
    lrs = spread_lrs(1e-5, 1e-3, 3)
    assert lrs[0] == pytest.approx(1e-5) and lrs[1] == pytest.approx(1e-4)
    groups = param_groups(model, lrs)
    assert [g["lr"] for g in groups] == lrs
    assert sum(p.numel() for g in groups for p in g["params"]) == trainable_parameters(model)
    assert groups[-1]["params"][-1] is model.head.bias
    freeze_to(model, -1)
    assert len(param_groups(model, lrs)) == 1  # frozen groups are left out


def test_frozen_batchnorm_keeps_its_statistics_during_fit():
    torch.manual_seed(0)
    model = SmallCNN(num_classes=3, width=4)
    freeze_to(model, -1)
    bn = units(model)[1]
    before = bn.running_mean.clone()
    fit(model, tiny_data(), epochs=1, progress=False)
    assert torch.equal(bn.running_mean, before)
    unfreeze(model)
    fit(model, tiny_data(), epochs=1, progress=False)
    assert not torch.equal(bn.running_mean, before)
    model.train()
    freeze(model)
    bn_eval_if_frozen(model)
    assert not bn.training


def test_fit_returns_keras_style_history_and_learns():
    torch.manual_seed(0)
    model = SmallCNN(num_classes=3, width=8)
    history = fit(model, tiny_data(), tiny_data(seed=1), epochs=12, lr=1e-2, progress=False)
    assert set(history) == {"epoch", "loss", "accuracy", "val_loss", "val_accuracy"}
    assert history["epoch"] == list(range(1, 13))
    assert history["loss"][-1] < history["loss"][0]
    assert evaluate(model, tiny_data(seed=1))["accuracy"] > 0.9


def test_fit_evaluate_and_predict_take_arrays_as_keras_does():
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    y = np.arange(120) % 3
    X = (rng.normal(size=(120, 4)) + 6 * y[:, None]).astype("float32")  # well separated
    model = nn.Linear(4, 3)
    history = fit(model, (X, y), (X, y), epochs=5, batch_size=16, lr=1e-1, progress=False)
    assert history["epoch"] == [1, 2, 3, 4, 5] and history["val_accuracy"][-1] > 0.9
    assert predict_proba(model, (X, y)).shape == (120, 3)
    # A model that always answers class 0 (logits 1, 0, 0), left as it is by lr=0: 40 of the
    # 120 labels are 0, and the cross-entropy is log(e + 2) - 1 on those, log(e + 2) on the
    # others, so its mean is log(e + 2) - 1/3.
    constant = nn.Linear(4, 3)
    with torch.no_grad():
        constant.weight.zero_()
        constant.bias.copy_(torch.tensor([1.0, 0.0, 0.0]))
    history = fit(constant, (X, y), (X, y), epochs=1, batch_size=16, lr=0.0, progress=False)
    expected = {"loss": math.log(math.e + 2) - 1 / 3, "accuracy": 1 / 3}
    assert history["val_accuracy"] == [pytest.approx(expected["accuracy"])]
    assert history["val_loss"] == [pytest.approx(expected["loss"], rel=1e-6)]
    assert evaluate(constant, (X, y)) == pytest.approx(expected, rel=1e-6)
    images = rng.integers(0, 255, (4, 8, 8, 3), dtype=np.uint8)
    with pytest.raises(ValueError, match="to_torch_loader"):
        fit(SmallCNN(num_classes=3, width=4), (images, y[:4]), progress=False)
    with pytest.raises(ValueError, match="pair"):
        evaluate(model, (X, y, y))


def test_fit_is_reproducible_for_a_seed():
    def run():
        torch.manual_seed(3)
        model = SmallCNN(num_classes=3, width=4)
        return fit(model, tiny_data(), epochs=2, lr=1e-2, progress=False)["loss"]

    assert run() == run()


def test_fine_tune_marks_phases_and_continues_epochs():
    torch.manual_seed(0)
    model = SmallCNN(num_classes=3, width=4)
    history = fine_tune(model, tiny_data(), tiny_data(seed=1), epochs=2, freeze_epochs=1,
                        progress=False)
    assert history["epoch"] == [1, 2, 3] and history["phase_starts"] == [0, 1]
    assert trainable_parameters(model) == sum(p.numel() for p in model.parameters())


def test_binary_head_uses_one_logit():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(3 * 8 * 8, 1))
    data = [(x, (y > 0).long()) for x, y in tiny_data(classes=2)]
    history = fit(model, data, epochs=10, lr=5e-2, progress=False)
    assert history["accuracy"][-1] > 0.9


def test_clear_errors_for_wrong_head_and_wrong_framework():
    model = nn.Sequential(nn.Flatten(), nn.Linear(3 * 8 * 8, 2))
    with pytest.raises(ValueError, match="outputs 2 classes"):
        fit(model, tiny_data(classes=3), epochs=1, progress=False)
    with pytest.raises(TypeError, match="tlteach.keras"):
        freeze(object())
    freeze(model)
    with pytest.raises(ValueError, match="Every parameter is frozen"):
        fit(model, tiny_data(), epochs=1, progress=False)


class FirstEpochLabels:
    """Validation batches labelled with the model's own predictions after the first epoch
    (accuracy 1) and wrongly at every later epoch: the first epoch is the best."""

    def __init__(self, model, xs):
        self.model, self.xs, self.labels, self.passes = model, xs, None, 0

    def __iter__(self):
        self.passes += 1
        if self.labels is None:
            with torch.no_grad():
                self.labels = [self.model(x).argmax(1) for x in self.xs]
        shift = 0 if self.passes == 1 else 1
        return iter([(x, (labels + shift) % 3) for x, labels in zip(self.xs, self.labels,
                                                                     strict=True)])


def test_fit_restore_best_ends_on_the_best_validation_epoch():
    torch.manual_seed(0)
    train, xs = tiny_data(seed=0), [x for x, _ in tiny_data(seed=1)]
    model = nn.Sequential(nn.Flatten(), nn.Linear(3 * 8 * 8, 3))
    start = {k: v.clone() for k, v in model.state_dict().items()}
    final = {}
    for restore in (False, True):
        model.load_state_dict(start)
        val = FirstEpochLabels(model, xs)
        history = fit(model, train, val, epochs=6, lr=0.5, restore_best=restore, progress=False)
        assert history["val_accuracy"][0] == 1.0 and history["val_accuracy"][-1] < 1.0
        with torch.no_grad():
            final[restore] = torch.equal(torch.cat([model(x).argmax(1) for x in xs]),
                                         torch.cat(val.labels))
    # Training moved the predictions away from the first epoch's; restoring brings them back.
    assert final == {False: False, True: True}
    with pytest.raises(ValueError, match="validation data"):
        fit(model, train, epochs=1, restore_best=True, progress=False)


def test_predict_proba_gives_rows_of_class_probabilities_in_data_order():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(3 * 8 * 8, 3))
    data = tiny_data()
    model.train()
    p = predict_proba(model, data)
    assert p.shape == (64, 3) and np.allclose(p.sum(1), 1) and model.training
    logits = torch.cat([model(x) for x, _ in data]).detach()
    assert (p.argmax(1) == logits.argmax(1).numpy()).all()
    binary = nn.Sequential(nn.Flatten(), nn.Linear(3 * 8 * 8, 1))
    pb = predict_proba(binary, data)
    assert pb.shape == (64, 2) and np.allclose(pb.sum(1), 1)


def test_evaluate_and_predict_run_a_model_without_float_parameters():
    # An int8 model from torch.ao.quantization has no nn.Parameter left; it runs on the CPU.
    class Doubler(nn.Module):
        def forward(self, x):
            return 2 * x.flatten(1)[:, :3]

    # Inputs one-hot for classes 0, 1, 2, 1 against labels 0, 1, 2, 0: logits 2 * one-hot,
    # so 3 of 4 right; each cross-entropy is log(e^2 + 2) - 2 where right and log(e^2 + 2)
    # where wrong, a mean of log(e^2 + 2) - 1.5; each probability row (e^2, 1, 1) / (e^2 + 2).
    x = torch.eye(3)[torch.tensor([0, 1, 2, 1])]
    data = [(x, torch.tensor([0, 1, 2, 0]))]
    assert not list(Doubler().parameters())
    expected = {"loss": math.log(math.e**2 + 2) - 1.5, "accuracy": 0.75}
    assert evaluate(Doubler(), data) == pytest.approx(expected, rel=1e-6)
    row = np.array([math.e**2, 1.0, 1.0]) / (math.e**2 + 2)
    assert np.allclose(predict_proba(Doubler(), data)[0], row, rtol=1e-6)
    assert np.allclose(predict_proba(Doubler(), data)[1], row[[1, 0, 2]], rtol=1e-6)
