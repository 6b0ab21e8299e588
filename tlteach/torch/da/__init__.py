"""Domain adaptation (PyTorch): gradient reversal, DANN's domain discriminator, Deep CORAL,
self-training, and the digit tasks, networks, training loop and recipes of notebook 05.

Modules by role: ``grl``, ``dann``, ``coral`` and ``self_training`` hold one method each (their
docstrings cite the papers); ``digits`` the data, ``models`` the networks, ``train`` the one
training loop, ``recipes`` notebook 05's recipes on it.
"""

from tlteach.torch.da.coral import coral_loss, covariance
from tlteach.torch.da.dann import DomainDiscriminator, dann_lambda, domain_loss
from tlteach.torch.da.digits import Domains, digit_domains
from tlteach.torch.da.grl import GradientReversal, grad_reverse
from tlteach.torch.da.models import Standardize, digit_body, digit_head
from tlteach.torch.da.recipes import continue_from, self_train, source_then_dann
from tlteach.torch.da.self_training import pseudo_labels
from tlteach.torch.da.train import accuracy, features, predict, train_adapted

__all__ = ["DomainDiscriminator", "Domains", "GradientReversal", "Standardize", "accuracy",
           "continue_from", "coral_loss", "covariance", "dann_lambda", "digit_body",
           "digit_domains", "digit_head", "domain_loss", "features", "grad_reverse", "predict",
           "pseudo_labels", "self_train", "source_then_dann", "train_adapted"]
