"""Recognise files the edit API takes exactly as they are, without decoding their pixels.

Sending a file's own bytes avoids a decode and a re-encode (and spares the CLI importing numpy
and OpenCV at all). Only plain cases qualify: an 8-bit PNG, JPEG or WebP in an accepted mode,
with no EXIF rotation, no colour profile, a single frame, within the pixel limit, and a complete
container. Anything else returns None and goes through `load_image` + `encode_for_api`, which
normalise it and explain what is wrong with it.
"""

from __future__ import annotations

import io
import struct
from dataclasses import dataclass, field

from PIL import Image, UnidentifiedImageError

CONTENT_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}
_EXIF_ORIENTATION = 0x0112
_PROBE_ERRORS = (UnidentifiedImageError, OSError, SyntaxError, ValueError, struct.error, EOFError)


@dataclass(frozen=True)
class EncodedImage:
    """An image as it will be uploaded: the bytes, their content type and the pixel size."""

    data: bytes = field(repr=False)
    content_type: str
    width: int
    height: int


def pass_through(data: bytes, *, max_pixels: int, modes: tuple[str, ...] = ("RGB", "RGBA")
                 ) -> EncodedImage | None:
    """`data` as an upload if the API can take it unchanged, else None (decode it properly)."""
    try:
        with Image.open(io.BytesIO(data), formats=tuple(CONTENT_TYPES)) as image:
            if not _plain(image, data, modes, max_pixels):
                return None
            image_format, (width, height) = image.format, image.size
        if not _complete(image_format, data):
            return None
    except _PROBE_ERRORS:
        return None
    return EncodedImage(data, CONTENT_TYPES[image_format], width, height)


def _plain(image: Image.Image, data: bytes, modes: tuple[str, ...], max_pixels: int) -> bool:
    return (
        image.format in CONTENT_TYPES
        and image.mode in modes
        and image.width * image.height <= max_pixels
        and not image.info.get("icc_profile")
        and getattr(image, "n_frames", 1) == 1
        and _upright(image, data)
    )


def _upright(image: Image.Image, data: bytes) -> bool:
    if image.format == "PNG":
        # Pillow decodes a PNG to find a late eXIf chunk; any eXIf at all sends it the long way.
        return b"eXIf" not in data
    return image.getexif().get(_EXIF_ORIENTATION, 1) == 1


def _complete(image_format: str, data: bytes) -> bool:
    """Whether the container is whole: a truncated upload would only fail at the service."""
    if image_format == "PNG":
        with Image.open(io.BytesIO(data), formats=("PNG",)) as image:
            image.verify()  # walks every chunk and checks its CRC, without inflating the pixels
        return True
    if image_format == "JPEG":
        return data.rstrip(b"\0").endswith(b"\xff\xd9")  # the end-of-image marker
    riff_size = int.from_bytes(data[4:8], "little")  # WebP: RIFF length covers the whole file
    return riff_size + 8 in (len(data), len(data) - 1)
