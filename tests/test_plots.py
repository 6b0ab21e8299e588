import matplotlib.pyplot as plt
import numpy as np
import pytest

from tlteach import plots


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
    fig = plots.learning_curves(history)
    ax = fig.axes[0]
    assert len(ax.get_lines()) == 3  # train, validation, the phase marker
    assert any("fine-tuning starts" in t.get_text() for t in ax.texts)
    fig2 = plots.learning_curves({"a": history, "b": history}, phase_starts=[])
    assert len(fig2.axes[0].get_lines()) == 4


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
