"""Crop-to-mask and the one retry after a 413 for edits made from files (`maskedit-cli edit` and
batch), the same rules the window follows (see editor.runner and editor.imaging.prepare).

`crop_to_mask` turns a whole-photo request into one for the padded area around the mask at an
API size; `place_back` puts an answer for that crop into the full-resolution photo through the
mask; `edit_with_retry` sends, and after a 413 sends once more with `smaller_request`. No Qt.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
from PIL import Image

from editor.backends.base import EditBackend, EditError, EditRequest, EditResult, ImagePart, ResultImage
from editor.imaging.composite import composite
from editor.imaging.load import load_image
from editor.imaging.mask import bounding_box
from editor.imaging.prepare import DEFAULT_PADDING, EditContext, encode_array_png, encode_image, plan_context
from editor.imaging.upload import mask_upload, photo_upload, reference_upload

SMALLER_SIDE = 1536  # after a 413: the photo's long side, at most
SMALLER_REFERENCE_SIDE = 1024
REFUSED_AGAIN = " A smaller upload was refused too."


@dataclass(frozen=True)
class Placement:
    """Where a cropped edit's answers go: the context, and the full photo and mask they land on."""

    context: EditContext
    photo: np.ndarray = field(repr=False)  # (H, W, 3|4) RGB(A)
    coverage: np.ndarray = field(repr=False)  # (H, W), 255 = edit


def mask_coverage(mask: ImagePart) -> np.ndarray:
    """The API mask (alpha 0 = edit) as coverage (255 = edit)."""
    with Image.open(io.BytesIO(mask.data)) as image:
        alpha = np.asarray(image.convert("RGBA").getchannel("A"))
    return (255 - alpha).astype(np.uint8)


def crop_to_mask(request: EditRequest, *, mode: str = "auto", padding: float = DEFAULT_PADDING,
                 custom_sizes: bool = False) -> tuple[EditRequest, Placement | None]:
    """`request` for the context crop of its photo and mask, at the API size the crop's shape
    calls for (and `size` set to it), with where its answers go; unchanged and None when the whole
    photo is sent (mode "whole", no mask, or "auto" finding the mask large or the photo small)."""
    if mode == "whole" or request.mask is None or not request.images:
        return request, None
    first = request.images[0]
    coverage = mask_coverage(request.mask)
    context = plan_context((first.width, first.height), bounding_box(coverage, 128), mode=mode,
                           padding=padding, custom_sizes=custom_sizes, requested=_size(request.size))
    if not context.cropped:
        return request, None
    pixels = np.asarray(load_image(first.data, name=first.filename).image)
    placement = Placement(context, pixels, coverage)
    return _scaled(request, placement.photo, coverage, context), placement


def place_back(placement: Placement, image: ResultImage, *, feather_px: float = 2.0) -> bytes:
    """The full-resolution photo with the answer for the crop pasted in through the mask, encoded
    like the answer (PNG, JPEG or WebP)."""
    result = np.asarray(load_image(image.data, name="the answer").image)
    photo = placement.photo
    if result.shape[2] == 4 and photo.shape[2] == 3:
        photo = np.dstack((photo, np.full(photo.shape[:2], 255, np.uint8)))
    made = composite(photo, result, placement.coverage, feather_px=feather_px, crop=placement.context.crop)
    if image.content_type == "image/jpeg":
        return encode_image(Image.fromarray(made.pixels[..., :3]), "JPEG", quality=95)
    if image.content_type == "image/webp":
        return encode_image(Image.fromarray(made.pixels), "WEBP", lossless=True)
    return encode_array_png(made.pixels)


def write_placed(placement: Placement, writer) -> list[Path]:
    """Each answer a JobWriter saved for a crop, put back into the full photo beside it as
    `…-full.<ext>` (the answers themselves stay as they came)."""
    placed = []
    for path, image in zip(writer.written, writer.images, strict=True):
        target = path.with_name(f"{path.stem}-full{path.suffix}")
        target.write_bytes(place_back(placement, image))
        placed.append(target)
    return placed


def smaller_request(request: EditRequest) -> EditRequest:
    """The request again, small: the photo at most SMALLER_SIDE px on its long side (JPEG when that
    is smaller and it is opaque), the mask at the photo's new size, references at most 1024 px."""
    first = request.images[0]
    pixels = np.asarray(load_image(first.data, name=first.filename).image)
    coverage = mask_coverage(request.mask) if request.mask is not None else None
    scale = min(1.0, SMALLER_SIDE / max(first.width, first.height))
    size = (max(1, round(first.width * scale)), max(1, round(first.height * scale)))
    smaller = _scaled(request, pixels, coverage, EditContext((0, 0, first.width, first.height), size),
                      prefer_jpeg=True, keep_size=True)
    references = []
    for index, part in enumerate(smaller.images[1:], 2):
        encoded = reference_upload(part.data, name=part.filename, long_side=SMALLER_REFERENCE_SIDE)
        references.append(_part(encoded, f"image-{index}"))
    return replace(smaller, images=(smaller.images[0], *references))


async def edit_with_retry(backend: EditBackend, request: EditRequest, report: Callable,
                          on_smaller: Callable[[str], None] | None = None) -> tuple[EditResult, EditRequest]:
    """Send `request`; after a 413 send it once more, smaller (saying so through `on_smaller`).
    Returns the result and the request that got it."""
    try:
        return await backend.edit(request, report), request
    except EditError as error:
        if error.status != 413:
            raise
    smaller = await asyncio.to_thread(smaller_request, request)
    if on_smaller is not None:
        first = smaller.images[0]
        on_smaller(f"The provider refused the upload as too large (413); sending it again smaller "
                   f"({first.width}×{first.height}, references at most {SMALLER_REFERENCE_SIDE} px).")
    try:
        return await backend.edit(smaller, report), smaller
    except EditError as again:
        if again.status == 413:
            again.message += REFUSED_AGAIN
        raise


def _scaled(request: EditRequest, pixels: np.ndarray, coverage: np.ndarray | None, context: EditContext, *,
            prefer_jpeg: bool = False, keep_size: bool = False) -> EditRequest:
    from editor.imaging.prepare import crop_for_api

    photo, mask = crop_for_api(pixels, coverage, context)
    encoded = photo_upload(photo, None, prefer_jpeg=prefer_jpeg)
    height, width = photo.shape[:2]
    parts = (_part(encoded, "image-1"), *request.images[1:])
    mask_part = None if mask is None else ImagePart(mask_upload(mask), "mask.png", "image/png", width, height)
    size = request.size if keep_size else f"{width}x{height}"
    return replace(request, images=parts, mask=mask_part, size=size)


def _part(encoded, stem: str) -> ImagePart:
    extension = encoded.content_type.split("/")[1].replace("jpeg", "jpg")
    return ImagePart(encoded.data, f"{stem}.{extension}", encoded.content_type, encoded.width, encoded.height)


def _size(size: str | None) -> tuple[int, int] | None:
    width, _, height = (size or "").partition("x")
    return (int(width), int(height)) if width.isdigit() and height.isdigit() else None
