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
    titles = ["" if y is None else class_names[y[i]] if class_names else str(y[i])
              for i in range(n)]
    return _image_grid([X[i] for i in range(n)], titles, ["black"] * n, cols, title,
                       cell=(1.2, 1.3), fontsize=8)


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


def _image_grid(images: Sequence[np.ndarray], titles: Sequence[str], colours: Sequence[str],
                cols: int, title: str | None, cell: tuple[float, float] = (1.35, 1.6),
                fontsize: int = 7) -> plt.Figure:
    rows = max(1, int(np.ceil(len(images) / cols)))
    fig, axes = plt.subplots(rows, cols, figsize=(cell[0] * cols, cell[1] * rows),
                             squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i < len(images):
            _imshow(ax, images[i])
            if titles[i]:
                ax.set_title(titles[i], fontsize=fontsize, color=colours[i])
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def _imshow(ax: plt.Axes, image) -> None:
    """Draw one image (any framework's layout) in ``ax``, grayscale when it has no channels."""
    image = _displayable(image)
    ax.imshow(image, cmap="gray" if image.ndim == 2 else None)


def _displayable(image) -> np.ndarray:
    """An image for ``imshow``: channels last, floats in [0, 1] (tensors, 0-255 floats and
    channels-first arrays, as PyTorch and Keras pipelines give them, are converted)."""
    a = np.asarray(image)
    if a.ndim == 3 and a.shape[0] in (1, 3) and a.shape[-1] not in (1, 3):
        a = a.transpose(1, 2, 0)
    if a.ndim == 3 and a.shape[-1] == 1:
        a = a[..., 0]
    if a.dtype.kind == "f":
        a = np.clip(a / 255 if a.max() > 1.0 else a, 0, 1)
    return a


def _check_predictions(X, y_true, probabilities) -> np.ndarray:
    probabilities = np.asarray(probabilities)
    if probabilities.ndim != 2 or not len(X) == len(y_true) == len(probabilities):
        raise ValueError(
            f"Give one image, one label and one row of class probabilities per example: got "
            f"{len(X)} images, {len(y_true)} labels and probabilities of shape "
            f"{probabilities.shape} (predict_proba gives them as (examples, classes)).")
    return probabilities


def prediction_gallery(X: np.ndarray, y_true: np.ndarray, probabilities: np.ndarray,
                       class_names: Sequence[str], n: int = 16, cols: int = 8,
                       title: str | None = None) -> plt.Figure:
    """The first ``n`` images titled with the predicted class and its probability; mistakes
    in red with the true class below. ``probabilities``: ``(N, classes)``, as from
    ``predict_proba``."""
    probabilities = _check_predictions(X, y_true, probabilities)
    n = min(n, len(X))
    predicted = probabilities.argmax(1)
    titles, colours = [], []
    for i in range(n):
        right = predicted[i] == y_true[i]
        titles.append(f"{class_names[predicted[i]]} {probabilities[i, predicted[i]]:.0%}"
                      + ("" if right else f"\ntrue: {class_names[y_true[i]]}"))
        colours.append("black" if right else "red")
    return _image_grid([X[i] for i in range(n)], titles, colours, cols, title)


def top_losses(X: np.ndarray, y_true: np.ndarray, probabilities: np.ndarray,
               class_names: Sequence[str], k: int = 8, cols: int = 8,
               title: str | None = "the highest losses: the most confident mistakes"
               ) -> plt.Figure:
    """The ``k`` examples with the highest loss (cross-entropy, -log of the probability
    given to the true class), highest first: fastai's ``plot_top_losses``. Each title reads
    predicted / true, the loss and the probability of the true class."""
    probabilities = _check_predictions(X, y_true, probabilities)
    p_true = probabilities[np.arange(len(y_true)), y_true]
    losses = -np.log(np.clip(p_true, 1e-12, 1.0))
    order = np.argsort(-losses, kind="stable")[:k]
    predicted = probabilities.argmax(1)
    titles = [f"{class_names[predicted[i]]} / {class_names[y_true[i]]}\n"
              f"loss {losses[i]:.2f}, p {p_true[i]:.2f}" for i in order]
    colours = ["red" if predicted[i] != y_true[i] else "black" for i in order]
    return _image_grid([X[i] for i in order], titles, colours, cols, title)


def per_class_accuracy(y_true: np.ndarray, y_pred: np.ndarray,
                       class_names: Sequence[str]) -> dict[str, float]:
    """The share of each class's examples predicted right: its recall (scikit-learn's
    ``recall_score``); NaN for a class with no example."""
    from sklearn.metrics import recall_score

    recalls = recall_score(y_true, y_pred, labels=list(range(len(class_names))),
                           average=None, zero_division=np.nan)
    return {name: float(r) for name, r in zip(class_names, recalls, strict=True)}


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, class_names: Sequence[str],
                     title: str | None = None) -> plt.Figure:
    """Rows: the true class, columns: the predicted one, each row as shares of its class
    (scikit-learn's ``ConfusionMatrixDisplay``); the diagonal is each class's accuracy."""
    from sklearn.metrics import ConfusionMatrixDisplay
    from sklearn.metrics import confusion_matrix as counts

    labels = list(range(len(class_names)))
    shares = counts(y_true, y_pred, labels=labels, normalize="true")
    size = 1.2 + 0.55 * len(class_names)
    fig, ax = plt.subplots(figsize=(size + 1, size))
    ConfusionMatrixDisplay(shares, display_labels=list(class_names)).plot(
        ax=ax, cmap="Blues", values_format=".2f", colorbar=False, xticks_rotation=45)
    for text in ax.texts:
        text.set_fontsize(7)
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig


def confidence_threshold(y_true: np.ndarray, probabilities: np.ndarray,
                         threshold: float) -> plt.Figure:
    """What a confidence threshold does: for every threshold, the share of examples answered
    (top probability at least the threshold) and the accuracy on them; ``threshold`` marked.

    ``probabilities``: ``(N, classes)``, as ``predict_proba`` gives.
    """
    probabilities = _check_predictions(probabilities, y_true, probabilities)
    confidence = probabilities.max(1)
    correct = probabilities.argmax(1) == np.asarray(y_true)
    grid = np.linspace(0, 0.99, 100)
    share = [np.mean(confidence >= t) for t in grid]
    accuracy = [correct[confidence >= t].mean() if np.any(confidence >= t) else np.nan
                for t in grid]
    kept = confidence >= threshold
    fig, ax = plt.subplots(figsize=(6, 3.2))
    ax.plot(grid, share, label="share of examples answered")
    ax.plot(grid, accuracy, label="accuracy on them")
    ax.axvline(threshold, color="gray", lw=1)
    right = f"{correct[kept].mean():.0%}" if kept.any() else "none"
    ax.set_title(f"confidence ≥ {threshold:.2f}: {kept.mean():.0%} answered, {right} of them "
                 "right", fontsize=10)
    ax.set_xlabel("confidence threshold")
    ax.set_ylim(0, 1.02)
    ax.legend(fontsize=8, loc="lower left")
    fig.tight_layout()
    return fig


def show_augmentations(image: np.ndarray, augment, n: int = 8, cols: int = 8,
                       title: str | None = "one image, several draws of the augmentation"
                       ) -> plt.Figure:
    """``image`` as it is, then ``n - 1`` draws of ``augment``: any callable from an image
    to an image (a torchvision transform; for Keras layers, which augment only in training,
    ``lambda x: layers(x[None], training=True)[0]``)."""
    draws = [image] + [augment(image) for _ in range(n - 1)]
    return _image_grid(draws, ["original"] + [f"draw {i}" for i in range(1, n)],
                       ["black"] * n, cols, title)


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


def learning_curves(histories: dict[str, dict] | dict,
                    metric: str | Sequence[str] = ("loss", "accuracy"),
                    phase_starts: Sequence[int] | None = None,
                    phase_label: str = "fine-tuning starts") -> plt.Figure:
    """Training (dashed) and validation (solid) curves per epoch for one or more runs, one
    panel per ``metric`` (default: the loss, on a log scale, beside the accuracy).

    ``histories``: a history, or ``{name: history}``; a history is a dict from the course's
    ``fit`` or the ``History`` that Keras' own ``model.fit`` returns. Vertical lines mark
    the epochs in ``phase_starts`` after the first (default: the history's own markers).
    """
    if _is_keras_history(histories) or "epoch" in histories:
        histories = {"": histories}
    histories = {name: _history_dict(h) for name, h in histories.items()}
    metrics = [metric] if isinstance(metric, str) else list(metric)
    fig, axes = plt.subplots(1, len(metrics), figsize=(4.5 * len(metrics) + 2.5, 3.5),
                             squeeze=False)
    for ax, name_of_metric in zip(axes[0], metrics, strict=True):
        _draw_curves(ax, histories, name_of_metric, phase_starts, phase_label)
    fig.tight_layout()
    return fig


def _draw_curves(ax: plt.Axes, histories: dict[str, dict], metric: str,
                 phase_starts: Sequence[int] | None, phase_label: str) -> None:
    for i, (name, h) in enumerate(histories.items()):
        color = f"C{i}"
        if metric in h:
            ax.plot(h["epoch"], h[metric], "--", color=color, alpha=0.6,
                    label=f"{name} train".strip())
        if f"val_{metric}" in h:
            ax.plot(h["epoch"], h[f"val_{metric}"], "-o", color=color, markersize=3,
                    label=f"{name} validation".strip())
        starts = phase_starts if phase_starts is not None else h.get("phase_starts", [])
        for start in list(starts)[1:]:
            ax.axvline(start + 0.5, color="gray", linestyle=":")
            # x in epochs, y at the bottom of the panel: still there when the loss panel
            # switches to a log scale below (a data y of 0 or less has no place on it)
            ax.text(start + 0.6, 0, phase_label, rotation=90, va="bottom", fontsize=8,
                    color="gray", transform=ax.get_xaxis_transform())
    ax.set_xlabel("epoch")
    ax.set_ylabel(metric)
    if metric.endswith("loss") and ax.get_lines():
        ax.set_yscale("log")  # a diverging run's loss would flatten the others on a linear axis
    if ax.get_lines():
        ax.legend(fontsize=8)


def _is_keras_history(h) -> bool:
    return hasattr(h, "history") and hasattr(h, "epoch")


def _history_dict(h) -> dict:
    """A course history dict; Keras' ``History`` (0-based ``epoch``) becomes one, 1-based."""
    if _is_keras_history(h):
        return {"epoch": [e + 1 for e in h.epoch], **h.history}
    return h


def embedding_scatter(embeddings: dict[str, np.ndarray], y: np.ndarray,
                      class_names: Sequence[str]) -> plt.Figure:
    """Side-by-side 2-D scatter plots, one per named embedding ``(N, 2)``, coloured by class."""
    fig, axes = plt.subplots(1, len(embeddings), figsize=(5.5 * len(embeddings), 4.5),
                             squeeze=False)
    for ax, (name, points) in zip(axes[0], embeddings.items(), strict=True):
        for c, label in enumerate(class_names):
            mask = y == c
            ax.scatter(points[mask, 0], points[mask, 1], s=8, color=plt.cm.tab10(c % 10),
                       label=label)
        ax.set_title(name)
        ax.set_xticks([])
        ax.set_yticks([])
    axes[0, -1].legend(fontsize=7, markerscale=2, loc="center left", bbox_to_anchor=(1, 0.5))
    fig.tight_layout()
    return fig


def text_colour(rgba: Sequence[float]) -> str:
    """``"white"`` on a dark cell colour, ``"black"`` on a pale one (relative luminance of the
    ``(r, g, b[, a])`` colour, each in [0, 1], below or above 0.5)."""
    r, g, b = rgba[:3]
    return "white" if 0.2126 * r + 0.7152 * g + 0.0722 * b < 0.5 else "black"


def heatmap(values: np.ndarray, row_labels: Sequence[str], col_labels: Sequence[str],
            annotations: Sequence[Sequence[str]] | None = None, title: str | None = None,
            cmap: str = "viridis", center: float | None = None,
            fmt: str = "{:.2f}") -> plt.Figure:
    """A labelled heatmap ``(rows, cols)``; each cell shows its value and, when given, a note.

    ``center``: for signed values (gains, losses), a diverging scale symmetric about it
    (pass e.g. ``cmap="RdBu"``); ``fmt`` formats each cell's value.
    """
    fig, ax = plt.subplots(figsize=(1.6 * len(col_labels) + 2, 0.8 * len(row_labels) + 1.5))
    limits = {}
    if center is not None:
        reach = float(np.nanmax(np.abs(values - center))) or 1.0
        limits = {"vmin": center - reach, "vmax": center + reach}
    image = ax.imshow(values, cmap=cmap, aspect="auto", **limits)
    ax.set_xticks(range(len(col_labels)), col_labels)
    ax.set_yticks(range(len(row_labels)), row_labels)
    for i in range(values.shape[0]):
        for j in range(values.shape[1]):
            text = fmt.format(values[i, j])
            if annotations is not None:
                text += f"\n{annotations[i][j]}"
            ax.text(j, i, text, ha="center", va="center", fontsize=8,
                    color=text_colour(image.cmap(image.norm(values[i, j]))))
    fig.colorbar(image, ax=ax)
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig


def accuracy_by_setting(table: dict, chosen, xlabel: str,
                        ylabel: str = "test accuracy") -> plt.Figure:
    """Accuracy of each named run over a setting, the ``chosen`` setting highlighted.

    ``table``: ``{setting: {name: accuracy}}`` (e.g. labels per class → strategy → accuracy).
    The chosen setting's values are printed in the legend.
    """
    settings = list(table)
    if chosen not in table:
        raise KeyError(f"{chosen!r} is not one of the settings {settings}.")
    names = list(dict.fromkeys(name for row in table.values() for name in row))
    positions = range(len(settings))
    fig, ax = plt.subplots(figsize=(7, 3.5))
    for i, name in enumerate(names):
        values = [table[s].get(name, np.nan) for s in settings]
        picked = table[chosen].get(name, np.nan)
        shown = "—" if np.isnan(picked) else f"{picked:.2f}"
        ax.plot(positions, values, "-o", color=f"C{i}", label=f"{name}: {shown}")
    ax.axvline(settings.index(chosen), color="gray", linestyle=":")
    ax.set_xticks(list(positions), [str(s) for s in settings])
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(f"{xlabel} = {chosen}")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def decision_boundaries(panels: dict[str, object], X_source: np.ndarray, y_source: np.ndarray,
                        X_target: np.ndarray, y_target: np.ndarray,
                        resolution: int = 150) -> plt.Figure:
    """2-D points: for each panel ``{title: predict}``, the classes ``predict`` assigns over
    the plane (``predict``: ``(N, 2)`` array -> class per row), with the source points as
    dots and the target points as crosses, coloured by their true class."""
    points = np.concatenate([X_source, X_target])
    low, high = points.min(axis=0) - 0.5, points.max(axis=0) + 0.5
    xx, yy = np.meshgrid(np.linspace(low[0], high[0], resolution),
                         np.linspace(low[1], high[1], resolution))
    grid = np.c_[xx.ravel(), yy.ravel()].astype(np.float32)
    fig, axes = plt.subplots(1, len(panels), figsize=(4.2 * len(panels), 3.8), squeeze=False)
    for ax, (title, predict) in zip(axes[0], panels.items(), strict=True):
        ax.contourf(xx, yy, np.asarray(predict(grid)).reshape(xx.shape), alpha=0.25,
                    cmap="coolwarm")
        ax.scatter(*X_source.T, c=y_source, cmap="coolwarm", s=8, label="source")
        ax.scatter(*X_target.T, c=y_target, cmap="coolwarm", s=14, marker="x", label="target")
        ax.set_title(title)
        ax.set_xticks([])
        ax.set_yticks([])
    axes[0, 0].legend(loc="lower left", fontsize=8)
    fig.tight_layout()
    return fig


def lines(series: dict[str, dict], xlabel: str, ylabel: str,
          references: dict[str, float] | None = None, errors: dict[str, dict] | None = None,
          bands: dict[str, dict] | None = None, styles: dict[str, dict] | None = None,
          log_x: bool | int = False, title: str | None = None,
          ax: plt.Axes | None = None) -> plt.Figure:
    """One line per named series over a setting (labels per class, layers copied, steps ...).

    ``series``: ``{name: {x: y}}``, x numbers or names (in the dict's order). ``references``:
    ``{label: y}``, dotted horizontal lines (chance, a baseline); ``errors``: ``{name: {x:
    half-width}}``, error bars; ``bands``: ``{name: {x: (low, high)}}``, a shaded range;
    ``styles``: ``{name: keyword arguments of Axes.plot}``; ``log_x``: a log scale (an int
    gives its base) with a tick at every x. ``ax``: draw into that panel of a figure instead
    of a new one.
    """
    fig, ax = plt.subplots(figsize=(6.5, 3.4)) if ax is None else (ax.figure, ax)
    for i, (name, points) in enumerate(series.items()):
        style = {"marker": "o", "color": f"C{i}", **(styles or {}).get(name, {})}
        xs, ys = list(points), list(points.values())
        if errors and name in errors:
            ax.errorbar(xs, ys, yerr=[errors[name][x] for x in xs], capsize=3, label=name,
                        **style)
        else:
            ax.plot(xs, ys, label=name, **style)
        if bands and name in bands:
            low, high = zip(*(bands[name][x] for x in xs), strict=True)
            ax.fill_between(xs, low, high, color=style["color"], alpha=0.2)
    for i, (label, y) in enumerate((references or {}).items()):
        dash = (":", "--", "-.")[i % 3]
        ax.axhline(y, color="grey", linestyle=dash, lw=1, label=label)
    if log_x:
        ax.set_xscale("log", **({} if log_x is True else {"base": log_x}))
        ticks = sorted({x for points in series.values() for x in points})
        ax.set_xticks(ticks, [f"{x:g}" for x in ticks])
        ax.minorticks_off()
    ax.set(xlabel=xlabel, ylabel=ylabel)
    if title:
        ax.set_title(title)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def grouped_bars(groups: dict[str, dict[str, float]], ylabel: str,
                 references: dict[str, float] | None = None, title: str | None = None,
                 ylim: tuple[float, float] | None = (0, 1),
                 ax: plt.Axes | None = None) -> plt.Figure:
    """Bars of each named series side by side per category: ``{series: {category: value}}``
    (e.g. accuracy per class of two models); one series has its values printed on top.
    ``references``: ``{label: y}``, dashed horizontal lines (chance, a baseline)."""
    fig, ax = plt.subplots(figsize=(7, 3)) if ax is None else (ax.figure, ax)
    categories = list(dict.fromkeys(c for values in groups.values() for c in values))
    width = 0.8 / len(groups)
    for i, (name, values) in enumerate(groups.items()):
        offsets = np.arange(len(categories)) + width * (i - (len(groups) - 1) / 2)
        bars = ax.bar(offsets, [values.get(c, np.nan) for c in categories], width,
                      color=f"C{i}", label=name)
        if len(groups) == 1:
            ax.bar_label(bars, fmt="%.3f", fontsize=8)
    for i, (label, y) in enumerate((references or {}).items()):
        dash = ("--", ":", "-.")[i % 3]
        ax.axhline(y, color="black", linestyle=dash, lw=0.8, label=label)
    ax.set_xticks(range(len(categories)), categories)
    ax.set(ylabel=ylabel, ylim=ylim)
    if title:
        ax.set_title(title)
    if len(groups) > 1 or references:
        ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def accuracy_bars(results: dict[str, float], xlabel: str = "test accuracy",
                  title: str | None = None) -> plt.Figure:
    """Horizontal bars of named accuracies, first on top, each value printed at its end:
    ``compare_bars`` for names too long to stand under a bar."""
    fig, ax = plt.subplots(figsize=(6.5, 0.45 * len(results) + 0.9))
    bars = ax.barh(list(results), list(results.values()),
                   color=[f"C{i}" for i in range(len(results))])
    ax.bar_label(bars, fmt=" %.3f")
    ax.invert_yaxis()
    ax.set(xlim=(0, 1), xlabel=xlabel)
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig


def accuracy_against_cost(points: dict[str, tuple[float, float]], xlabel: str,
                          ylabel: str = "test accuracy", title: str | None = None
                          ) -> plt.Figure:
    """Each named model as a point ``(cost, accuracy)``, the cost on a log scale (parameters
    trained, milliseconds per image, megabytes): what each step up in cost buys."""
    fig, ax = plt.subplots(figsize=(6.5, 3.4))
    for i, (name, (cost, accuracy)) in enumerate(points.items()):
        ax.scatter(cost, accuracy, s=50, color=f"C{i}")
        ax.annotate(name, (cost, accuracy), textcoords="offset points", xytext=(6, -10),
                    fontsize=8)
    ax.set_xscale("log")
    ax.set_xlim(right=ax.get_xlim()[1] * 4)  # room for the names
    ax.set(xlabel=xlabel, ylabel=ylabel)
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig


def image_rows(rows: dict[str, Sequence[np.ndarray]], title: str | None = None,
               cell: float = 1.0) -> plt.Figure:
    """A grid with one named row of images each (a support set by class, an image and its
    augmented views); a row shorter than the longest leaves its last cells empty."""
    cols = max(len(images) for images in rows.values())
    fig, axes = plt.subplots(len(rows), cols, figsize=(cell * cols, cell * len(rows) + 0.4),
                             squeeze=False)
    for row, (label, images) in zip(axes, rows.items(), strict=True):
        for i, ax in enumerate(row):
            ax.set_xticks([])
            ax.set_yticks([])
            if i < len(images):
                _imshow(ax, images[i])
            else:
                ax.axis("off")
        row[0].set_ylabel(label, rotation=0, ha="right", va="center", fontsize=9)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig
