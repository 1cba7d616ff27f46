"""Planning one edit: which part of the photo is sent (crop-to-mask), at which size, and the
request made from the encoded uploads. The window, the command line and batches all plan here.

The output size comes from the model's row of the capability table (editor.backends.models):
a standard bucket, or a free size only where the table knows the model's rules. A model it does
not know (a Custom provider's) is never asked for a size the user did not choose.
"""

from __future__ import annotations

import math

from editor.backends.base import EditRequest, ImagePart
from editor.backends.models import SIZE_PRESETS, STEADY_PIXELS, SizeRules, model_spec, parse_size
from editor.backends.providers import PROFILES
from editor.imaging.passthrough import EncodedImage
from editor.imaging.prepare import EditContext
from editor.imaging.upload import Uploads
from editor.pipeline.options import CONTEXTS as CONTEXT_MODES
from editor.pipeline.options import EditOptions, capabilities

STANDARD_BUCKETS = ((1024, 1024), (1536, 1024), (1024, 1536))
DEFAULT_PADDING = 0.32  # of the mask's box, on each side
MIN_PADDING_PX = 64
# Free sizes on Auto: the area's own pixels (no detail lost to scaling), at least those of the
# standard buckets and at most STEADY_PIXELS (above it the providers call sizes experimental).
CUSTOM_PIXELS = 1536 * 1024
# "auto" crops when the padded box is at most this share of the photo and the photo is larger
# than the model answers: then cropping sends more detail for less.
AUTO_MAX_SHARE = 0.5
MODEL_LONG_SIDE = 1536
# The offline backend ignores the prompt, but a request without one is invalid.
OFFLINE_PROMPT = "Remove what the mask covers."
# After a 413 (payload too large), the one retry sends the photo and references this small at most.
SMALLER_SIDE = 1536
SMALLER_REFERENCE_SIDE = 1024


def choose_size(width: int, height: int, *, rules: SizeRules | None = None,
                buckets: tuple[tuple[int, int], ...] = STANDARD_BUCKETS, preset: str = "auto"
                ) -> tuple[int, int]:
    """The API size for a width×height area: the standard bucket whose aspect is nearest (on a log
    scale, so 2:1 and 1:2 are equally far from 1:1), or, where the model takes free sizes under
    `rules`, the area's own aspect (clamped to the rules) at the pixels `preset` names: "crop" the
    area's own, "1k"/"2k"/"4k" about 1, 4 or 8.3 MP, "auto" the area's own within the standard
    buckets' pixels and STEADY_PIXELS."""
    if width <= 0 or height <= 0:
        raise ValueError(f"an area of {width}×{height} has no size")
    aspect = width / height
    if rules is None:
        return min(buckets, key=lambda b: abs(math.log(aspect / (b[0] / b[1]))))
    if preset in SIZE_PRESETS:
        pixels = SIZE_PRESETS[preset] or width * height
    else:
        pixels = min(max(width * height, CUSTOM_PIXELS), STEADY_PIXELS)
    return rules.fit(aspect, pixels)


def plan_context(photo_size: tuple[int, int], box: tuple[int, int, int, int] | None, *,
                 mode: str = "auto", padding: float = DEFAULT_PADDING, min_padding: int = MIN_PADDING_PX,
                 rules: SizeRules | None = None, requested: tuple[int, int] | None = None,
                 preset: str = "auto") -> EditContext:
    """Which part of a photo of `photo_size` to send for a mask whose box is `box` = (x0, y0, x1, y1).

    "whole" sends the photo; "mask" sends the box padded by `padding` of its size on each side (at
    least `min_padding` px), grown to the chosen size's aspect where the photo has room, so
    scaling it does not distort it; "auto" does that when the padded crop is at most half the photo
    and the photo is larger than the model's answer, else sends the whole photo. `requested` is a
    size the user chose (not auto): the crop takes its aspect; `preset` a size named after the
    area (see choose_size).
    """
    width, height = photo_size
    whole = EditContext((0, 0, width, height))
    if mode not in CONTEXT_MODES:
        raise ValueError(f"context must be one of {CONTEXT_MODES}, not {mode!r}")
    if mode == "whole" or box is None:
        return whole
    x0, y0, x1, y1 = box
    pad_x = max(round((x1 - x0) * padding), min_padding)
    pad_y = max(round((y1 - y0) * padding), min_padding)
    x0, y0 = max(0, x0 - pad_x), max(0, y0 - pad_y)
    x1, y1 = min(width, x1 + pad_x), min(height, y1 + pad_y)
    size = requested or choose_size(x1 - x0, y1 - y0, rules=rules, preset=preset)
    x0, x1 = _grow(x0, x1, round((y1 - y0) * size[0] / size[1]), width)
    y0, y1 = _grow(y0, y1, round((x1 - x0) * size[1] / size[0]), height)
    if mode == "auto":
        share = (x1 - x0) * (y1 - y0) / (width * height)
        if share > AUTO_MAX_SHARE or max(width, height) <= MODEL_LONG_SIDE:
            return whole
    return EditContext((x0, y0, x1 - x0, y1 - y0), size)


def _grow(start: int, end: int, want: int, limit: int) -> tuple[int, int]:
    """[start, end) grown evenly to `want` long where it is shorter, kept inside [0, limit)."""
    length = end - start
    if want <= length:
        return start, end
    want = min(want, limit)
    start = max(0, start - (want - length) // 2)
    end = start + want
    if end > limit:
        start, end = limit - want, limit
    return start, end


def plan_edit(photo_size: tuple[int, int], box: tuple[int, int, int, int] | None, options: EditOptions,
              *, padding: float = DEFAULT_PADDING) -> EditContext:
    """What a Generate with `options` sends of a photo of `photo_size` whose mask's box is `box`
    (x0, y0, x1, y1): the whole photo offline (inpainting works at full resolution), else the
    crop-to-mask plan at a size the model takes. The window's preview of the sent area asks here
    too, so what it shows is what is sent."""
    caps = capabilities(options.provider, options.model)
    if caps.offline:
        return EditContext((0, 0, *photo_size))
    spec = caps.spec
    requested = parse_size(options.size)
    if requested is not None and caps.size_problem(options.size) is not None:
        requested = None
    return plan_context(photo_size, box, mode=options.context, padding=padding,
                        rules=spec.size_rules if spec is not None else None, requested=requested,
                        preset=options.size)


def smaller_context(context: EditContext) -> EditContext:
    """After a 413, the same part of the photo at most SMALLER_SIDE px on its long side."""
    sent = context.size or context.crop[2:]
    scale = min(1.0, SMALLER_SIDE / max(sent))
    return EditContext(context.crop, (max(1, round(sent[0] * scale)), max(1, round(sent[1] * scale))))


def edit_request(uploads: Uploads, prompt: str, options: EditOptions,
                 context: EditContext | None = None) -> EditRequest:
    """The request for `uploads` with `options` (already `normalized`). A cropped `context` asks for
    the crop's planned size (the answer is placed back into the crop)."""
    images = [_part(uploads.photo, "image-1")]
    images += [_part(encoded, f"image-{index}") for index, (_, encoded) in enumerate(uploads.references, 2)]
    mask = None
    if uploads.mask is not None:
        mask = ImagePart(uploads.mask, "mask.png", "image/png", uploads.photo.width, uploads.photo.height)
    if capabilities(options.provider, options.model).offline:
        return EditRequest(images=tuple(images), prompt=prompt.strip() or OFFLINE_PROMPT, mask=mask,
                           output_format=options.output_format,
                           output_compression=options.output_compression)
    size = options.size
    if context is not None and context.cropped:
        size = f"{context.size[0]}x{context.size[1]}"
    elif size in SIZE_PRESETS and (rules := model_spec(options.model).size_rules) is not None:
        # The whole photo is sent: the preset is worked out from the photo's own shape.
        width, height = choose_size(uploads.photo.width, uploads.photo.height, rules=rules, preset=size)
        size = f"{width}x{height}"
    return EditRequest(
        images=tuple(images), prompt=prompt, mask=mask, model=options.model or _default_model(options),
        n=options.n, size=size, quality=options.quality, background=options.background,
        output_format=options.output_format, output_compression=options.output_compression,
        input_fidelity=options.input_fidelity, stream=options.stream,
        partial_images=options.partial_images, complexity=options.complexity, moderation=options.moderation,
    )


def _part(encoded: EncodedImage, stem: str) -> ImagePart:
    extension = encoded.content_type.split("/")[1].replace("jpeg", "jpg")
    return ImagePart(encoded.data, f"{stem}.{extension}", encoded.content_type, encoded.width, encoded.height)


def _default_model(options: EditOptions) -> str | None:
    profile = PROFILES.get(options.provider)
    return profile.default_model if profile else None


def check_options(prompt: str, options: EditOptions) -> None:
    """Raise InvalidRequest when `prompt` and `options` would fail every request, before any photo
    is read or anything sent (the command line's and batches' early check)."""
    probe = EncodedImage(b"", "image/png", 1, 1)
    edit_request(Uploads(probe), prompt, options).validate()
