"""Domain-adaptation pieces against hand-computed references."""

import copy
import math

import pytest
import torch
from torch import nn

from tlteach.torch.da import (
    DomainDiscriminator,
    GradientReversal,
    dann_lambda,
    domain_loss,
    grad_reverse,
    pseudo_labels,
)


def test_reversed_gradient_is_minus_lambda_times_the_incoming_one():
    x = torch.tensor([[1.0, -2.0, 3.0]], requires_grad=True)
    incoming = torch.tensor([[0.5, 1.0, -4.0]])
    y = grad_reverse(x, lam=0.3)
    assert torch.equal(y, x)  # the identity going forward
    y.backward(incoming)
    assert torch.allclose(x.grad, -0.3 * incoming)
    layer = GradientReversal(lam=2.0)
    x.grad = None
    layer(x).sum().backward()
    assert torch.allclose(x.grad, torch.full((1, 3), -2.0))


def test_domain_loss_on_a_known_batch():
    source, target = torch.tensor([[0.0], [2.0]]), torch.tensor([[1.0]])
    loss, accuracy = domain_loss(source, target)
    # -1/3 [log(1 - s(0)) + log(1 - s(2)) + log s(1)], s = sigmoid
    s = lambda z: 1 / (1 + math.exp(-z))  # noqa: E731
    expected = -(math.log(1 - s(0)) + math.log(1 - s(2)) + math.log(s(1))) / 3
    assert loss.item() == pytest.approx(expected, abs=1e-6)
    assert accuracy == pytest.approx(2 / 3)  # 0 -> source (logit 0 is not > 0), 2 wrong, 1 right


def test_discriminator_reverses_the_gradient_into_the_features():
    torch.manual_seed(0)
    features = torch.randn(4, 8, requires_grad=True)
    disc = DomainDiscriminator(8, hidden=16, lam=0.5)
    assert disc(features).shape == (4, 1) and disc.reverse.lam == 0.5
    disc(features).sum().backward()
    reversed_grad = features.grad.clone()
    features.grad = None
    disc.net(features).sum().backward()  # the same layers without the reversal
    assert torch.allclose(reversed_grad, -0.5 * features.grad, atol=1e-6)


def test_lambda_schedule_of_the_paper():
    assert dann_lambda(0.0) == 0.0
    assert dann_lambda(0.5) == pytest.approx(2 / (1 + math.exp(-5)) - 1)
    assert 0.999 < dann_lambda(1.0) < 1.0 and dann_lambda(1.0, scale=0.1) < 0.1
    with pytest.raises(ValueError, match="fraction of training done"):
        dann_lambda(1.5)


def test_pseudo_labels_keep_only_confident_rows():
    logits = torch.tensor([[4.0, 0.0], [0.1, 0.0], [0.0, 5.0]])
    keep, labels = pseudo_labels(logits, threshold=0.9)
    assert keep.tolist() == [0, 2] and labels.tolist() == [0, 1]
    with pytest.raises(ValueError, match="probability"):
        pseudo_labels(logits, threshold=0.0)


def test_digit_domains_shapes_and_held_out_test():
    from tlteach.torch.da import digit_domains

    d = digit_domains("mnist_m")
    assert d.X_source.shape == (4000, 3, 28, 28) and d.X_target.shape == (4000, 3, 28, 28)
    assert d.X_test.shape == (1000, 3, 28, 28) and float(d.X_test.max()) <= 1.0
    digits = digit_domains("digits")
    assert len(digits.X_target) + len(digits.X_test) == 1797
    with pytest.raises(ValueError, match="choose 'mnist_m' or 'digits'"):
        digit_domains("svhn")


def test_train_adapted_needs_target_images_for_dann():
    from tlteach.torch.da import train_adapted

    body, head = nn.Linear(2, 4), nn.Linear(4, 2)
    X, y = torch.randn(8, 2), torch.tensor([0, 1] * 4)
    with pytest.raises(ValueError, match="pass X_target"):
        train_adapted(body, head, X, y, steps=1, discriminator=DomainDiscriminator(4))
    # Source images -1, target images +1, features = images (the body is the identity),
    # and a discriminator that is one weight: logits -w (source) and +w (target), so it tells
    # every image's domain with w = 1 and none with w = -1; lr=0 keeps it so.
    for w, expected in ((1.0, 1.0), (-1.0, 0.0)):
        discriminator = DomainDiscriminator(1)
        discriminator.net = nn.Linear(1, 1)
        with torch.no_grad():
            discriminator.net.weight.fill_(w)
            discriminator.net.bias.zero_()
        history = train_adapted(nn.Identity(), nn.Linear(1, 2), -torch.ones(8, 1), y, steps=4,
                                X_target=torch.ones(8, 1), discriminator=discriminator,
                                lr=0.0, batch_size=4, log_every=2)
        assert history["step"] == [2, 4] and history["domain_accuracy"] == [expected] * 2
        assert history["lambda"] == [dann_lambda(1 / 4), dann_lambda(3 / 4)]


def test_coral_loss_against_numpy_covariances():
    import numpy as np

    from tlteach.torch.da import coral_loss, covariance

    rng = np.random.default_rng(0)
    source, target = rng.normal(size=(7, 3)), rng.normal(2.0, 3.0, size=(5, 3))
    cs, ct = np.cov(source, rowvar=False), np.cov(target, rowvar=False)  # unbiased, (3, 3)
    expected = ((cs - ct) ** 2).sum() / (4 * 3**2)
    s, t = torch.tensor(source, requires_grad=True), torch.tensor(target)
    assert torch.allclose(covariance(s), torch.tensor(cs))
    loss = coral_loss(s, t)
    assert loss.item() == pytest.approx(expected, rel=1e-12)
    loss.backward()  # differentiable in the features: the gradient that aligns them
    assert s.grad is not None and s.grad.abs().sum() > 0
    # The same covariance (a shifted copy of the features) costs nothing: CORAL matches
    # second-order statistics, not means.
    assert coral_loss(s, s + 5.0).item() == pytest.approx(0.0, abs=1e-12)
    with pytest.raises(ValueError, match="differ in width"):
        coral_loss(s, t[:, :2])
    with pytest.raises(ValueError, match="at least 2 rows"):
        covariance(s[:1])


def test_train_adapted_adds_the_weighted_coral_loss():
    from tlteach.torch.da import coral_loss, train_adapted

    X, y = torch.randn(8, 2), torch.tensor([0, 1] * 4)
    with pytest.raises(ValueError, match="pass X_target"):
        train_adapted(nn.Identity(), nn.Linear(2, 2), X, y, steps=1, coral_weight=1.0)
    # The logged CORAL loss is that of the batches the loop draws (the same generator here).
    source, target = torch.randn(16, 2) * 3.0, torch.randn(16, 2)
    history = train_adapted(nn.Identity(), nn.Linear(2, 2), source, y.repeat(2), steps=1,
                            X_target=target, coral_weight=1.0, lr=0.0, batch_size=8,
                            seed=5, log_every=1)
    generator = torch.Generator().manual_seed(5)
    i = torch.randint(16, (8,), generator=generator)
    j = torch.randint(16, (8,), generator=generator)
    assert history["coral"] == [pytest.approx(coral_loss(source[i], target[j]).item())]
    # Trained with a large weight, a linear body learns a projection in which the source's
    # wider spread and the target's agree: the CORAL loss falls. Without the weight the loop
    # logs no CORAL loss (nan).
    torch.manual_seed(0)
    body = nn.Linear(2, 2)
    history = train_adapted(body, nn.Linear(2, 2), source, y.repeat(2), steps=200,
                            X_target=target, coral_weight=100.0, lr=0.02, batch_size=16,
                            log_every=50)
    assert history["coral"][-1] < 0.1 * history["coral"][0]
    plain = train_adapted(nn.Identity(), nn.Linear(2, 2), source, y.repeat(2), steps=2,
                          X_target=target, lr=0.0, log_every=1)
    assert all(math.isnan(c) for c in plain["coral"])


def test_continue_from_trains_a_copy_with_one_method_and_names_a_wrong_one():
    from tlteach.torch.da import Domains, continue_from, digit_body, digit_head, train_adapted

    images = torch.rand(3, 16, 3, 28, 28, generator=torch.Generator().manual_seed(0))
    labels = torch.arange(16) % 10
    domains = Domains(images[0], labels, images[1], labels, images[2], labels)
    torch.manual_seed(0)
    source = digit_body(), digit_head()

    def parameters(model: tuple[nn.Module, nn.Module]) -> list[torch.Tensor]:
        return [p for m in model for p in m.parameters()]

    before = [p.clone() for p in parameters(source)]
    runs = {method: continue_from(source, domains, seed=5, method=method, steps=2,
                                  coral_weight=30.0)
            for method in ("source only", "DANN", "Deep CORAL")}
    assert all(torch.equal(a, b) for a, b in zip(before, parameters(source), strict=True))
    assert not math.isnan(runs["DANN"][1]["domain_accuracy"][-1])
    assert runs["Deep CORAL"][1]["coral"][-1] > 0
    assert math.isnan(runs["source only"][1]["coral"][-1])
    # "source only" is exactly train_adapted on a copy with the same seed: the equal-steps control
    body, head = copy.deepcopy(source)
    train_adapted(body, head, domains.X_source, domains.y_source, steps=2, seed=5)
    control, _ = runs["source only"]
    assert all(torch.equal(a, b) for a, b in zip(body.state_dict().values(),
                                                   control[0].state_dict().values(), strict=True))
    with pytest.raises(ValueError, match="DANN, Deep CORAL"):
        continue_from(source, domains, seed=5, method="dann")
