"""Extending the canvas (outpainting): the geometry of an extension and the extended canvas.

An extension adds whole pixels to each side of a photo. It is given per side, or as a target
aspect with an anchor: the smallest canvas of exactly that aspect (width × ah == height × aw, in
integers) that holds the photo, the photo placed where the anchor says. The new margins are
transparent on the canvas and marked for editing by the automatic mask, together with an overlap
band reaching into the photo so the model can blend the seam. Placing a generated canvas back
keeps every photo pixel outside that band bit-identical and blends the band with a smooth ramp.
Arrays are (H, W, C) uint8 RGB(A); coverage is (H, W) uint8, 255 = edit. No Qt.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from editor.imaging.load import DEFAULT_MAX_PIXELS

DEFAULT_BAND_PX = 32
MAX_BAND_PX = 256
# Named aspects offered first; any other is typed as "W:H" (integers or decimals, "2.39:1").
ASPECTS = ("1:1", "4:5", "3:2", "16:9", "9:16")
ANCHORS = ("top-left", "top", "top-right", "left", "center", "right", "bottom-left", "bottom", "bottom-right")
# A decimal aspect ("2.39:1") becomes the nearest fraction with a denominator at most this: it
# bounds the extra pixels an exact aspect may add to the other edge.
_MAX_ASPECT_TERM = 100
_MAX_ASPECT_RATIO = 10


class ExtensionError(ValueError):
    """An extension that cannot be made; `message` says why in one line, for a person."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Extension:
    """Whole pixels added on each side of a photo."""

    left: int = 0
    top: int = 0
    right: int = 0
    bottom: int = 0

    @property
    def sides(self) -> tuple[int, int, int, int]:
        return self.left, self.top, self.right, self.bottom

    @property
    def empty(self) -> bool:
        return not any(self.sides)

    def canvas_size(self, photo_size: tuple[int, int]) -> tuple[int, int]:
        width, height = photo_size
        return width + self.left + self.right, height + self.top + self.bottom

    def photo_box(self, photo_size: tuple[int, int]) -> tuple[int, int, int, int]:
        """Where the photo sits on the extended canvas: (x, y, width, height)."""
        return self.left, self.top, *photo_size

    def checked(self, photo_size: tuple[int, int], *, max_pixels: int = DEFAULT_MAX_PIXELS) -> Extension:
        """This extension, or ExtensionError saying in one line why it cannot be made."""
        for name, value in zip(("left", "top", "right", "bottom"), self.sides, strict=True):
            if value < 0:
                raise ExtensionError(f"An extension cannot be negative ({value} px on the {name}).")
        if self.empty:
            raise ExtensionError("Nothing to extend: every side is 0 px.")
        width, height = self.canvas_size(photo_size)
        if width * height > max_pixels:
            raise ExtensionError(f"The extended canvas would be {width}×{height} px "
                                 f"({width * height / 1e6:.0f} MP); the limit is {max_pixels / 1e6:.0f} MP.")
        return self

    def as_record(self) -> list[int]:
        return list(self.sides)

    @classmethod
    def from_record(cls, record: object) -> Extension | None:
        """The extension a saved record names, or None when it names none (or nonsense)."""
        if not isinstance(record, list | tuple) or len(record) != 4:
            return None
        if not all(isinstance(value, int) and value >= 0 for value in record):
            return None
        extension = cls(*record)
        return None if extension.empty else extension


def parse_sides(text: str) -> Extension:
    """"LEFT,TOP,RIGHT,BOTTOM" in pixels → an Extension (not yet checked against a photo)."""
    problem = f"'{text}' is not LEFT,TOP,RIGHT,BOTTOM: give four whole numbers of pixels."
    parts = [part.strip() for part in text.split(",")]
    if len(parts) != 4:
        raise ExtensionError(problem)
    try:
        values = [int(part) for part in parts]
    except ValueError:
        raise ExtensionError(problem) from None
    return Extension(*values)


def parse_aspect(text: str) -> tuple[int, int]:
    """"16:9", "2.39:1" or "1.5" → the aspect as reduced integers (width, height)."""
    width_text, sep, height_text = text.strip().partition(":")
    try:
        ratio = Fraction(width_text.strip()) / Fraction(height_text.strip() if sep else "1")
    except (ValueError, ZeroDivisionError):
        raise ExtensionError(f"'{text}' is not an aspect: write it as W:H, for example 16:9.") from None
    if ratio <= 0 or not 1 / _MAX_ASPECT_RATIO <= ratio <= _MAX_ASPECT_RATIO:
        raise ExtensionError(f"'{text}' is not an aspect between 1:{_MAX_ASPECT_RATIO} and "
                             f"{_MAX_ASPECT_RATIO}:1.")
    ratio = ratio.limit_denominator(_MAX_ASPECT_TERM)
    return ratio.numerator, ratio.denominator


def extension_for_aspect(photo_size: tuple[int, int], aspect: tuple[int, int], anchor: str = "center"
                         ) -> Extension:
    """The smallest extension that makes the canvas exactly `aspect` (width, height): the canvas
    is (k·aw, k·ah) for the least k that holds the photo. The anchor says where the photo stays:
    "left" puts all new width on the right, "center" splits it (the odd pixel goes right/bottom)."""
    if anchor not in ANCHORS:
        raise ExtensionError(f"'{anchor}' is not an anchor; use one of {', '.join(ANCHORS)}.")
    aspect_w, aspect_h = aspect
    divisor = math.gcd(aspect_w, aspect_h)
    aspect_w, aspect_h = aspect_w // divisor, aspect_h // divisor
    width, height = photo_size
    k = max(-(-width // aspect_w), -(-height // aspect_h))
    extra_w, extra_h = k * aspect_w - width, k * aspect_h - height
    left = _anchored_share(extra_w, anchor, ("left", "right"))
    top = _anchored_share(extra_h, anchor, ("top", "bottom"))
    extension = Extension(left, top, extra_w - left, extra_h - top)
    if extension.empty:
        raise ExtensionError(f"The photo is already {aspect_w}:{aspect_h}; nothing to extend.")
    return extension


def _anchored_share(extra: int, anchor: str, ends: tuple[str, str]) -> int:
    """How much of `extra` goes before the photo (left or top) for `anchor`."""
    start, end = ends
    if start in anchor:
        return 0
    if end in anchor:
        return extra
    return extra // 2


# --- The extended canvas, its mask, and placing a generated canvas back ---------------------------


def extended_canvas(photo: np.ndarray, extension: Extension) -> np.ndarray:
    """The photo on the extended canvas as RGBA, the new margins fully transparent."""
    height, width = photo.shape[:2]
    canvas_w, canvas_h = extension.canvas_size((width, height))
    canvas = np.zeros((canvas_h, canvas_w, 4), np.uint8)
    x, y = extension.left, extension.top
    canvas[y:y + height, x:x + width, :photo.shape[2]] = photo[..., :4]
    if photo.shape[2] == 3:
        canvas[y:y + height, x:x + width, 3] = 255
    return canvas


def band_widths(photo_size: tuple[int, int], extension: Extension, band_px: int) -> tuple[int, int, int, int]:
    """How far the overlap band reaches into the photo on each side: `band_px` where that side is
    extended (at most half the photo, so opposite bands never cross), else 0."""
    width, height = photo_size
    limits = (width // 2, height // 2, width - width // 2, height - height // 2)
    return tuple(min(band_px, limit) if side > 0 else 0  # type: ignore[return-value]
                 for side, limit in zip(extension.sides, limits, strict=True))


def extension_mask(photo_size: tuple[int, int], extension: Extension, band_px: int = DEFAULT_BAND_PX
                   ) -> np.ndarray:
    """The automatic mask of the extended canvas: 255 over the margins and the overlap band."""
    canvas_w, canvas_h = extension.canvas_size(photo_size)
    coverage = np.full((canvas_h, canvas_w), 255, np.uint8)
    x0, y0, x1, y1 = _kept_box(photo_size, extension, band_px)
    coverage[y0:y1, x0:x1] = 0
    return coverage


def _kept_box(photo_size: tuple[int, int], extension: Extension, band_px: int) -> tuple[int, int, int, int]:
    """The part of the photo outside the band, as (x0, y0, x1, y1) on the canvas."""
    left, top, right, bottom = band_widths(photo_size, extension, band_px)
    width, height = photo_size
    return (extension.left + left, extension.top + top,
            extension.left + width - right, extension.top + height - bottom)


def seam_weights(photo_size: tuple[int, int], extension: Extension, band_px: int) -> np.ndarray:
    """Per canvas pixel, how much of the generated canvas to take (float32 0..1): 1 in the margins,
    0 in the photo beyond the band, and in the band a smoothstep from 1 at the photo's edge to 0
    at the band's inner edge, so the seam is blended, not cut."""
    canvas_w, canvas_h = extension.canvas_size(photo_size)
    width, height = photo_size
    x = np.arange(canvas_w, dtype=np.float32) - extension.left
    y = np.arange(canvas_h, dtype=np.float32) - extension.top
    left, top, right, bottom = band_widths(photo_size, extension, band_px)
    keep_x = np.minimum(_ramp(x, left), _ramp(width - 1 - x, right))
    keep_y = np.minimum(_ramp(y, top), _ramp(height - 1 - y, bottom))
    return 1.0 - np.outer(keep_y, keep_x)


def _ramp(distance: np.ndarray, band: int) -> np.ndarray:
    """How much of the photo to keep at `distance` px inside its edge (negative: outside it)."""
    if band <= 0:
        return (distance >= 0).astype(np.float32)
    t = np.clip((distance + 1) / (band + 1), 0.0, 1.0)
    return (t * t * (3 - 2 * t)).astype(np.float32)


def place_extension(photo: np.ndarray, extension: Extension, generated: np.ndarray,
                    band_px: int = DEFAULT_BAND_PX) -> np.ndarray:
    """The extended canvas made from `generated` (the canvas's size, RGB or RGBA) and the photo:
    margins from `generated`, the band blended, every other photo pixel bit-identical."""
    height, width = photo.shape[:2]
    canvas_w, canvas_h = extension.canvas_size((width, height))
    if generated.shape[:2] != (canvas_h, canvas_w):
        raise ValueError(f"the generated canvas is {generated.shape[1]}×{generated.shape[0]}, "
                         f"not {canvas_w}×{canvas_h}")
    channels = photo.shape[2]
    result = np.empty((canvas_h, canvas_w, channels), np.uint8)
    result[...] = generated[..., :channels] if generated.shape[2] >= channels else 255
    if generated.shape[2] < channels:
        result[..., :generated.shape[2]] = generated
    x, y = extension.left, extension.top
    weight = seam_weights((width, height), extension, band_px)[y:y + height, x:x + width, None]
    blended = photo.astype(np.float32) * (1 - weight) + result[y:y + height, x:x + width] * weight
    inside = np.rint(blended).astype(np.uint8)
    kept = weight[..., 0] == 0
    inside[kept] = photo[kept]  # exact, not a float round trip
    result[y:y + height, x:x + width] = inside
    return result
