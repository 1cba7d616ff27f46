"""Lay variants over the photo through paste masks that can be edited after the result arrived.

A paste mask is a layer mask in Photoshop's sense: where it is 255 the variant shows, where it is 0
the photo, between them a blend; its edge is softened by a feather that can change at any time.
A variant starts from the mask its job was sent with, and the user paints parts of it back to the
photo or reveals more of the variant; mixing paints parts of other variants in over it, each
through a paste mask of its own, in the order they were added.

Composition is exact and local: a pixel's value depends only on the photo, the layers and the
paste masks within the feather's reach of it, so an edit recomputes only the rect it touched
(plus that reach) and gives the same bits as composing the whole photo again. Outside every paste
mask (weight 0 after feathering) the photo is bit-identical; where a weight is 255 the layer's
pixel is copied exactly. Arrays are (H, W, 3|4) uint8 RGB(A); coverage is (H, W) uint8.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from editor.imaging.composite import PasteWeights, paste, whole_result
from editor.imaging.fit import check_coverage, check_image
from editor.imaging.harmonize import apply_correction, seam_correction
from editor.imaging.mask import bounding_box

Rect = tuple[int, int, int, int]  # (x0, y0, x1, y1), x1 and y1 exclusive


@dataclass(frozen=True)
class PasteLayer:
    """One variant over the photo: `pixels` is the variant at the photo's size (`variant_layer`),
    `coverage` its paste mask (0 keeps what is below, 255 takes the variant)."""

    pixels: np.ndarray
    coverage: np.ndarray


def variant_layer(photo: np.ndarray, result: np.ndarray, coverage: np.ndarray, *,
                  crop: tuple[int, int, int, int] | None = None, harmonize: bool = True) -> np.ndarray:
    """The variant at the photo's size as it would look pasted everywhere: the decoded `result`
    fitted onto `crop` = (x, y, width, height), the part of the photo that was sent (the whole
    photo when None), and the photo's own pixels beyond it (the model never saw them). With
    `harmonize` its colour and tone are matched along the edge of `coverage`, the mask the job
    was sent with (editor.imaging.harmonize), exactly as the composite of that mask matches it."""
    check_image(photo, "photo")
    check_image(result, "result")
    coverage = check_coverage(coverage)
    height, width = photo.shape[:2]
    if coverage.shape != (height, width):
        raise ValueError(f"coverage {coverage.shape} and photo {photo.shape[:2]} must be the same size")
    x, y, w, h = crop if crop is not None else (0, 0, width, height)
    if w <= 0 or h <= 0 or x < 0 or y < 0 or x + w > width or y + h > height:
        raise ValueError(f"the crop {crop} is not inside the {width}×{height} photo")
    layer = np.array(photo, copy=True)
    part = layer[y:y + h, x:x + w]
    part[...] = whole_result(photo[y:y + h, x:x + w], result)
    if harmonize:
        correction = seam_correction(photo[y:y + h, x:x + w], result, coverage[y:y + h, x:x + w])
        if correction is not None:
            apply_correction(part, correction, (0, 0, w, h), np.full((h, w), 255, np.uint8))
    return layer


def feather_reach(feather_px: float) -> int:
    """How far (px) a paste mask's change can move the composite: past four sigmas of the feather's
    Gaussian (sigma = feather / 2), beyond the reach of OpenCV's kernel for 8-bit images."""
    return 0 if feather_px <= 0 else math.ceil(2.0 * feather_px) + 2


def region_weights(coverage: np.ndarray, rect: Rect, feather_px: float) -> np.ndarray:
    """The feathered paste mask on `rect` only: blurred on the rect plus the feather's reach, which
    equals blurring the whole mask (its replicated border is the photo's own border, or beyond
    the kernel's reach)."""
    x0, y0, x1, y1 = rect
    if feather_px <= 0:
        return np.array(coverage[y0:y1, x0:x1], copy=True)
    reach = feather_reach(feather_px)
    height, width = coverage.shape
    ex0, ey0 = max(x0 - reach, 0), max(y0 - reach, 0)
    ex1, ey1 = min(x1 + reach, width), min(y1 + reach, height)
    part = np.ascontiguousarray(coverage[ey0:ey1, ex0:ex1])
    blurred = cv2.GaussianBlur(part, (0, 0), feather_px / 2.0, borderType=cv2.BORDER_REPLICATE)
    return blurred.reshape(part.shape)[y0 - ey0:y1 - ey0, x0 - ex0:x1 - ex0]


def compose_region(photo: np.ndarray, layers: Sequence[PasteLayer], rect: Rect,
                   feather_px: float) -> np.ndarray:
    """The composite's pixels on `rect`: the photo with each layer pasted in turn through its
    feathered paste mask (a later layer over the earlier ones)."""
    x0, y0, x1, y1 = rect
    pixels = np.array(photo[y0:y1, x0:x1], copy=True)
    size = (x1 - x0, y1 - y0)
    for layer in layers:
        weight = region_weights(layer.coverage, rect, feather_px)
        if weight.any():
            pixels = paste(pixels, layer.pixels[y0:y1, x0:x1], PasteWeights((0, 0, *size), weight, size))
    return pixels


def compose(photo: np.ndarray, layers: Sequence[PasteLayer], feather_px: float) -> np.ndarray:
    """The whole composite: a copy of the photo, recomputed only on the box the paste masks (and
    their feather) reach."""
    check_image(photo, "photo")
    for layer in layers:
        if layer.pixels.shape[:2] != photo.shape[:2] or layer.coverage.shape != photo.shape[:2]:
            raise ValueError("every layer and paste mask must have the photo's size")
    pixels = np.array(photo, copy=True)
    box = touched_box([layer.coverage for layer in layers], feather_px)
    if box is not None:
        x0, y0, x1, y1 = box
        pixels[y0:y1, x0:x1] = compose_region(photo, layers, box, feather_px)
    return pixels


def touched_box(coverages: Sequence[np.ndarray], feather_px: float) -> Rect | None:
    """The box outside which every feathered paste mask is 0, or None when all are empty."""
    boxes = [box for box in (bounding_box(check_coverage(c), 1) for c in coverages) if box is not None]
    if not boxes:
        return None
    height, width = coverages[0].shape
    reach = feather_reach(feather_px)
    return (max(min(b[0] for b in boxes) - reach, 0), max(min(b[1] for b in boxes) - reach, 0),
            min(max(b[2] for b in boxes) + reach, width), min(max(b[3] for b in boxes) + reach, height))


def grown(rect: Rect, feather_px: float, size: tuple[int, int]) -> Rect:
    """`rect` grown by the feather's reach and kept inside `size` = (width, height): what a change
    of the paste mask on `rect` can change in the composite."""
    reach = feather_reach(feather_px)
    x0, y0, x1, y1 = rect
    return max(x0 - reach, 0), max(y0 - reach, 0), min(x1 + reach, size[0]), min(y1 + reach, size[1])
