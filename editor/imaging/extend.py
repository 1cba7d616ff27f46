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

import cv2
import numpy as np

from editor.imaging.load import DEFAULT_MAX_PIXELS

DEFAULT_BAND_PX = 32
MAX_BAND_PX = 256
MIN_BAND_PX = 8
BAND_PER_MARGIN = 4
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
    extended, else 0; at most half the photo (opposite bands never cross) and at most
    BAND_PER_MARGIN times the side's margin (at least MIN_BAND_PX): the few pixels an exact
    aspect adds to the other edge do not have the model redraw a whole band of the photo."""
    width, height = photo_size
    limits = (width // 2, height // 2, width - width // 2, height - height // 2)
    reaches = (min(band_px, limit, max(MIN_BAND_PX, BAND_PER_MARGIN * side)) if side > 0 else 0
               for side, limit in zip(extension.sides, limits, strict=True))
    return tuple(reaches)  # type: ignore[return-value]


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


def seam_weights(coverage: np.ndarray, margins: np.ndarray, band_px: int) -> np.ndarray:
    """Per canvas pixel, how much of the generated canvas to take (float32 0..1): 1 in the new
    margins (`margins`, bool), 0 where `coverage` keeps the photo, and inside the mask over the
    photo a smoothstep rising from the kept pixels: over `band_px`, or across the band to the
    margin where the band is narrower (a side's own, shorter band), so the seam is blended, not
    cut. A hand-painted area away from the band ramps over `band_px` the same way."""
    edited = coverage > 0
    from_kept = cv2.distanceTransform(edited.astype(np.uint8), cv2.DIST_L2, 5)
    t = np.clip(from_kept / (max(band_px, 1) + 1), 0.0, 1.0)
    if margins.any():
        from_margin = cv2.distanceTransform((~margins).astype(np.uint8), cv2.DIST_L2, 5)
        t = np.maximum(t, from_kept / (from_kept + from_margin + 1e-6))
    weight = (t * t * (3 - 2 * t)).astype(np.float32)
    weight[margins] = 1.0
    weight[~edited & ~margins] = 0.0
    return weight


def blend_into_canvas(canvas: np.ndarray, coverage: np.ndarray, generated: np.ndarray,
                      band_px: int = DEFAULT_BAND_PX) -> np.ndarray:
    """The extended `canvas` (RGBA, margins transparent) finished with `generated` (its size, RGB
    or RGBA): opaque RGBA, margins from `generated`, the masked photo blended by seam_weights,
    every pixel the mask keeps bit-identical."""
    height, width = coverage.shape
    if generated.shape[:2] != (height, width) or canvas.shape[:2] != (height, width):
        raise ValueError(f"the generated canvas is {generated.shape[1]}×{generated.shape[0]}, "
                         f"not {width}×{height}")
    margins = (canvas[..., 3] == 0) & (coverage > 0)
    weight = seam_weights(coverage, margins, band_px)
    taken = weight > 0
    result = canvas.copy()
    mixed = (canvas[taken, :3].astype(np.float32) * (1 - weight[taken, None])
             + generated[taken, :3].astype(np.float32) * weight[taken, None])
    result[taken, :3] = np.rint(mixed).astype(np.uint8)
    result[margins, 3] = 255
    return result


def place_extension(photo: np.ndarray, extension: Extension, generated: np.ndarray,
                    band_px: int = DEFAULT_BAND_PX) -> np.ndarray:
    """The extended canvas made from `generated` (the canvas's size, RGB or RGBA) and the photo
    with the automatic mask: margins from `generated`, the band blended, every other photo pixel
    bit-identical; as many channels as the photo."""
    height, width = photo.shape[:2]
    coverage = extension_mask((width, height), extension, band_px)
    placed = blend_into_canvas(extended_canvas(photo, extension), coverage, generated, band_px)
    return placed[..., :photo.shape[2]]


def prefilled(canvas: np.ndarray, unfilled: np.ndarray, *, long_side: int = 256) -> np.ndarray:
    """The canvas as RGB with its `unfilled` pixels (bool) painted with a soft continuation of the
    colours around them: what a model is sent there, so an empty margin does not read as a black
    frame to keep. Telea on a copy at most `long_side` px long, then scaled back (cheap)."""
    height, width = unfilled.shape
    rgb = np.ascontiguousarray(canvas[..., :3])
    if not unfilled.any():
        return rgb.copy()
    scale = min(1.0, long_side / max(width, height))
    small_size = (max(1, round(width * scale)), max(1, round(height * scale)))
    small = cv2.resize(rgb, small_size, interpolation=cv2.INTER_AREA)
    hole = cv2.resize(unfilled.astype(np.uint8) * 255, small_size, interpolation=cv2.INTER_NEAREST)
    smeared = cv2.inpaint(small, (hole > 0).astype(np.uint8) * 255, 5, cv2.INPAINT_TELEA)
    smooth = cv2.GaussianBlur(cv2.resize(smeared, (width, height), interpolation=cv2.INTER_LINEAR), (0, 0), 4)
    result = rgb.copy()
    result[unfilled] = smooth[unfilled]
    return result


def find_extension(alpha: np.ndarray, coverage: np.ndarray | None) -> Extension | None:
    """The extension a canvas shows: transparent rows and columns around an opaque photo that the
    mask covers entirely (`coverage` > 0 on every one of their pixels). None when there are none,
    or when the mask leaves some of them out: then the transparency is the photo's own (a logo's
    padding) and the edit is an ordinary one."""
    opaque_rows = np.flatnonzero(alpha.any(axis=1))
    opaque_columns = np.flatnonzero(alpha.any(axis=0))
    if coverage is None or not opaque_rows.size:
        return None
    height, width = alpha.shape
    top, bottom = int(opaque_rows[0]), height - 1 - int(opaque_rows[-1])
    left, right = int(opaque_columns[0]), width - 1 - int(opaque_columns[-1])
    extension = Extension(left, top, right, bottom)
    if extension.empty:
        return None
    inner = np.zeros(alpha.shape, bool)
    inner[top:height - bottom, left:width - right] = True
    return extension if (coverage[~inner] > 0).all() else None


def band_of(coverage: np.ndarray, extension: Extension) -> int:
    """How far the mask reaches into the photo along its extended edges (the widest, in px, at
    most MAX_BAND_PX): the overlap band a canvas was extended with, as the mask now says."""
    height, width = coverage.shape
    left, top, right, bottom = extension.sides
    photo = coverage[top:height - bottom, left:width - right] > 0
    reaches = []
    for side, strip in ((left, photo), (top, photo.T), (right, photo[:, ::-1]), (bottom, photo.T[:, ::-1])):
        if side and strip.size:
            # Per row, the masked run from the edge inwards; the median ignores hand-painted spots.
            runs = np.where(strip.all(axis=1), strip.shape[1], np.argmin(strip, axis=1))
            reaches.append(int(np.median(runs)))
    return min(max(reaches, default=0), MAX_BAND_PX)
