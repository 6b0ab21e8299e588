"""Gradient reversal (Ganin & Lempitsky, ICML 2015; Ganin et al., JMLR 2016, eq. 13).

Forward: the identity, ``R(x) = x``. Backward: the incoming gradient times ``-lambda``,
``dR/dx = -lambda * I``. Placed between a feature extractor and a domain discriminator, it
lets one backward pass train the discriminator to tell the domains apart while pushing the
features to make that impossible.

    features = body(x)                                # (B, D)
    domain_logits = discriminator(grad_reverse(features, lam))   # (B, 1)
"""

from __future__ import annotations

import torch
from torch import nn


class _ReverseGrad(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x: torch.Tensor, lam: float) -> torch.Tensor:
        ctx.lam = lam
        return x.view_as(x)

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> tuple[torch.Tensor, None]:
        return -ctx.lam * grad, None


def grad_reverse(x: torch.Tensor, lam: float = 1.0) -> torch.Tensor:
    """``x`` unchanged going forward; the gradient times ``-lam`` going back."""
    return _ReverseGrad.apply(x, lam)


class GradientReversal(nn.Module):
    """``grad_reverse`` as a layer; set ``lam`` between steps (see ``dann_lambda``)."""

    def __init__(self, lam: float = 1.0) -> None:
        super().__init__()
        self.lam = lam

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return grad_reverse(x, self.lam)
