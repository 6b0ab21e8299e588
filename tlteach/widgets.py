"""Interactive explorers: a control that redraws a figure from precomputed results.

``explorer(draw, options)`` shows a slider over ``options``; moving it calls the plain
function ``draw(option) -> Figure`` and shows the figure as a PNG. Anything slow is computed
before (the notebook trains once; the explorer only looks things up), so the control
answers at once, live in a class too.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Callable, Sequence
from typing import Any

import matplotlib.pyplot as plt


def figure_png(fig: plt.Figure) -> bytes:
    """The figure as PNG bytes; the figure is closed."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90)
    plt.close(fig)
    return buffer.getvalue()


class WithFallback:
    """A widget that also carries a static picture or text, shown where widgets cannot run
    (a notebook read on GitHub, exported HTML): Jupyter shows the live widget."""

    def __init__(self, widget, text: str, png: bytes | None = None) -> None:
        self.widget, self.text, self.png = widget, text, png

    def _repr_mimebundle_(self, **kwargs) -> dict:
        bundle = dict(self.widget._repr_mimebundle_(**kwargs))
        bundle["text/plain"] = self.text
        if self.png is not None:
            bundle["image/png"] = base64.b64encode(self.png).decode()
        return bundle


def explorer(draw: Callable[[Any], plt.Figure], options: Sequence, description: str,
             value: Any = None) -> WithFallback:
    """A slider over ``options`` and the figure ``draw(option)`` below it (ipywidgets).

    Displayed, it also carries the first figure as a picture for static viewers;
    ``.widget`` is the ipywidgets box (the slider, then the image).
    """
    import ipywidgets as w

    if not options:
        raise ValueError("explorer needs at least one option to show.")
    slider = w.SelectionSlider(options=list(options), value=options[0] if value is None else value,
                               description=description, continuous_update=False,
                               style={"description_width": "initial"},
                               layout=w.Layout(width="480px"))
    image = w.Image(format="png")

    def redraw(change: dict | None = None) -> None:
        image.value = figure_png(draw(slider.value))

    slider.observe(redraw, names="value")
    redraw()
    text = f"{description}: {slider.value} (move the slider in Jupyter to explore)"
    return WithFallback(w.VBox([slider, image]), text, bytes(image.value))
