"""The PyTorch side of the course, with the same names as ``tlteach.keras``.

Everything here imports PyTorch. The names below are the ones both frameworks share (and
PyTorch's own, each with its reason in ``tests/test_api_parity.py``); the modules hold the
rest, one role each:

- ``backbones``: pretrained bodies, heads and their preprocessing; features, ImageNet labels;
- ``efficientnet_lite``: EfficientNet-Lite0 laid out as torchvision's ``efficientnet_b0``;
- ``freezing``: freeze, unfreeze, freeze_to, param_groups (fastai's vocabulary);
- ``train``: fit, fine_tune, evaluate, predict_proba, tensor_loader;
- ``inference``: the one batched, gradient-free loop behind features and predictions;
- ``layer_modes``: train/eval flags given back as they were found (eval_mode, train_mode);
- ``small_cnn``: the course's small source CNN; ``pretrain`` trains the shipped ones;
- ``strategies``: notebook 04's grid of transfer strategies;
- ``cost``: parameters, file size, FLOPs and CPU time per image;
- ``distill``: knowledge distillation's loss;
- ``da``: domain adaptation (gradient reversal, DANN, Deep CORAL, self-training, the digit tasks).
"""

from tlteach.data.pipelines import to_tensor
from tlteach.torch.backbones import Backbone, extract_features, load_backbone, predict_imagenet
from tlteach.torch.cost import milliseconds_per_image
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
    "fine_tune", "fit", "freeze", "freeze_to", "load_backbone", "milliseconds_per_image",
    "param_groups",
    "predict_imagenet", "predict_proba", "spread_lrs", "tensor_loader", "to_tensor",
    "train_epoch", "trainable_parameters", "unfreeze", "units",
]  # fmt: skip
