"""Self-training with confidence-thresholded pseudo-labels (Lee, ICML-W 2013; the
"pseudo-label" baseline of domain adaptation).

A model trained on the source labels the unlabelled target; only predictions whose softmax
confidence reaches ``threshold`` are kept, and the model trains on them next to the source:

    p = softmax(model(x_t))            # (N, C)
    keep = max_c p >= threshold        # (N,)
    y_hat = argmax_c p  on the kept rows
"""

from __future__ import annotations

import torch


@torch.no_grad()
def pseudo_labels(logits: torch.Tensor, threshold: float = 0.9) -> tuple[torch.Tensor,
                                                                          torch.Tensor]:
    """From target logits ``(N, C)``: the indices of confident rows ``(K,)`` and their
    labels ``(K,)``."""
    if not 0.0 < threshold <= 1.0:
        raise ValueError(f"threshold is a probability in (0, 1]; got {threshold}.")
    confidence, labels = logits.softmax(dim=1).max(dim=1)
    keep = torch.nonzero(confidence >= threshold).squeeze(1)
    return keep, labels[keep]
