"""``tlteach.torch`` and ``tlteach.keras`` share names: the same arguments, in the same order,
with the same defaults, except where a difference is stated here with its reason. A
framework's own options are keyword-only (after ``*``) and documented in its docstring."""

import dataclasses
import inspect

import pytest

import tlteach.keras as tk
import tlteach.torch as tt

SHARED = sorted(set(tt.__all__) & set(tk.__all__))
TRAIN_BN = ("PyTorch trains BatchNorm like any layer unless told; in Keras 3 a trainable "
            "BatchNorm updates its statistics even under training=False (notebook 03), so the "
            "Keras helpers keep it frozen unless told")
DEFAULTS_DIFFER = {
    ("fit", "progress"): "PyTorch's is one tqdm line; Keras' bar prints a line per epoch",
    ("unfreeze", "train_bn"): TRAIN_BN,
    ("freeze_to", "train_bn"): TRAIN_BN,
}
# Names of one framework only, each with the reason it has no twin.
TORCH_ONLY = {
    "bn_eval_if_frozen": "PyTorch's train/eval modes; a frozen Keras BatchNorm is always in "
                         "inference mode",
    "efficientnet_lite0": "torchvision's builder, efficientnet_b0(weights=...), for the PyTorch "
                          "tutorial's code; Keras' twin follows keras.applications: "
                          "EfficientNetLite0",
    "fine_tune": "discriminative learning rates: Keras optimizers take one rate for all weights",
    "param_groups": "optimizer parameter groups are PyTorch's API",
    "spread_lrs": "the rates for param_groups",
    "tensor_loader": "a DataLoader over arrays; Keras takes arrays as they are: fit(m, (X, y))",
    "to_tensor": "uint8 arrays to PyTorch's (N, 3, H, W) floats in [0, 1]; Keras takes the "
                 "arrays as they are",
    "train_epoch": "PyTorch's training loop; Keras has model.fit",
}
KERAS_ONLY = {
    "EfficientNetLite0": "keras.applications' signature, for the TensorFlow tutorial's code; "
                         "PyTorch's twin follows torchvision: efficientnet_lite0",
    "preprocess": "Keras models take 0-255 pixels scaled by a function; a PyTorch backbone "
                  "carries its own preprocess module",
}


def positional(fn) -> list[inspect.Parameter]:
    return [p for p in inspect.signature(fn).parameters.values()
            if p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD]


def test_every_name_is_shared_or_has_a_stated_reason():
    assert set(tt.__all__) - set(tk.__all__) == set(TORCH_ONLY)
    assert set(tk.__all__) - set(tt.__all__) == set(KERAS_ONLY)


@pytest.mark.parametrize("name", [n for n in SHARED if n != "Backbone"])
def test_shared_functions_take_the_same_arguments(name):
    torch_params, keras_params = positional(getattr(tt, name)), positional(getattr(tk, name))
    assert [p.name for p in torch_params] == [p.name for p in keras_params]
    for a, b in zip(torch_params, keras_params, strict=True):
        if (name, a.name) not in DEFAULTS_DIFFER:
            assert a.default == b.default, f"{name}({a.name}=...): {a.default!r} vs {b.default!r}"
        else:
            assert a.default != b.default, f"{name}({a.name}): the stated difference is gone"


def test_backbones_have_the_same_fields():
    names = [[f.name for f in dataclasses.fields(b)] for b in (tt.Backbone, tk.Backbone)]
    assert names[0] == names[1]
