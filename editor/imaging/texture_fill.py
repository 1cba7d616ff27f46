"""Filling a hole with texture from its surroundings: PatchMatch, or OpenCV's Telea as the fallback.

Telea and Navier-Stokes propagate colour inward from the hole's edge: right for a thin stroke
(a wire, a scratch), a smear of stripes over a wide area. PatchMatch (the `pypatchmatch` wheel,
which InvokeAI uses for infill) copies patches of real texture from the rest of the picture,
which is what a wide hole, or a new margin of an extended canvas, needs. It costs about 1 s per
0.5 MP, so it runs on the hole's context scaled down to about PATCHMATCH_PIXELS and its answer
is scaled back up with Lanczos, only into the hole.

Measured on resources/samples/coffee.png (tests/benchmarks/bench_extend.py, `fill_*` figures):
PatchMatch is closer to the hidden photo and keeps its texture for every hole tried, from a
1 px stroke to a 150 px margin; Telea is 10-20× faster. Telea still wins where the context has to
be scaled down so far that a thin stroke shrinks under THIN_HOLE_PX there: PatchMatch's fill,
scaled back up, would be a blur at full resolution. Arrays are (H, W, 3) uint8 RGB; holes (H, W)
bool. No Qt.
"""

from __future__ import annotations

import functools
import logging

import cv2
import numpy as np

log = logging.getLogger(__name__)

PATCHMATCH_PIXELS = 500_000
PATCH_SIZE = 5
# A hole narrower than this at PatchMatch's working scale is better filled by Telea at full size.
THIN_HOLE_PX = 4
TELEA_RADIUS = 6


@functools.cache
def patchmatch_module():
    """The loaded PatchMatch module, or None when the wheel or its prebuilt library cannot load
    (then every fill falls back to Telea)."""
    try:
        from patchmatch import patch_match
    except Exception:  # an ImportError, or an OSError from the bundled library
        log.info("PatchMatch is not available; the offline backend fills with Telea", exc_info=True)
        return None
    if not getattr(patch_match, "patchmatch_available", False):
        log.info("PatchMatch's library did not load; the offline backend fills with Telea")
        return None
    return patch_match


def hole_width(hole: np.ndarray) -> float:
    """How wide the hole is at its widest point, in px (twice its largest inscribed radius)."""
    if not hole.any():
        return 0.0
    padded = np.pad(hole.astype(np.uint8), 1)
    return 2.0 * float(cv2.distanceTransform(padded, cv2.DIST_L2, 3).max())


def working_scale(size: tuple[int, int], pixels: int = PATCHMATCH_PIXELS) -> float:
    """The scale PatchMatch runs at for a context of `size` (width, height): at most 1."""
    return min(1.0, (pixels / (size[0] * size[1])) ** 0.5)


def fill_method(hole: np.ndarray) -> str:
    """"patchmatch" where the library loads, unless the hole (a context-sized bool array) is a
    stroke that would shrink under THIN_HOLE_PX at PatchMatch's scale: then "telea"."""
    if patchmatch_module() is None:
        return "telea"
    scale = working_scale((hole.shape[1], hole.shape[0]))
    if scale < 1 and hole_width(hole) * scale < THIN_HOLE_PX:
        return "telea"
    return "patchmatch"


def fill_telea(rgb: np.ndarray, hole: np.ndarray, radius: int = TELEA_RADIUS) -> np.ndarray:
    """`rgb` with the hole filled by OpenCV's Telea inpainting (a new array)."""
    mask = hole.astype(np.uint8) * 255
    return cv2.inpaint(np.ascontiguousarray(rgb), mask, radius, cv2.INPAINT_TELEA)


def fill_patchmatch(rgb: np.ndarray, hole: np.ndarray, *, pixels: int = PATCHMATCH_PIXELS) -> np.ndarray:
    """`rgb` with the hole filled by PatchMatch run at most `pixels` large; the fill is scaled back
    with Lanczos and only the hole's pixels change (a new array). Raises RuntimeError when the
    library is not available."""
    module = patchmatch_module()
    if module is None:
        raise RuntimeError("PatchMatch is not available")
    height, width = hole.shape
    scale = working_scale((width, height), pixels)
    small_size = (max(8, round(width * scale)), max(8, round(height * scale)))
    small = cv2.resize(rgb, small_size, interpolation=cv2.INTER_AREA) if scale < 1 else rgb
    small_hole = hole.astype(np.uint8) * 255
    if scale < 1:
        # Any touched pixel counts as hole: a half-masked one would carry the old content in.
        shrunk = cv2.resize(small_hole, small_size, interpolation=cv2.INTER_AREA)
        small_hole = (shrunk > 0).astype(np.uint8) * 255
    filled_small = module.inpaint(np.ascontiguousarray(small), small_hole, patch_size=PATCH_SIZE)
    filled = filled_small if scale >= 1 else cv2.resize(filled_small, (width, height),
                                                        interpolation=cv2.INTER_LANCZOS4)
    result = rgb.copy()
    result[hole] = filled[hole]
    return result


def fill_hole(rgb: np.ndarray, hole: np.ndarray) -> tuple[np.ndarray, str]:
    """`rgb` with the hole filled by the method that suits it (see fill_method), and its name."""
    method = fill_method(hole)
    if method == "patchmatch":
        return fill_patchmatch(rgb, hole), method
    return fill_telea(rgb, hole), method
