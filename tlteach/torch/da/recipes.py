"""Notebook 05's recipes on the one training loop (``tlteach.torch.da.train``): more steps
from a copy of a source model (DANN, Deep CORAL or neither), a source model then DANN, and
self-training with pseudo-labels."""

from __future__ import annotations

import copy

from torch import nn

from tlteach.runtime import seed_everything, sub_seeds
from tlteach.torch.da.dann import DomainDiscriminator
from tlteach.torch.da.digits import Domains
from tlteach.torch.da.models import digit_body, digit_head
from tlteach.torch.da.self_training import pseudo_labels
from tlteach.torch.da.train import predict, train_adapted

CONTINUED = ("source only", "DANN", "Deep CORAL")  # what continue_from can add to the source


def continue_from(source: tuple[nn.Module, nn.Module], domains: Domains, seed: int,
                  method: str, steps: int = 1500, lam_scale: float = 1.0,
                  coral_weight: float = 300.0) -> tuple[tuple[nn.Module, nn.Module], dict]:
    """A copy of the ``source`` model (body, head) trained ``steps`` more steps on the source
    labels, with ``method`` on the unlabelled target: "DANN" (a new discriminator, λ scaled by
    ``lam_scale``), "Deep CORAL" (weight ``coral_weight``) or "source only" (neither: the
    control with as many steps). ``seed`` draws the discriminator and the batches; ``source``
    itself is left as it is.

    Returns ``((body, head), history)``, the history as ``train_adapted`` gives it.
    """
    if method not in CONTINUED:
        raise ValueError(f"method must be one of {', '.join(CONTINUED)}, not {method!r}.")
    body, head = copy.deepcopy(source)
    seed_everything(seed)  # the discriminator's initial weights
    target: dict = {}  # "source only": no target at all
    if method == "DANN":
        target = {"X_target": domains.X_target, "discriminator": DomainDiscriminator(768),
                  "lam_scale": lam_scale}
    elif method == "Deep CORAL":
        target = {"X_target": domains.X_target, "coral_weight": coral_weight}
    history = train_adapted(body, head, domains.X_source, domains.y_source, steps=steps,
                            seed=seed, **target)
    return (body, head), history


def source_then_dann(domains: Domains, seed: int = 0, source_steps: int = 1000,
                     dann_steps: int = 1500, lam_scale: float = 1.0) -> tuple[tuple, tuple]:
    """Notebook 05's budget: a source-only model, then DANN continued from a copy of it.

    Returns ``((body, head) source only, (body, head) after DANN)``.
    """
    seed_everything(seed)
    source = digit_body(), digit_head()
    train_adapted(*source, domains.X_source, domains.y_source, steps=source_steps, seed=seed)
    dann, _ = continue_from(source, domains, seed, "DANN", dann_steps, lam_scale=lam_scale)
    return source, dann


def self_train(body: nn.Module, head: nn.Module, domains: Domains, steps: int,
               threshold: float = 0.9, rounds: int = 2, seed: int = 0) -> list[dict]:
    """Self-training from a source model, in place: ``rounds`` times, pseudo-label the
    target (confidence >= ``threshold``) and train on source + pseudo-labelled target.

    Returns one record per round: ``kept`` (fraction of the target kept), ``correct`` (of
    the kept pseudo-labels, measured with the labels the method never sees).
    """
    records = []
    for round_seed in sub_seeds(seed, rounds):  # batches of its own per round
        keep, labels = pseudo_labels(predict(body, head, domains.X_target), threshold)
        correct = (labels == domains.y_target[keep]).float().mean().item() if len(keep) else 0.0
        records.append({"kept": len(keep) / len(domains.X_target), "correct": correct})
        if len(keep) == 0:
            break
        train_adapted(body, head, domains.X_source, domains.y_source, steps,
                      X_target=domains.X_target[keep], y_target=labels, seed=round_seed)
    return records
