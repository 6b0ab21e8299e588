"""Course data: named offline sources, few-shot splits, your own image folders, pipelines.

>>> from tlteach import data
>>> X, y, class_names = data.load("animals")   # (10000, 28, 28) uint8, 10 classes
>>> print(data.describe())                     # what each source is and where it comes from
"""

from tlteach.data.folders import (
    FolderImages,
    ImageFolderError,
    export_image_folder,
    load_image_folder,
    split_folder,
)
from tlteach.data.images import HeifUnsupportedError, open_image, read_image
from tlteach.data.pipelines import to_tensor, to_tf_dataset, to_torch_loader
from tlteach.data.sources import SOURCES, DataUnavailableError, describe, load
from tlteach.data.splits import Split, few_shot, split
from tlteach.data.transforms import resize_images, to_rgb

__all__ = [
    "SOURCES", "DataUnavailableError", "FolderImages", "HeifUnsupportedError", "ImageFolderError",
    "Split", "describe", "export_image_folder", "few_shot", "load", "load_image_folder",
    "open_image", "read_image", "resize_images", "split", "split_folder",
    "to_rgb", "to_tensor", "to_tf_dataset", "to_torch_loader",
]  # fmt: skip
