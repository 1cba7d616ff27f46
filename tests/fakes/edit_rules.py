"""The checks the real `/images/edits` applies, with the answers it gives, for the fake server.

A request is reduced to an `EditCall` (what to produce) or refused with an `ApiError` carrying
the status and an OpenAI-shaped error. Messages follow the wording the service uses, so client
code that shows or parses them meets what it will meet in production.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError

from tests.fakes.model_rules import ModelRules, rules_for
from tests.fakes.recorded import FormPart, RecordedRequest, data_url_type, decode_data_url

TEXT_FIELDS = ("prompt", "model", "n", "size", "quality", "background", "output_format",
               "output_compression", "input_fidelity", "stream", "partial_images", "user", "complexity")
FILE_FIELDS = ("image", "image[]", "mask")
JSON_FIELDS = (*TEXT_FIELDS, "images", "mask", "moderation")
IMAGE_TYPES = ("image/png", "image/jpeg", "image/webp")
SIZES = ("1024x1024", "1024x1536", "1536x1024", "auto")
ENUMS = {
    "quality": ("low", "medium", "high", "auto", "xhigh", "max"),
    "complexity": ("low", "medium", "high"),
    "background": ("transparent", "opaque", "auto"),
    # gpt-image-2.6 also makes gif and svg (MODELS.md), which this fake cannot draw: it refuses them.
    "output_format": ("png", "jpeg", "webp"),
    "input_fidelity": ("high", "low"),
    "moderation": ("low", "auto"),
}
RANGES = {"n": (1, 10), "output_compression": (0, 100), "partial_images": (0, 3)}
MAX_IMAGES = 16
MAX_PROMPT = 32_000
MAX_MASK_BYTES = 4 * 1024 * 1024
MAX_DATA_URL = 20_971_520
_PILLOW_FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}


class ApiError(Exception):
    """A refusal, as the service words it."""

    def __init__(self, status: int, message: str, *, param: str | None = None, code: str | None = None,
                 error_type: str = "invalid_request_error") -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.param = param
        self.code = code
        self.error_type = error_type

    def body(self) -> dict[str, object]:
        return {"error": {"message": self.message, "type": self.error_type, "param": self.param,
                          "code": self.code}}


@dataclass(frozen=True)
class EditCall:
    """What a valid edit asks for, with the service's defaults filled in."""

    prompt: str
    images: tuple[bytes, ...]
    mask: bytes | None
    model: str | None
    n: int
    size: str
    quality: str
    background: str
    output_format: str
    output_compression: int | None
    stream: bool
    partial_images: int


Uploaded = Callable[[str], "tuple[bytes, str] | None"]  # file id → (bytes, content type) or None


def check_edit(request: RecordedRequest, uploaded: Uploaded | None = None) -> EditCall:
    """The `EditCall` for a recorded edit request, or `ApiError` for the first rule it breaks.
    `uploaded` looks up the Files API's files for JSON image references by `file_id`."""
    if request.json is not None:
        values, images, mask = _from_json(request.json, uploaded or (lambda _file_id: None))
    else:
        values, images, mask = _from_multipart(request.parts)
    return _check_values(values, images, mask)


# --- Multipart ----------------------------------------------------------------------------------


def _from_multipart(parts: tuple[FormPart, ...]) -> tuple[dict[str, object], list[bytes], bytes | None]:
    seen: set[str] = set()
    for part in parts:
        if part.name not in TEXT_FIELDS and part.name not in FILE_FIELDS:
            raise ApiError(400, f"Unknown parameter: '{part.name}'.", param=part.name,
                           code="unknown_parameter")
        if part.name != "image[]" and part.name in seen:
            raise _duplicate(part.name)
        seen.add(part.name)
    if "image" in seen and "image[]" in seen:
        raise ApiError(400, "You provided both 'image' and 'image[]'. Send one image as 'image' or several "
                       "as 'image[]', not both.", param="image", code="invalid_value")
    images, mask = [], None
    values: dict[str, object] = {}
    for part in parts:
        if part.name in FILE_FIELDS:
            _check_file_part(part)
            if part.name == "mask":
                mask = part.data
            else:
                images.append(part.data)
        else:
            values[part.name] = part.text
    return values, images, mask


def _duplicate(name: str) -> ApiError:
    return ApiError(
        400, f"Duplicate parameter: '{name}'. You provided multiple values for this parameter, whereas "
        "only one is allowed. If you are trying to provide a list of values, use the array syntax "
        f"instead e.g. '{name}[]=<value>'.", param=name, code="duplicate_parameter")


def _check_file_part(part: FormPart) -> None:
    content_type = (part.content_type or "").split(";")[0].strip().lower()
    if not part.filename or content_type not in IMAGE_TYPES:
        raise _unsupported(part.name, content_type or "application/octet-stream")


def _unsupported(name: str, content_type: str) -> ApiError:
    return ApiError(400, f"Invalid file '{name}': unsupported mimetype ('{content_type}'). Supported file "
                    "formats are 'image/jpeg', 'image/png', and 'image/webp'.",
                    param=name, code="unsupported_file_mimetype")


# --- JSON ---------------------------------------------------------------------------------------


def _from_json(document: object, uploaded: Uploaded) -> tuple[dict[str, object], list[bytes], bytes | None]:
    if not isinstance(document, Mapping):
        raise ApiError(400, "The request body must be a JSON object.", code="invalid_json")
    for name in document:
        if name not in JSON_FIELDS:
            raise ApiError(400, f"Unknown parameter: '{name}'.", param=name, code="unknown_parameter")
    values = {k: v for k, v in document.items() if k not in ("images", "mask") and v is not None}
    for name in ("n", "output_compression", "partial_images"):
        if name in values and (not isinstance(values[name], int) or isinstance(values[name], bool)):
            raise _invalid_type(name, "an integer", values[name])
    if "stream" in values and not isinstance(values["stream"], bool):
        raise _invalid_type("stream", "a boolean", values["stream"])
    for name, value in values.items():
        if name not in RANGES and name != "stream" and not isinstance(value, str):
            raise _invalid_type(name, "a string", value)
    raw_images = document.get("images")
    if not isinstance(raw_images, list):
        raise ApiError(400, "Missing required parameter: 'images'.", param="images",
                       code="missing_required_parameter")
    images = [_json_image(item, f"images[{index}]", uploaded) for index, item in enumerate(raw_images)]
    mask = _json_image(document["mask"], "mask", uploaded) if document.get("mask") is not None else None
    return values, images, mask


def _invalid_type(name: str, expected: str, value: object) -> ApiError:
    return ApiError(400, f"Invalid type for '{name}': expected {expected}, but got {type(value).__name__}.",
                    param=name, code="invalid_type")


def _json_image(item: object, param: str, uploaded: Uploaded) -> bytes:
    keys = set(item) if isinstance(item, Mapping) else set()
    if keys not in ({"image_url"}, {"file_id"}):
        raise ApiError(400, f"Invalid '{param}': provide exactly one of 'image_url' or 'file_id'.",
                       param=param, code="invalid_value")
    if "file_id" in keys:
        file_id = item["file_id"]
        found = uploaded(file_id) if isinstance(file_id, str) else None
        if found is None:  # unknown, deleted or expired (the exact wording is unconfirmed)
            raise ApiError(404, f"No such File object: {file_id}", param=f"{param}.file_id")
        data, content_type = found
        if content_type not in IMAGE_TYPES:
            raise _unsupported(param, content_type)
        return data
    url = item["image_url"]
    if not isinstance(url, str):
        raise ApiError(400, f"Invalid '{param}.image_url': expected a string.", param=param,
                       code="invalid_type")
    if len(url) > MAX_DATA_URL:
        raise ApiError(400, f"Invalid '{param}.image_url': string too long. Expected a string with maximum "
                       f"length {MAX_DATA_URL}, but got a string with length {len(url)} instead.",
                       param=param, code="string_above_max_length")
    try:
        data = decode_data_url(url)
    except ValueError:
        raise ApiError(400, f"Invalid '{param}.image_url': expected a base64-encoded data URL.",
                       param=param, code="invalid_image_url") from None
    if data_url_type(url) not in IMAGE_TYPES:
        raise _unsupported(param, data_url_type(url))
    return data


# --- The Files API ------------------------------------------------------------------------------

FILE_PURPOSES = ("assistants", "batch", "fine-tune", "vision", "user_data", "evals")
EXPIRY_SECONDS = (3600, 2_592_000)


def check_upload(request: RecordedRequest) -> tuple[FormPart, str, int | None]:
    """The file, purpose and lifetime of a `POST /files`, or `ApiError` as the service words it."""
    files = [part for part in request.parts if part.name == "file" and part.is_file]
    if not files:
        raise ApiError(400, "Missing required parameter: 'file'.", param="file",
                       code="missing_required_parameter")
    fields = request.fields
    purpose = fields.get("purpose")
    if purpose is None:
        raise ApiError(400, "Missing required parameter: 'purpose'.", param="purpose",
                       code="missing_required_parameter")
    _check_enum_values("purpose", purpose, FILE_PURPOSES)
    anchor, seconds = fields.get("expires_after[anchor]"), fields.get("expires_after[seconds]")
    if anchor is None and seconds is None:
        return files[0], purpose, None
    if anchor != "created_at":
        raise ApiError(400, f"Invalid value: '{anchor}'. Supported values are: 'created_at'.",
                       param="expires_after.anchor", code="invalid_value")
    low, high = EXPIRY_SECONDS
    if seconds is None or not seconds.isdigit() or not low <= int(seconds) <= high:
        raise ApiError(400, f"Invalid 'expires_after.seconds': expected an integer between {low} and {high}, "
                       f"but got {seconds!r} instead.", param="expires_after.seconds", code="invalid_value")
    return files[0], purpose, int(seconds)


# --- Shared rules -------------------------------------------------------------------------------


def _check_values(values: dict[str, object], images: list[bytes], mask: bytes | None) -> EditCall:
    prompt = values.get("prompt")
    if not isinstance(prompt, str) or not prompt:
        raise ApiError(400, "Missing required parameter: 'prompt'.", param="prompt",
                       code="missing_required_parameter")
    if len(prompt) > MAX_PROMPT:
        raise ApiError(400, f"Invalid 'prompt': string too long. Expected a string with maximum length "
                       f"{MAX_PROMPT}, but got a string with length {len(prompt)} instead.",
                       param="prompt", code="string_above_max_length")
    if not images:
        raise ApiError(400, "Missing required parameter: 'image'.", param="image",
                       code="missing_required_parameter")
    if len(images) > MAX_IMAGES:
        raise ApiError(400, f"Invalid 'image': too many images ({len(images)}); at most {MAX_IMAGES}.",
                       param="image", code="array_above_max_length")
    first_size = None
    for index, data in enumerate(images):
        size = _image_size(data, "image" if len(images) == 1 else f"image[{index}]")
        first_size = first_size or size
    numbers = {name: _number(values, name) for name in RANGES}
    for name in ENUMS:
        _check_enum(name, values.get(name))
    model = values.get("model")
    rules = rules_for(model if isinstance(model, str) else None)
    if rules is not None:
        _check_model(str(model), rules, values, mask is not None)
    size = _check_size(values.get("size"), model if isinstance(model, str) else None)
    stream = values.get("stream") in (True, "true", "True", "1")
    if values.get("stream") not in (None, True, False, "true", "false", "True", "False", "1", "0"):
        raise ApiError(400, f"Invalid value for 'stream': expected a boolean, got '{values['stream']}'.",
                       param="stream", code="invalid_type")
    output_format = str(values.get("output_format") or "png")
    background = str(values.get("background") or "auto")
    if background == "transparent" and output_format == "jpeg":
        raise ApiError(400, "Transparent background is not supported for the jpeg output format; use png "
                       "or webp.", param="background", code="invalid_value")
    if mask is not None:
        _check_mask(mask, first_size)
    return EditCall(
        prompt=prompt, images=tuple(images), mask=mask, model=model if isinstance(model, str) else None,
        n=numbers["n"] or 1, size=size, quality=str(values.get("quality") or "auto"),
        background=background, output_format=output_format,
        output_compression=numbers["output_compression"], stream=stream,
        partial_images=numbers["partial_images"] or 0)


def _check_model(model: str, rules: ModelRules, values: Mapping[str, object], masked: bool) -> None:
    """The strict per-model rules: a field the model does not take, or a value it does not know."""
    for name, allowed in (("quality", rules.qualities), ("output_format", rules.output_formats),
                          ("input_fidelity", rules.fidelities), ("complexity", rules.complexities)):
        value = values.get(name)
        if value is None:
            continue
        if not allowed:
            raise ApiError(400, f"Unsupported parameter: '{name}' is not supported with the model '{model}'.",
                           param=name, code="unsupported_parameter")
        if value not in allowed:
            listed = ", ".join(f"'{item}'" for item in allowed[:-1]) + f", and '{allowed[-1]}'"
            if len(allowed) == 1:
                listed = f"'{allowed[0]}'"
            raise ApiError(400, f"Invalid value: '{value}'. Supported values for the model '{model}' are: "
                           f"{listed}.", param=name, code="invalid_value")
    if values.get("background") == "transparent" and not rules.transparent:
        raise ApiError(400, f"Transparent background is not supported with the model '{model}'.",
                       param="background", code="invalid_value")
    if values.get("output_format") == "gif" and masked:
        raise ApiError(400, "GIF output does not support masks.", param="mask", code="invalid_value")


def _number(values: Mapping[str, object], name: str) -> int | None:
    raw = values.get(name)
    if raw is None:
        return None
    try:
        value = int(raw)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        raise ApiError(400, f"Invalid type for '{name}': expected an integer, but got a string instead.",
                       param=name, code="invalid_type") from None
    low, high = RANGES[name]
    if value < low:
        raise ApiError(400, f"Invalid '{name}': integer below minimum value. Expected a value >= {low}, but "
                       f"got {value} instead.", param=name, code="integer_below_min_value")
    if value > high:
        raise ApiError(400, f"Invalid '{name}': integer above maximum value. Expected a value <= {high}, but "
                       f"got {value} instead.", param=name, code="integer_above_max_value")
    return value


def _check_enum(name: str, value: object) -> None:
    _check_enum_values(name, value, ENUMS[name])


def _check_enum_values(name: str, value: object, allowed: tuple[str, ...]) -> None:
    if value is not None and value not in allowed:
        listed = ", ".join(f"'{item}'" for item in allowed[:-1]) + f", and '{allowed[-1]}'"
        raise ApiError(400, f"Invalid value: '{value}'. Supported values are: {listed}.", param=name,
                       code="invalid_value")


def _takes_free_sizes(model: str | None) -> bool:
    rules = rules_for(model)
    return rules is not None and rules.free_sizes


def _check_size(value: object, model: str | None) -> str:
    if value is None or value in SIZES:
        return str(value or "auto")
    width, sep, height = str(value).partition("x")
    if _takes_free_sizes(model) and sep and width.isdigit() and height.isdigit():
        w, h = int(width), int(height)
        problem = None
        if w % 16 or h % 16:
            problem = "Both dimensions must be multiples of 16."
        elif max(w, h) > 3840:
            problem = "The longest edge must be at most 3840 pixels."
        elif max(w, h) > 3 * min(w, h):
            problem = "The aspect ratio must be at most 3:1."
        elif not 655_360 <= w * h <= 8_294_400:
            problem = "The total number of pixels must be between 655360 and 8294400."
        if problem is None:
            return str(value)
        raise ApiError(400, f"Invalid size '{value}'. {problem}", param="size", code="invalid_value")
    raise ApiError(400, f"Invalid value: '{value}'. Supported values are: '1024x1024', '1024x1536', "
                   "'1536x1024', and 'auto'.", param="size", code="invalid_value")


def _image_size(data: bytes, param: str) -> tuple[int, int]:
    try:
        with Image.open(io.BytesIO(data)) as img:
            image_format, size = img.format, img.size
    except (UnidentifiedImageError, OSError, ValueError):
        raise ApiError(400, f"Invalid image file or mode for '{param}', please check your image file.",
                       param=param, code="invalid_image") from None
    if image_format not in _PILLOW_FORMATS:
        raise _unsupported(param, Image.MIME.get(image_format or "", "application/octet-stream"))
    return size


def _check_mask(mask: bytes, image_size: tuple[int, int] | None) -> None:
    if len(mask) >= MAX_MASK_BYTES:
        raise ApiError(400, "Invalid file 'mask': the mask must be a PNG smaller than 4 MB.", param="mask",
                       code="invalid_image")
    try:
        with Image.open(io.BytesIO(mask)) as img:
            image_format, mode, size = img.format, img.mode, img.size
            has_alpha = mode in ("RGBA", "LA", "PA") or "transparency" in img.info
    except (UnidentifiedImageError, OSError, ValueError):
        raise ApiError(400, "Invalid image file or mode for 'mask', please check your image file.",
                       param="mask", code="invalid_image") from None
    if image_format != "PNG":
        raise ApiError(400, "Invalid file 'mask': the mask must be a PNG image.", param="mask",
                       code="invalid_image_format")
    if not has_alpha:
        raise ApiError(400, f"Invalid input image - format must be in ['RGBA', 'LA', 'L'], got {mode}.",
                       param="mask", code="invalid_image_format")
    if size != image_size:
        raise ApiError(400, "Invalid mask image format - mask size does not match image size",
                       param="mask", code="invalid_image_format")
