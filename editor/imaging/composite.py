"""Map an edit result back onto the full-resolution photo: fit, paste through the mask, measure spill.

Results arrive at the API's size (a bucket such as 1536×1024); the photo is larger and may have
an alpha channel. Strict mode pastes the result only through the user's feathered mask and leaves
every other pixel bit-identical to the photo; with `harmonize` it also matches the pasted area's
colour and tone to the photo along the mask's edge (editor.imaging.harmonize), still without
changing a pixel outside the mask. Whole mode takes the model's entire output. Either way the spill
meter (editor.imaging.spill) says how much the model changed outside the mask, so the user can
judge it. Arrays are (H, W, 3|4) uint8 RGB(A); coverage is (H, W) uint8 as in `editor.imaging.mask`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import cv2
import numpy as np

from editor.imaging.fit import check_coverage as _check_coverage
from editor.imaging.fit import check_image as _check_image
from editor.imaging.fit import fit_result
from editor.imaging.harmonize import apply_correction, seam_correction
from editor.imaging.mask import bounding_box, feather
from editor.imaging.spill import CHANGE_THRESHOLD, SpillReport, measure_spill

__all__ = [
    "Composite",
    "CompositeMode",
    "PasteWeights",
    "composite",
    "fit_result",
    "paste",
    "paste_weights",
    "spill_fraction",
    "strict_composite",
    "whole_result",
]

CompositeMode = Literal["strict", "whole"]


@dataclass(frozen=True)
class Composite:
    """One variant mapped onto the photo: `pixels` has the photo's size and channel count, and
    `spill` is the share (0..1) of the pixels outside the mask that the model changed; `report`
    has all the spill meter's figures and its heat map."""

    pixels: np.ndarray
    spill: float
    report: SpillReport | None = None


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
    photo: np.ndarray, result: np.ndarray, coverage: np.ndarray, *, threshold: int = CHANGE_THRESHOLD
) -> float:
    """Share (0..1) of the pixels outside the mask that the model changed by more than `threshold`
    levels, compared at the result's resolution (editor.imaging.spill says how and why)."""
    return measure_spill(photo, result, coverage, threshold=threshold).share


def composite(
    photo: np.ndarray,
    result: np.ndarray,
    coverage: np.ndarray,
    *,
    mode: CompositeMode = "strict",
    feather_px: float = 2.0,
    crop: tuple[int, int, int, int] | None = None,
    harmonize: bool = False,
) -> Composite:
    """Fit a decoded result to the photo, composite it in `mode`, and measure its spill.

    `crop` = (x, y, width, height) is the part of the photo the request sent (crop-to-mask): the
    result maps onto it, and everything outside it stays the photo (the model never saw it).
    `harmonize` (strict mode) matches the pasted area's colour and tone to the photo along the
    mask's edge; off, the paste is exact. It is off here, the building block (the pipeline's own
    runs keep their exact paste), and on by default where a person gets the composite: the
    window's preview and the command line's placed photos.
    """
    if mode not in ("strict", "whole"):
        raise ValueError(f"mode must be 'strict' or 'whole', not {mode!r}")
    _check_image(photo, "photo")
    height, width = photo.shape[:2]
    if crop is None or tuple(crop) == (0, 0, width, height):
        return _composite_part(photo, result, coverage, (0, 0, width, height), mode=mode,
                               feather_px=feather_px, harmonize=harmonize)
    x, y, w, h = crop
    if w <= 0 or h <= 0 or x < 0 or y < 0 or x + w > width or y + h > height:
        raise ValueError(f"the crop {crop} is not inside the {width}×{height} photo")
    _check_coverage(coverage)
    part = _composite_part(photo[y:y + h, x:x + w], result, coverage[y:y + h, x:x + w], (x, y, w, h),
                           mode=mode, feather_px=feather_px, harmonize=harmonize)
    pixels = photo.copy()
    pixels[y:y + h, x:x + w] = part.pixels
    return Composite(pixels, part.spill, part.report)


def _composite_part(photo: np.ndarray, result: np.ndarray, coverage: np.ndarray,
                    region: tuple[int, int, int, int], *, mode: CompositeMode, feather_px: float,
                    harmonize: bool) -> Composite:
    """`composite` on the part of the photo that was sent, `region` of the whole photo."""
    if mode == "strict":
        if coverage.shape != photo.shape[:2]:
            raise ValueError(f"coverage {coverage.shape} and photo {photo.shape[:2]} must be the same size")
        weights = paste_weights(coverage, feather_px=feather_px)
        pixels = paste(photo, fit_result(result, (photo.shape[1], photo.shape[0])), weights)
        if harmonize and weights.box is not None:
            correction = seam_correction(photo, result, coverage)
            if correction is not None:
                apply_correction(pixels, correction, weights.box, weights.weight)
    else:
        pixels = whole_result(photo, result)
    report = measure_spill(photo, result, coverage, region=region)
    return Composite(pixels, report.share, report)


def _with_channels(image: np.ndarray, photo: np.ndarray) -> np.ndarray:
    """`image` with the photo's channel count: drop its alpha, or borrow the photo's."""
    have, want = image.shape[2], photo.shape[2]
    if have == want:
        return image
    if have == 4:
        return image[..., :3]
    return np.dstack((image, photo[..., 3:4]))
