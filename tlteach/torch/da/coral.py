"""Deep CORAL: align the second-order statistics of the two domains' features (Sun & Saenko,
"Deep CORAL: Correlation Alignment for Deep Domain Adaptation", ECCV-W 2016).

A discrepancy method: no discriminator, one extra loss on a feature layer. With source
features ``S`` (B_s, d) and target features ``T`` (B_t, d) of a batch, their covariances

    C = 1/(n - 1) (X^T X - 1/n (1^T X)^T (1^T X))        (eq. 2-3)

and the CORAL loss (eq. 1) is the squared Frobenius distance between them, scaled by d:

    L_CORAL = ||C_S - C_T||_F^2 / (4 d^2)

The network minimises ``L_y + w * L_CORAL`` (eq. 5), the classification loss on the source
labels plus the weighted CORAL loss on both domains' features.

Example::

    body, head = digit_body(), digit_head()
    fs, ft = body(x_source), body(x_target)             # (B, 768) each
    loss = cross_entropy(head(fs), y_source) + 10.0 * coral_loss(fs, ft)
"""

from __future__ import annotations

import torch

__all__ = ["coral_loss", "covariance"]


def covariance(features: torch.Tensor) -> torch.Tensor:
    """The unbiased covariance ``(d, d)`` of features ``(n, d)``, n >= 2 (eq. 2-3)."""
    n = features.shape[0]
    if n < 2:
        raise ValueError(f"A covariance needs at least 2 rows of features; got {n}.")
    centred = features - features.mean(dim=0, keepdim=True)
    return centred.T @ centred / (n - 1)


def coral_loss(source: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """``||C_s - C_t||_F^2 / (4 d^2)`` of source ``(B_s, d)`` and target ``(B_t, d)`` features:
    a scalar tensor, differentiable in both."""
    if source.shape[1] != target.shape[1]:
        raise ValueError(f"Source and target features differ in width: {source.shape[1]} vs "
                         f"{target.shape[1]}; CORAL compares the same layer of both.")
    d = source.shape[1]
    return (covariance(source) - covariance(target)).pow(2).sum() / (4 * d * d)
