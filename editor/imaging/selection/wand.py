"""The magic wand: the pixels whose colour is near a clicked pixel's, by distance in CIELAB (ΔE
1976), touching it (contiguous) or anywhere in the photo (global), with anti-aliased edges.

Lab makes the tolerance mean the same thing in every hue and lightness: 10 is a difference one
sees easily, 2 one barely sees. The edge is anti-aliased by colour: a pixel whose distance lies
within half a ramp of the tolerance gets partial coverage, so the photo's own blended edge pixels
come out partly selected while flat regions stay exactly 0 or 255.
"""

from __future__ import annotations

import cv2
import numpy as np

from editor.imaging.selection.steps import Checkpoint, SelectionError, no_checkpoint

MAX_TOLERANCE = 100
# Width of the anti-aliasing ramp in ΔE, at least 1 and at most this share of the tolerance.
_RAMP_SHARE = 0.25
_ROWS_PER_STRIP = 512


def magic_wand(photo: np.ndarray, seed: tuple[int, int], tolerance: float, *, contiguous: bool = True,
               anti_alias: bool = True, checkpoint: Checkpoint = no_checkpoint) -> np.ndarray:
    """Coverage (H, W) uint8 of the colours within `tolerance` (ΔE, 0..MAX_TOLERANCE) of the
    colour at `seed` (x, y). Raises SelectionError for a seed outside the photo."""
    height, width = photo.shape[:2]
    x, y = int(seed[0]), int(seed[1])
    if not (0 <= x < width and 0 <= y < height):
        raise SelectionError(f"Click inside the photo: ({x}, {y}) is outside its {width}×{height} pixels.")
    tolerance = float(np.clip(tolerance, 0, MAX_TOLERANCE))
    reference = _lab(photo[y:y + 1, x:x + 1])[0, 0]
    ramp = max(1.0, tolerance * _RAMP_SHARE) if anti_alias else 0.0
    coverage = np.empty((height, width), np.uint8)
    for top in range(0, height, _ROWS_PER_STRIP):  # strips: a 24 MP photo's Lab copy would be 290 MB
        bottom = min(height, top + _ROWS_PER_STRIP)
        difference = _lab(photo[top:bottom])
        difference -= reference
        distance = np.sqrt(np.einsum("hwc,hwc->hw", difference, difference))  # 2× np.linalg.norm's speed
        coverage[top:bottom] = _coverage(distance, tolerance, ramp)
        checkpoint(0.8 * bottom / height)
    coverage[y, x] = 255  # the clicked pixel is always in, whatever rounding says
    if contiguous:
        coverage = _touching(coverage, (x, y))
    checkpoint(1.0)
    return coverage


def _lab(pixels: np.ndarray) -> np.ndarray:
    """sRGB uint8 → float32 Lab (L 0..100, a and b about -128..127)."""
    rgb = np.ascontiguousarray(pixels[..., :3]).astype(np.float32) * np.float32(1 / 255)
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2Lab)


def _coverage(distance: np.ndarray, tolerance: float, ramp: float) -> np.ndarray:
    if ramp == 0:
        return np.where(distance <= tolerance, np.uint8(255), np.uint8(0))
    # Full coverage up to tolerance - ramp/2, none from tolerance + ramp/2, linear between.
    level = (tolerance + ramp / 2 - distance) * (255 / ramp)
    return np.clip(level + 0.5, 0, 255).astype(np.uint8)


def _touching(coverage: np.ndarray, seed: tuple[int, int]) -> np.ndarray:
    """Only the part connected to the seed (8-connected, over any partial coverage), so a soft
    edge pixel stays with its region."""
    selected = (coverage > 0).astype(np.uint8)
    fill = np.zeros((coverage.shape[0] + 2, coverage.shape[1] + 2), np.uint8)
    cv2.floodFill(selected, fill, seed, 1, 0, 0, 8 | cv2.FLOODFILL_MASK_ONLY | (1 << 8))
    reached = fill[1:-1, 1:-1].astype(bool)
    if not reached.any():
        raise SelectionError("Nothing of that colour was found there.")
    return np.where(reached, coverage, np.uint8(0))
