"""The PyTorch side of the course, with the same names as ``tlteach.keras``."""

from tlteach.backbones import Backbone, extract_features, load_backbone, predict_imagenet
from tlteach.torch.efficientnet_lite import efficientnet_lite0
from tlteach.torch.freezing import (
    bn_eval_if_frozen,
    freeze,
    freeze_to,
    param_groups,
    spread_lrs,
    trainable_parameters,
    unfreeze,
    units,
)
from tlteach.torch.train import (
    evaluate,
    fine_tune,
    fit,
    predict_proba,
    tensor_loader,
    train_epoch,
)

__all__ = [
    "Backbone", "bn_eval_if_frozen", "efficientnet_lite0", "evaluate", "extract_features",
    "fine_tune", "fit", "freeze", "freeze_to", "load_backbone", "param_groups",
    "predict_imagenet", "predict_proba", "spread_lrs", "tensor_loader", "train_epoch",
    "trainable_parameters", "unfreeze", "units",
]  # fmt: skip
