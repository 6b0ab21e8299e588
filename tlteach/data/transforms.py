"""Array-level image helpers: resizing, cropping, channel conversion."""

from __future__ import annotations

import numpy as np
from PIL import Image


def resize_images(X: np.ndarray, size: int | tuple[int, int]) -> np.ndarray:
    """Resize uint8 images ``(N, H, W[, 3])`` to ``size`` with antialiasing (Pillow)."""
    h, w = (size, size) if isinstance(size, int) else size
    out = [np.asarray(Image.fromarray(x).resize((w, h), Image.BILINEAR)) for x in X]
    return np.stack(out).astype(np.uint8)


def center_crop_resize(image: np.ndarray, size: int) -> np.ndarray:
    """Centre-crop an image to a square and resize it to ``size`` x ``size``."""
    h, w = image.shape[:2]
    s = min(h, w)
    top, left = (h - s) // 2, (w - s) // 2
    square = np.ascontiguousarray(image[top : top + s, left : left + s])
    return resize_images(square[None], size)[0]


def drop_channel_axis(X: np.ndarray) -> np.ndarray:
    """Grayscale ``(N, H, W, 1)`` as ``(N, H, W)``; other images as they are."""
    return X[..., 0] if X.ndim == 4 and X.shape[-1] == 1 else X


def to_rgb(X: np.ndarray) -> np.ndarray:
    """Grayscale ``(N, H, W)`` or ``(N, H, W, 1)`` to RGB ``(N, H, W, 3)``; RGB passes through."""
    X = drop_channel_axis(X)
    if X.ndim == 3:
        return np.repeat(X[..., None], 3, axis=-1)
    if X.ndim == 4 and X.shape[-1] == 3:
        return X
    raise ValueError(f"Expected images (N, H, W), (N, H, W, 1) or (N, H, W, 3), "
                     f"got shape {X.shape}.")


def center_crop_batch(images, size: int) -> np.ndarray:
    """A list of uint8 images (gray, RGB or RGBA; any sizes) -> ``(N, size, size, 3)`` crops."""
    crops = []
    for image in images:
        image = np.asarray(image)
        if image.dtype != np.uint8 or image.ndim not in (2, 3):
            raise ValueError(f"Expected uint8 images (H, W) or (H, W, C); got {image.dtype} "
                             f"{image.shape}.")
        image = to_rgb(image[None])[0] if image.ndim == 2 else image[..., :3]
        crops.append(center_crop_resize(image, size))
    return np.stack(crops)
