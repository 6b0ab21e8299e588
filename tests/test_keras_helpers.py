import numpy as np
import pytest
import torch


@pytest.fixture(scope="module")
def keras():
    import keras

    return keras


def small_model(keras, n_classes=3):
    inner = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(8, name="d1"),
                              keras.layers.BatchNormalization(name="bn"),
                              keras.layers.Dense(8, name="d2")], name="base")
    inputs = keras.Input(shape=(4,))
    outputs = keras.layers.Dense(n_classes, name="head")(inner(inputs, training=False))
    return keras.Model(inputs, outputs), inner


def test_units_and_freezing(keras):
    from tlteach.keras import freeze, freeze_to, trainable_parameters, unfreeze, units

    model, base = small_model(keras)
    assert [[layer.name for layer in u] for u in units(model)] == [["d1"], ["bn"], ["d2"],
                                                                  ["head"]]
    total = trainable_parameters(model)
    freeze(base)
    assert trainable_parameters(model) == 8 * 3 + 3  # the head only
    unfreeze(base, train_bn=True)
    assert trainable_parameters(model) == total
    unfreeze(base)
    assert not base.get_layer("bn").trainable and base.get_layer("d1").trainable
    freeze_to(model, -3)
    assert [u[0].trainable for u in units(model)] == [False, False, True, True]  # bn frozen
    freeze_to(model, -3, train_bn=True)
    assert [u[0].trainable for u in units(model)] == [False, True, True, True]
    with pytest.raises(ValueError, match="out of range"):
        freeze_to(model, 9)


def test_fit_history_continues_epochs_and_learns(keras):
    import tlteach
    import tlteach.keras
    from tlteach.keras import evaluate, fit

    tlteach.seed_everything(0)
    rng = np.random.default_rng(0)
    y = np.arange(300) % 3
    X = rng.normal(size=(300, 4)).astype("float32") + 3 * y[:, None]
    model, base = small_model(keras)
    tlteach.keras.unfreeze(base)  # BatchNorm frozen: fit and evaluate normalise alike
    model.compile(optimizer=keras.optimizers.Adam(1e-2),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    first = fit(model, (X, y), (X, y), epochs=3)
    assert first["epoch"] == [1, 2, 3] and {"loss", "accuracy", "val_accuracy"} <= set(first)
    second = fit(model, (X, y), epochs=2, initial_epoch=3)
    assert second["epoch"] == [4, 5]
    import tensorflow as tf

    dataset = tf.data.Dataset.from_tensor_slices((X, y)).batch(64)
    assert evaluate(model, dataset)["accuracy"] > 0.8


def test_learning_curves_take_the_history_of_keras_own_fit(keras):
    # What a student copies from the TensorFlow tutorial: model.fit(..., initial_epoch=...)
    # and its History object, drawn by the course's plot with the course's epoch numbers.
    from tlteach import plots

    X, y = np.random.default_rng(0).normal(size=(64, 4)).astype("float32"), np.arange(64) % 3
    model, _ = small_model(keras)
    model.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(
        from_logits=True), metrics=["accuracy"])
    head = model.fit(X, y, validation_data=(X, y), epochs=2, verbose=0)
    more = model.fit(X, y, validation_data=(X, y), epochs=5, initial_epoch=head.epoch[-1] + 1,
                     verbose=0)
    assert more.epoch == [2, 3, 4]  # Keras: epochs is the last epoch's number, not a count
    fig = plots.learning_curves({"head": head, "fine-tuning": more})
    lines = fig.axes[0].get_lines()
    assert [list(line.get_xdata()) for line in lines] == [[1, 2], [1, 2], [3, 4, 5], [3, 4, 5]]
    import matplotlib.pyplot as plt

    plt.close(fig)  # later tests in this process check that no figure is left open


def test_frameworks_refuse_each_others_models(keras):
    import tlteach.keras as tk
    import tlteach.torch as tt

    model, _ = small_model(keras)
    with pytest.raises(TypeError, match="tlteach.keras"):
        tt.freeze(model)
    with pytest.raises(TypeError, match="tlteach.torch"):
        tk.freeze(torch.nn.Linear(2, 2))


def test_labels_that_do_not_fit_the_head_are_named(keras):
    from tlteach.keras import evaluate, fit

    model, _ = small_model(keras, n_classes=3)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    X = np.zeros((4, 4), dtype="float32")
    with pytest.raises(ValueError, match=r"Labels range over 0\.\.5 but the model outputs 3"):
        fit(model, (X, np.array([0, 1, 2, 5])), epochs=1)
    with pytest.raises(ValueError, match="one output per class"):
        evaluate(model, (X, np.array([-1, 0, 1, 2])))
    binary, _ = small_model(keras, n_classes=1)
    with pytest.raises(ValueError, match="outputs 1 value"):
        evaluate(binary, (X, np.array([0, 1, 2, 1])))


def test_unfrozen_batchnorm_updates_despite_training_false_unless_frozen(keras):
    """Why unfreeze keeps BatchNorm frozen: Keras 3 overrides a nested training=False."""
    from tlteach.keras import unfreeze

    X = np.random.default_rng(0).normal(10, 5, size=(64, 4)).astype("float32")
    y = np.zeros(64, dtype="int64")
    for train_bn in (True, False):
        model, base = small_model(keras)
        unfreeze(base, train_bn=train_bn)
        model.compile("sgd", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
        bn = base.get_layer("bn")
        before = np.array(bn.moving_mean)
        model.fit(X, y, epochs=1, batch_size=32, verbose=0)
        assert np.allclose(before, np.array(bn.moving_mean)) != train_bn


def test_fit_restore_best_ends_on_the_best_validation_epoch(keras):
    import tlteach
    from tlteach.keras import evaluate, fit

    tlteach.seed_everything(0)
    rng = np.random.default_rng(0)
    y = np.arange(120) % 3
    X = rng.normal(size=(120, 4)).astype("float32") + y[:, None]
    model, _ = small_model(keras)
    model.compile(optimizer=keras.optimizers.Adam(1e-2),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    val = (X[:60], (y[:60] + 1) % 3)  # wrong labels: the better the model, the lower its score
    history = fit(model, (X, y), val, epochs=6, restore_best=True)
    assert history["val_accuracy"][-1] < max(history["val_accuracy"])  # restoring matters
    assert evaluate(model, val)["accuracy"] == pytest.approx(max(history["val_accuracy"]))
    with pytest.raises(ValueError, match="validation data"):
        fit(model, (X, y), epochs=1, restore_best=True)


def test_predict_proba_matches_the_torch_helper_rows(keras):
    from tlteach.keras import predict_proba

    X = np.random.default_rng(0).normal(size=(10, 4)).astype("float32")
    model, _ = small_model(keras)
    p = predict_proba(model, (X, np.zeros(10, dtype=int)))
    assert p.shape == (10, 3) and np.allclose(p.sum(1), 1)
    assert (p.argmax(1) == np.asarray(model(X)).argmax(1)).all()

