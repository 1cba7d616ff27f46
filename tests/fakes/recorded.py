"""What the fake edit server saw: each request as tests read it, and the strict multipart parser.

The parser is deliberately small and exact (bytes in, bytes out, no line-ending repair) so that a
test comparing an uploaded mask with what it painted compares the very bytes that were sent.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.message import Message


class MultipartError(ValueError):
    """The body is not well-formed multipart/form-data."""


@dataclass(frozen=True)
class FormPart:
    """One multipart part: a file part has a `filename` (and usually a `content_type`)."""

    name: str
    filename: str | None
    content_type: str | None
    data: bytes = field(repr=False)

    @property
    def is_file(self) -> bool:
        return self.filename is not None

    @property
    def text(self) -> str:
        return self.data.decode("utf-8")


@dataclass(frozen=True)
class RecordedRequest:
    """One request as received. `headers` has lower-case names; `parts` keeps the wire order."""

    method: str
    path: str
    headers: Mapping[str, str]
    parts: tuple[FormPart, ...] = ()
    json: object | None = None
    body_size: int = 0
    received_at: float = 0.0

    @property
    def fields(self) -> dict[str, str]:
        """Text fields by name (for a repeated name, the last one)."""
        return {part.name: part.text for part in self.parts if not part.is_file}

    @property
    def files(self) -> tuple[FormPart, ...]:
        return tuple(part for part in self.parts if part.is_file)

    @property
    def part_names(self) -> tuple[str, ...]:
        return tuple(part.name for part in self.parts)

    def files_named(self, name: str) -> list[FormPart]:
        return [part for part in self.files if part.name == name]

    @property
    def image_bytes(self) -> list[bytes]:
        """The uploaded images, from multipart parts or JSON data URLs alike."""
        if isinstance(self.json, Mapping):
            images = self.json.get("images")
            return [decode_data_url(item.get("image_url", "")) for item in images or []
                    if isinstance(item, Mapping)]
        return [part.data for part in self.files if part.name in ("image", "image[]")]

    @property
    def mask_bytes(self) -> bytes | None:
        if isinstance(self.json, Mapping):
            mask = self.json.get("mask")
            return decode_data_url(mask.get("image_url", "")) if isinstance(mask, Mapping) else None
        masks = self.files_named("mask")
        return masks[0].data if masks else None


def decode_data_url(url: object) -> bytes:
    """The bytes of a `data:<type>;base64,<data>` URL; `ValueError` if it is not one."""
    if not isinstance(url, str) or not url.startswith("data:") or ";base64," not in url:
        raise ValueError("not a base64 data URL")
    try:
        return base64.b64decode(url.partition(";base64,")[2], validate=True)
    except binascii.Error as exc:
        raise ValueError("broken base64 in a data URL") from exc


def data_url_type(url: str) -> str:
    return url[len("data:"):].partition(";")[0]


def header_param(value: str, header: str, param: str) -> str | None:
    message = Message()
    message[header] = value
    found = message.get_param(param, header=header)
    return found if isinstance(found, str) else None


def parse_multipart(body: bytes, content_type: str) -> tuple[FormPart, ...]:
    """Split a multipart/form-data body into parts, refusing anything malformed."""
    boundary = header_param(content_type, "content-type", "boundary")
    if not content_type.lower().startswith("multipart/form-data") or not boundary:
        raise MultipartError("expected multipart/form-data with a boundary")
    delimiter = b"\r\n--" + boundary.encode("latin-1")
    sections = (b"\r\n" + body).split(delimiter)
    if sections[0] != b"" or len(sections) < 2 or not sections[-1].startswith(b"--"):
        raise MultipartError("the body does not start and end with the boundary")
    return tuple(_parse_part(section) for section in sections[1:-1])


def _parse_part(section: bytes) -> FormPart:
    if not section.startswith(b"\r\n"):
        raise MultipartError("a boundary is not followed by a line break")
    head, sep, data = section[2:].partition(b"\r\n\r\n")
    if not sep:
        raise MultipartError("a part has no blank line after its headers")
    headers: dict[str, str] = {}
    for line in head.decode("utf-8").split("\r\n"):
        name, colon, value = line.partition(":")
        if not colon:
            raise MultipartError(f"malformed part header {line!r}")
        headers[name.strip().lower()] = value.strip()
    disposition = headers.get("content-disposition", "")
    name = header_param(disposition, "content-disposition", "name")
    if not disposition.lower().startswith("form-data") or name is None:
        raise MultipartError("a part has no form-data name")
    filename = header_param(disposition, "content-disposition", "filename")
    return FormPart(name=name, filename=filename, content_type=headers.get("content-type"), data=data)
