"""Lessons that span notebooks: PyTorch and Keras land within 5 points of each other.

The frozen-feature head is trained in both frameworks on the same data (each framework
extracting its own features with its own EfficientNet-Lite0), same optimizer settings,
for the seeds in ``TLTEACH_SEEDS`` (default 0, 1, 2). Both heads train until they are close
to converged (100 epochs: after 30, Keras' larger Glorot start still held its head a few
points back) and are scored on all 2,000 test images (the same for every seed), so that
the gap measures the frameworks rather than a head's start or a small test sample.
"""

import numpy as np
import pytest
import torch
from torch import nn

from tlteach import data, seed_everything
from tlteach.claims import check, seeds
from tlteach.torch import evaluate, fit, tensor_loader
from tlteach.torch.backbones import extract_features, load_backbone

SEEDS = seeds(default=(0, 1, 2))
EPOCHS, LR, SIZE = 100, 1e-3, 64  # the size of notebooks 02 and 03


@pytest.fixture(scope="module")
def target():
    X, y, _ = data.load("animals")
    split = data.split(X, y, val=0.1, test=0.2, seed=0)
    X_test, y_test = split.X_test, split.y_test  # all of the test part: 200 per class
    trains = {s: data.few_shot(split.X_train, split.y_train, k=20, seed=s) for s in SEEDS}
    return trains, X_test, y_test


def torch_head_accuracy(F_train, y_train, F_test, y_test, seed):
    seed_everything(seed)
    head = nn.Linear(F_train.shape[1], 10)
    fit(head, tensor_loader(F_train, y_train, shuffle=True, seed=seed), epochs=EPOCHS, lr=LR,
        progress=False)
    return evaluate(head, tensor_loader(F_test, y_test))["accuracy"]


def keras_head_accuracy(F_train, y_train, F_test, y_test, seed):
    import keras

    seed_everything(seed)
    head = keras.Sequential([keras.Input(shape=(F_train.shape[1],)), keras.layers.Dense(10)])
    head.compile(optimizer=keras.optimizers.AdamW(LR),
                 loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                 metrics=["accuracy"])
    head.fit(F_train, y_train, epochs=EPOCHS, batch_size=32, verbose=0)
    return head.evaluate(F_test, y_test, verbose=0, return_dict=True)["accuracy"]


@pytest.mark.lesson
def test_frozen_head_agrees_between_pytorch_and_keras(target):
    from tlteach import keras as tk

    trains, X_test, y_test = target
    torch_backbone = load_backbone("efficientnet_lite0")
    keras_backbone = tk.load_backbone("efficientnet_lite0", input_shape=(SIZE, SIZE, 3))
    F_test_t = extract_features(torch_backbone, X_test, size=SIZE)
    F_test_k = tk.extract_features(keras_backbone, X_test)
    assert np.abs(F_test_t - F_test_k).max() < 1e-3  # the same network in both frameworks
    for seed, (X_train, y_train) in trains.items():
        a_torch = torch_head_accuracy(extract_features(torch_backbone, X_train, size=SIZE),
                                      y_train, F_test_t, y_test, seed)
        a_keras = keras_head_accuracy(tk.extract_features(keras_backbone, X_train), y_train,
                                      F_test_k, y_test, seed)
        check("PyTorch frozen head accuracy", a_torch, at_least=0.7)
        check("Keras frozen head accuracy", a_keras, at_least=0.7)
        check("PyTorch and Keras frozen heads agree (gap)", abs(a_torch - a_keras), at_most=0.05)
        torch.manual_seed(0)
