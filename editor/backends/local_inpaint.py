"""The offline backend: fills what the mask covers from its surroundings.

No network, no key, no prompt: it removes things (a stray wire, a passer-by) and extends a
canvas with texture from the photo rather than drawing anything new. "auto" fills a wide area
with PatchMatch (texture copied from the rest of the photo, editor.imaging.texture_fill) and a
thin stroke with OpenCV's Telea, which also stands in when PatchMatch's library cannot load;
"telea" and "navier-stokes" force OpenCV's methods. It works only on the mask's bounding box plus
a margin, so a small mask on a 24 MP photo costs little beyond decoding and encoding.
"""

from __future__ import annotations

import asyncio
import io
import logging
import time
from typing import Literal

import numpy as np
from PIL import Image

from editor.backends.base import (
    EditRequest,
    EditResult,
    ImagePart,
    InvalidImage,
    InvalidRequest,
    Progress,
    ProgressCallback,
    ResultImage,
)
from editor.imaging.load import ImageLoadError, LoadedImage, load_image
from editor.imaging.mask import MaskError, bounding_box, coverage_from_api_png
from editor.imaging.prepare import encode_array_png

log = logging.getLogger(__name__)

InpaintMethod = Literal["auto", "telea", "navier-stokes"]
INPAINT_METHODS: tuple[InpaintMethod, ...] = ("auto", "telea", "navier-stokes")
# JPEG/WebP quality when the request leaves output_compression unset.
DEFAULT_QUALITY = 92
# Context around the hole beyond what the methods read (their radius): it costs little and
# keeps the crop's border, where OpenCV pads, far from every pixel that gets filled.
_CONTEXT_PX = 16
# PatchMatch copies texture from around the hole: it is given the hole's own size on each side
# (at least this much), so there is texture to copy.
_TEXTURE_CONTEXT_PX = 96


class LocalInpaintBackend:
    """Edits offline with PatchMatch or OpenCV inpainting (Telea, Navier-Stokes); the prompt is ignored.

    Pixels outside the mask come back bit-identical to the decoded input; alpha is kept. Only
    one result is ever produced, whatever `n` asks for: inpainting is deterministic, so more
    variants would all be the same picture.
    """

    name = "local"
    description = "Offline: fills what the mask covers from the rest of the photo. The prompt is ignored."

    def __init__(self, *, method: InpaintMethod = "auto", radius: int = 6) -> None:
        if method not in INPAINT_METHODS:
            raise ValueError(f"method must be one of {INPAINT_METHODS}, not {method!r}")
        if radius < 1:
            raise ValueError(f"radius must be at least 1 px, not {radius}")
        self.method = method
        self.radius = radius

    async def edit(self, request: EditRequest, on_progress: ProgressCallback | None = None) -> EditResult:
        """Inpaint the masked area of `request.images[0]` and return one image.

        Raises `InvalidRequest` when the request is invalid or has no mask, and `InvalidImage`
        when the photo or the mask cannot be decoded.
        """
        started = time.perf_counter()
        image = await asyncio.to_thread(self._render, request)
        if on_progress is not None:
            on_progress(Progress(kind="image", message="Inpainting finished.", index=0, image=image))
        return EditResult(
            images=(image,),
            usage=None,
            size=f"{image.width}x{image.height}",
            output_format=request.output_format or "png",
            elapsed_s=time.perf_counter() - started,
        )

    async def aclose(self) -> None:
        """Nothing to release: the backend holds no connection or file."""

    # --- Runs in a worker thread ---------------------------------------------------------------

    def _render(self, request: EditRequest) -> ResultImage:
        # validate() decodes the whole mask to check it, so it runs here too, off the event loop.
        request.validate()
        if request.mask is None:
            raise InvalidRequest("The offline backend removes what the mask covers; paint a mask first.")
        photo = _decode_photo(request.images[0])
        try:
            coverage = coverage_from_api_png(request.mask.data)
        except MaskError as exc:
            raise InvalidImage(f"The mask could not be used: {exc.message}") from None
        if coverage.shape != (photo.height, photo.width):
            raise InvalidRequest(
                f"The mask is {coverage.shape[1]}×{coverage.shape[0]} but the image is "
                f"{photo.width}×{photo.height}; they must be the same size."
            )
        # The photo was decoded for this request alone, so it can be changed in place: copying
        # 24 MP costs more than the inpainting of a small mask.
        self._inpaint_in_place(photo.image, coverage)
        data = _encode(photo.image, request.output_format or "png", request.output_compression)
        return ResultImage(
            data=data,
            content_type=request.result_content_type,
            width=photo.width,
            height=photo.height,
        )

    def _inpaint_in_place(self, image: Image.Image, coverage: np.ndarray) -> None:
        """Fill the masked pixels of `image` (RGB or RGBA); every other pixel is left untouched."""
        import cv2

        from editor.imaging.texture_fill import fill_method, fill_patchmatch

        box = bounding_box(coverage)
        if box is None:
            raise InvalidRequest("The mask marks nothing to edit. Paint an area first.")
        method = self.method
        if method == "auto":
            x0, y0, x1, y1 = _context_box(box, coverage.shape, self._margin("patchmatch", box))
            method = fill_method(coverage[y0:y1, x0:x1] > 0)
        x0, y0, x1, y1 = _context_box(box, coverage.shape, self._margin(method, box))
        hole = np.ascontiguousarray(coverage[y0:y1, x0:x1])
        crop = np.array(image.crop((x0, y0, x1, y1)))
        inside = hole > 0
        flag = cv2.INPAINT_NS if method == "navier-stokes" else cv2.INPAINT_TELEA
        if method == "patchmatch":
            colour = fill_patchmatch(np.ascontiguousarray(crop[..., :3]), inside)
        else:
            colour = cv2.inpaint(np.ascontiguousarray(crop[..., :3]), hole, self.radius, flag)
        # Only masked pixels are taken from the filled crop, so the rest pastes back unchanged.
        crop[..., :3][inside] = colour[inside]
        if image.mode == "RGBA":
            alpha = cv2.inpaint(np.ascontiguousarray(crop[..., 3]), hole, self.radius, flag)
            crop[..., 3][inside] = alpha[inside]
        image.paste(Image.fromarray(crop), (x0, y0))
        log.debug("Inpainted %s px box %s with %s", (x1 - x0) * (y1 - y0), box, method)

    def _margin(self, method: str, box: tuple[int, int, int, int]) -> int:
        if method == "patchmatch":
            return max(_TEXTURE_CONTEXT_PX, box[2] - box[0], box[3] - box[1])
        return 3 * self.radius + _CONTEXT_PX


def _context_box(box: tuple[int, int, int, int], shape: tuple[int, ...], margin: int
                 ) -> tuple[int, int, int, int]:
    height, width = shape[:2]
    return (max(0, box[0] - margin), max(0, box[1] - margin),
            min(width, box[2] + margin), min(height, box[3] + margin))


def _decode_photo(part: ImagePart) -> LoadedImage:
    try:
        return load_image(part.data, name=part.filename)
    except ImageLoadError as exc:
        raise InvalidImage(exc.message) from None


def _encode(image: Image.Image, output_format: str, compression: int | None) -> bytes:
    if output_format == "png":
        return encode_array_png(np.asarray(image))
    if output_format == "jpeg" and image.mode == "RGBA":
        image = image.convert("RGB")  # JPEG has no alpha; validate() refused transparent output
    buffer = io.BytesIO()
    quality = DEFAULT_QUALITY if compression is None else compression
    image.save(buffer, "JPEG" if output_format == "jpeg" else "WEBP", quality=quality)
    return buffer.getvalue()
