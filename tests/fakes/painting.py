"""How the fake server "edits": a predictable picture tests can check pixel by pixel.

The output is the first image resized to the requested size with exactly the masked area (mask
alpha 0, resized with nearest neighbour) painted in one solid colour, so a test can tell where
the edit landed. `spill` also flips a fraction of the protected pixels, the way real models
wander outside the mask, for compositing tests.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from tests.fakes.edit_rules import EditCall

MAGENTA = (255, 0, 255)
# xhigh and max: per-image token counts are unconfirmed (MODELS.md); the fake doubles per step.
_OUTPUT_TOKENS = {"low": 272, "medium": 1056, "high": 4160, "auto": 1056, "xhigh": 8320, "max": 16640}
_TOKENS_PER_INPUT_IMAGE = 194


def output_size(call: EditCall) -> tuple[int, int]:
    """The requested size; for `auto`, the standard size closest to the first image's shape."""
    if call.size != "auto":
        width, _, height = call.size.partition("x")
        return int(width), int(height)
    with Image.open(io.BytesIO(call.images[0])) as img:
        ratio = img.width / img.height
    if ratio > 1.25:
        return 1536, 1024
    if ratio < 0.8:
        return 1024, 1536
    return 1024, 1024


def render_output(call: EditCall, *, colour: tuple[int, int, int] = MAGENTA, spill: float = 0.0,
                  seed: int = 0, realistic: bool = False) -> bytes:
    """One encoded output image for `call`, in its output format; `realistic`: the masked area
    continued from its surroundings and the whole drifted in tone (tests/fakes/realistic.py)
    instead of painted one colour."""
    size = output_size(call)
    keep_alpha = call.background == "transparent" and call.output_format != "jpeg"
    with Image.open(io.BytesIO(call.images[0])) as img:
        base = img.convert("RGBA" if keep_alpha else "RGB").resize(size, Image.Resampling.BILINEAR)
    pixels = np.array(base)
    edited = _edited_area(call.mask, size)
    if realistic:
        from tests.fakes.realistic import realistic_answer

        return _encode(Image.fromarray(realistic_answer(pixels, edited)), call)
    pixels[edited, :3] = colour
    if keep_alpha:
        pixels[edited, 3] = 255
    if spill > 0:
        rng = np.random.default_rng(seed)
        wandered = ~edited & (rng.random(edited.shape) < spill)
        pixels[wandered, :3] = 255 - pixels[wandered, :3]
    return _encode(Image.fromarray(pixels), call)


def _edited_area(mask: bytes | None, size: tuple[int, int]) -> np.ndarray:
    if mask is None:
        return np.ones((size[1], size[0]), dtype=bool)  # no mask: the whole image is edited
    with Image.open(io.BytesIO(mask)) as img:
        alpha = img.convert("RGBA").getchannel("A").resize(size, Image.Resampling.NEAREST)
    return np.array(alpha) == 0


def _encode(image: Image.Image, call: EditCall) -> bytes:
    buffer = io.BytesIO()
    quality = call.output_compression if call.output_compression is not None else 90
    if call.output_format == "jpeg":
        image.convert("RGB").save(buffer, "JPEG", quality=quality)
    elif call.output_format == "webp":
        image.save(buffer, "WEBP", quality=quality)
    else:
        image.save(buffer, "PNG", compress_level=1)  # fast: tests encode many of these
    return buffer.getvalue()


def usage_for(call: EditCall) -> dict[str, object]:
    """Plausible token counts: text ~ 4 characters a token, fixed cost per input image."""
    width, height = output_size(call)
    text_tokens = max(1, len(call.prompt) // 4)
    image_tokens = _TOKENS_PER_INPUT_IMAGE * len(call.images)
    output_tokens = round(_OUTPUT_TOKENS[call.quality] * width * height / (1024 * 1024)) * call.n
    return {
        "input_tokens": text_tokens + image_tokens,
        "output_tokens": output_tokens,
        "total_tokens": text_tokens + image_tokens + output_tokens,
        "input_tokens_details": {"text_tokens": text_tokens, "image_tokens": image_tokens},
    }
