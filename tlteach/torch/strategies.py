"""Four transfer strategies run on equal terms: the strategy grid of notebook 04 (PyTorch).

- ``scratch``: the course's small CNN, randomly initialised, trained on the target images
  at their own size (a small network is the fair baseline for few labels);
- ``frozen``: a pretrained body, frozen; a new linear head trained on its features;
- ``frozen early``: the same, with the linear head on the activations where ``fine-tune
  top`` cuts the network (before its last blocks), as CS231n suggests for a target that is
  small and very different from the source; they are globally average-pooled, as the top
  features are, so that the two heads differ in the layer they read and nothing else;
- ``fine-tune top``: continues from the frozen run's head; the last units of the body train
  too, at a 10x smaller learning rate, BatchNorm in inference mode;
- ``fine-tune all``: the same with every unit of the body trainable.

Nothing is augmented, so a frozen part of the network gives the same output for an image in
every epoch. Its outputs are computed once (``layer_outputs``) and only the trainable part
runs per epoch: the numbers are those of the classic per-epoch pipeline, in a fraction of
the time. The pretrained strategies train for about the same number of optimizer steps
(``epochs_for``); scratch gets at least ``Budget.scratch_epochs`` passes over its data, as a
network from random weights needs. Every strategy keeps the weights of its best validation
epoch (``restore_best``) and starts from ``seed_everything(seed)``. Each result gives its
validation accuracy too, so that a choice between strategies is made without the test set.
"""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from tlteach.data import few_shot, load, split, to_torch_loader
from tlteach.data.pipelines import to_tensor
from tlteach.history import join_phases
from tlteach.memory import trim_memory
from tlteach.runtime import seed_everything
from tlteach.torch.backbones import Backbone
from tlteach.torch.freezing import freeze, unfreeze, units
from tlteach.torch.inference import batches_of, infer
from tlteach.torch.layer_modes import eval_mode
from tlteach.torch.small_cnn import SmallCNN, small_cnn_preprocess
from tlteach.torch.train import evaluate, fit, tensor_loader

STRATEGIES = ("scratch", "frozen", "frozen early", "fine-tune top", "fine-tune all")
FOLK_TABLE = {  # (small target data?, target similar to the source?) -> recommendation
    (True, True): "frozen",
    (False, True): "fine-tune all",
    (True, False): "fine-tune top",
    (False, False): "scratch",
}
"""The common four-quadrant table of blog posts and tutorials: small and similar, train a
classifier on frozen features; large and similar, fine-tune the whole network; small and
different, re-train the top layers; large and different, train from scratch."""

CS231N_TABLE = {
    (True, True): "frozen",
    (False, True): "fine-tune all",
    (True, False): "frozen early",
    (False, False): "fine-tune all",
}
"""The CS231n notes (Stanford, "Transfer Learning"): small and similar, a linear classifier
on the top features; large and similar, fine-tune the whole network; small and very
different, a linear classifier on activations from *earlier* in the network (the top ones
are too source-specific); large and very different, train from scratch is affordable, but
"in practice it is very often still beneficial" to fine-tune from pretrained weights."""


@dataclass
class Target:
    """A target task: a labelled training pool, a validation set and a test set (uint8)."""

    name: str
    X_pool: np.ndarray
    y_pool: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    class_names: list[str]


@dataclass
class Budget:
    """Optimizer steps (batches of ``batch_size``) per training phase, and learning rates.

    Scratch trains for ``scratch_steps`` steps or ``scratch_epochs`` passes over its data,
    whichever is longer: a network from random weights needs more passes than a head on
    pretrained features, and with a fixed number of steps it would see each image of a
    larger training set less often, and stop short of what it can learn.
    """

    head_steps: int = 150
    fine_tune_steps: int = 30
    scratch_steps: int = 300
    scratch_epochs: int = 25
    batch_size: int = 32
    head_lr: float = 1e-3
    fine_tune_lr: float = 1e-4
    scratch_lr: float = 1e-3


def load_target(source: str, val_per_class: int = 10, test_per_class: int = 100,
                seed: int = 0) -> Target:
    """A course data source split into a training pool, a validation and a test set; ``seed``
    draws the split and the validation and test images."""
    X, y, class_names = load(source)
    parts = split(X, y, val=0.1, test=0.2, seed=seed)
    X_val, y_val = few_shot(parts.X_val, parts.y_val, k=val_per_class, seed=seed)
    X_test, y_test = few_shot(parts.X_test, parts.y_test, k=test_per_class, seed=seed)
    return Target(source, parts.X_train, parts.y_train, X_val, y_val, X_test, y_test,
                  list(class_names))


def folk_recommendation(labels_per_class: int, similar: bool, small_below: int = 50,
                        table: dict | None = None) -> str:
    """The strategy a decision table (default ``FOLK_TABLE``; or ``CS231N_TABLE``)
    recommends for a target."""
    return (table or FOLK_TABLE)[labels_per_class < small_below, similar]


def epochs_for(n_examples: int, batch_size: int, steps: int) -> int:
    """The number of whole epochs closest to ``steps`` optimizer steps (at least 1)."""
    per_epoch = -(-n_examples // batch_size)
    return max(1, round(steps / per_epoch))


def flat_model(backbone: Backbone, num_classes: int) -> nn.Sequential:
    """``preprocess``, the body's layers and a new linear head as one flat ``nn.Sequential``.

    Nested ``nn.Sequential`` containers of the body are opened, so that the model can be
    cut between any two layers (``split_top``).
    """

    def leaves(module: nn.Module) -> list[nn.Module]:
        if isinstance(module, nn.Sequential):
            return [leaf for child in module.children() for leaf in leaves(child)]
        return [module]

    head = nn.Linear(backbone.num_features, num_classes)
    return nn.Sequential(backbone.preprocess, *leaves(backbone.body), head)


def split_top(model: nn.Sequential, n_units: int) -> tuple[nn.Sequential, nn.Sequential]:
    """Cut a flat model before its last ``n_units`` parameter-owning units (see
    ``tlteach.torch.units``): returns ``(bottom, top)``, sharing the model's layers."""
    parts = units(model)
    if not 1 <= n_units <= len(parts):
        raise ValueError(f"n_units={n_units} is out of range: the model has {len(parts)} units.")
    first = parts[-n_units]
    layers = list(model)
    cut = next((i for i, layer in enumerate(layers) if layer is first), None)
    if cut is None:
        raise ValueError("The unit to cut at is nested inside a layer; use flat_model(...).")
    return model[:cut], model[cut:]


def layer_outputs(module: nn.Module, inputs: np.ndarray | torch.Tensor, size: int | None = None,
                  batch_size: int = 64) -> torch.Tensor:
    """The outputs of a frozen ``module`` (in eval mode, then given its modes back) for uint8
    images or earlier outputs."""
    dev = next((p.device for p in module.parameters()), torch.device("cpu"))

    def forward(batch: np.ndarray | torch.Tensor) -> torch.Tensor:
        x = to_tensor(batch, size) if isinstance(batch, np.ndarray) else batch
        return module(x.to(dev)).float()

    with eval_mode(module):
        return infer(forward, batches_of(inputs, batch_size))


def _loader(inputs, labels, b: Budget, seed: int, shuffle: bool = False):
    return tensor_loader(inputs, labels, batch_size=b.batch_size, shuffle=shuffle, seed=seed)


def _result(model: nn.Module, val, test, history: dict, seconds: float) -> dict:
    return {"accuracy": evaluate(model, test)["accuracy"],
            "val_accuracy": evaluate(model, val)["accuracy"], "history": history,
            "seconds": seconds}


def _scratch(target: Target, X: np.ndarray, y: np.ndarray, seed: int, b: Budget) -> dict:
    """The course's small CNN from random weights, on the target images at their own size."""
    start = time.perf_counter()
    seed_everything(seed)
    net = nn.Sequential(small_cnn_preprocess(), SmallCNN(len(target.class_names)))
    epochs = max(epochs_for(len(y), b.batch_size, b.scratch_steps), b.scratch_epochs)
    val = tensor_loader(to_tensor(target.X_val), target.y_val, batch_size=128)
    history = fit(net, _loader(to_tensor(X), y, b, seed, shuffle=True), val,
                  epochs=epochs, lr=b.scratch_lr, restore_best=True, progress=False)
    test = tensor_loader(to_tensor(target.X_test), target.y_test, batch_size=128)
    return _result(net, val, test, history, time.perf_counter() - start)


@dataclass
class _Frozen:
    """What the pretrained strategies share: the flat model and its top (from the cut), the
    frozen outputs at the cut and before the head, per split, the seconds the cut's outputs
    took, and the trained head's run."""

    model: nn.Sequential
    top: nn.Sequential
    cut: dict[str, torch.Tensor]
    features: dict[str, torch.Tensor]
    cut_seconds: float
    result: dict


def _frozen(backbone: Backbone, target: Target, X: np.ndarray, y: np.ndarray, seed: int,
            size: int, top_units: int, b: Budget) -> _Frozen:
    """The frozen body's outputs, computed once, and a new linear head trained on them."""
    start = time.perf_counter()
    seed_everything(seed)
    model = flat_model(copy.deepcopy(backbone), len(target.class_names))
    freeze(model)
    bottom, top = split_top(model, top_units)
    middle, head = top[:-1], top[-1]
    cut = {name: layer_outputs(bottom, images, size)
           for name, images in (("train", X), ("val", target.X_val), ("test", target.X_test))}
    cut_seconds = time.perf_counter() - start
    features = {name: layer_outputs(middle, a) for name, a in cut.items()}
    unfreeze(head)
    history = fit(head, _loader(features["train"], y, b, seed, shuffle=True),
                  _loader(features["val"], target.y_val, b, seed),
                  epochs=epochs_for(len(y), b.batch_size, b.head_steps), lr=b.head_lr,
                  restore_best=True, progress=False)
    seconds = time.perf_counter() - start
    result = _result(head, _loader(features["val"], target.y_val, b, seed),
                     _loader(features["test"], target.y_test, b, seed), history, seconds)
    return _Frozen(model, top, cut, features, cut_seconds, result)


def _frozen_early(frozen: _Frozen, target: Target, y: np.ndarray, seed: int, b: Budget) -> dict:
    """A linear head on the cut's (earlier) activations, average-pooled over height and width
    like the top features: (N, C, H, W) -> (N, C). Its seconds include the cut's outputs."""
    start = time.perf_counter()
    seed_everything(seed)
    early = {name: a.mean(dim=(2, 3)) for name, a in frozen.cut.items()}
    head = nn.Linear(early["train"].shape[1], len(target.class_names))
    history = fit(head, _loader(early["train"], y, b, seed, shuffle=True),
                  _loader(early["val"], target.y_val, b, seed),
                  epochs=epochs_for(len(y), b.batch_size, b.head_steps), lr=b.head_lr,
                  restore_best=True, progress=False)
    return _result(head, _loader(early["val"], target.y_val, b, seed),
                   _loader(early["test"], target.y_test, b, seed), history,
                   frozen.cut_seconds + time.perf_counter() - start)


def _fine_tune_top(frozen: _Frozen, target: Target, y: np.ndarray, seed: int,
                   b: Budget) -> dict:
    """The top (from the cut, with the trained head) trains on the cut's cached outputs."""
    start = time.perf_counter()
    seed_everything(seed)
    tuned = unfreeze(copy.deepcopy(frozen.top))
    head_history = frozen.result["history"]
    history = fit(tuned, _loader(frozen.cut["train"], y, b, seed, shuffle=True),
                  _loader(frozen.cut["val"], target.y_val, b, seed),
                  epochs=epochs_for(len(y), b.batch_size, b.fine_tune_steps),
                  lr=b.fine_tune_lr, initial_epoch=len(head_history["epoch"]),
                  bn_inference=True, restore_best=True, progress=False)
    return _result(tuned, _loader(frozen.cut["val"], target.y_val, b, seed),
                   _loader(frozen.cut["test"], target.y_test, b, seed),
                   join_phases(head_history, history),
                   frozen.result["seconds"] + time.perf_counter() - start)


def _fine_tune_all(frozen: _Frozen, target: Target, X: np.ndarray, y: np.ndarray, seed: int,
                   size: int, b: Budget) -> dict:
    """Every layer trains (from the trained head): images pass the whole network."""
    start = time.perf_counter()
    seed_everything(seed)
    tuned = unfreeze(copy.deepcopy(frozen.model))
    images = {"train": (X, y), "val": (target.X_val, target.y_val),
              "test": (target.X_test, target.y_test)}
    loaders = {name: to_torch_loader(*xy, size=size, batch_size=b.batch_size,
                                     shuffle=name == "train", seed=seed)
               for name, xy in images.items()}
    head_history = frozen.result["history"]
    history = fit(tuned, loaders["train"], loaders["val"],
                  epochs=epochs_for(len(y), b.batch_size, b.fine_tune_steps),
                  lr=b.fine_tune_lr, initial_epoch=len(head_history["epoch"]),
                  bn_inference=True, restore_best=True, progress=False)
    return _result(tuned, loaders["val"], loaders["test"], join_phases(head_history, history),
                   frozen.result["seconds"] + time.perf_counter() - start)


def run_strategies(backbone: Backbone, target: Target, labels_per_class: int, seed: int = 0,
                   size: int = 64, top_units: int = 7, budget: Budget | None = None,
                   strategies: tuple[str, ...] = STRATEGIES) -> dict[str, dict]:
    """Train each strategy on ``labels_per_class`` examples per class of ``target``.

    Returns ``{strategy: {"accuracy", "val_accuracy", "history", "seconds"}}``: test and
    validation accuracy, the training history (fine-tuning runs include the head phase,
    marked) and the wall time (a strategy that continues another's run, or reads its cached
    outputs, includes that part's time).
    ``top_units``: units that ``fine-tune top`` trains (7: the last 4 blocks, the last
    convolution and its BatchNorm, the head). The backbone itself is not changed. The
    memory its trainings freed goes back to the system at the end (``trim_memory``), so that
    a notebook running many grids stays within its memory budget.
    """
    unknown = set(strategies) - set(STRATEGIES)
    if unknown:
        raise ValueError(f"Unknown strategies {sorted(unknown)}; choose from {STRATEGIES}.")
    b = budget or Budget()
    X, y = few_shot(target.X_pool, target.y_pool, k=labels_per_class, seed=seed)
    results: dict[str, dict] = {}
    if "scratch" in strategies:
        results["scratch"] = _scratch(target, X, y, seed, b)
    if set(strategies) & set(STRATEGIES[1:]):  # the frozen run is where the others start
        frozen = _frozen(backbone, target, X, y, seed, size, top_units, b)
        results["frozen"] = frozen.result
        if "frozen early" in strategies:
            results["frozen early"] = _frozen_early(frozen, target, y, seed, b)
        if "fine-tune top" in strategies:
            results["fine-tune top"] = _fine_tune_top(frozen, target, y, seed, b)
        if "fine-tune all" in strategies:
            results["fine-tune all"] = _fine_tune_all(frozen, target, X, y, seed, size, b)
    trim_memory()
    return {s: results[s] for s in strategies}
