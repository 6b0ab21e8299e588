"""One training loop for source-only, DANN, Deep CORAL, self-training and the oracle (PyTorch).

``train_adapted`` trains ``body`` (images -> features) and ``head`` (features -> logits) on
labelled source batches. Given target images and a ``DomainDiscriminator`` it is DANN
(Ganin et al., JMLR 2016, algorithm 1): each step adds the domain loss of a source batch and
a target batch, and the gradient reversal layer, its lambda raised by ``dann_lambda``,
pushes the features to make the domains indistinguishable. Given target images and a
``coral_weight`` it is Deep CORAL (Sun & Saenko, 2016; see ``coral_loss``): each step adds
the weighted distance between the two batches' feature covariances. Given target images *and*
labels for them (pseudo-labels, see ``pseudo_labels``) it adds their classification loss:
self-training. The source and target batches go through ``body`` separately, so BatchNorm
normalises each domain with its own batch statistics while training.

``predict``, ``accuracy`` and ``features`` read a trained body and head in inference mode;
``tlteach.torch.da.recipes`` holds notebook 05's training recipes built on this loop.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from tlteach.torch.da.coral import coral_loss
from tlteach.torch.da.dann import DomainDiscriminator, dann_lambda, domain_loss
from tlteach.torch.inference import batches_of, infer
from tlteach.torch.layer_modes import eval_mode, train_mode


def train_adapted(body: nn.Module, head: nn.Module, X_source: torch.Tensor,
                  y_source: torch.Tensor, steps: int, X_target: torch.Tensor | None = None,
                  y_target: torch.Tensor | None = None,
                  discriminator: DomainDiscriminator | None = None, lam_scale: float = 1.0,
                  coral_weight: float = 0.0, lr: float = 1e-3, batch_size: int = 32, seed: int = 0,
                  log_every: int = 50) -> dict[str, list[float]]:
    """Train ``body`` and ``head`` in place for ``steps`` Adam steps (see the module docstring).

    Returns the history, one entry per ``log_every`` steps: ``step``, ``lambda``,
    ``loss`` (classification), ``domain_accuracy`` (DANN only; 0.5 = domains confused) and
    ``coral`` (the CORAL loss, unweighted; Deep CORAL only).
    """
    if (discriminator is not None or y_target is not None or coral_weight) and X_target is None:
        raise ValueError("DANN, Deep CORAL and self-training need target images: pass X_target.")
    modules = [m for m in (body, head, discriminator) if m is not None]
    optimizer = torch.optim.Adam([p for m in modules for p in m.parameters()], lr=lr)
    generator = torch.Generator().manual_seed(seed)
    history: dict[str, list[float]] = {"step": [], "lambda": [], "loss": [], "domain_accuracy": [],
                                       "coral": []}
    window: dict[str, list[float]] = {"loss": [], "domain_accuracy": [], "coral": []}
    with train_mode(*modules):
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
                if coral_weight:
                    coral = coral_loss(source_features, target_features)
                    loss = loss + coral_weight * coral
                    window["coral"].append(coral.item())
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            if (step + 1) % log_every == 0 or step + 1 == steps:
                history["step"].append(step + 1)
                history["lambda"].append(lam)
                for key, values in window.items():
                    history[key].append(float(np.mean(values)) if values else float("nan"))
                    values.clear()
    return history


def predict(body: nn.Module, head: nn.Module, X: torch.Tensor,
            batch_size: int = 500) -> torch.Tensor:
    """Logits ``(N, C)`` of images ``X``, in eval mode (the modules' modes given back)."""
    with eval_mode(body, head):
        return infer(lambda x: head(body(x)), batches_of(X, batch_size))


def accuracy(body: nn.Module, head: nn.Module, X: torch.Tensor, y: torch.Tensor) -> float:
    """Fraction of ``X`` classified as ``y``."""
    return (predict(body, head, X).argmax(dim=1) == y).float().mean().item()


def features(body: nn.Module, X: torch.Tensor, batch_size: int = 500) -> np.ndarray:
    """The body's features ``(N, D)`` of images ``X``, in eval mode (its modes given back)."""
    with eval_mode(body):
        return infer(body, batches_of(X, batch_size)).numpy()
