"""Moved to ``tlteach.torch.da.models``: this old path keeps working, with a
DeprecationWarning, until the next release."""

from tlteach._moved import moved_to

__getattr__ = moved_to("tlteach.torch.da.models", "tlteach.da.models")
