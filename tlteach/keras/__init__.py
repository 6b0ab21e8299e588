"""The Keras 3 side of the course, with the same names as the PyTorch side.

Importing this module imports Keras (and TensorFlow, its default backend).
"""

from tlteach.keras.backbones import (
    Backbone,
    extract_features,
    load_backbone,
    predict_imagenet,
    preprocess,
)

__all__ = ["Backbone", "extract_features", "load_backbone", "predict_imagenet", "preprocess"]
