"""The photo as Qt sees it: PIL → QImage in the format QPainter draws fastest, and back to numpy."""

from __future__ import annotations

import logging

import numpy as np
from PIL import Image
from PySide6.QtGui import QImage

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
