from types import SimpleNamespace

import matplotlib.pyplot as plt
import numpy as np
import pytest

from tlteach import plots
from tlteach.history import join_phases


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_show_images_titles_with_class_names():
    X = np.zeros((5, 8, 8), dtype=np.uint8)
    fig = plots.show_images(X, np.array([0, 1, 0, 1, 0]), ["cat", "dog"], n=5, cols=5)
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert titles == ["cat", "dog", "cat", "dog", "cat"]


def test_learning_curves_draw_train_val_and_phase_marker():
    history = {"epoch": [1, 2, 3, 4], "accuracy": [0.1, 0.5, 0.6, 0.7],
               "val_accuracy": [0.1, 0.4, 0.5, 0.6], "phase_starts": [0, 2]}
    fig = plots.learning_curves(history, metric="accuracy")
    ax = fig.axes[0]
    assert len(ax.get_lines()) == 3  # train, validation, the phase marker
    assert any("fine-tuning starts" in t.get_text() for t in ax.texts)
    fig2 = plots.learning_curves({"a": history, "b": history}, metric="accuracy",
                                 phase_starts=[])
    assert len(fig2.axes[0].get_lines()) == 4
    # By default the loss beside the accuracy, each panel with the phase marker.
    both = plots.learning_curves({**history, "loss": [2.0, 1.0, 0.9, 0.8],
                                  "val_loss": [2.1, 1.2, 1.1, 1.0]})
    assert [ax.get_ylabel() for ax in both.axes] == ["loss", "accuracy"]
    assert [len(ax.get_lines()) for ax in both.axes] == [3, 3]
    # Keras' History (what model.fit returns): 0-based epochs, the metrics in .history.
    keras_history = SimpleNamespace(epoch=[0, 1], history={"accuracy": [0.5, 0.6],
                                                            "val_accuracy": [0.4, 0.5]})
    line = plots.learning_curves(keras_history, metric="accuracy").axes[0].get_lines()[0]
    assert list(line.get_xdata()) == [1, 2] and list(line.get_ydata()) == [0.5, 0.6]


def test_compare_bars_heatmap_embedding_and_predictions():
    fig = plots.compare_bars({"scratch": 0.4, "frozen": 0.8})
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["scratch", "frozen"]
    values = np.array([[0.1, 0.9], [0.5, 0.7]])
    fig = plots.heatmap(values, ["5", "20"], ["frozen", "all"], [["a", "b"], ["c", "d"]])
    assert "0.90\nb" in [t.get_text() for t in fig.axes[0].texts]
    fig = plots.heatmap(np.array([[-0.1, 0.3]]), ["source"], ["a", "b"], cmap="RdBu",
                        center=0.0, fmt="{:+.0%}")
    assert fig.axes[0].images[0].get_clim() == (-0.3, 0.3)  # symmetric about the centre
    assert [t.get_text() for t in fig.axes[0].texts] == ["-10%", "+30%"]
    for cmap in ("Blues", "viridis"):  # pale low end (Blues) and dark low end (viridis)
        fig = plots.heatmap(np.array([[0.0, 1.0]]), ["r"], ["low", "high"], cmap=cmap)
        colours = [t.get_color() for t in fig.axes[0].texts]
        assert colours == (["black", "white"] if cmap == "Blues" else ["white", "black"])
    assert plots.text_colour((1.0, 1.0, 1.0)) == "black"
    assert plots.text_colour((0.0, 0.0, 0.3, 1.0)) == "white"
    points = np.random.default_rng(0).normal(size=(6, 2))
    fig = plots.embedding_scatter({"pixels": points, "features": points},
                                  np.array([0, 1, 0, 1, 0, 1]), ["cat", "dog"])
    assert [ax.get_title() for ax in fig.axes] == ["pixels", "features"]
    image = np.zeros((4, 4, 3), dtype=np.uint8)
    fig = plots.show_predictions([image], [[("tabby", 0.6), ("lynx", 0.1)]])
    ticks = {t.get_text(): t.get_position()[1] for t in fig.axes[1].get_yticklabels()}
    assert ticks["tabby"] > ticks["lynx"]  # the most probable class on top


def test_decision_boundaries_one_panel_per_model():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(20, 2)), rng.integers(0, 2, 20)
    fig = plots.decision_boundaries({"left": lambda p: p[:, 0] > 0, "right": lambda p: p[:, 1] > 0},
                                    X, y, X + 1, y, resolution=20)
    assert [ax.get_title() for ax in fig.axes] == ["left", "right"]
    plt.close(fig)


def test_prediction_gallery_and_top_losses_mark_the_mistakes():
    X = np.zeros((4, 8, 8), dtype=np.uint8)
    y = np.array([0, 1, 1, 0])
    p = np.array([[0.9, 0.1], [0.2, 0.8], [0.99, 0.01], [0.6, 0.4]])  # the third is wrong
    fig = plots.prediction_gallery(X, y, p, ["cat", "dog"], n=4, cols=4)
    titles = [(ax.get_title(), ax.title.get_color()) for ax in fig.axes if ax.get_title()]
    assert titles[0] == ("cat 90%", "black") and titles[2] == ("cat 99%\ntrue: dog", "red")
    top = plots.top_losses(X, y, p, ["cat", "dog"], k=2, cols=2)
    first, second = [ax.get_title() for ax in top.axes[:2]]
    assert first == "cat / dog\nloss 4.61, p 0.01" and second.startswith("cat / cat\nloss 0.51")
    with pytest.raises(ValueError, match="one row of class probabilities per example"):
        plots.prediction_gallery(X, y, p[:3], ["cat", "dog"])


def test_confusion_matrix_rows_are_shares_of_each_true_class():
    y = np.array([0, 0, 0, 1, 1, 2])
    pred = np.array([0, 0, 1, 1, 1, 0])
    fig = plots.confusion_matrix(y, pred, ["a", "b", "c"])
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert texts[:3] == ["0.67", "0.33", "0.00"] and texts[-3:] == ["1.00", "0.00", "0.00"]
    assert plots.per_class_accuracy(y, pred, ["a", "b", "c"]) == pytest.approx(
        {"a": 2 / 3, "b": 1.0, "c": 0.0})


def test_show_augmentations_draws_the_original_and_converts_channels_first_floats():
    image = np.full((8, 8), 255, dtype=np.uint8)
    seen = []

    def augment(x):  # like a torchvision transform: (3, H, W) floats in [0, 1]
        seen.append(x.shape)
        return np.full((3, 16, 16), 0.5, dtype=np.float32)

    fig = plots.show_augmentations(image, augment, n=3, cols=3)
    shown = [ax.get_images()[0].get_array() for ax in fig.axes[:3]]
    assert seen == [(8, 8), (8, 8)] and shown[0].shape == (8, 8)
    assert shown[1].shape == (16, 16, 3) and float(shown[1].max()) == 0.5


def test_confidence_threshold_counts_the_answers_kept_and_their_accuracy():
    y = np.array([0, 1, 1, 0])
    p = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.45, 0.55]])  # right, right, wrong, wrong
    fig = plots.confidence_threshold(y, p, 0.7)
    assert fig.axes[0].get_title() == "confidence ≥ 0.70: 50% answered, 100% of them right"
    share, accuracy = (line.get_ydata() for line in fig.axes[0].lines[:2])
    assert share[0] == 1.0 and accuracy[0] == 0.5  # threshold 0: everything answered
    assert plots.confidence_threshold(y, p, 0.95).axes[0].get_title().endswith("none of them right")


def test_phase_label_stays_on_a_log_scale_loss_panel():
    # Losses from 2 down to 0.05: a linear panel's lower limit is below 0, where a log scale
    # has no place; the label sits at the bottom of the panel (axes coordinates) instead, so
    # the figure keeps its 3.5-inch height when cropped to what it draws.
    first = {"epoch": list(range(1, 31)), "loss": list(np.linspace(2, 0.05, 30)),
             "val_loss": list(np.linspace(2, 0.1, 30))}
    second = {"epoch": [31, 32], "loss": [0.04, 0.03], "val_loss": [0.08, 0.07]}
    fig = plots.learning_curves(join_phases(first, second), metric="loss")
    label = next(t for t in fig.axes[0].texts if t.get_text() == "fine-tuning starts")
    assert label.get_position() == (30.6, 0)
    fig.canvas.draw()
    assert fig.get_tightbbox().height < 4
    plt.close(fig)


def test_lines_one_line_per_series_with_references_errors_and_bands():
    fig = plots.lines({"prototypes": {1: 0.5, 5: 0.7, 20: 0.8}, "probe": {1: 0.4, 20: 0.9}},
                      "labels per class", "accuracy", references={"chance": 0.2},
                      errors={"probe": {1: 0.05, 20: 0.01}},
                      bands={"prototypes": {1: (0.4, 0.6), 5: (0.6, 0.8), 20: (0.7, 0.9)}},
                      log_x=2)
    ax = fig.axes[0]
    data = {line.get_label(): list(line.get_ydata()) for line in ax.get_lines()}
    assert data["prototypes"] == [0.5, 0.7, 0.8] and data["chance"] == [0.2, 0.2]
    assert len(ax.containers) == 1  # the error bars of the probe, and only those
    assert list(ax.containers[0].lines[0].get_ydata()) == [0.4, 0.9]
    assert len(ax.collections) >= 1 and ax.get_xscale() == "log"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["1", "5", "20"]
    assert {t.get_text() for t in ax.get_legend().get_texts()} == {"prototypes", "probe",
                                                                     "chance"}
    # Into a panel of an existing figure, with names as x.
    fig, (left, right) = plt.subplots(1, 2)
    assert plots.lines({"a": {"stem": 0.1, "head": 0.3}}, "tap", "acc", ax=right) is fig
    assert not left.get_lines() and list(right.get_lines()[0].get_ydata()) == [0.1, 0.3]


def test_grouped_bars_place_each_series_beside_the_others():
    fig = plots.grouped_bars({"encoder": {"animal": 0.9, "plant": 0.8},
                              "tf-idf": {"animal": 0.5, "plant": 0.4}}, "accuracy",
                             references={"chance": 0.5})
    ax = fig.axes[0]
    bars = sorted((round(p.get_x() + p.get_width() / 2, 2), p.get_height()) for p in ax.patches)
    assert bars == [(-0.2, 0.9), (0.2, 0.5), (0.8, 0.8), (1.2, 0.4)]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["animal", "plant"]
    one = plots.grouped_bars({"A": {"with related": 0.71, "with unrelated": 0.6}}, "accuracy")
    assert [t.get_text() for t in one.axes[0].texts] == ["0.710", "0.600"]


def test_accuracy_bars_first_on_top_and_cost_points_named():
    fig = plots.accuracy_bars({"frozen": 0.8, "fine-tuned": 0.9})
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["frozen", "fine-tuned"]
    assert ax.get_ylim()[0] > ax.get_ylim()[1]  # inverted: the first name on top
    assert [t.get_text().strip() for t in ax.texts] == ["0.800", "0.900"]
    fig = plots.accuracy_against_cost({"head": (1e4, 0.7), "full": (1e6, 0.9)}, "parameters")
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.texts] == ["head", "full"]
    assert ax.get_xscale() == "log" and ax.get_xlim()[1] > 1e6


def test_image_rows_one_named_row_each():
    rows = {"cat": [np.zeros((4, 4))] * 3, "dog": [np.ones((4, 4, 3))] * 2}
    fig = plots.image_rows(rows, title="support set")
    assert len(fig.axes) == 6
    assert [ax.get_ylabel() for ax in fig.axes[::3]] == ["cat", "dog"]
    assert [len(ax.images) for ax in fig.axes] == [1, 1, 1, 1, 1, 0]  # the short row's end
