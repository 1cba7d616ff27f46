"""Seam benchmark: how much harmonisation hides the seam of a tone-shifted answer, what detail it
keeps, and what it costs on a 24 MP photo.

The photo is resources/samples/coffee.png with an ellipse around the cup, whose edge crosses the
saucer, the spoon and the table. The fake answers are the photo 8 % brighter and warmer (+10 red,
-8 blue): once only inside the mask, once everywhere (as a model that redraws the whole picture
drifts), the latter at the API's size (384×256). Each is composited with harmonisation off (the
exact paste: the floor) and on, in the same run.

- seam ΔE: the mean CIE Lab ΔE between the colour step across the mask's edge in the composite
  and the same step in the photo (tests/imaging/seam_metrics.py). Goal: on ≤ 0.5 × off.
- detail inside: the high-pass energy inside the mask, on beside off. Goal: within 5 %.
- time: a 6000×4000 photo, a mask over ~15 % of it and a 1536×1024 answer: the whole composite
  harmonised beside the exact paste, median of RUNS alternating runs. Goal: ratio ≤ 2.5.
"""

from __future__ import annotations

import gc
import time
import tracemalloc

import cv2
import numpy as np

from editor.imaging.composite import composite, fit_result
from tests.benchmarks.harness import Figure, median, timed
from tests.imaging.seam_metrics import coffee, cup_mask, high_pass_energy, seam_delta_e, tone_shifted

WIDTH, HEIGHT = 6000, 4000
RUNS = 5


def _seam_figures() -> list[Figure]:
    photo = coffee()
    coverage = cup_mask(photo.shape)
    inside_only = tone_shifted(photo, coverage > 0)
    everywhere = cv2.resize(tone_shifted(photo), (384, 256), interpolation=cv2.INTER_AREA)
    figures = []
    for metric, answer, what in (("seam_delta_e_inside", inside_only, "shifted inside the mask only"),
                                 ("seam_delta_e_drift", everywhere, "shifted everywhere, 384×256")):
        off = composite(photo, answer, coverage).pixels
        composite(photo, answer, coverage, harmonize=True)  # warm up: OpenCV's thread pool
        started = time.perf_counter()
        on = composite(photo, answer, coverage, harmonize=True).pixels
        took = time.perf_counter() - started
        seam_on, seam_off = seam_delta_e(on, photo, coverage), seam_delta_e(off, photo, coverage)
        figures.append(Figure(
            metric=metric, value=seam_on, unit="ΔE", floor=seam_off,
            floor_label="the exact paste (harmonise off)", target="ratio <= 0.5",
            passed=seam_on <= 0.5 * seam_off,
            notes=f"coffee.png 600×400, answer {what}; harmonised composite {took * 1000:.0f} ms"))
        if answer is inside_only:
            detail_on, detail_off = high_pass_energy(on, coverage), high_pass_energy(off, coverage)
            figures.append(Figure(
                metric="seam_detail_inside", value=detail_on, unit="lvl²", floor=detail_off,
                floor_label="high-pass energy of the exact paste", target="0.95 <= ratio <= 1.05",
                passed=0.95 <= detail_on / detail_off <= 1.05,
                notes="mean squared RGB high-pass (minus a 2 px Gaussian) inside the mask, 3 px from "
                      "its edge"))
    return figures


def _big_photo() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A photo-like 24 MP image (gradients plus noise), a two-lobed mask, a drifted 1536×1024 answer."""
    rng = np.random.default_rng(11)
    y, x = np.ogrid[0:HEIGHT, 0:WIDTH]
    photo = np.empty((HEIGHT, WIDTH, 3), np.uint8)
    photo[..., 0] = (200 * x // WIDTH).astype(np.uint8)
    photo[..., 1] = (200 * y // HEIGHT).astype(np.uint8)
    photo[..., 2] = ((x + y) % 200).astype(np.uint8)
    photo += rng.integers(0, 40, photo.shape, dtype=np.uint8)
    coverage = np.zeros((HEIGHT, WIDTH), np.uint8)
    cv2.ellipse(coverage, (2900, 2000), (1150, 780), 15, 0, 360, 255, -1)
    cv2.circle(coverage, (3900, 1500), 420, 255, -1)
    answer = tone_shifted(fit_result(photo, (1536, 1024)))
    return photo, coverage, answer


def _peak_mb(fn) -> float:
    """The peak of numpy's allocations while `fn` runs, in MB (tracemalloc sees numpy's buffers)."""
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()


def _time_figure() -> Figure:
    photo, coverage, answer = _big_photo()

    def on() -> None:
        composite(photo, answer, coverage, harmonize=True)

    def off() -> None:
        composite(photo, answer, coverage)

    on(), off()  # warm up: first-touch page faults, OpenCV's thread pool
    on_s, off_s = [], []
    gc.collect()
    gc.disable()
    try:
        for run in range(RUNS):
            first, second = (on, off) if run % 2 == 0 else (off, on)
            a, b = timed(first), timed(second)
            on_s.append(a if first is on else b)
            off_s.append(b if first is on else a)
    finally:
        gc.enable()
    value, floor = median(on_s), median(off_s)
    peak_on, peak_off = _peak_mb(on), _peak_mb(off)
    covered = 100.0 * np.count_nonzero(coverage) / coverage.size
    return Figure(
        metric="seam_harmonize_24mp", value=value, unit="s", floor=floor,
        floor_label="the same composite, exact paste", target="ratio <= 2.5", passed=value / floor <= 2.5,
        notes=f"6000×4000 RGB, mask {covered:.1f} %, answer 1536×1024, median of {RUNS}; "
              f"peak numpy memory {peak_on:.0f} MB harmonised vs {peak_off:.0f} MB exact")


def measure() -> list[Figure]:
    return [*_seam_figures(), _time_figure()]
