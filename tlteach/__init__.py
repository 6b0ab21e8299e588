"""tlteach: helpers shared by the notebooks of a hands-on course on transfer learning.

Importing ``tlteach`` is cheap and has no side effects: it imports neither PyTorch nor
TensorFlow, seeds nothing and probes no device. Framework code lives in two folders:
``tlteach.torch`` (PyTorch) and ``tlteach.keras`` (Keras 3); every other module is shared by
both and imports neither at module level (docs/architecture.md has the map).
"""

from tlteach.runtime import device, in_colab, seed_everything, sub_seeds

__version__ = "0.4.0"
REPOSITORY = "tlteach/tlteach"
"""The course's GitHub repository (owner/name); badges and the Colab install point here."""

__all__ = ["REPOSITORY", "__version__", "device", "in_colab", "seed_everything", "sub_seeds"]
