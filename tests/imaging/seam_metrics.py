"""How visible a paste's seam is, and how much detail a paste kept: the figures the harmonisation
tests and the seam benchmark (tests/benchmarks/bench_seam.py) both judge by.

The seam: the mean CIE Lab ΔE (CIE76) between the colour step across the mask's edge in the
composite and the same step in the photo. Each side's colour is a local mean (a Gaussian of SIGMA
px over a strip from GAP to GAP + WIDTH px off the edge, clear of a 2 px feather), taken at every
pixel along the edge inside the mask. A perfect paste of an answer that kept the photo's tone reads
0, whatever the photo's own edges; a paste whose inside is shifted reads the shift's ΔE.

The detail: the mean squared high-pass (the image minus its Gaussian blur of 2 px) inside the mask,
away from the edge, over the RGB channels, so a smooth tone correction leaves it alone.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
from PIL import Image

SAMPLE = Path(__file__).resolve().parents[2] / "resources" / "samples" / "coffee.png"
GAP, WIDTH, SIGMA = 3, 6, 4.0


def coffee() -> np.ndarray:
    """resources/samples/coffee.png as (400, 600, 3) RGB: a cup on a saucer on a wooden table."""
    with Image.open(SAMPLE) as image:
        return np.array(image.convert("RGB"))


def cup_mask(shape: tuple[int, ...]) -> np.ndarray:
    """An ellipse around the cup whose edge crosses the saucer, the spoon and the table."""
    coverage = np.zeros(shape[:2], np.uint8)
    cv2.ellipse(coverage, (290, 175), (165, 130), 0, 0, 360, 255, -1)
    return coverage


def tone_shifted(photo: np.ndarray, where: np.ndarray | None = None, *, gain: float = 1.08,
                 offset: tuple[float, float, float] = (10.0, 2.0, -8.0)) -> np.ndarray:
    """What a model with a tone drift sends back: the photo 8 % brighter and warmer (+10 red,
    -8 blue) where `where` is True (everywhere when None), the rest as it was."""
    shifted = np.clip(np.rint(photo[..., :3].astype(np.float32) * gain + np.float32(offset)), 0, 255)
    answer = photo.copy()
    mask = np.ones(photo.shape[:2], bool) if where is None else where
    answer[..., :3][mask] = shifted.astype(np.uint8)[mask]
    return answer


def seam_delta_e(pixels: np.ndarray, photo: np.ndarray, coverage: np.ndarray,
                 along: np.ndarray | None = None) -> float:
    """The mean ΔE between the composite's colour step across the mask's edge and the photo's, over
    the whole edge or the part of it where `along` is True."""
    inside = (coverage >= 128).astype(np.uint8)
    depth_in = cv2.distanceTransform(inside, cv2.DIST_L2, 5)
    depth_out = cv2.distanceTransform(1 - inside, cv2.DIST_L2, 5)
    strip_in = ((depth_in > GAP) & (depth_in <= GAP + WIDTH)).astype(np.float32)
    strip_out = ((depth_out > GAP) & (depth_out <= GAP + WIDTH)).astype(np.float32)
    edge = (inside > 0) & (depth_in <= 1.5) & (True if along is None else along)
    made, kept = _lab(pixels), _lab(photo)
    step_made = _local(made, strip_in) - _local(made, strip_out)
    step_kept = _local(kept, strip_in) - _local(kept, strip_out)
    return float(np.linalg.norm(step_made - step_kept, axis=2)[edge].mean())


def high_pass_energy(pixels: np.ndarray, coverage: np.ndarray) -> float:
    """Mean squared high-pass (RGB levels²) inside the mask, more than GAP px from its edge."""
    inside = (coverage >= 128).astype(np.uint8)
    deep = cv2.distanceTransform(inside, cv2.DIST_L2, 5) > GAP
    rgb = pixels[..., :3].astype(np.float32)
    detail = rgb - cv2.GaussianBlur(rgb, (0, 0), 2.0)
    return float(np.square(detail)[deep].mean())


def _lab(rgb: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(rgb[..., :3].astype(np.float32) / 255.0, cv2.COLOR_RGB2Lab)


def _local(values: np.ndarray, strip: np.ndarray) -> np.ndarray:
    weight = cv2.GaussianBlur(strip, (0, 0), SIGMA)
    summed = cv2.GaussianBlur(values * strip[..., None], (0, 0), SIGMA)
    return summed / np.maximum(weight, 1e-6)[..., None]
