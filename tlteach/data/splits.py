"""Few-shot subsets and stratified train/validation/test splits."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np


class Split(NamedTuple):
    """Arrays of a stratified split: ``X_train, y_train, X_val, y_val, X_test, y_test``."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray


def few_shot(X: np.ndarray, y: np.ndarray, k: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``k`` random examples of every class (in a shuffled order)."""
    rng = np.random.default_rng(seed)
    picks = []
    for c in np.unique(y):
        members = np.flatnonzero(y == c)
        if len(members) < k:
            raise ValueError(f"Class {c} has {len(members)} examples, fewer than k={k}.")
        picks.append(rng.choice(members, size=k, replace=False))
    idx = rng.permutation(np.concatenate(picks))
    return X[idx], y[idx]


def split(X: np.ndarray, y: np.ndarray, val: float | int = 0.2, test: float | int = 0.2,
          seed: int = 0) -> Split:
    """A stratified train/val/test split; ``val`` and ``test`` are fractions or counts."""
    from sklearn.model_selection import train_test_split

    X_rest, X_test, y_rest, y_test = train_test_split(
        X, y, test_size=test, stratify=y, random_state=seed)
    if isinstance(val, float):
        val = int(round(val * len(y)))
    X_train, X_val, y_train, y_val = train_test_split(
        X_rest, y_rest, test_size=val, stratify=y_rest, random_state=seed)
    return Split(X_train, y_train, X_val, y_val, X_test, y_test)
