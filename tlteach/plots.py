"""Plots shared by the notebooks. Each function draws on a new figure and returns it."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np


def show_images(X: np.ndarray, y: np.ndarray | None = None,
                class_names: Sequence[str] | None = None, n: int = 20, cols: int = 10,
                title: str | None = None) -> plt.Figure:
    """A grid of the first ``n`` images, each titled with its class name when given."""
    n = min(n, len(X))
    rows = int(np.ceil(n / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(1.2 * cols, 1.3 * rows), squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i < n:
            ax.imshow(X[i], cmap="gray" if X[i].ndim == 2 else None)
            if y is not None:
                ax.set_title(class_names[y[i]] if class_names else str(y[i]), fontsize=8)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def show_predictions(images: Sequence[np.ndarray],
                     predictions: Sequence[Sequence[tuple[str, float]]]) -> plt.Figure:
    """Each image beside a bar chart of its top-k ``(class_name, probability)`` pairs."""
    fig, axes = plt.subplots(len(images), 2, figsize=(8, 2.2 * len(images)), squeeze=False,
                             gridspec_kw={"width_ratios": [1, 1.6]})
    for (ax_img, ax_bar), image, top in zip(axes, images, predictions, strict=True):
        ax_img.imshow(image)
        ax_img.axis("off")
        names, probs = zip(*top, strict=True)
        ax_bar.barh(range(len(top))[::-1], probs, color="tab:blue")
        ax_bar.set_yticks(range(len(top))[::-1], names)
        ax_bar.set_xlim(0, 1)
        ax_bar.set_xlabel("probability")
    fig.tight_layout()
    return fig


def compare_bars(results: dict[str, float], ylabel: str = "test accuracy",
                 title: str | None = None) -> plt.Figure:
    """Bars of named results (e.g. accuracies of strategies), values printed on top."""
    fig, ax = plt.subplots(figsize=(1.4 * len(results) + 2, 3))
    bars = ax.bar(list(results), list(results.values()), color="tab:blue")
    ax.bar_label(bars, fmt="%.2f")
    ax.set_ylabel(ylabel)
    ax.set_ylim(0, max(1.0, max(results.values()) * 1.1))
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig
