"""Crop-to-mask benchmark: a 6000×4000 photo with a 600×400 mask, edited in crop mode ("auto", what
the window does by default) and in whole-photo mode, through the real upload preparation and HTTP
backend against the loopback fake, which answers at the requested size like the real service.

- `crop_pixels_ratio`: photo pixels uploaded in crop mode over those of whole-photo mode (≤ 0.1).
- `crop_detail_gain`: result pixels per masked photo pixel, crop mode over whole-photo mode (≥ 4):
  how much more of the model's output lands on what the user painted.

The floor of each is the whole-photo mode measured in the same run; the results are placed back
through the mask and checked to land on it, so the gain is real detail, not a misplaced crop.
"""

from __future__ import annotations

import asyncio
import io

import numpy as np
from PIL import Image

from editor.backends import create_backend
from editor.backends.providers import PROFILES, ApiKey
from editor.imaging.composite import composite
from editor.imaging.upload import prepare_uploads
from editor.pipeline.options import EditOptions
from editor.pipeline.plan import edit_request, plan_context
from tests.benchmarks.harness import Figure
from tests.fakes.edit_server import FakeEditServer
from tests.fakes.painting import MAGENTA

WIDTH, HEIGHT = 6000, 4000
BOX = (2700, 1800, 3300, 2200)  # 600×400


def _photo() -> np.ndarray:
    rng = np.random.default_rng(5)
    y, x = np.ogrid[0:HEIGHT, 0:WIDTH]
    rgb = np.empty((HEIGHT, WIDTH, 3), np.uint8)
    rgb[..., 0] = (200 * x // WIDTH).astype(np.uint8)
    rgb[..., 1] = (200 * y // HEIGHT).astype(np.uint8)
    rgb[..., 2] = ((x * 3 + y) % 180).astype(np.uint8)
    rgb += rng.integers(0, 40, rgb.shape, dtype=np.uint8)
    return rgb


async def _edit(server: FakeEditServer, photo: np.ndarray, coverage: np.ndarray, mode: str):
    context = plan_context((WIDTH, HEIGHT), BOX, mode=mode)
    uploads = prepare_uploads(photo, coverage=coverage, context=context)
    size = f"{context.size[0]}x{context.size[1]}" if context.cropped else "auto"
    options = EditOptions(provider="custom", model="gpt-image-1", size=size)
    request = edit_request(uploads, "a red bicycle", options)
    backend = create_backend(PROFILES["custom"], api_key=ApiKey(server.api_key), base_url=server.base_url,
                             model="gpt-image-1")
    try:
        result = await backend.edit(request, lambda _step: None)
    finally:
        await backend.aclose()
    with Image.open(io.BytesIO(result.images[0].data)) as image:
        answer = np.asarray(image.convert("RGB"))
    return context, uploads, answer


def measure() -> list[Figure]:
    photo = _photo()
    coverage = np.zeros((HEIGHT, WIDTH), np.uint8)
    x0, y0, x1, y1 = BOX
    coverage[y0:y1, x0:x1] = 255
    masked = int(np.count_nonzero(coverage))
    found = {}
    with FakeEditServer() as server:
        for mode in ("auto", "whole"):
            context, uploads, answer = asyncio.run(_edit(server, photo, coverage, mode))
            _, _, crop_w, crop_h = context.crop
            result_per_photo_px = answer.shape[0] * answer.shape[1] / (crop_w * crop_h)
            placed = composite(photo, answer, coverage, crop=context.crop).pixels
            inner = placed[y0 + 8:y1 - 8, x0 + 8:x1 - 8]
            on_mask = float(np.mean(np.all(inner == MAGENTA, axis=2)))
            found[mode] = (uploads.photo.width * uploads.photo.height, result_per_photo_px * masked, on_mask,
                           context)
    sent_crop, detail_crop, on_mask_crop, context = found["auto"]
    sent_whole, detail_whole, on_mask_whole, _ = found["whole"]
    if min(on_mask_crop, on_mask_whole) < 0.99:
        raise RuntimeError(f"the results did not land on the mask ({on_mask_crop:.3f}, {on_mask_whole:.3f})")
    ratio, gain = sent_crop / sent_whole, detail_crop / detail_whole
    crop = context.crop
    notes = (f"6000×4000 photo, 600×400 mask: crop {crop[2]}×{crop[3]} sent at {context.size[0]}×"
             f"{context.size[1]}; result lands on the mask")
    return [
        Figure(metric="crop_pixels_ratio", value=sent_crop, unit="px", floor=sent_whole,
               floor_label="photo pixels sent in whole-photo mode", target="ratio <= 0.1",
               passed=ratio <= 0.1, notes=notes),
        Figure(metric="crop_detail_gain", value=detail_crop, unit="px", floor=detail_whole,
               floor_label="result pixels on the mask in whole-photo mode", target="ratio >= 4",
               passed=gain >= 4,
               notes=f"result pixels on the {masked:,} masked photo pixels: {detail_crop:,.0f} cropped vs "
                     f"{detail_whole:,.0f} whole"),
    ]
