"""Domain adaptation: gradient reversal, DANN's domain discriminator, self-training (PyTorch).

Each method is one small module whose docstring cites its paper and gives shapes;
``tlteach.da.train`` holds the one training loop notebook 05 runs them with.
"""

from tlteach.da.dann import DomainDiscriminator, dann_lambda, domain_loss
from tlteach.da.grl import GradientReversal, grad_reverse
from tlteach.da.self_training import pseudo_labels

__all__ = ["DomainDiscriminator", "GradientReversal", "dann_lambda", "domain_loss",
           "grad_reverse", "pseudo_labels"]
