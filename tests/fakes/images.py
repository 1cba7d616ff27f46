"""Small, deterministic test images: photos to edit and masks with a known hole.

Pure functions returning encoded bytes (or `ImagePart`s), so tests, fixtures and benchmarks can
build inputs without touching the disk.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from editor.backends.base import ImagePart

Box = tuple[int, int, int, int]
_CONTENT_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp", "GIF": "image/gif",
                  "BMP": "image/bmp"}


def photo_bytes(width: int, height: int, image_format: str = "PNG") -> bytes:
    """A smooth colour gradient (no transparency) encoded as `image_format` (PNG, JPEG, WEBP, …)."""
    xs = np.linspace(0, 255, width, dtype=np.float32)[None, :]
    ys = np.linspace(0, 255, height, dtype=np.float32)[:, None]
    pixels = np.empty((height, width, 3), dtype=np.uint8)
    pixels[..., 0] = xs
    pixels[..., 1] = ys
    pixels[..., 2] = (xs + ys) / 2
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, image_format)
    return buffer.getvalue()


def mask_bytes(width: int, height: int, hole: Box | None = None) -> bytes:
    """An RGBA PNG mask, opaque except `hole` (left, top, right, bottom) which has alpha 0.

    Without `hole`, the middle half of the image is the area to edit.
    """
    if hole is None:
        hole = (width // 4, height // 4, width - width // 4, height - height // 4)
    alpha = np.full((height, width), 255, dtype=np.uint8)
    left, top, right, bottom = hole
    alpha[top:bottom, left:right] = 0
    rgba = np.zeros((height, width, 4), dtype=np.uint8)
    rgba[..., 3] = alpha
    buffer = io.BytesIO()
    Image.fromarray(rgba).save(buffer, "PNG")
    return buffer.getvalue()


def photo_part(width: int, height: int, image_format: str = "PNG", filename: str | None = None) -> ImagePart:
    content_type = _CONTENT_TYPES.get(image_format.upper(), f"image/{image_format.lower()}")
    extension = {"JPEG": "jpg"}.get(image_format.upper(), image_format.lower())
    return ImagePart(data=photo_bytes(width, height, image_format), filename=filename or f"photo.{extension}",
                     content_type=content_type, width=width, height=height)


def mask_part(width: int, height: int, hole: Box | None = None) -> ImagePart:
    return ImagePart(data=mask_bytes(width, height, hole), filename="mask.png", content_type="image/png",
                     width=width, height=height)
