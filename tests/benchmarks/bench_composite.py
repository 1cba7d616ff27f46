"""Compositing benchmark: 4 variants (1536×1024 each) pasted into a 24 MP photo through a feathered mask.

The value is the time for all 4 strict composites, each fitting its result to the photo and pasting
it through the mask's weights; the mask is feathered once per job and reused, as the runner does.
The floor is a bare numpy alpha blend of the same arrays over the whole frame: the already fitted
results and the same weights, `(photo * (255 - w) + result * w) // 255` in uint16, 4 times.
Runs alternate with their floor to share the noise; the garbage collector is paused while timing.
"""

from __future__ import annotations

import gc

import cv2
import numpy as np

from editor.imaging.composite import fit_result, paste, paste_weights
from tests.benchmarks.harness import Figure, median, timed

WIDTH, HEIGHT = 6000, 4000
RESULT_W, RESULT_H = 1536, 1024
VARIANTS = 4
FEATHER_PX = 2.0
RUNS = 5


def _photo() -> np.ndarray:
    """A photo-like RGB image: gradients plus noise, so nothing is trivially uniform."""
    rng = np.random.default_rng(11)
    y, x = np.ogrid[0:HEIGHT, 0:WIDTH]
    rgb = np.empty((HEIGHT, WIDTH, 3), np.uint8)
    rgb[..., 0] = (200 * x // WIDTH).astype(np.uint8)
    rgb[..., 1] = (200 * y // HEIGHT).astype(np.uint8)
    rgb[..., 2] = ((x + y) % 200).astype(np.uint8)
    rgb += rng.integers(0, 40, rgb.shape, dtype=np.uint8)
    return rgb


def _blob() -> np.ndarray:
    """An irregular blob over ~15 % of the photo: an ellipse with two lobes."""
    coverage = np.zeros((HEIGHT, WIDTH), np.uint8)
    cv2.ellipse(coverage, (2900, 2000), (1150, 780), 15, 0, 360, 255, -1)
    cv2.circle(coverage, (3900, 1500), 420, 255, -1)
    cv2.circle(coverage, (2000, 2600), 380, 255, -1)
    return coverage


def _results() -> list[np.ndarray]:
    rng = np.random.default_rng(12)
    return [rng.integers(0, 256, (RESULT_H, RESULT_W, 3), dtype=np.uint8) for _ in range(VARIANTS)]


def measure() -> list[Figure]:
    photo, coverage, results = _photo(), _blob(), _results()
    weights = paste_weights(coverage, feather_px=FEATHER_PX)  # once per job, outside the timing
    size = (WIDTH, HEIGHT)
    fitted = [fit_result(result, size) for result in results]
    w = weights.full_frame()[..., None].astype(np.uint16)

    def ours() -> None:
        for result in results:
            paste(photo, fit_result(result, size), weights)

    def floor() -> None:
        for variant in fitted:
            (photo.astype(np.uint16) * (255 - w) + variant.astype(np.uint16) * w) // 255

    ours(), floor()  # warm up: first-touch page faults, OpenCV's thread pool
    ours_s, floor_s = [], []
    gc.collect()
    gc.disable()
    try:
        for run in range(RUNS):
            first, second = (ours, floor) if run % 2 == 0 else (floor, ours)
            a, b = timed(first), timed(second)
            ours_s.append(a if first is ours else b)
            floor_s.append(b if first is ours else a)
    finally:
        gc.enable()
    value, floor_value = median(ours_s), median(floor_s)
    covered = 100.0 * np.count_nonzero(coverage) / coverage.size
    return [
        Figure(
            metric="composite_4x24mp",
            value=value,
            unit="s",
            floor=floor_value,
            floor_label="numpy full-frame alpha blend of the fitted results (×4)",
            target="ratio <= 1.5",
            passed=value / floor_value <= 1.5,
            notes=f"6000×4000 RGB, mask {covered:.1f} %, feather {FEATHER_PX:g} px, median of {RUNS}",
        )
    ]
