"""The amplified difference between an original photo and a variant, as an image (no widgets).

Runs in a worker thread on photos of up to ~60 megapixels, so it works in bands of rows: the
temporaries stay a few megabytes and the result is written straight into the QImage it returns.
"""

from __future__ import annotations

import cv2
import numpy as np
from PySide6.QtGui import QImage

# Rows per band: 1024 rows of an 8000 px wide photo are ~32 MB of temporaries.
_BAND_ROWS = 1024
# Formats whose pixels are read as they are: both keep B, G, R, A bytes (alpha last) and compare
# like for like, since an opaque premultiplied pixel has the same bytes as an RGB32 one.
_NATIVE = (QImage.Format.Format_RGB32, QImage.Format.Format_ARGB32_Premultiplied)


def difference_image(original: QImage, variant: QImage, gain: float = 4.0) -> QImage:
    """Where and how much the variant differs from the original, as grayscale (Format_RGB32).

    Each pixel is the largest per-channel absolute difference, times `gain`, clipped to 255.
    Grayscale rather than a heat map because it reads as a plain magnitude: identical pixels are
    pure black, and a change is as bright as it is strong whatever its hue. The returned image
    owns its pixels, so it outlives the inputs and may be handed from a worker thread.
    """
    if original.size() != variant.size():
        raise ValueError(f"the original is {original.width()}×{original.height()} but the variant is "
                         f"{variant.width()}×{variant.height()}")
    if gain <= 0:
        raise ValueError(f"gain must be positive, got {gain}")
    original, before = _pixels(original)
    variant, after = _pixels(variant)
    width, height = original.width(), original.height()
    result = QImage(width, height, QImage.Format.Format_RGB32)
    if result.isNull():
        raise MemoryError(f"no memory for a {width}×{height} difference image")
    out = _view(np.frombuffer(result.bits(), np.uint8, count=result.bytesPerLine() * height),
                result.bytesPerLine(), width, height)
    for top in range(0, height, _BAND_ROWS):
        rows = slice(top, min(height, top + _BAND_ROWS))
        blue, green, red, _alpha = cv2.split(cv2.absdiff(before[rows], after[rows]))
        # Saturating scale: strong changes clip at white instead of wrapping round.
        level = cv2.convertScaleAbs(cv2.max(cv2.max(blue, green), red), alpha=gain)
        out[rows] = cv2.cvtColor(level, cv2.COLOR_GRAY2BGRA)  # opaque grey: B = G = R, alpha 255
    return result


def _pixels(image: QImage) -> tuple[QImage, np.ndarray]:
    """The image (converted when its format is not native) and an (h, w, 4) view of its bytes.

    The image is returned too: the view borrows its memory, so the caller keeps it alive.
    """
    if image.format() not in _NATIVE:
        image = image.convertToFormat(QImage.Format.Format_ARGB32_Premultiplied)
    raw = np.frombuffer(image.constBits(), np.uint8, count=image.bytesPerLine() * image.height())
    return image, _view(raw, image.bytesPerLine(), image.width(), image.height())


def _view(raw: np.ndarray, bytes_per_line: int, width: int, height: int) -> np.ndarray:
    # Splitting the row into pixels is a view, never a copy, even with padded rows.
    return raw.reshape(height, bytes_per_line)[:, : width * 4].reshape(height, width, 4)
