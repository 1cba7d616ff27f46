"""The fake's realistic mode: an answer that looks like a model's, for seam measurements.

MODELS.md: the models redraw the whole picture at the output size, so the kept area comes back
resampled and slightly drifted in tone, and the edited area is new content that continues what
surrounds it. Here the edited area is the surroundings mirrored across the mask's edge (each
pixel takes the colour of its reflection through the nearest kept pixel): texture, colour and
gradients continue across the seam as a plausible continuation does, without any model. The
whole picture is then drifted 2 % warmer and brighter.
"""

from __future__ import annotations

import cv2
import numpy as np

DRIFT_GAIN = 1.02
DRIFT_RED = 2


def realistic_answer(pixels: np.ndarray, edited: np.ndarray) -> np.ndarray:
    """`pixels` (H, W, 3|4 uint8) with the `edited` (bool) area continued from its surroundings
    and the whole drifted in tone, as a model's answer would be."""
    answer = pixels.copy()
    if edited.any() and not edited.all():
        answer[edited] = _mirrored(pixels, edited)
    rgb = answer[..., :3].astype(np.float32) * DRIFT_GAIN
    rgb[..., 0] += DRIFT_RED
    answer[..., :3] = np.clip(np.rint(rgb), 0, 255).astype(np.uint8)
    return answer


def _mirrored(pixels: np.ndarray, edited: np.ndarray) -> np.ndarray:
    height, width = edited.shape
    _, labels = cv2.distanceTransformWithLabels(edited.astype(np.uint8), cv2.DIST_L2, 5,
                                                labelType=cv2.DIST_LABEL_PIXEL)
    kept_y, kept_x = np.nonzero(~edited)
    # Labels number the kept pixels in row-major order, from 1.
    order = np.argsort(labels[~edited], kind="stable")
    nearest_x, nearest_y = kept_x[order], kept_y[order]
    ys, xs = np.nonzero(edited)
    index = labels[ys, xs] - 1
    near_x, near_y = nearest_x[index], nearest_y[index]
    mirror_x = np.clip(2 * near_x - xs, 0, width - 1)
    mirror_y = np.clip(2 * near_y - ys, 0, height - 1)
    source = pixels[mirror_y, mirror_x]
    still_edited = edited[mirror_y, mirror_x]
    source[still_edited] = pixels[near_y[still_edited], near_x[still_edited]]
    return source
