"""One training loop for source-only, DANN, self-training and the oracle (PyTorch).

``train_adapted`` trains ``body`` (images -> features) and ``head`` (features -> logits) on
labelled source batches. Given target images and a ``DomainDiscriminator`` it is DANN
(Ganin et al., JMLR 2016, algorithm 1): each step adds the domain loss of a source batch and
a target batch, and the gradient reversal layer, its lambda raised by ``dann_lambda``,
pushes the features to make the domains indistinguishable. Given target images *and*
labels for them (pseudo-labels, see ``pseudo_labels``) it adds their classification loss:
self-training. The source and target batches go through ``body`` separately, so BatchNorm
normalises each domain with its own batch statistics while training.

``digit_domains`` gives the two digit tasks of notebook 05: MNIST -> MNIST-M and
MNIST -> scikit-learn digits.
"""

from __future__ import annotations

import copy
from typing import NamedTuple

import numpy as np
import torch
from torch import nn

from tlteach.da.dann import DomainDiscriminator, dann_lambda, domain_loss
from tlteach.da.self_training import pseudo_labels
from tlteach.runtime import seed_everything


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


def digit_domains(target: str, test: int = 1000) -> Domains:
    """MNIST (source) -> ``target``: ``"mnist_m"`` or ``"digits"`` (scikit-learn, 8x8).

    MNIST-M is built from the course's MNIST digits, as the original is built from MNIST's
    training set: the source and the unlabelled target show the same 4,000 digits in two
    styles; the ``test`` digits are held out from both. The split is fixed (seed 0).
    """
    from tlteach.backbones import to_tensor
    from tlteach.data import load

    X_mnist, y_mnist, _ = load("mnist")
    order = np.random.default_rng(0).permutation(len(y_mnist))
    train = order[:-test]
    source = to_tensor(X_mnist[train]), torch.from_numpy(y_mnist[train]).long()
    if target == "mnist_m":
        X, y, _ = load("mnist_m")
        keep, held_out = train, order[-test:]
    elif target == "digits":
        X, y, _ = load("digits")
        shuffled = np.random.default_rng(0).permutation(len(y))
        n_test = len(y) // 3
        keep, held_out = shuffled[n_test:], shuffled[:n_test]
    else:
        raise ValueError(f"Unknown target {target!r}; choose 'mnist_m' or 'digits'.")
    Xt, yt = to_tensor(X), torch.from_numpy(y).long()
    return Domains(*source, Xt[keep], yt[keep], Xt[held_out], yt[held_out])


class Standardize(nn.Module):
    """Each image to zero mean and unit variance over its pixels: ``(B, C, H, W)``."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        mean = x.mean(dim=(1, 2, 3), keepdim=True)
        return (x - mean) / (x.std(dim=(1, 2, 3), keepdim=True) + 1e-3)


def digit_body() -> nn.Sequential:
    """The DANN paper's MNIST feature extractor with BatchNorm: ``(B, 3, 28, 28) -> (B, 768)``.

    conv 5x5 (32) - pool - conv 5x5 (48) - pool, flattened (48 x 4 x 4).
    """
    return nn.Sequential(
        Standardize(),
        nn.Conv2d(3, 32, 5), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 48, 5), nn.BatchNorm2d(48), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(),
    ).to(memory_format=torch.channels_last)  # fmt: skip  # PyTorch's faster layout on CPU


def digit_head(num_classes: int = 10, in_features: int = 768) -> nn.Sequential:
    """The paper's label predictor: ``(B, 768) -> 100 -> 100 -> (B, num_classes)``."""
    return nn.Sequential(nn.Linear(in_features, 100), nn.ReLU(), nn.Linear(100, 100), nn.ReLU(),
                         nn.Linear(100, num_classes))


def train_adapted(body: nn.Module, head: nn.Module, X_source: torch.Tensor,
                  y_source: torch.Tensor, steps: int, X_target: torch.Tensor | None = None,
                  y_target: torch.Tensor | None = None,
                  discriminator: DomainDiscriminator | None = None, lam_scale: float = 1.0,
                  lr: float = 1e-3, batch_size: int = 32, seed: int = 0,
                  log_every: int = 50) -> dict[str, list[float]]:
    """Train ``body`` and ``head`` in place for ``steps`` Adam steps (see the module docstring).

    Returns the history, one entry per ``log_every`` steps: ``step``, ``lambda``,
    ``loss`` (classification) and ``domain_accuracy`` (DANN only; 0.5 = domains confused).
    """
    if (discriminator is not None or y_target is not None) and X_target is None:
        raise ValueError("DANN and self-training need target images: pass X_target.")
    modules = [m for m in (body, head, discriminator) if m is not None]
    optimizer = torch.optim.Adam([p for m in modules for p in m.parameters()], lr=lr)
    generator = torch.Generator().manual_seed(seed)
    history: dict[str, list[float]] = {"step": [], "lambda": [], "loss": [], "domain_accuracy": []}
    window: dict[str, list[float]] = {"loss": [], "domain_accuracy": []}
    for module in modules:
        module.train()
    for step in range(steps):
        i = torch.randint(len(X_source), (batch_size,), generator=generator)
        source_features = body(X_source[i])
        loss = nn.functional.cross_entropy(head(source_features), y_source[i])
        window["loss"].append(loss.item())
        lam = 0.0
        if X_target is not None:
            j = torch.randint(len(X_target), (batch_size,), generator=generator)
            target_features = body(X_target[j])
            if y_target is not None:
                loss = loss + nn.functional.cross_entropy(head(target_features), y_target[j])
            if discriminator is not None:
                lam = dann_lambda(step / steps, scale=lam_scale)
                discriminator.reverse.lam = lam
                d_loss, d_accuracy = domain_loss(discriminator(source_features),
                                                 discriminator(target_features))
                loss = loss + d_loss
                window["domain_accuracy"].append(d_accuracy)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if (step + 1) % log_every == 0 or step + 1 == steps:
            history["step"].append(step + 1)
            history["lambda"].append(lam)
            for key, values in window.items():
                history[key].append(float(np.mean(values)) if values else float("nan"))
                values.clear()
    for module in modules:
        module.eval()
    return history


@torch.no_grad()
def predict(body: nn.Module, head: nn.Module, X: torch.Tensor,
            batch_size: int = 500) -> torch.Tensor:
    """Logits ``(N, C)`` of images ``X``, in inference mode."""
    body.eval()
    head.eval()
    return torch.cat([head(body(X[i : i + batch_size])) for i in range(0, len(X), batch_size)])


def accuracy(body: nn.Module, head: nn.Module, X: torch.Tensor, y: torch.Tensor) -> float:
    """Fraction of ``X`` classified as ``y``."""
    return (predict(body, head, X).argmax(dim=1) == y).float().mean().item()


@torch.no_grad()
def features(body: nn.Module, X: torch.Tensor, batch_size: int = 500) -> np.ndarray:
    """The body's features ``(N, D)`` of images ``X``, in inference mode."""
    body.eval()
    return torch.cat([body(X[i : i + batch_size]) for i in range(0, len(X), batch_size)]).numpy()


def source_then_dann(domains: Domains, seed: int = 0, source_steps: int = 1000,
                     dann_steps: int = 1500, lam_scale: float = 1.0) -> tuple[tuple, tuple]:
    """Notebook 05's budget: a source-only model, then DANN continued from a copy of it.

    Returns ``((body, head) source only, (body, head) after DANN)``.
    """
    seed_everything(seed)
    source = digit_body(), digit_head()
    train_adapted(*source, domains.X_source, domains.y_source, steps=source_steps, seed=seed)
    dann = copy.deepcopy(source)
    seed_everything(seed)
    train_adapted(*dann, domains.X_source, domains.y_source, steps=dann_steps,
                  X_target=domains.X_target, discriminator=DomainDiscriminator(768),
                  lam_scale=lam_scale, seed=seed)
    return source, dann


def self_train(body: nn.Module, head: nn.Module, domains: Domains, steps: int,
               threshold: float = 0.9, rounds: int = 2, seed: int = 0) -> list[dict]:
    """Self-training from a source model, in place: ``rounds`` times, pseudo-label the
    target (confidence >= ``threshold``) and train on source + pseudo-labelled target.

    Returns one record per round: ``kept`` (fraction of the target kept), ``correct`` (of
    the kept pseudo-labels, measured with the labels the method never sees).
    """
    records = []
    for r in range(rounds):
        keep, labels = pseudo_labels(predict(body, head, domains.X_target), threshold)
        correct = (labels == domains.y_target[keep]).float().mean().item() if len(keep) else 0.0
        records.append({"kept": len(keep) / len(domains.X_target), "correct": correct})
        if len(keep) == 0:
            break
        train_adapted(body, head, domains.X_source, domains.y_source, steps,
                      X_target=domains.X_target[keep], y_target=labels, seed=seed + r)
    return records
