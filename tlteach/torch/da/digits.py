"""The two digit tasks of notebook 05: MNIST -> MNIST-M and MNIST -> scikit-learn digits."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import torch


class Domains(NamedTuple):
    """A labelled source, an unlabelled target and a held-out target test set.

    Images are float tensors ``(N, 3, 28, 28)`` in [0, 1]. ``y_target`` (the target's
    labels) is for the oracle only; adaptation methods never see it.
    """

    X_source: torch.Tensor
    y_source: torch.Tensor
    X_target: torch.Tensor
    y_target: torch.Tensor
    X_test: torch.Tensor
    y_test: torch.Tensor


def digit_domains(target: str, test: int = 1000, seed: int = 0) -> Domains:
    """MNIST (source) -> ``target``: ``"mnist_m"`` or ``"digits"`` (scikit-learn, 8x8).

    MNIST-M is built from the course's MNIST digits, as the original is built from MNIST's
    training set: the source and the unlabelled target show the same 4,000 digits in two
    styles; the ``test`` digits are held out from both. ``seed`` draws the split (and, for
scikit-learn digits, which of them are held out); MNIST-M's backgrounds are the course's one
build of it.
    """
    from tlteach.data import load
    from tlteach.data.pipelines import to_tensor

    X_mnist, y_mnist, _ = load("mnist")
    order = np.random.default_rng(seed).permutation(len(y_mnist))
    train = order[:-test]
    source = to_tensor(X_mnist[train]), torch.from_numpy(y_mnist[train]).long()
    if target == "mnist_m":
        X, y, _ = load("mnist_m")
        keep, held_out = train, order[-test:]
    elif target == "digits":
        X, y, _ = load("digits")
        shuffled = np.random.default_rng(seed).permutation(len(y))
        n_test = len(y) // 3
        keep, held_out = shuffled[n_test:], shuffled[:n_test]
    else:
        raise ValueError(f"Unknown target {target!r}; choose 'mnist_m' or 'digits'.")
    Xt, yt = to_tensor(X), torch.from_numpy(y).long()
    return Domains(*source, Xt[keep], yt[keep], Xt[held_out], yt[held_out])
