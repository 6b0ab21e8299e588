"""Arrays to framework input pipelines: a PyTorch ``DataLoader`` and a ``tf.data.Dataset``.

Both take uint8 images ``(N, H, W)``, ``(N, H, W, 1)`` or ``(N, H, W, 3)`` and give
3-channel float images at ``size``; grayscale is repeated to RGB. Both resize with Pillow
(``resize_images``), as feature extraction does, so features and loaders in both frameworks
see the same pixels; PyTorch's images come from ``to_tensor``. Each follows its framework's
convention:

- PyTorch: ``(B, 3, H, W)`` float32 in ``[0, 1]`` (as ``ToDtype(scale=True)`` gives);
- Keras: ``(B, H, W, 3)`` float32 in ``[0, 255]`` (as ``image_dataset_from_directory`` gives).

Apply the backbone's own preprocessing on top (``backbone.preprocess``).
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import tensorflow as tf
    import torch
    import torch.utils.data


def check_images(X: np.ndarray) -> None:
    """Raise a ``ValueError`` that says what to do unless ``X`` holds uint8 images
    ``(N, H, W)``, ``(N, H, W, 1)`` or ``(N, H, W, 3)``."""
    if X.dtype != np.uint8 or X.ndim not in (3, 4) or (X.ndim == 4 and X.shape[-1] not in (1, 3)):
        raise ValueError(f"Expected uint8 images (N, H, W), (N, H, W, 1) or (N, H, W, 3); got "
                         f"{X.dtype} {X.shape}. Convert with tlteach.data.to_rgb / np.uint8 first.")
    if X.ndim == 3 and X.shape[-1] in (3, 4) and X.shape[1] > 4:
        raise ValueError(f"Got {X.shape}: that looks like one image (H, W, {X.shape[-1]}), not "
                         f"{X.shape[0]} grayscale images {X.shape[1:]}. Pass a batch: X[None].")


def to_tensor(X: np.ndarray, size: int | None = None) -> torch.Tensor:
    """uint8 images ``(N, H, W)``, ``(N, H, W, 1)`` or ``(N, H, W, 3)`` -> float
    ``(N, 3, size, size)`` in [0, 1]; grayscale is repeated to RGB.

    The course's one image-to-tensor path: features (``extract_features``) and loaders
    (``to_torch_loader``) both go through it, so they see the same pixels. Resizing uses
    Pillow (``resize_images``, as ``tlteach.keras`` does), whose integer arithmetic gives the
    same pixels on every CPU; torchvision's ``Resize`` rounds differently by instruction set.
    """
    import torch

    from tlteach.data.transforms import drop_channel_axis, resize_images

    check_images(X)
    X = drop_channel_axis(X)
    if size is not None and tuple(X.shape[1:3]) != (size, size):
        X = resize_images(X, size)
    x = torch.from_numpy(np.ascontiguousarray(X))
    x = x[:, None].expand(-1, 3, -1, -1) if x.ndim == 3 else x.permute(0, 3, 1, 2)
    return x.float().div(255)


def torch_transform(size: int | None, augment: bool):
    """The per-image transform: a uint8 image -> float RGB tensor ``(3, size, size)``
    (``to_tensor``), then, with ``augment``, torchvision v2's random flip and affine."""
    from torchvision.transforms import v2

    augmentation = v2.Compose([
        v2.RandomHorizontalFlip(),
        v2.RandomAffine(degrees=10, translate=(0.1, 0.1), scale=(0.9, 1.1)),
    ]) if augment else None

    def transform(image: np.ndarray) -> torch.Tensor:
        x = to_tensor(image[None], size)[0]
        return x if augmentation is None else augmentation(x)

    return transform


def torch_batch_transform(size: int | None):
    """``torch_transform(size, augment=False)`` for a whole batch, in one call."""
    return functools.partial(to_tensor, size=size)


class ArrayDataset:
    """A map-style dataset over image and label arrays with a per-image transform.

    With a ``batch_transform`` (the same mapping for a whole batch) the ``DataLoader``
    fetches each batch in one call (``__getitems__``) instead of image by image.
    """

    def __init__(self, X: np.ndarray, y: np.ndarray, transform, batch_transform=None) -> None:
        if len(X) != len(y):
            raise ValueError(f"X has {len(X)} images but y has {len(y)} labels.")
        self.X, self.y, self.transform = X, np.asarray(y, dtype=np.int64), transform
        self.batch_transform = batch_transform

    def __len__(self) -> int:
        return len(self.X)

    def __getitem__(self, i: int):
        return self.transform(self.X[i]), int(self.y[i])

    def __getitems__(self, indices: list[int]) -> list:
        """The samples at ``indices`` (what ``DataLoader`` asks for, one batch at a time)."""
        if self.batch_transform is None:
            return [self[i] for i in indices]
        return list(zip(self.batch_transform(self.X[indices]), self.y[indices].tolist(),
                        strict=True))


def to_torch_loader(X: np.ndarray, y: np.ndarray, size: int | None = None, batch_size: int = 32,
                    shuffle: bool = False, augment: bool = False,
                    seed: int = 0) -> torch.utils.data.DataLoader:
    """A ``DataLoader`` of ``(images (B, 3, size, size) in [0, 1], labels (B,))``."""
    import torch

    check_images(X)
    dataset = ArrayDataset(X, y, torch_transform(size, augment),
                           None if augment else torch_batch_transform(size))
    generator = torch.Generator().manual_seed(seed)
    return torch.utils.data.DataLoader(dataset, batch_size=batch_size, shuffle=shuffle,
                                       generator=generator)


def to_tf_dataset(X: np.ndarray, y: np.ndarray, size: int | None = None, batch_size: int = 32,
                  shuffle: bool = False, augment: bool = False, seed: int = 0) -> tf.data.Dataset:
    """A ``tf.data.Dataset`` of ``(images (B, size, size, 3) in [0, 255], labels (B,))``.

    Each batch is resized with Pillow (``resize_images``), as ``tlteach.keras``'
    ``extract_features`` and the PyTorch loaders do: the same pixels in both frameworks.
    """
    import tensorflow as tf

    from tlteach.data.transforms import drop_channel_axis, resize_images, to_rgb

    check_images(X)
    if len(X) != len(y):
        raise ValueError(f"X has {len(X)} images but y has {len(y)} labels.")
    X = drop_channel_axis(X)
    h, w = (size, size) if size is not None else X.shape[1:3]

    def pixels(batch: np.ndarray) -> np.ndarray:
        return to_rgb(batch if size is None else resize_images(batch, size))

    def to_float(images, labels):
        images = tf.numpy_function(pixels, [images], tf.uint8, stateful=False)
        images.set_shape((None, h, w, 3))
        images = tf.cast(images, tf.float32)
        if augment:
            images = tf.image.random_flip_left_right(images, seed=seed)
        return images, labels

    ds = tf.data.Dataset.from_tensor_slices((X, np.asarray(y, dtype=np.int64)))
    if shuffle:
        ds = ds.shuffle(len(X), seed=seed, reshuffle_each_iteration=True)
    return ds.batch(batch_size).map(to_float).prefetch(tf.data.AUTOTUNE)
