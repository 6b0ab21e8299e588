"""Linear probes: how much a fixed representation knows, measured by logistic regression."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from tlteach.data import few_shot


def _probe(c: float) -> Pipeline:
    return make_pipeline(StandardScaler(), LogisticRegression(C=c, max_iter=3000))


def linear_probe(train: np.ndarray, y_train: np.ndarray, test: np.ndarray, y_test: np.ndarray,
                 c: float = 1.0) -> float:
    """Test accuracy of a standardised logistic regression trained on ``train`` ``(N, D)``."""
    return float(_probe(c).fit(train, y_train).score(test, y_test))


def cross_validated_probe(features: np.ndarray, y: np.ndarray, folds: int = 5,
                          c: float = 1.0) -> float:
    """Mean accuracy of the linear probe over ``folds`` stratified folds of ``(N, D)``
    features: how much a representation knows, measured on the labelled examples alone
    (no test set needed). Each class needs at least ``folds`` examples."""
    counts = np.unique(y, return_counts=True)[1]
    if counts.min() < folds:
        raise ValueError(f"A class has {counts.min()} examples, fewer than folds={folds}; "
                         "label more examples or use fewer folds.")
    splits = StratifiedKFold(folds, shuffle=True, random_state=0)
    return float(cross_val_score(_probe(c), features, y, cv=splits).mean())


def probe_by_labels(representations: dict[str, tuple[np.ndarray, np.ndarray]],
                    y_train: np.ndarray, y_test: np.ndarray, labels_per_class: Sequence[int],
                    seed: int = 0, c: float = 1.0) -> dict[int, dict[str, float]]:
    """``{k: {name: accuracy}}``: a linear probe per representation on ``k`` labels per class.

    ``representations``: ``{name: (train (N, D), test (M, D))}``, rows aligned with
    ``y_train`` and ``y_test``. Every representation gets the same ``k`` examples per class.
    """
    table = {}
    for k in labels_per_class:
        picked, _ = few_shot(np.arange(len(y_train)), y_train, k=k, seed=seed)
        table[k] = {name: linear_probe(train[picked], y_train[picked], test, y_test, c)
                    for name, (train, test) in representations.items()}
    return table
