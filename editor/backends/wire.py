"""How an `EditRequest` is written onto the wire: the multipart form the official SDKs send, or JSON.

Multipart follows the SDKs exactly: one image goes in a part named `image`, several in repeated
`image[]` parts (a repeated plain `image` is refused by the API), every file part has a filename
and its image content type, and httpx writes the boundary. The JSON form carries data URLs.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from editor import __version__
from editor.backends.base import EditRequest, ImagePart, InvalidRequest

USER_AGENT = f"maskedit/{__version__}"

# The API refuses longer `image_url` strings (about 15 MB of image once base64-encoded).
MAX_DATA_URL_CHARS = 20_971_520

# JSON types of the text fields; everything not listed here is a string.
_INTEGER_FIELDS = frozenset({"n", "output_compression", "partial_images"})
_EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp"}

BodyKind = Literal["multipart", "json"]
MODERATION_NEEDS_JSON = ("Moderation can only be set in a JSON request body: choose the JSON body for this "
                         "provider (Settings, or --body json) or leave moderation at its default.")
FilePart = tuple[str, tuple[str, bytes, str]]


@dataclass(frozen=True)
class EncodedBody:
    """A request body ready for httpx: multipart `fields` + `files`, or a `json` document.

    Built once per edit and reused by every retry. Each attempt gets fresh file objects over the
    same bytes: httpx then streams them in 64 KB chunks instead of handing the event loop one
    write of the whole photo (tens of MB copied at once on the GUI thread).
    """

    kind: BodyKind
    fields: Mapping[str, str] = field(default_factory=dict)
    files: tuple[FilePart, ...] = field(default=(), repr=False)
    json: Mapping[str, object] | None = field(default=None, repr=False)

    @property
    def size(self) -> int:
        """About how many bytes the body is (its images dominate)."""
        if self.kind == "json":
            images = [*(self.json or {}).get("images", ()), (self.json or {}).get("mask") or {}]
            return sum(len(str(item.get("image_url", ""))) for item in images if isinstance(item, Mapping))
        return sum(len(data) for _, (_, data, _) in self.files) + sum(map(len, self.fields.values()))

    def httpx_arguments(self) -> dict[str, object]:
        if self.kind == "json":
            return {"json": self.json}
        files = [(name, (filename, io.BytesIO(data), content_type))
                 for name, (filename, data, content_type) in self.files]
        return {"data": dict(self.fields), "files": files}


def encode_body(request: EditRequest, kind: BodyKind) -> EncodedBody:
    """The body for `request` in the chosen form; raises `InvalidRequest` if it cannot be sent."""
    if kind == "json":
        return EncodedBody(kind="json", json=json_document(request))
    if request.moderation is not None:
        raise InvalidRequest(MODERATION_NEEDS_JSON)
    return EncodedBody(kind="multipart", fields=request.form_fields(), files=multipart_files(request))


def body_kind(mode: str, request: EditRequest) -> BodyKind:
    """The body kind `mode` gives for `request` (files mode is JSON, with file IDs)."""
    if mode == "auto":
        return "json" if request.moderation is not None else "multipart"
    return "multipart" if mode == "multipart" else "json"


def multipart_files(request: EditRequest) -> tuple[FilePart, ...]:
    """File parts in SDK order: the image(s), then the mask."""
    image_name = "image" if len(request.images) == 1 else "image[]"
    parts = [
        (image_name, (_filename(part, f"image-{index}"), part.data, part.content_type))
        for index, part in enumerate(request.images, start=1)
    ]
    if request.mask is not None:
        parts.append(("mask", (_filename(request.mask, "mask"), request.mask.data, "image/png")))
    return tuple(parts)


def json_document(request: EditRequest, file_ids: list[str] | None = None) -> dict[str, object]:
    """The JSON body: set fields with their JSON types, images and mask as data URLs, or, given
    `file_ids` (one per image, then the mask's), as uploaded files."""
    document: dict[str, object] = {}
    for name, text in request.form_fields().items():
        if name == "stream":
            document[name] = True
        elif name in _INTEGER_FIELDS:
            document[name] = int(text)
        else:
            document[name] = text
    if request.moderation is not None:
        document["moderation"] = request.moderation
    if file_ids is not None:
        document["images"] = [{"file_id": file_id} for file_id in file_ids[:len(request.images)]]
        if request.mask is not None:
            document["mask"] = {"file_id": file_ids[len(request.images)]}
        return document
    document["images"] = [
        {"image_url": data_url(part, label=f"Image {index}")}
        for index, part in enumerate(request.images, start=1)
    ]
    if request.mask is not None:
        document["mask"] = {"image_url": data_url(request.mask, label="The mask")}
    return document


def data_url(part: ImagePart, *, label: str) -> str:
    url = f"data:{part.content_type};base64,{base64.b64encode(part.data).decode('ascii')}"
    if len(url) > MAX_DATA_URL_CHARS:
        raise InvalidRequest(
            f"{label} ({part.filename}) is too large to send as JSON: the API takes at most about "
            "15 MB per image in that form. Use a smaller image or switch the provider to multipart."
        )
    return url


def _filename(part: ImagePart, stem: str) -> str:
    # The API reads the type from the part's content type, but refuses file parts without a name.
    return part.filename or f"{stem}.{_EXTENSIONS.get(part.content_type, 'png')}"
