"""Few-shot and zero-shot classification on fixed features: episodes, prototypes, ConSE.

**Episodes** (Vinyals et al., *Matching Networks for One Shot Learning*, NeurIPS 2016): an
N-way K-shot episode draws N classes, K labelled *support* examples of each and Q *query*
examples of each; a method sees the support set and is scored on the queries. Accuracy is
the mean over many fresh episodes with its 95% confidence interval, Student's t-interval
``t_{0.975, n-1} * s / sqrt(n)`` over the ``n`` per-episode accuracies (``s``: their sample
standard deviation; ``t`` is about 1.96 for hundreds of episodes).

**Prototypes** (Snell et al., *Prototypical Networks for Few-shot Learning*, NeurIPS 2017): a
class's prototype is the mean of its support features, ``c_k = mean_i f(x_i)`` over
``y_i = k``, shape ``(N, D)``; a query ``f(x)`` of shape ``(D,)`` goes to the class whose
prototype is nearest, here by cosine similarity ``cos(f(x), c_k)``.

**ConSE** (Norouzi et al., *Zero-Shot Learning by Convex Combination of Semantic
Embeddings*, ICLR 2014): a classifier of the *seen* classes gives ``p(s | x)``; the image's
semantic embedding is ``e(x) = sum_s p(s | x) t_s`` (``t_s``: an embedding of class ``s``'s
name, shape ``(S, E)``), and the image goes to the *unseen* class ``u`` whose name embedding
``t_u`` is nearest to ``e(x)`` by cosine similarity. No image of an unseen class is labelled.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np


class Episode(NamedTuple):
    """Indices into the data set: ``support`` (N * K) and ``query`` (N * Q), class by class;
    ``classes``: the N labels drawn, in the order of the blocks."""

    classes: np.ndarray
    support: np.ndarray
    query: np.ndarray


def sample_episode(y: np.ndarray, n_way: int, k_shot: int, n_query: int,
                   rng: np.random.Generator) -> Episode:
    """An N-way K-shot episode: ``n_way`` classes of ``y``, then ``k_shot`` support and
    ``n_query`` query indices of each class, with no index in both."""
    labels = np.unique(y)
    if not 1 <= n_way <= len(labels):
        raise ValueError(f"n_way={n_way}: the labels have {len(labels)} classes; "
                         f"choose 1 to {len(labels)}.")
    classes = rng.choice(labels, size=n_way, replace=False)
    support, query = [], []
    for c in classes:
        members = np.flatnonzero(y == c)
        if len(members) < k_shot + n_query:
            raise ValueError(f"Class {c} has {len(members)} examples, fewer than "
                             f"k_shot + n_query = {k_shot + n_query}.")
        picked = rng.permutation(members)[: k_shot + n_query]
        support.append(picked[:k_shot])
        query.append(picked[k_shot:])
    return Episode(classes, np.concatenate(support), np.concatenate(query))


def _unit(x: np.ndarray) -> np.ndarray:
    return x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), 1e-12)


def prototypes(features: np.ndarray, y: np.ndarray,
               classes: np.ndarray | None = None) -> np.ndarray:
    """Class means ``(len(classes), D)`` of ``features`` ``(N, D)``, in the order of
    ``classes`` (default: the sorted labels of ``y``)."""
    classes = np.unique(y) if classes is None else np.asarray(classes)
    missing = [c for c in classes if not np.any(y == c)]
    if missing:
        raise ValueError(f"No example of class(es) {missing}: every class needs at least one.")
    return np.stack([features[y == c].mean(axis=0) for c in classes])


def cosine_scores(features: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """Cosine similarities ``(N, C)`` of ``features`` ``(N, D)`` to ``centres`` ``(C, D)``."""
    return _unit(features) @ _unit(centres).T


def prototype_predict(support: np.ndarray, y_support: np.ndarray,
                      query: np.ndarray) -> np.ndarray:
    """Labels of ``query`` ``(Q, D)``: the class of the nearest (cosine) prototype of the
    labelled ``support`` ``(S, D)``."""
    classes = np.unique(y_support)
    return classes[cosine_scores(query, prototypes(support, y_support, classes)).argmax(axis=1)]


def mean_ci95(values) -> tuple[float, float]:
    """Mean and half-width of its 95% confidence interval, Student's t-interval
    ``t_{0.975, n-1} * s / sqrt(n)`` (``scipy.stats``); the half-width is NaN for one value."""
    from scipy import stats

    values = np.asarray(values, dtype=float)
    if values.size == 0:
        raise ValueError("mean_ci95 needs at least one value.")
    if values.size == 1:
        return float(values[0]), float("nan")
    half = stats.t.ppf(0.975, values.size - 1) * stats.sem(values)
    return float(values.mean()), float(half)


def conse_predict(seen_probabilities: np.ndarray, seen_names: np.ndarray,
                  unseen_names: np.ndarray) -> np.ndarray:
    """ConSE: indices into the unseen classes ``(N,)`` from ``p(seen | x)`` ``(N, S)`` and
    the name embeddings of the seen ``(S, E)`` and unseen ``(U, E)`` classes."""
    if seen_probabilities.shape[1] != len(seen_names):
        raise ValueError(f"{seen_probabilities.shape[1]} seen-class probabilities per image "
                         f"but {len(seen_names)} seen-class name embeddings.")
    return cosine_scores(seen_probabilities @ seen_names, unseen_names).argmax(axis=1)


def softmax(scores: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    """Row-wise softmax of ``scores / temperature``."""
    from scipy.special import softmax as scipy_softmax

    if temperature <= 0:
        raise ValueError(f"temperature={temperature}: it must be positive.")
    return scipy_softmax(scores / temperature, axis=1)
