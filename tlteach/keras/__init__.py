"""The Keras 3 side of the course, with the same names as the PyTorch side (``tlteach.torch``).

Importing this module imports Keras (and TensorFlow, its default backend), never torchvision.
"""

from tlteach.keras.backbones import (
    Backbone,
    EfficientNetLite0,
    extract_features,
    load_backbone,
    predict_imagenet,
    preprocess,
)
from tlteach.keras.cost import milliseconds_per_image
from tlteach.keras.train import (
    evaluate,
    fit,
    freeze,
    freeze_to,
    predict_proba,
    trainable_parameters,
    unfreeze,
    units,
)

__all__ = [
    "Backbone", "EfficientNetLite0", "evaluate", "extract_features", "fit", "freeze", "freeze_to",
    "load_backbone", "milliseconds_per_image", "predict_imagenet", "predict_proba", "preprocess",
    "trainable_parameters", "unfreeze", "units",
]  # fmt: skip
