"""Returns, transfer metrics, CartPole variants and the NumPy policy against references."""

import numpy as np
import pytest
import torch
from torch import nn

from tlteach import rl


def test_discounted_returns_by_hand():
    # G_2 = 3; G_1 = 2 + 0.5 * 3 = 3.5; G_0 = 1 + 0.5 * 3.5 = 2.75
    np.testing.assert_allclose(rl.discounted_returns([1, 2, 3], gamma=0.5), [2.75, 3.5, 3.0])
    np.testing.assert_allclose(rl.discounted_returns([1, 1, 1], gamma=1.0), [3, 2, 1])
    np.testing.assert_allclose(rl.discounted_returns([1, 1, 1], gamma=0.0), [1, 1, 1])
    assert rl.discounted_returns([], gamma=0.9).shape == (0,)


def test_discounted_returns_rejects_a_gamma_outside_0_1():
    with pytest.raises(ValueError, match=r"gamma must be in \[0, 1\], got 1.5"):
        rl.discounted_returns([1.0], gamma=1.5)


def test_moving_average_and_time_to_threshold_by_hand():
    np.testing.assert_allclose(rl.moving_average([0, 2, 4, 6], 2), [1, 3, 5])
    curve = [0] * 5 + [10] * 10
    # The first window of 5 all at 10 covers episodes 6-10: the threshold is reached at 10.
    assert rl.time_to_threshold(curve, 10, window=5) == 10
    assert rl.time_to_threshold(curve, 4, window=5) == 7  # (0 + 0 + 10 + 10 + 10) / 5 = 6
    assert rl.time_to_threshold(curve, 11, window=5) is None
    with pytest.raises(ValueError, match="window must be between 1 and 4"):
        rl.moving_average([1, 2, 3, 4], 5)


def test_transfer_metrics_by_hand():
    transferred = np.array([100.0, 100, 200, 200])
    scratch = np.array([10.0, 30, 100, 200])
    m = rl.transfer_metrics(transferred, scratch, threshold=150, window=2)
    assert m["jumpstart"] == pytest.approx(100 - 20)
    assert m["asymptotic"] == pytest.approx(200 - 150)
    assert m["total_reward"] == pytest.approx(150 - 85)
    assert m["transfer_ratio"] == pytest.approx(150 / 85)
    assert m["time_to_threshold"] == (3, 4)  # moving averages: 100 150 200 | 20 65 150
    with pytest.raises(ValueError, match="two 1-D curves of the same length"):
        rl.transfer_metrics(transferred, scratch[:3], threshold=150)


def test_make_cartpole_recomputes_the_derived_physics():
    env = rl.make_cartpole(length=1.0, masspole=0.5, force_mag=-10)
    cartpole = env.unwrapped
    assert cartpole.length == 1.0 and cartpole.force_mag == -10.0
    assert cartpole.total_mass == pytest.approx(1.5)  # masscart 1.0 + masspole 0.5
    assert cartpole.polemass_length == pytest.approx(0.5)
    default = rl.make_cartpole().unwrapped
    assert (default.length, default.polemass_length) == (0.5, pytest.approx(0.05))


def test_make_cartpole_names_an_unknown_setting_and_the_choices():
    with pytest.raises(ValueError, match=r"unknown setting\(s\) \['pole_length'\]; choose from"):
        rl.make_cartpole(pole_length=1.0)


def test_numpy_policy_matches_pytorch():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 8, bias=False), nn.ReLU(),
                        nn.Linear(8, 2))
    obs = np.random.default_rng(0).normal(size=4).astype(np.float32)
    with torch.no_grad():
        expected = net(torch.from_numpy(obs)).numpy()
    np.testing.assert_allclose(rl.numpy_policy(net)(obs), expected, rtol=1e-5, atol=1e-6)
    with pytest.raises(TypeError, match="cannot run a Dropout layer"):
        rl.numpy_policy(nn.Sequential(nn.Linear(4, 2), nn.Dropout()))


def test_play_episode_repeats_with_its_seeds():
    env = rl.make_cartpole()
    uniform = lambda obs: np.zeros(2)  # noqa: E731
    first = rl.play_episode(env, uniform, np.random.default_rng(0), seed=3)
    second = rl.play_episode(env, uniform, np.random.default_rng(0), seed=3)
    observations, actions, rewards = first
    assert observations.shape == (len(rewards), 4) and actions.shape == rewards.shape
    assert set(actions) <= {0, 1} and 1 <= rewards.sum() <= 500
    for a, b in zip(first, second, strict=True):
        np.testing.assert_array_equal(a, b)
