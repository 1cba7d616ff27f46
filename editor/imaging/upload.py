"""A job's pixels as the edit API wants them: the photo, the mask, the reference images.

The photo goes out as its own file bytes when the pixels are exactly that file (no recompression),
else as a lossless PNG, and as a high-quality JPEG only when a PNG would pass the upload limit.
References are guidance for the model, which uses at most about 2048 px of them: larger ones are
downscaled and re-encoded so uploads stay small. Every upload stays under the API's limits or
raises with a sentence that says what to do.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from PIL import Image

from editor.imaging.load import DEFAULT_MAX_PIXELS, ImageLoadError, load_image
from editor.imaging.mask import coverage_to_api_png
from editor.imaging.passthrough import EncodedImage, pass_through
from editor.imaging.prepare import (
    JPEG_FALLBACK_QUALITY,
    MAX_UPLOAD_BYTES,
    EditContext,
    ImageTooLarge,
    crop_for_api,
    encode_array_png,
    encode_for_api,
    encode_image,
    megabytes,
)

MAX_MASK_BYTES = 4 * 1024 * 1024
REFERENCE_LONG_SIDE = 2048

# How the photo's bytes are laid out. "RGB" covers (H, W, 3) RGB and (H, W, 4) RGBA; the others
# are Qt's QImage memory on a little-endian machine, so a caller can hand over a zero-copy view
# of Format_RGB32 ("BGRX"), Format_ARGB32 ("BGRA") or Format_ARGB32_Premultiplied
# ("BGRA_premultiplied") and the conversion happens here, off the GUI thread.
PixelOrder = Literal["RGB", "BGRX", "BGRA", "BGRA_premultiplied"]


class UploadError(ImageLoadError):
    """The pixels cannot be turned into an upload; `message` says why, for a person."""


@dataclass(frozen=True)
class Uploads:
    """Everything a job uploads, encoded: the photo, the mask PNG (or None) and the references."""

    photo: EncodedImage
    mask: bytes | None = field(default=None, repr=False)
    references: tuple[tuple[str, EncodedImage], ...] = ()


def prepare_uploads(
    photo: np.ndarray,
    *,
    original: bytes | None = None,
    order: PixelOrder = "RGB",
    coverage: np.ndarray | None = None,
    threshold: int = 128,
    references: Sequence[tuple[str, bytes]] = (),
    context: EditContext | None = None,
    reference_side: int = REFERENCE_LONG_SIDE,
    prefer_jpeg: bool = False,
) -> Uploads:
    """A job's uploads from its snapshot's pixels. Slow (encodes tens of MB): call it off the GUI thread.

    `original` is the photo file's bytes, given only when `photo` holds exactly its pixels.
    `context` sends its crop of the photo and the mask, scaled to its size (crop-to-mask); the file's
    bytes are not sent then. References are downscaled to `reference_side` on their long side.
    `prefer_jpeg` sends an opaque photo as JPEG when that is smaller than PNG (for a retry after a 413).
    Raises `ImageLoadError` (or a subclass) with a message for a person.
    """
    height, width = photo.shape[:2]
    if coverage is not None and coverage.shape != (height, width):
        raise UploadError(f"The mask is {coverage.shape[1]}×{coverage.shape[0]} but the photo is "
                          f"{width}×{height}; they must be the same size.")
    sent = (0, 0, width, height)
    if context is not None and (context.crop != sent or context.size not in (None, (width, height))):
        photo, coverage = crop_for_api(photo, coverage, context)
        original = None
    encoded = photo_upload(photo, original, order=order, prefer_jpeg=prefer_jpeg)
    mask = None if coverage is None else mask_upload(coverage, threshold=threshold)
    refs = tuple((name, reference_upload(data, name=name, long_side=reference_side))
                 for name, data in references)
    return Uploads(encoded, mask, refs)


def rgb_pixels(pixels: np.ndarray, order: PixelOrder = "RGB") -> np.ndarray:
    """(H, W, 3) RGB or (H, W, 4) straight-alpha RGBA uint8 pixels from `pixels` laid out as `order`."""
    import cv2

    if pixels.dtype != np.uint8 or pixels.ndim != 3:
        raise UploadError(f"The photo's pixels are {pixels.dtype} {pixels.shape}, not 8-bit colour.")
    if order == "RGB":
        return pixels
    if pixels.shape[2] != 4:
        raise UploadError(f"{order} pixels need 4 channels, not {pixels.shape[2]}.")
    if order == "BGRX":
        return cv2.cvtColor(pixels, cv2.COLOR_BGRA2RGB)
    rgba = cv2.cvtColor(pixels, cv2.COLOR_BGRA2RGBA)
    if order == "BGRA_premultiplied":
        rgba = cv2.cvtColor(rgba, cv2.COLOR_mRGBA2RGBA)
    return rgba


def photo_upload(pixels: np.ndarray, original: bytes | None, *, order: PixelOrder = "RGB",
                 name: str = "The photo", max_bytes: int = MAX_UPLOAD_BYTES,
                 prefer_jpeg: bool = False) -> EncodedImage:
    """The photo being edited. `original` is its file's bytes when `pixels` are exactly them."""
    height, width = pixels.shape[:2]
    if original is not None and len(original) <= max_bytes:
        passed = pass_through(original, max_pixels=DEFAULT_MAX_PIXELS)
        if passed is not None and (passed.width, passed.height) == (width, height):
            return passed
    pixels = rgb_pixels(pixels, order)
    png = encode_array_png(pixels)
    if prefer_jpeg and pixels.shape[2] == 3:  # the smaller of the two (flat graphics stay PNG)
        jpeg = encode_image(Image.fromarray(pixels), "JPEG", quality=JPEG_FALLBACK_QUALITY)
        if len(jpeg) < len(png) and len(jpeg) <= max_bytes:
            return EncodedImage(jpeg, "image/jpeg", width, height)
    if len(png) <= max_bytes:
        return EncodedImage(png, "image/png", width, height)
    if pixels.shape[2] == 4:
        raise ImageTooLarge(f"{name} is too large to upload with its transparency "
                            f"({megabytes(len(png))} as PNG; the API takes {megabytes(max_bytes)}). "
                            "Downscale it.")
    jpeg = encode_image(Image.fromarray(pixels), "JPEG", quality=JPEG_FALLBACK_QUALITY)
    if len(jpeg) <= max_bytes:
        return EncodedImage(jpeg, "image/jpeg", width, height)
    raise ImageTooLarge(f"{name} is too large to upload ({megabytes(len(jpeg))} even as JPEG; the API "
                        f"takes {megabytes(max_bytes)}). Downscale it.")


def mask_upload(coverage: np.ndarray, *, threshold: int = 128) -> bytes:
    """The mask PNG: alpha 0 where coverage ≥ threshold. Raises if it passes the 4 MB limit."""
    png = coverage_to_api_png(coverage, threshold=threshold)
    if len(png) > MAX_MASK_BYTES:
        raise ImageTooLarge(
            f"The mask is {megabytes(len(png))} as a PNG and the API takes at most 4 MB. Simplify its "
            "edges (Mask → Grow, then Shrink) or edit a smaller photo."
        )
    return png


def reference_upload(data: bytes, *, name: str, long_side: int = REFERENCE_LONG_SIDE) -> EncodedImage:
    """A reference image: as it is when the API takes it and it is small enough, else downscaled
    to `long_side` and re-encoded (JPEG, or PNG when it has transparency)."""
    passed = pass_through(data, max_pixels=DEFAULT_MAX_PIXELS)
    if passed is not None and max(passed.width, passed.height) <= long_side:
        return passed
    loaded = load_image(data, name=name, long_side=long_side)  # a big JPEG decodes at 1/2 or less
    if max(loaded.width, loaded.height) <= long_side:
        return encode_for_api(loaded, data)
    image = loaded.image.copy()
    image.thumbnail((long_side, long_side), Image.Resampling.LANCZOS)
    if loaded.has_alpha:
        return EncodedImage(encode_array_png(np.asarray(image)), "image/png", image.width, image.height)
    jpeg = encode_image(image, "JPEG", quality=JPEG_FALLBACK_QUALITY)
    return EncodedImage(jpeg, "image/jpeg", image.width, image.height)
