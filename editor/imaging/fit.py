"""Scale an edit result to the photo it belongs to, and the checks every compositing step shares.

Its own module because compositing, the spill meter and seam harmonisation all fit images to one
another the same way, and the last two must not import compositing (it imports them).
Arrays are (H, W, 3|4) uint8 RGB(A).
"""

from __future__ import annotations

import cv2
import numpy as np


def fit_result(result: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Scale a decoded result (h, w, 3|4 uint8) to `size` = the photo's (width, height).

    Shrinking uses area averaging (no aliasing); enlarging uses bicubic, which OpenCV saturates to
    0..255 for uint8, so its overshoot is clipped. When the aspect ratios differ the result is
    stretched to the exact size, not cropped or letterboxed: the request sent the whole photo
    stretched into the API's bucket, so stretching back is the exact inverse of that mapping.
    A result already at the photo's size is returned as is (not copied).
    """
    check_image(result, "result")
    width, height = size
    if width <= 0 or height <= 0:
        raise ValueError(f"the photo's size must be positive, not {width}×{height}")
    rh, rw = result.shape[:2]
    if (rw, rh) == (width, height):
        return result
    # A mixed fit (one side up, one down) counts as enlarging: area averaging would only blur it.
    shrinking = width <= rw and height <= rh
    interpolation = cv2.INTER_AREA if shrinking else cv2.INTER_CUBIC
    return cv2.resize(np.ascontiguousarray(result), (width, height), interpolation=interpolation)


def fit_coverage(coverage: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """The mask at `size` = (width, height), area-averaged so a soft edge stays soft."""
    if (coverage.shape[1], coverage.shape[0]) == size:
        return coverage
    return cv2.resize(coverage, size, interpolation=cv2.INTER_AREA)


def check_image(image: np.ndarray, name: str) -> None:
    if image.ndim != 3 or image.shape[2] not in (3, 4) or image.dtype != np.uint8:
        raise ValueError(f"{name} must be an (H, W, 3|4) uint8 array, not {image.dtype} {image.shape}")


def check_coverage(coverage: np.ndarray) -> np.ndarray:
    if coverage.ndim != 2 or coverage.dtype != np.uint8:
        raise ValueError(f"coverage must be a 2-D uint8 array, not {coverage.dtype} {coverage.shape}")
    return np.ascontiguousarray(coverage)
