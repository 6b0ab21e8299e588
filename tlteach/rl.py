"""Transfer in reinforcement learning: CartPole variants, fast rollouts, discounted returns
and the transfer metrics of Taylor & Stone.

**Tasks.** Gymnasium's ``CartPole-v1`` (Barto, Sutton & Anderson 1983): push a cart left or
right to keep a pole upright; reward 1 per step, at most 500 steps. A *target task* changes
the physics (:func:`make_cartpole`): the pole's length or mass, gravity, or the force of a
push. Gymnasium derives ``total_mass`` and ``polemass_length`` once in ``__init__``, so a
changed mass or length must recompute them, as :func:`make_cartpole` does.

**Returns.** The discounted return from step ``t`` is
``G_t = r_t + gamma * r_{t+1} + gamma^2 * r_{t+2} + ...`` (Sutton & Barto, *Reinforcement
Learning: An Introduction*, 2nd ed. 2018, eq. 3.8), computed backwards as
``G_t = r_t + gamma * G_{t+1}``.

**Transfer metrics** (Taylor & Stone, *Transfer Learning for Reinforcement Learning
Domains: A Survey*, JMLR 10, 2009, section 2.1), on learning curves of episode returns on the
target task, with and without transfer (the first three: transferred minus scratch):

- *jumpstart*: the mean return of the first episodes;
- *asymptotic performance*: the mean return of the last episodes;
- *total reward*: the mean return over the whole curve (the area under it, per episode);
- *transfer ratio*: the total reward transferred divided by the total reward from scratch;
- *time to threshold*: the first episode at which the moving average of returns reaches a
  chosen threshold (``None``: never).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

CARTPOLE = {"length": 0.5, "masspole": 0.1, "force_mag": 10.0, "gravity": 9.8}


def make_cartpole(**physics: float):
    """``CartPole-v1`` with changed physics: any of ``length`` (half the pole, 0.5 m),
    ``masspole`` (0.1 kg), ``force_mag`` (10 N; negative: the actions swap sides) and
    ``gravity`` (9.8 m/s²). The derived ``total_mass`` and ``polemass_length`` follow."""
    import gymnasium as gym  # imported here: only the reinforcement-learning lesson needs it

    unknown = sorted(set(physics) - set(CARTPOLE))
    if unknown:
        raise ValueError(f"make_cartpole: unknown setting(s) {unknown}; "
                         f"choose from {sorted(CARTPOLE)}.")
    env = gym.make("CartPole-v1")
    cartpole = env.unwrapped
    for name, value in physics.items():
        setattr(cartpole, name, float(value))
    cartpole.total_mass = cartpole.masspole + cartpole.masscart
    cartpole.polemass_length = cartpole.masspole * cartpole.length
    return env


def numpy_policy(net) -> Callable[[np.ndarray], np.ndarray]:
    """The logits function of ``net`` (a ``torch.nn.Sequential`` of ``Linear``, ``Tanh`` and
    ``ReLU`` layers) as NumPy code: a snapshot of its current weights. One observation at a
    time, a small network runs much faster in NumPy than through PyTorch's per-call overhead."""
    steps = []
    for layer in net:
        kind = type(layer).__name__
        if kind == "Linear":
            weight = layer.weight.detach().numpy().copy()
            bias = (np.zeros(len(weight), dtype=weight.dtype) if layer.bias is None
                    else layer.bias.detach().numpy().copy())
            steps.append((weight, bias))
        elif kind in ("Tanh", "ReLU"):
            steps.append(kind)
        else:
            raise TypeError(f"numpy_policy: cannot run a {kind} layer; use Linear, Tanh and "
                            "ReLU layers, or run the network with PyTorch.")

    def logits(obs: np.ndarray) -> np.ndarray:
        x = np.asarray(obs, dtype=np.float32)
        for step in steps:
            if step == "Tanh":
                x = np.tanh(x)
            elif step == "ReLU":
                x = np.maximum(x, 0)
            else:
                x = x @ step[0].T + step[1]
        return x

    return logits


def play_episode(env, logits: Callable[[np.ndarray], np.ndarray], rng: np.random.Generator,
                 seed: int | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One episode, actions sampled from ``softmax(logits(obs))``; returns the observations
    ``(T, obs_dim)``, the actions ``(T,)`` and the rewards ``(T,)``."""
    obs, _ = env.reset(seed=seed)
    observations, actions, rewards = [], [], []
    done = False
    while not done:
        z = logits(obs)
        cumulative = np.cumsum(np.exp(z - z.max()))  # softmax, unnormalised
        action = min(int(np.searchsorted(cumulative, rng.random() * cumulative[-1],
                                         side="right")), len(z) - 1)
        observations.append(obs)
        actions.append(action)
        obs, reward, terminated, truncated, _ = env.step(action)
        rewards.append(reward)
        done = terminated or truncated
    return np.array(observations), np.array(actions), np.array(rewards, dtype=np.float64)


def discounted_returns(rewards, gamma: float) -> np.ndarray:
    """``G_t = r_t + gamma * G_{t+1}`` for every step of one episode, shape ``(T,)``."""
    if not 0 <= gamma <= 1:
        raise ValueError(f"discounted_returns: gamma must be in [0, 1], got {gamma}.")
    rewards = np.asarray(rewards, dtype=np.float64)
    out = np.zeros_like(rewards)
    g = 0.0
    for t in range(len(rewards) - 1, -1, -1):
        g = rewards[t] + gamma * g
        out[t] = g
    return out


def moving_average(curve, window: int) -> np.ndarray:
    """The mean of each ``window`` consecutive values, shape ``(len(curve) - window + 1,)``."""
    curve = np.asarray(curve, dtype=np.float64)
    if not 1 <= window <= len(curve):
        raise ValueError(f"moving_average: window must be between 1 and {len(curve)} "
                         f"(the curve's length), got {window}.")
    return np.convolve(curve, np.ones(window) / window, mode="valid")


def time_to_threshold(curve, threshold: float, window: int = 10) -> int | None:
    """The number of episodes until the moving average over ``window`` episodes first
    reaches ``threshold`` (the last episode of that window, counted from 1); ``None``: never."""
    reached = np.flatnonzero(moving_average(curve, window) >= threshold)
    return int(reached[0]) + window if len(reached) else None


def transfer_metrics(transferred, scratch, threshold: float, window: int = 10) -> dict:
    """Taylor & Stone's metrics from two learning curves of episode returns on the target
    task (one value per episode, the same length): see the module docstring."""
    transferred = np.asarray(transferred, dtype=np.float64)
    scratch = np.asarray(scratch, dtype=np.float64)
    if transferred.shape != scratch.shape or transferred.ndim != 1:
        raise ValueError("transfer_metrics: give two 1-D curves of the same length "
                         f"(got shapes {transferred.shape} and {scratch.shape}).")
    return {
        "jumpstart": float(transferred[:window].mean() - scratch[:window].mean()),
        "asymptotic": float(transferred[-window:].mean() - scratch[-window:].mean()),
        "total_reward": float(transferred.mean() - scratch.mean()),
        "transfer_ratio": float(transferred.mean() / scratch.mean()),
        "time_to_threshold": (time_to_threshold(transferred, threshold, window),
                              time_to_threshold(scratch, threshold, window)),
    }
