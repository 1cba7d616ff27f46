"""Checking that a returned image really is one, without trusting its size or its bytes.

The bytes are kept exactly as received (they are what was paid for and what gets journalled);
Pillow only reads them to learn format, width and height, with its decompression-bomb guard on,
and every failure becomes a `MalformedResponse` with a sentence instead of a Pillow traceback.
"""

from __future__ import annotations

import binascii
import io

from PIL import Image, UnidentifiedImageError

from editor.backends.base import MalformedResponse, ResultImage

_CONTENT_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}
# The largest result accepted, in pixels: four times the biggest size any model makes (3840×2160).
# Checked against the image's header, before its pixels are decoded; it does not depend on
# Pillow's process-wide MAX_IMAGE_PIXELS, which another part of the program may change.
MAX_RESULT_PIXELS = 4 * 8_294_400


def image_from_base64(text: object, *, label: str, revised_prompt: str | None = None) -> ResultImage:
    if not isinstance(text, str) or not text:
        raise MalformedResponse(f"The provider's answer has no image data for {label}. Try again.")
    try:
        data = decode_base64(text)
    except (binascii.Error, ValueError):
        raise MalformedResponse(
            f"The provider sent {label} in a form that could not be decoded (broken base64). "
            "Try again; if it keeps happening, copy the details for support."
        ) from None
    return image_from_bytes(data, label=label, revised_prompt=revised_prompt)


# Characters decoded at a time (a multiple of 4): a piece takes about a millisecond.
_BASE64_PIECE = 1 << 18


def decode_base64(text: str) -> bytes:
    """`base64.b64decode(text, validate=True)` (strict), accepting and refusing what it does, but
    a piece at a time: b64decode holds the interpreter lock for a whole image (~10 ms for a few
    MB), and the GUI thread waits that long; between pieces the lock can change hands.

    Pieces start on 4-character boundaries, so each decodes as it would within the whole; the
    closing run of "=" goes with the last piece, and a "=" anywhere before it is refused, as the
    whole would refuse it (data after padding)."""
    body = text.rstrip("=")
    padding = text[len(body):]
    # At its full size from the start (zeroed pages, mapped when written): growing a buffer of
    # many MB as it fills may copy all of it, lock held. Exact for any text b64decode accepts.
    out = io.BytesIO(bytes(len(body) * 3 // 4))
    for start in range(0, max(len(body), 1), _BASE64_PIECE):
        piece = body[start:start + _BASE64_PIECE]
        if start + _BASE64_PIECE < len(body):
            if "=" in piece:
                raise binascii.Error("Excess data after padding")
        else:
            piece += padding
        out.write(binascii.a2b_base64(piece.encode("ascii"), strict_mode=True))
    return out.getvalue()[:out.tell()]


def image_from_bytes(data: bytes, *, label: str, revised_prompt: str | None = None) -> ResultImage:
    """A `ResultImage` for `data`, or `MalformedResponse` if it is not a whole, sane image."""
    try:
        with Image.open(io.BytesIO(data)) as img:
            image_format, (width, height) = img.format or "", img.size
            # Check the declared size before decoding, so a bomb never gets its pixels allocated.
            if width * height > MAX_RESULT_PIXELS:
                raise Image.DecompressionBombError(f"{width}x{height}")
            img.load()  # decoding the pixels is what catches truncated files
    except Image.DecompressionBombError:
        raise MalformedResponse(
            f"The provider sent {label} with an absurd pixel count; it was refused as unsafe."
        ) from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise MalformedResponse(
            f"The provider sent data for {label} that is not a readable image. "
            "Try again; if it keeps happening, copy the details for support."
        ) from None
    content_type = _CONTENT_TYPES.get(image_format, Image.MIME.get(image_format, "image/png"))
    return ResultImage(
        data=data, content_type=content_type, width=width, height=height,
        revised_prompt=revised_prompt,
    )
