import numpy as np
import pytest

from tlteach.probes import cross_validated_probe, linear_probe, probe_by_labels


def blobs(n_per_class, seed, noise=1.0):
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(3), n_per_class)
    return rng.normal(size=(len(y), 5)) * noise + 3 * np.eye(3, 5)[y], y


def test_linear_probe_separates_blobs():
    (train, y_train), (test, y_test) = blobs(20, 0), blobs(50, 1)
    assert linear_probe(train, y_train, test, y_test) > 0.9


def test_probe_by_labels_uses_the_same_examples_for_every_representation():
    (train, y_train), (test, y_test) = blobs(20, 0), blobs(50, 1)
    noise = np.random.default_rng(2).normal(size=train.shape)
    table = probe_by_labels({"signal": (train, test), "same again": (train, test),
                             "noise": (noise, np.zeros_like(test))},
                            y_train, y_test, labels_per_class=(1, 5, 20), seed=3)
    assert list(table) == [1, 5, 20] and set(table[5]) == {"signal", "same again", "noise"}
    for row in table.values():
        assert row["signal"] == row["same again"]  # same picks, same numbers
    assert table[20]["signal"] > 0.9 and table[20]["noise"] < 0.5
    assert probe_by_labels({"signal": (train, test)}, y_train, y_test, (5,), seed=3) == {
        5: {"signal": table[5]["signal"]}}
    with pytest.raises(ValueError, match="fewer than k=21"):
        probe_by_labels({"signal": (train, test)}, y_train, y_test, (21,))


def test_cross_validated_probe_tells_signal_from_noise_without_a_test_set():
    train, y = blobs(10, 0)
    noise = np.random.default_rng(1).normal(size=train.shape)
    assert cross_validated_probe(train, y) > 0.9 > 0.6 > cross_validated_probe(noise, y)
    assert cross_validated_probe(train, y) == cross_validated_probe(train, y)  # fixed folds
    with pytest.raises(ValueError, match="fewer than folds=5"):
        cross_validated_probe(train[:12], y[:12])
