"""The photo as Qt sees it: PIL → QImage in the format QPainter draws fastest, and back to numpy."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image
from PySide6.QtGui import QImage

from editor.imaging.load import ImageLoadError, load_image

log = logging.getLogger(__name__)

# Format_RGB32 / ARGB32_Premultiplied are the raster engine's native formats: opaque RGB32 blits
# and scales faster than RGB888 or RGBX8888 (which are converted span by span while drawing).
_RGB_FORMAT = QImage.Format.Format_RGB32
_RGBA_FORMAT = QImage.Format.Format_ARGB32_Premultiplied


def qimage_from_pil(image: Image.Image) -> QImage:
    """Convert a PIL image to a QImage (RGB32, or premultiplied ARGB32 if it has alpha).

    Pillow's raw encoder writes the Qt byte order straight from Pillow's storage in one pass, into
    one bytes object that the QImage wraps (PySide keeps it referenced for the QImage's lifetime).
    """
    if image.mode not in ("RGB", "RGBA"):
        image = image.convert("RGBA" if "A" in image.getbands() or "transparency" in image.info else "RGB")
    if image.mode == "RGBA":
        # Qt premultiplies ARGB32 on conversion; Pillow's "BGRa" raw mode packs premultiplied BGRA.
        pixels, fmt = _raw_bytes(image, "BGRa"), _RGBA_FORMAT
    else:
        pixels, fmt = _raw_bytes(image, "BGRX"), _RGB_FORMAT
    width, height = image.size
    return QImage(pixels, width, height, width * 4, fmt)


def _raw_bytes(image: Image.Image, rawmode: str) -> bytes:
    """image.tobytes("raw", rawmode) in a single buffer.

    tobytes() encodes in 64 KB chunks and joins them: a second full-size copy that costs as much
    as the packing itself on a 64 MP photo. Asking the encoder for everything at once avoids it.
    """
    image.load()
    width, height = image.size
    if width == 0 or height == 0:
        return b""
    encoder = Image._getencoder(image.mode, "raw", (rawmode,))
    try:
        encoder.setimage(image.im, (0, 0, width, height))
        _, status, pixels = encoder.encode(width * height * 4)
    finally:
        encoder.cleanup()
    if status <= 0:
        log.debug("single-buffer raw encode fell back to tobytes (status %s)", status)
        return image.tobytes("raw", rawmode)
    return pixels


def pixel_array(photo: QImage) -> np.ndarray:
    """A (h, w, 3) uint8 copy of the photo's colour channels (BGR order for RGB32; alpha dropped).

    For colour-distance work (bucket fill) where channel order does not matter.
    """
    if photo.format() not in (_RGB_FORMAT, _RGBA_FORMAT, QImage.Format.Format_ARGB32):
        photo = photo.convertToFormat(_RGB_FORMAT)
    width, height = photo.width(), photo.height()
    raw = np.frombuffer(photo.constBits(), np.uint8, count=photo.bytesPerLine() * height)
    rows = raw.reshape(height, photo.bytesPerLine())[:, : width * 4].reshape(height, width, 4)
    return np.ascontiguousarray(rows[:, :, :3])


@dataclass(frozen=True)
class DecodedPhoto:
    """A decoded photo, and its file's bytes when the pixels are exactly that file (so Generate
    can upload the file as it is instead of re-encoding it)."""

    image: QImage
    original: bytes | None = None


def decode_photo(source: Path | bytes, max_pixels: int, name: str | None = None) -> DecodedPhoto:
    """File or encoded bytes → QImage ready for the canvas. Runs on a worker thread."""
    loaded = load_image(source, max_pixels=max_pixels, name=name)
    original = None
    if isinstance(source, bytes) and not loaded.changed_on_load:
        original = source
    elif isinstance(source, Path) and not loaded.changed_on_load:
        try:
            original = source.read_bytes()
        except OSError:
            original = None  # decoded already; the upload re-encodes the pixels instead
    return DecodedPhoto(qimage_from_pil(loaded.image), original)


def normalise_pasted(image: QImage, max_pixels: int) -> DecodedPhoto:
    """A clipboard QImage in the format the canvas draws fastest. Runs on a worker thread."""
    if image.width() * image.height() > max_pixels:
        raise ImageLoadError(
            f"The pasted image is {image.width()} × {image.height()} px; the limit is "
            f"{max_pixels / 1e6:.0f} MP. Raise it in Settings or paste a smaller image."
        )
    opaque = not image.hasAlphaChannel()
    return DecodedPhoto(image.convertToFormat(_RGB_FORMAT if opaque else _RGBA_FORMAT))
