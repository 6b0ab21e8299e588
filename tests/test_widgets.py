import base64

import matplotlib.pyplot as plt
import pytest

from tlteach import plots
from tlteach.widgets import explorer, figure_png

TABLE = {5: {"scratch": 0.3, "frozen": 0.6}, 20: {"scratch": 0.5, "frozen": 0.75},
         100: {"scratch": 0.8, "frozen": 0.85}}


def test_accuracy_by_setting_highlights_the_chosen_setting():
    fig = plots.accuracy_by_setting(TABLE, 20, "labels per class")
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["scratch: 0.50",
                                                                   "frozen: 0.75"]
    assert ax.get_title() == "labels per class = 20" and ax.lines[-1].get_xdata()[0] == 1
    plt.close(fig)
    with pytest.raises(KeyError, match="not one of the settings"):
        plots.accuracy_by_setting(TABLE, 50, "labels per class")


def test_explorer_redraws_when_the_slider_moves():
    drawn = []

    def draw(k):
        drawn.append(k)
        return plots.accuracy_by_setting(TABLE, k, "labels per class")

    shown = explorer(draw, list(TABLE), "labels per class", value=20)
    slider, image = shown.widget.children
    first = bytes(image.value)
    assert drawn == [20] and first.startswith(b"\x89PNG")
    slider.value = 100
    assert drawn == [20, 100] and bytes(image.value) != first
    assert plt.get_fignums() == []  # figures are closed once shown
    bundle = shown._repr_mimebundle_()  # static viewers get the first figure and a line
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert base64.b64decode(bundle["image/png"]) == first
    assert bundle["text/plain"].startswith("labels per class: 20")
    with pytest.raises(ValueError, match="at least one option"):
        explorer(draw, [], "nothing")


def test_figure_png_closes_the_figure():
    fig = plt.figure()
    assert figure_png(fig).startswith(b"\x89PNG") and not plt.fignum_exists(fig.number)
