"""One image file as the network sees it: upright, 8-bit RGB, at a fixed size.

Photos arrive as phones and cameras write them: portrait shots stored sideways with an EXIF
orientation tag, PNGs with transparency, 16-bit or grayscale files, CMYK JPEGs, iPhone HEIC
files, every aspect ratio. ``read_image`` turns each into the same kind of array, so that
training data and a single file classified later get the same pixels (both frameworks'
notebooks use it).

>>> x = read_image("pets/cat/IMG_1000.jpg", size=96)          # centre crop, (96, 96, 3) uint8
>>> x = read_image("pets/cat/IMG_1000.jpg", size=96, fit="pad")  # whole photo, padded
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import numpy as np
from PIL import Image, ImageOps

Fit = Literal["crop", "pad"]
FITS = ("crop", "pad")
HEIF_SUFFIXES = {".heic", ".heif"}
PAD_COLOUR = (0, 0, 0)


class HeifUnsupportedError(OSError):
    """A HEIC/HEIF file, and ``pillow-heif`` (which reads them) is not installed."""


def to_uint8_rgb(image: Image.Image) -> Image.Image:
    """Any Pillow mode (gray, palette, RGBA, 16-bit, float, CMYK) as 8-bit RGB.

    Transparent pixels are composited onto white; 16-bit images are scaled, not clipped.
    """
    if image.mode in ("I", "I;16", "I;16B", "I;16L", "F"):
        array = np.asarray(image, dtype=np.float64)
        top = 65535.0 if image.mode.startswith("I;16") or array.max() > 255 else 255.0
        image = Image.fromarray((np.clip(array / top, 0, 1) * 255).round().astype(np.uint8))
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(white, rgba)
    return image.convert("RGB")


def check_fit(fit: str) -> None:
    """Refuse a ``fit`` other than ``"crop"`` and ``"pad"``, naming both."""
    if fit not in FITS:
        raise ValueError(f"fit={fit!r}: use 'crop' (centre crop, the default) or 'pad' "
                         "(the whole image, padded).")


def fit_to_size(image: Image.Image, size: tuple[int, int], fit: Fit = "crop") -> Image.Image:
    """``image`` resized to ``size`` = (height, width) without distorting it.

    ``fit="crop"`` cuts the centre to the target's aspect ratio, then resizes;
    ``fit="pad"`` resizes the whole image to fit inside and pads the rest with black.
    An image that already has the target's aspect ratio is only resized (bilinear).
    """
    check_fit(fit)
    h, w = size
    if fit == "crop":
        return ImageOps.fit(image, (w, h), Image.BILINEAR)
    return ImageOps.pad(image, (w, h), Image.BILINEAR, color=PAD_COLOUR)


def open_image(path: str | Path) -> Image.Image:
    """An image file, decoded, upright (its EXIF orientation applied) and in 8-bit RGB.

    Raises ``HeifUnsupportedError`` for a HEIC file when ``pillow-heif`` is missing, and
    Pillow's errors (``UnidentifiedImageError``, ``OSError``) for files that are not images
    or are truncated.
    """
    path = Path(path)
    if path.suffix.lower() in HEIF_SUFFIXES:
        _register_heif_opener()
    with Image.open(path) as image:
        image.load()
        upright = ImageOps.exif_transpose(image)
        return to_uint8_rgb(upright)


def read_image(path: str | Path, size: int | tuple[int, int], fit: Fit = "crop") -> np.ndarray:
    """One image file as uint8 RGB ``(H, W, 3)`` at ``size``: upright, not distorted.

    ``size`` is an int (square) or (height, width); ``fit`` is ``"crop"`` (centre crop to
    the aspect ratio, the default) or ``"pad"`` (the whole image, black borders).
    """
    h, w = (size, size) if isinstance(size, int) else size
    return np.array(fit_to_size(open_image(path), (h, w), fit), dtype=np.uint8)


def _register_heif_opener() -> None:
    """Let Pillow open HEIC/HEIF files through ``pillow-heif``, or say how to install it."""
    try:
        from pillow_heif import register_heif_opener
    except ImportError:
        raise HeifUnsupportedError(
            "HEIC/HEIF photo (the iPhone default): install the reader with "
            "`pip install pillow-heif`, or export the photos as JPEG") from None
    register_heif_opener()
