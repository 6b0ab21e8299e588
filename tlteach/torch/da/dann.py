"""DANN's domain discriminator, its loss and the lambda schedule (Ganin et al., JMLR 2016).

The discriminator ``d`` sees features ``f`` (B, D) through gradient reversal and predicts
the domain, 0 = source, 1 = target, as one logit (B, 1). Its loss is the binary
cross-entropy over a batch holding both domains (eq. 9-10):

    L_d = -1/n sum_i [ d_i log sigma(z_i) + (1 - d_i) log(1 - sigma(z_i)) ]

and the network minimises ``L_y + L_d`` with the reversal scaling the features' share by
``-lambda``, raised from 0 to 1 with training progress by ``dann_lambda`` (in
``tlteach.schedules``, plain arithmetic that the Keras notebook imports too).
"""

from __future__ import annotations

import torch
from torch import nn

from tlteach.schedules import dann_lambda
from tlteach.torch.da.grl import GradientReversal

__all__ = ["DomainDiscriminator", "dann_lambda", "domain_loss"]


class DomainDiscriminator(nn.Module):
    """Features ``(B, in_features)`` -> one domain logit ``(B, 1)``, after gradient reversal.

    ``reverse`` (a ``GradientReversal``, its ``lam`` set per step) then ``net``, a small MLP.
    """

    def __init__(self, in_features: int, hidden: int = 100, lam: float = 1.0) -> None:
        super().__init__()
        self.reverse = GradientReversal(lam)
        self.net = nn.Sequential(nn.Linear(in_features, hidden), nn.ReLU(),
                                 nn.Linear(hidden, hidden), nn.ReLU(), nn.Linear(hidden, 1))

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return self.net(self.reverse(features))


def domain_loss(source_logits: torch.Tensor,
                target_logits: torch.Tensor) -> tuple[torch.Tensor, float]:
    """Binary cross-entropy of the discriminator (source = 0, target = 1) over both batches,
    and its accuracy. Logits: ``(B_s, 1)`` and ``(B_t, 1)``."""
    logits = torch.cat([source_logits, target_logits]).squeeze(1)
    labels = torch.cat([torch.zeros(len(source_logits)), torch.ones(len(target_logits))])
    labels = labels.to(logits.device)
    loss = nn.functional.binary_cross_entropy_with_logits(logits, labels)
    accuracy = ((logits > 0).float() == labels).float().mean().item()
    return loss, accuracy
