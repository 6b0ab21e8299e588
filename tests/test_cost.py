"""Model cost measurements and the distillation loss against hand-computed references."""

import math

import pytest
import torch
from torch import nn

from tlteach.torch.cost import (
    file_megabytes,
    flops_per_image,
    milliseconds_per_image,
    parameter_count,
)
from tlteach.torch.distill import distillation_loss


def test_distillation_loss_by_hand():
    # Teacher softmax at T: [0.75, 0.25]; student: [0.5, 0.5].
    # KL = 0.75 ln(0.75 / 0.5) + 0.25 ln(0.25 / 0.5) = 0.130812..., times T^2.
    kl = 0.75 * math.log(1.5) + 0.25 * math.log(0.5)
    student = torch.zeros(1, 2)
    assert distillation_loss(student, torch.tensor([[math.log(3), 0.0]]), 1.0).item() == \
        pytest.approx(kl, rel=1e-6)
    assert distillation_loss(student, torch.tensor([[2 * math.log(3), 0.0]]), 2.0).item() == \
        pytest.approx(4 * kl, rel=1e-6)


def test_distillation_loss_is_zero_when_the_student_matches_and_averages_the_batch():
    logits = torch.randn(5, 3, generator=torch.Generator().manual_seed(0))
    assert distillation_loss(logits, logits, 3.0).item() == pytest.approx(0.0, abs=1e-6)
    one = torch.tensor([[math.log(3), 0.0]])
    two = torch.cat([one, torch.zeros(1, 2)])  # second row: teacher = student, KL 0
    assert distillation_loss(torch.zeros(2, 2), two, 1.0).item() == pytest.approx(
        distillation_loss(torch.zeros(1, 2), one, 1.0).item() / 2, rel=1e-6)


def test_distillation_loss_sends_gradients_to_the_student_only():
    student = torch.zeros(2, 3, requires_grad=True)
    teacher = torch.randn(2, 3, requires_grad=True)
    distillation_loss(student, teacher, 2.0).backward()
    assert student.grad is not None and student.grad.abs().sum() > 0
    assert teacher.grad is None


def test_distillation_loss_names_bad_input():
    with pytest.raises(ValueError, match="temperature must be positive"):
        distillation_loss(torch.zeros(1, 2), torch.zeros(1, 2), 0.0)
    with pytest.raises(ValueError, match=r"same shape \(N, C\), got \(1, 2\) and \(1, 3\)"):
        distillation_loss(torch.zeros(1, 2), torch.zeros(1, 3))


def test_parameter_count_and_file_size():
    model = nn.Linear(10, 5)  # 10 * 5 weights + 5 biases
    assert parameter_count(model) == 55
    assert 55 * 4 / 1e6 < file_megabytes(model) < 55 * 4 / 1e6 + 0.01  # float32 + a header


def test_milliseconds_per_image_is_positive_and_checks_repeats():
    model = nn.Linear(4, 2)
    assert milliseconds_per_image(model, torch.zeros(8, 4), repeats=3) > 0
    with pytest.raises(ValueError, match="repeats must be at least 1"):
        milliseconds_per_image(model, torch.zeros(8, 4), repeats=0)


def test_flops_per_image_by_hand():
    # A 3 -> 2 linear layer: 3 * 2 multiply-adds, 2 FLOPs each, per image; the bias is not
    # counted (FlopCounterMode counts matrix products and convolutions).
    assert flops_per_image(nn.Linear(3, 2), torch.zeros(5, 3)) == 12
    # A 3x3 convolution, 1 -> 4 channels, on a 1 x 8 x 8 image with padding 1: 8 * 8 outputs
    # per channel, 4 channels, 9 multiply-adds each.
    conv = nn.Conv2d(1, 4, 3, padding=1, bias=False)
    assert flops_per_image(conv, torch.zeros(2, 1, 8, 8)) == 2 * 8 * 8 * 4 * 9
    assert conv.training  # counted in eval mode, its own mode left as it was


def test_milliseconds_per_item_is_the_median_after_a_warm_up(monkeypatch):
    # perf_counter reads 0, 1, 1, 4, 4, 6: calls of 1, 3 and 2 s after the warm-up (which is
    # not timed); the median 2 s over a batch of 4 is 500 ms per item.
    from tlteach import timing

    clock, calls = iter([0.0, 1.0, 1.0, 4.0, 4.0, 6.0]), []
    monkeypatch.setattr(timing.time, "perf_counter", lambda: next(clock))
    assert timing.milliseconds_per_item(lambda: calls.append(1), 4, repeats=3) == 500.0
    assert len(calls) == 4  # the warm-up and three timed calls


def test_milliseconds_interleaved_times_every_entry_each_round_and_restores_modes():
    from tlteach.torch.cost import milliseconds_interleaved

    small, large = nn.Linear(8, 2), nn.Sequential(nn.Linear(8, 512), nn.Linear(512, 512))
    large.train()
    times = milliseconds_interleaved({"small": (small, torch.zeros(4, 8)),
                                      "large": (large, torch.zeros(64, 8)),
                                      "large, one": (large, torch.zeros(1, 8))},
                                     rounds=3, min_seconds=0.001)
    assert set(times) == {"small", "large", "large, one"}
    assert all(t.shape == (3,) and (t > 0).all() for t in times.values())
    assert large.training and all(m.training for m in large.modules())  # mode restored
    with pytest.raises(ValueError, match="rounds must be at least 1"):
        milliseconds_interleaved({"small": (small, torch.zeros(1, 8))}, rounds=0)
