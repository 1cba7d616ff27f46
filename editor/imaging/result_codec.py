"""A result image in and out: decoded once to pixels, and a placed-back photo encoded like the
answer it was made from (PNG, JPEG or WebP)."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, UnidentifiedImageError

from editor.imaging.prepare import encode_array_png, encode_image

# The largest result decoded, in pixels (four times the largest any model makes), checked from the
# header before any pixel is decoded; independent of Pillow's process-wide limit.
MAX_RESULT_PIXELS = 4 * 8_294_400


def decode_result(data: bytes) -> np.ndarray | None:
    """An encoded result as (h, w, 3|4) RGB(A) uint8 (alpha kept only when it is used); None if
    unreadable or absurdly large."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.width * image.height > MAX_RESULT_PIXELS:
                return None
            has_alpha = "A" in image.getbands() or "transparency" in image.info
            pixels = np.asarray(image.convert("RGBA" if has_alpha else "RGB"))
    except (OSError, UnidentifiedImageError, ValueError, Image.DecompressionBombError):
        return None
    if pixels.shape[2] == 4 and pixels[..., 3].min() == 255:
        pixels = np.ascontiguousarray(pixels[..., :3])
    return pixels


def encode_like(pixels: np.ndarray, content_type: str) -> bytes:
    """(h, w, 3|4) pixels encoded as `content_type`: JPEG at quality 95, lossless WebP, else PNG."""
    if content_type == "image/jpeg":
        return encode_image(Image.fromarray(np.ascontiguousarray(pixels[..., :3])), "JPEG", quality=95)
    if content_type == "image/webp":
        return encode_image(Image.fromarray(pixels), "WEBP", lossless=True)
    return encode_array_png(pixels)
