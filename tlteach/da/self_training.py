"""Moved to ``tlteach.torch.da.self_training``: this old path keeps working, with a
DeprecationWarning, until the next release."""

from tlteach._moved import moved_to

__getattr__ = moved_to("tlteach.torch.da.self_training", "tlteach.da.self_training")
