"""What every edit backend takes, returns and raises.

The request, its parts and the results are frozen dataclasses so that a job snapshot can cross
threads and be journalled without anyone mutating it underneath. `EditRequest.validate()` runs
before a single byte is sent, so a bad option costs the user nothing.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal, Protocol, runtime_checkable

from PIL import Image, UnidentifiedImageError

# The error classes live in editor.backends.errors; they are re-exported here for every caller
# that imports them from base.
from editor.backends.errors import (
    AuthenticationFailed,
    BadRequest,
    ConnectionFailed,
    EditError,
    InvalidImage,
    InvalidRequest,
    MalformedResponse,
    ModelNotFound,
    PayloadTooLarge,
    PaymentRequired,
    PermissionDenied,
    QuotaExhausted,
    RateLimited,
    RequestTimedOut,
    ServerError,
    SpendLimitReached,
    StreamFailed,
)
from editor.backends.models import (
    COMPLEXITIES,
    FIDELITIES,
    MAX_PROMPT_CHARS,
    MODERATIONS,
    ModelSpec,
    model_spec,
    parse_size,
)

__all__ = [
    "API_CONTENT_TYPES", "FORMAT_CONTENT_TYPES", "MAX_IMAGES",
    "MAX_IMAGE_BYTES", "MAX_MASK_BYTES", "MAX_PROMPT_CHARS",
    "AuthenticationFailed", "BadRequest", "ConnectionFailed", "EditBackend", "EditError", "EditRequest",
    "EditResult", "ImagePart", "InvalidImage", "InvalidRequest", "MalformedResponse", "ModelNotFound",
    "PayloadTooLarge", "PaymentRequired", "PermissionDenied", "Progress", "ProgressCallback",
    "QuotaExhausted", "RateLimited", "RequestTimedOut", "ResultImage", "ServerError", "SpendLimitReached",
    "StreamFailed", "Usage",
]

# --- Limits and enums, from the OpenAPI spec of POST /images/edits -------------------------

MAX_IMAGES = 16
MAX_IMAGE_BYTES = 50 * 1024 * 1024
MAX_MASK_BYTES = 4 * 1024 * 1024
API_CONTENT_TYPES = ("image/png", "image/jpeg", "image/webp")
FORMAT_CONTENT_TYPES = {"png": "image/png", "jpeg": "image/jpeg", "webp": "image/webp"}


@dataclass(frozen=True)
class ImagePart:
    """One encoded image ready to upload: bytes in a format the API accepts, plus its size."""

    data: bytes = field(repr=False)
    filename: str
    content_type: str
    width: int
    height: int

    def __repr__(self) -> str:
        return (
            f"ImagePart({self.filename!r}, {self.content_type}, {self.width}x{self.height}, "
            f"{len(self.data)} bytes)"
        )


@dataclass(frozen=True)
class EditRequest:
    """Everything one edit sends. Unset (None) options are left out of the request entirely.

    `images[0]` is the image being edited; the rest are references. `mask` is a PNG with alpha
    whose fully transparent pixels mark the area to regenerate, sized like `images[0]`.
    """

    images: tuple[ImagePart, ...]
    prompt: str
    mask: ImagePart | None = None
    model: str | None = None
    n: int | None = None
    size: str | None = None
    quality: str | None = None
    background: str | None = None
    output_format: str | None = None
    output_compression: int | None = None
    input_fidelity: str | None = None
    stream: bool = False
    partial_images: int | None = None
    complexity: str | None = None
    moderation: str | None = None  # JSON bodies only: the multipart form has no such field
    user: str | None = None

    def validate(self) -> None:
        """Raise `InvalidRequest` with a message for a person when the request cannot succeed.

        The size and the fields are checked against the model's row of the capability table
        (editor.backends.models); a model it does not know may get any size the user typed in
        steps of 16, since only the user knows what their server takes."""
        problems = list(_request_problems(self))
        if problems:
            raise InvalidRequest(" ".join(problems))

    def form_fields(self) -> dict[str, str]:
        """The text fields, as strings, in the order the official SDK sends them; unset left out.
        `moderation` is not among them: only the JSON body carries it (see editor.backends.wire)."""
        values: dict[str, object | None] = {
            "prompt": self.prompt,
            "background": self.background,
            "complexity": self.complexity,
            "input_fidelity": self.input_fidelity,
            "model": self.model,
            "n": self.n,
            "output_compression": self.output_compression,
            "output_format": self.output_format,
            "partial_images": self.partial_images,
            "quality": self.quality,
            "size": self.size,
            "stream": "true" if self.stream else None,
            "user": self.user,
        }
        return {key: str(value) for key, value in values.items() if value is not None}

    @property
    def result_content_type(self) -> str:
        return FORMAT_CONTENT_TYPES[self.output_format or "png"]


def _request_problems(req: EditRequest):
    if not req.images:
        yield "Add at least one image to edit."
    elif len(req.images) > MAX_IMAGES:
        yield (
            f"{len(req.images)} images were given; the API takes at most {MAX_IMAGES} "
            "(the photo plus 15 references)."
        )
    for index, part in enumerate(req.images, start=1):
        if part.content_type not in API_CONTENT_TYPES:
            yield (
                f"Image {index} ({part.filename}) is {part.content_type}; "
                "convert it to PNG or JPEG."
            )
        if len(part.data) > MAX_IMAGE_BYTES:
            yield f"Image {index} ({part.filename}) is over the API's 50 MB limit per image."
    if not req.prompt.strip():
        yield "Write a prompt describing the edit."
    elif len(req.prompt) > MAX_PROMPT_CHARS:
        yield f"The prompt is {len(req.prompt)} characters; the limit is {MAX_PROMPT_CHARS}."
    if req.n is not None and not 1 <= req.n <= 10:
        yield f"The number of variants must be between 1 and 10, not {req.n}."
    spec = model_spec(req.model)
    yield from _size_problem(req.size, spec)
    yield from _enum_problem("quality", req.quality, spec.qualities, spec)
    yield from _enum_problem("background", req.background, spec.backgrounds, spec)
    yield from _enum_problem("output format", req.output_format, spec.output_formats, spec)
    if req.complexity is not None and spec.known and not spec.complexities:
        yield f"{spec.name} does not take a complexity; leave it out (only gpt-image-2.6 does)."
    else:
        yield from _enum_problem("complexity", req.complexity, spec.complexities or COMPLEXITIES, spec)
    yield from _enum_problem("moderation", req.moderation, MODERATIONS, spec)
    if req.input_fidelity is not None and spec.known and not spec.fidelities:
        yield f"{spec.name} does not take an input fidelity; leave it out."
    else:
        yield from _enum_problem("input fidelity", req.input_fidelity, spec.fidelities or FIDELITIES, spec)
    if req.output_compression is not None:
        if not 0 <= req.output_compression <= 100:
            yield f"Compression must be between 0 and 100, not {req.output_compression}."
        elif (req.output_format or "png") == "png":
            yield (
                "Compression applies only to JPEG or WebP output; "
                "choose one of those or leave it out."
            )
    if req.background == "transparent" and req.output_format == "jpeg":
        yield "A transparent background needs PNG or WebP output; JPEG has no transparency."
    if req.partial_images is not None:
        if not 0 <= req.partial_images <= 3:
            yield f"Partial images must be between 0 and 3, not {req.partial_images}."
        elif not req.stream:
            yield "Partial images need streaming turned on."
    if req.mask is not None and req.images:
        yield from _mask_problems(req.mask, req.images[0])


def _enum_problem(label: str, value: str | None, allowed: tuple[str, ...], spec: ModelSpec | None = None):
    if value is None or value in allowed:
        return
    takes = f"{spec.name} takes" if spec is not None and spec.known else "the API accepts"
    yield f"The {label} '{value}' is not one {takes} ({', '.join(allowed)})."


def _size_problem(size: str | None, spec: ModelSpec):
    if size is None or size in spec.sizes:
        return
    if spec.known:
        problem = spec.size_problem(size)
    else:
        dimensions = parse_size(size)
        if dimensions is not None and dimensions[0] % 16 == 0 == dimensions[1] % 16:
            return
        problem = f"the API accepts {', '.join(spec.sizes)}, or a width×height in steps of 16"
    if problem is not None:
        yield f"The size '{size}' does not work: {problem}."


def _mask_problems(mask: ImagePart, first: ImagePart):
    if mask.content_type != "image/png":
        yield "The mask must be a PNG with an alpha channel."
        return
    if len(mask.data) > MAX_MASK_BYTES:
        yield "The mask PNG is over the API's 4 MB limit."
    try:
        with Image.open(io.BytesIO(mask.data)) as img:
            if img.format != "PNG":
                yield "The mask must be a PNG with an alpha channel."
                return
            size = img.size
            lowest = _lowest_alpha(img, mask.data) if _has_alpha(img) else None
    except (UnidentifiedImageError, OSError, ValueError):
        yield "The mask file is not a readable PNG."
        return
    if size != (first.width, first.height):
        yield (
            f"The mask is {size[0]}×{size[1]} but the image is {first.width}×{first.height}; "
            "they must be the same size."
        )
    if lowest is None:
        yield "The mask has no alpha channel; the API reads the area to edit from transparency."
    elif lowest != 0:
        yield (
            "The mask has no fully transparent pixel, so there is nothing to edit. "
            "Paint an area first."
        )


# Above this, masks are decoded with OpenCV, which releases the interpreter lock while it inflates:
# validation runs in a worker thread and must not stall the GUI thread for tens of milliseconds.
_LARGE_MASK_PIXELS = 4_000_000


def _lowest_alpha(img: Image.Image, data: bytes) -> int | None:
    if img.mode in ("RGBA", "LA") and img.width * img.height >= _LARGE_MASK_PIXELS:
        import cv2  # only large masks need it; the CLI's usual masks never import OpenCV
        import numpy as np

        pixels = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
        if pixels is None or pixels.ndim != 3 or pixels.shape[2] not in (2, 4):
            raise ValueError("undecodable mask")
        return int(pixels[..., -1].min())
    rgba = img if img.mode == "RGBA" else img.convert("RGBA")
    return int(rgba.getchannel("A").getextrema()[0])


def _has_alpha(img: Image.Image) -> bool:
    return img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info)


# --- Results -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Usage:
    """Token usage as the service reported it; any field may be missing."""

    input_tokens: int | None = None
    output_tokens: int | None = None
    total_tokens: int | None = None
    input_text_tokens: int | None = None
    input_image_tokens: int | None = None

    @classmethod
    def from_json(cls, raw: object) -> Usage | None:
        if not isinstance(raw, Mapping):
            return None
        details = raw.get("input_tokens_details")
        details = details if isinstance(details, Mapping) else {}
        return cls(
            input_tokens=_int_or_none(raw.get("input_tokens")),
            output_tokens=_int_or_none(raw.get("output_tokens")),
            total_tokens=_int_or_none(raw.get("total_tokens")),
            input_text_tokens=_int_or_none(details.get("text_tokens")),
            input_image_tokens=_int_or_none(details.get("image_tokens")),
        )

    def as_dict(self) -> dict[str, int | None]:
        return {
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "total_tokens": self.total_tokens,
            "input_text_tokens": self.input_text_tokens,
            "input_image_tokens": self.input_image_tokens,
        }


def _int_or_none(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


@dataclass(frozen=True)
class ResultImage:
    """One returned image: the bytes exactly as received (never re-encoded) and what they are."""

    data: bytes = field(repr=False)
    content_type: str
    width: int
    height: int
    revised_prompt: str | None = None

    @property
    def extension(self) -> str:
        return {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp"}.get(
            self.content_type, "png"
        )


@dataclass(frozen=True)
class EditResult:
    """What one successful edit returned."""

    images: tuple[ResultImage, ...]
    usage: Usage | None = None
    request_id: str | None = None
    size: str | None = None
    quality: str | None = None
    background: str | None = None
    output_format: str | None = None
    created: int | None = None
    attempts: int = 1
    elapsed_s: float = 0.0


@dataclass(frozen=True)
class Progress:
    """A step of a running edit, for progress displays.

    kind: "sending" (request going out), "waiting" (uploaded, the model is working),
    "retrying" (a retryable failure; `wait_s` until the next attempt, `message` says why),
    "partial" (a streamed preview in `image`), "image" (one final image arrived, in `image`;
    `index` is its position in the EditResult.images that follows).
    """

    kind: Literal["sending", "waiting", "retrying", "partial", "image"]
    message: str = ""
    attempt: int = 1
    wait_s: float | None = None
    index: int | None = None
    image: ResultImage | None = None


ProgressCallback = Callable[[Progress], None]


@runtime_checkable
class EditBackend(Protocol):
    """Who performs an edit. `edit` is cancellable: cancelling the awaiting task stops it at once.

    `name` is the provider id ("requesty", "openai", "custom", "local"); `description` is one
    line for people (the offline backend says there that it ignores the prompt).
    """

    name: str
    description: str

    async def edit(
        self, request: EditRequest, on_progress: ProgressCallback | None = None
    ) -> EditResult: ...

    async def aclose(self) -> None: ...
