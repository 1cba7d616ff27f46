"""Map an edit result back onto the full-resolution photo: fit, paste through the mask, measure spill.

Results arrive at the API's size (a bucket such as 1536×1024); the photo is larger and may have
an alpha channel. Strict mode pastes the result only through the user's feathered mask and leaves
every other pixel bit-identical to the photo; whole mode takes the model's entire output. Either
way the spill meter says how much the model changed outside the mask, so the user can judge it.
Arrays are (H, W, 3|4) uint8 RGB(A); coverage is (H, W) uint8 as in `editor.imaging.mask`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import cv2
import numpy as np

from editor.imaging.mask import bounding_box, feather

CompositeMode = Literal["strict", "whole"]


@dataclass(frozen=True)
class Composite:
    """One variant mapped onto the photo: `pixels` has the photo's size and channel count, and
    `spill` is the share (0..1) of the pixels outside the mask that the model changed."""

    pixels: np.ndarray
    spill: float


@dataclass(frozen=True)
class PasteWeights:
    """The feathered mask as paste weights, kept only on its bounding box (plus the feather's reach).

    `weight` is the (y1 - y0, x1 - x0) uint8 crop at `box` = (x0, y0, x1, y1): 0 keeps the photo,
    255 takes the result. `box` is None when the mask marks nothing. Feathering a 24 MP mask costs
    more than pasting through it, so a job computes this once and reuses it for every variant.
    """

    box: tuple[int, int, int, int] | None
    weight: np.ndarray
    size: tuple[int, int]  # the photo's (width, height)

    def full_frame(self) -> np.ndarray:
        """The weights as an (H, W) array over the whole photo (zeros outside the box)."""
        width, height = self.size
        frame = np.zeros((height, width), np.uint8)
        if self.box is not None:
            x0, y0, x1, y1 = self.box
            frame[y0:y1, x0:x1] = self.weight
        return frame


# --- Fitting a result to the photo -------------------------------------------------------------------


def fit_result(result: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Scale a decoded result (h, w, 3|4 uint8) to `size` = the photo's (width, height).

    Shrinking uses area averaging (no aliasing); enlarging uses bicubic, which OpenCV saturates to
    0..255 for uint8, so its overshoot is clipped. When the aspect ratios differ the result is
    stretched to the exact size, not cropped or letterboxed: the request sent the whole photo
    stretched into the API's bucket, so stretching back is the exact inverse of that mapping.
    A result already at the photo's size is returned as is (not copied).
    """
    _check_image(result, "result")
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


# --- Strict mode: paste through the feathered mask ---------------------------------------------------


def paste_weights(coverage: np.ndarray, *, feather_px: float = 2.0, threshold: int = 1) -> PasteWeights:
    """Feather the mask on its bounding box only; weights below `threshold` become 0 (keep the photo).

    The crop reaches `2 * feather_px` (four sigmas) plus a small margin beyond the mask, which is
    past the blur kernel's reach, so the crop's weights equal feathering the whole frame (the
    blur's replicated border sees only zeros there) and everything outside the crop is truly 0.
    """
    coverage = _check_coverage(coverage)
    height, width = coverage.shape
    box = bounding_box(coverage, 1)
    if box is None:
        return PasteWeights(None, np.zeros((0, 0), np.uint8), (width, height))
    margin = math.ceil(2.0 * max(feather_px, 0.0) * 1.0625) + 2 if feather_px > 0 else 0
    x0, y0 = max(box[0] - margin, 0), max(box[1] - margin, 0)
    x1, y1 = min(box[2] + margin, width), min(box[3] + margin, height)
    weight = feather(coverage[y0:y1, x0:x1], feather_px)
    if threshold > 1:
        # THRESH_TOZERO keeps values > t and zeroes the rest; t = threshold - 1 keeps ">= threshold".
        _, weight = cv2.threshold(weight, threshold - 1, 255, cv2.THRESH_TOZERO)
    return PasteWeights((x0, y0, x1, y1), weight, (width, height))


def paste(photo: np.ndarray, result: np.ndarray, weights: PasteWeights) -> np.ndarray:
    """A copy of the photo with the fitted result blended in through `weights`.

    Only the weights' box is touched. Inside it, weight 255 copies the result and 0 leaves the photo
    alone; only the thin soft edge in between is blended, in exact integer math rounded to nearest,
    so pixels with weight 0 stay bit-identical and pixels with weight 255 equal the result exactly.
    """
    _check_image(photo, "photo")
    _check_image(result, "result")
    if result.shape[:2] != photo.shape[:2] or weights.size != (photo.shape[1], photo.shape[0]):
        raise ValueError(
            f"photo {photo.shape[:2]}, result {result.shape[:2]} and weights {weights.size[::-1]} "
            "must be the same size; fit the result first"
        )
    pixels = photo.copy()
    if weights.box is None:
        return pixels
    x0, y0, x1, y1 = weights.box
    target = pixels[y0:y1, x0:x1]
    source = _with_channels(result[y0:y1, x0:x1], photo[y0:y1, x0:x1])
    weight = weights.weight
    # cv2.copyTo writes through the view into `pixels` (a Mat takes its row stride); should the
    # binding ever hand back a copy instead, it still holds the photo where the mask is not 255.
    # (numpy's compare, not cv2.compare: OpenCV mistakes a 1×1 array for a scalar.)
    full = (weight == 255).view(np.uint8)
    copied = cv2.copyTo(np.ascontiguousarray(source), full, target)
    if not np.shares_memory(copied, pixels):
        target[...] = copied
    edge = np.nonzero((weight > 0) & (weight < 255))
    if edge[0].size:
        target[edge] = _blend(target[edge], source[edge], weight[edge])
    return pixels


def strict_composite(
    photo: np.ndarray,
    result: np.ndarray,
    coverage: np.ndarray,
    *,
    feather_px: float = 2.0,
    threshold: int = 1,
) -> np.ndarray:
    """Paste the (already fitted) result into the photo through the mask feathered by `feather_px`.

    The weight is the feathered coverage / 255; weights below `threshold` count as 0. Every pixel
    with weight 0 is bit-identical to the photo, every pixel with weight 255 is exactly the result.
    An alpha channel on the photo is kept: blended like colour when the result has alpha too, else
    the photo's own alpha everywhere (the model returned no transparency to take).
    """
    _check_image(photo, "photo")
    if coverage.shape != photo.shape[:2]:
        raise ValueError(f"coverage {coverage.shape} and photo {photo.shape[:2]} must be the same size")
    weights = paste_weights(coverage, feather_px=feather_px, threshold=threshold)
    return paste(photo, result, weights)


def _blend(photo: np.ndarray, result: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """round((photo * (255 - w) + result * w) / 255) for (N, C) pixels and (N,) weights, in uint16.

    (t + (t >> 8)) >> 8 with t = x + 128 equals round(x / 255) for every x in 0..255², and the
    largest t + (t >> 8) is 65407, so nothing overflows uint16.
    """
    w = weight.astype(np.uint16)[:, None]
    total = photo.astype(np.uint16) * (255 - w) + result.astype(np.uint16) * w + 128
    return ((total + (total >> 8)) >> 8).astype(np.uint8)


# --- Whole mode, the spill meter, and the one call the runner makes ----------------------------------


def whole_result(photo: np.ndarray, result: np.ndarray) -> np.ndarray:
    """The model's entire output scaled to the photo, with the photo's channel count.

    An RGB result on an RGBA photo keeps the photo's alpha; an RGBA result on an RGB photo loses its
    alpha (the document has none to put it in).
    """
    _check_image(photo, "photo")
    fitted = fit_result(result, (photo.shape[1], photo.shape[0]))
    matched = _with_channels(fitted, photo)
    return matched.copy() if matched is result else matched


def spill_fraction(
    photo: np.ndarray, result: np.ndarray, coverage: np.ndarray, *, threshold: int = 12
) -> float:
    """Share (0..1) of the pixels outside the mask that the model changed by more than `threshold`.

    Compared at the result's resolution: the photo is fitted to the result's size exactly as the
    request scaled it, so a model that changed nothing reads 0 (comparing at the photo's size would
    count the upscale's lost detail as change everywhere), and it is 10-20× cheaper on big photos.
    "Outside" is where the scaled keep-mask is fully 0-coverage, shrunk by one pixel so resampling
    at the mask's edge does not count. Only channels both images have are compared.
    """
    _check_image(photo, "photo")
    _check_image(result, "result")
    coverage = _check_coverage(coverage)
    if coverage.shape != photo.shape[:2]:
        raise ValueError(f"coverage {coverage.shape} and photo {photo.shape[:2]} must be the same size")
    size = (result.shape[1], result.shape[0])
    photo_at_result = fit_result(photo, size)
    keep = (coverage == 0).view(np.uint8) * np.uint8(255)
    if keep.shape != result.shape[:2]:
        keep = (cv2.resize(keep, size, interpolation=cv2.INTER_AREA) == 255).view(np.uint8)
    keep = cv2.erode(keep, np.ones((3, 3), np.uint8), borderType=cv2.BORDER_CONSTANT, borderValue=255)
    outside = keep > 0
    total = int(np.count_nonzero(outside))
    if total == 0:
        return 0.0
    channels = min(photo.shape[2], result.shape[2])
    difference = cv2.absdiff(result[..., :channels], photo_at_result[..., :channels]).max(axis=2)
    changed = np.count_nonzero((difference > threshold) & outside)
    return changed / total


def composite(
    photo: np.ndarray,
    result: np.ndarray,
    coverage: np.ndarray,
    *,
    mode: CompositeMode = "strict",
    feather_px: float = 2.0,
    crop: tuple[int, int, int, int] | None = None,
) -> Composite:
    """Fit a decoded result to the photo, composite it in `mode`, and measure its spill.

    `crop` = (x, y, width, height) is the part of the photo the request sent (crop-to-mask): the
    result maps onto it, and everything outside it stays the photo (the model never saw it).
    """
    if mode not in ("strict", "whole"):
        raise ValueError(f"mode must be 'strict' or 'whole', not {mode!r}")
    _check_image(photo, "photo")
    height, width = photo.shape[:2]
    if crop is not None and tuple(crop) != (0, 0, width, height):
        x, y, w, h = crop
        if w <= 0 or h <= 0 or x < 0 or y < 0 or x + w > width or y + h > height:
            raise ValueError(f"the crop {crop} is not inside the {width}×{height} photo")
        _check_coverage(coverage)
        part = composite(photo[y:y + h, x:x + w], result, coverage[y:y + h, x:x + w], mode=mode,
                         feather_px=feather_px)
        pixels = photo.copy()
        pixels[y:y + h, x:x + w] = part.pixels
        return Composite(pixels, part.spill)
    if mode == "strict":
        fitted = fit_result(result, (photo.shape[1], photo.shape[0]))
        pixels = strict_composite(photo, fitted, coverage, feather_px=feather_px)
    else:
        pixels = whole_result(photo, result)
    return Composite(pixels, spill_fraction(photo, result, coverage))


def _with_channels(image: np.ndarray, photo: np.ndarray) -> np.ndarray:
    """`image` with the photo's channel count: drop its alpha, or borrow the photo's."""
    have, want = image.shape[2], photo.shape[2]
    if have == want:
        return image
    if have == 4:
        return image[..., :3]
    return np.dstack((image, photo[..., 3:4]))


def _check_image(image: np.ndarray, name: str) -> None:
    if image.ndim != 3 or image.shape[2] not in (3, 4) or image.dtype != np.uint8:
        raise ValueError(f"{name} must be an (H, W, 3|4) uint8 array, not {image.dtype} {image.shape}")


def _check_coverage(coverage: np.ndarray) -> np.ndarray:
    if coverage.ndim != 2 or coverage.dtype != np.uint8:
        raise ValueError(f"coverage must be a 2-D uint8 array, not {coverage.dtype} {coverage.shape}")
    return np.ascontiguousarray(coverage)
