"""Library functions give every layer back the train/eval mode it had (issue: a frozen base's
BatchNorm in eval inside a training model must stay so)."""

import numpy as np
import pytest
import torch
from torch import nn

from tlteach.torch import da, evaluate, fit, freeze, predict_proba, train_epoch
from tlteach.torch.backbones import extract_features, load_backbone, predict_imagenet
from tlteach.torch.layer_modes import eval_mode, modes_of, train_mode
from tlteach.torch.strategies import layer_outputs


def mixed_model() -> nn.Sequential:
    """A model in training mode whose first BatchNorm is in eval (a frozen base's)."""
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.Dropout(0.5),
                          nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4, 3))
    model.train()
    model[1].eval()
    return model


def flags(*modules) -> list[bool]:
    return [training for _, training in modes_of(*modules)]


def tiny_batches(n=32):
    g = torch.Generator().manual_seed(0)
    return [(torch.randn(16, 3, 8, 8, generator=g), torch.arange(16) % 3)
            for _ in range(n // 16)]


def test_eval_mode_sets_eval_inside_and_restores_each_layer_even_on_error():
    model = mixed_model()
    before = flags(model)
    assert before.count(False) == 1
    with eval_mode(model):
        assert not any(flags(model))
    assert flags(model) == before
    with pytest.raises(RuntimeError), eval_mode(model):
        raise RuntimeError("boom")
    assert flags(model) == before
    with eval_mode(None, model):  # None entries (an absent head) are skipped
        assert not any(flags(model))
    assert flags(model) == before


def test_train_mode_sets_training_inside_and_restores_each_layer_even_on_error():
    model = mixed_model().eval()
    model[3].train()  # one layer in training mode inside an eval model
    before = flags(model)
    with train_mode(model):
        assert all(flags(model))
    assert flags(model) == before
    with pytest.raises(RuntimeError), train_mode(None, model):
        raise RuntimeError("boom")
    assert flags(model) == before


def test_train_adapted_gives_modes_back_when_it_raises():
    body, head = mixed_model()[:-1], nn.Linear(4, 3)
    before = flags(body, head)
    X = torch.randn(20, 3, 8, 8)
    with pytest.raises(IndexError):  # labels out of range for the 3-class head
        da.train_adapted(body, head, X, torch.full((20,), 7), steps=2, seed=0)
    assert flags(body, head) == before


@pytest.mark.parametrize("call", [
    lambda m: evaluate(m, tiny_batches()),
    lambda m: predict_proba(m, tiny_batches()),
    lambda m: train_epoch(m, tiny_batches(), torch.optim.SGD(m.parameters(), lr=0.01)),
    lambda m: fit(m, tiny_batches(), tiny_batches(), epochs=2, restore_best=True,
                  progress=False),
    lambda m: layer_outputs(m, torch.randn(8, 3, 8, 8)),
], ids=["evaluate", "predict_proba", "train_epoch", "fit", "layer_outputs"])
def test_helpers_leave_every_layer_in_the_mode_they_found(call):
    for start_in_eval in (False, True):
        model = mixed_model()
        if start_in_eval:
            model.eval()
        before = flags(model)
        call(model)
        assert flags(model) == before


def test_train_epoch_trains_in_training_mode_with_frozen_batchnorm_in_eval():
    model = mixed_model()
    model.eval()  # found in eval: trains in training mode all the same
    freeze(model[1])
    seen = []
    model[3].register_forward_hook(lambda m, i, o: seen.append((m.training, model[1].training)))
    train_epoch(model, tiny_batches(), torch.optim.SGD(model.parameters(), lr=0.01))
    assert seen and all(s == (True, False) for s in seen)
    assert not any(flags(model))


def test_backbone_helpers_restore_modes():
    backbone = load_backbone("efficientnet_lite0")
    backbone.body.train()
    backbone.body.stem.eval()
    backbone.head.train()
    before = flags(backbone.body, backbone.head)
    images = np.random.default_rng(0).integers(0, 255, (2, 32, 32, 3), dtype=np.uint8)
    extract_features(backbone, images, size=32, cache=False, progress=False)
    predict_imagenet(backbone, images, top=1, size=32)
    assert flags(backbone.body, backbone.head) == before


def test_domain_adaptation_helpers_restore_modes():
    body, head = mixed_model()[:-1], nn.Linear(4, 3)
    head.eval()
    before = flags(body, head)
    X, y = torch.randn(20, 3, 8, 8), torch.arange(20) % 3
    da.train_adapted(body, head, X, y, steps=2, X_target=X,
                     discriminator=da.DomainDiscriminator(4), seed=0)
    da.predict(body, head, X)
    da.features(body, X)
    assert flags(body, head) == before
