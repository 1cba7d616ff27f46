"""Seam harmonisation: match the pasted area's colour and tone to the photo around it.

A model often answers a little warmer, darker or flatter than the photo; pasted through the mask,
that shows as a seam along the mask's edge. This measures the colour step where the seam is and
removes it with a smooth (low-frequency) field added to the pasted pixels: full at the mask's edge,
fading to nothing at the mask's deepest point. The field is smooth, so the detail the model drew
stays as it was, and it is added in proportion to the paste weight, so a pixel outside the mask
(weight 0) stays bit-identical to the photo.

How the field is made:

1. On the mask's surroundings in the answer (the answer's own pixels, at most WORK_SIDE px long):
   the field is smooth, so this bounds time and memory whatever the photo's size, and there the
   photo is scaled exactly as the request scaled it, so an answer that kept the photo differs from
   it by exactly nothing.
2. d = answer - photo in two rings RING px wide along the mask's edge: outside (past a GAP, where
   resampling has blurred the edit's own edge), where the model was to keep the photo, so d is its
   tone drift; and inside, where the seam shows (drift plus whatever the edit changed there). Each
   ring's d is averaged along the edge by a Gaussian (SMOOTHING of the mask's longer side), each
   pixel weighted 1 / (1 + (|d| / ROBUST_LEVELS)²) so an object crossing the edge does not pass
   for tone.
3. The target at the edge is the outside drift, plus the rest of the inside step as long as it is
   small enough to be a tone mismatch: all of it up to TONE_LEVELS, none beyond twice that, judged
   both where it is and by its median along the whole edge. A larger step is the edit itself (a
   shirt asked to be red stays red at its edge), and a total beyond that is a repaint, not a drift;
   both are left alone.
4. The target is spread over the mask by pull-push (the pyramid way of filling holes from scattered
   values) and faded with smoothstep from the edge to the mask's deepest point. The field is shrunk
   by NOISE_LEVELS, so a field of rounding noise (an answer that kept the photo) changes nothing.
5. At the photo's size the field is interpolated a strip of rows at a time over the paste's box
   only, so a 24 MP photo never holds a full-size float copy.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from editor.imaging.fit import check_coverage, check_image, fit_coverage, fit_result
from editor.imaging.mask import bounding_box

WORK_SIDE = 512  # px: the field is computed on at most this much of the answer
RING = 4  # px at the work size: the width of each ring along the edge
GAP = 2  # px at the work size between the edge and the outer ring (resampling blurs the edit's edge)
SMOOTHING = 0.03  # the averaging along the edge, as a share of the mask's longer side
ROBUST_LEVELS = 20.0  # |d| (RGB distance, 0..255 levels) at which a pixel's say is halved
TONE_LEVELS = 36.0  # an inside step up to this is tone; from twice this, the edit itself
NOISE_LEVELS = 1.0  # corrections this small are rounding noise and are shrunk away
STRIP_ROWS = 256  # rows of the photo corrected at once


@dataclass(frozen=True)
class SeamCorrection:
    """What to add to one pasted answer: `field` is (h, w, 3) float32, in levels, over the mask's
    surroundings at the work size; `size` is the photo part's (width, height), and `to_field` =
    (ax, bx, ay, by) maps a photo pixel's centre (x, y) to the field's (ax * x + bx, ay * y + by)."""

    field: np.ndarray
    size: tuple[int, int]
    to_field: tuple[float, float, float, float]


def seam_correction(photo: np.ndarray, result: np.ndarray, coverage: np.ndarray) -> SeamCorrection | None:
    """The field that removes the colour step along the mask's edge when `result` (as decoded, any
    size) is pasted into `photo` through `coverage`; None when there is nothing to correct (no
    edge inside the frame, or a step that is noise, the edit itself or a repaint)."""
    check_image(photo, "photo")
    check_image(result, "result")
    coverage = check_coverage(coverage)
    if coverage.shape != photo.shape[:2]:
        raise ValueError(f"coverage {coverage.shape} and photo {photo.shape[:2]} must be the same size")
    answer = (result.shape[1], result.shape[0])
    coverage_a = fit_coverage(coverage, answer)
    box = bounding_box(coverage_a, 1)
    if box is None:
        return None
    # The mask's surroundings in the answer, far enough out for the rings and the averaging.
    x0, y0, x1, y1 = box
    margin = math.ceil(0.25 * max(x1 - x0, y1 - y0)) + 2 * RING + 2
    x0, y0 = max(x0 - margin, 0), max(y0 - margin, 0)
    x1, y1 = min(x1 + margin, answer[0]), min(y1 + margin, answer[1])
    scale = min(1.0, WORK_SIDE / max(x1 - x0, y1 - y0))
    work = (max(1, round((x1 - x0) * scale)), max(1, round((y1 - y0) * scale)))
    # The photo goes to the answer's size first, as the request took it there: an answer that kept
    # the photo then differs from it by nothing.
    photo_w = fit_result(np.ascontiguousarray(fit_result(photo, answer)[y0:y1, x0:x1]), work)
    result_w = fit_result(np.ascontiguousarray(result[y0:y1, x0:x1]), work)
    inside = (fit_coverage(np.ascontiguousarray(coverage_a[y0:y1, x0:x1]), work) >= 128).view(np.uint8)
    sigma = max(2.0, SMOOTHING * max(box[2] - box[0], box[3] - box[1]) * scale)
    field = _field(photo_w, result_w, inside, sigma)
    if field is None:
        return None
    width, height = photo.shape[1], photo.shape[0]
    kx, ky = work[0] / (x1 - x0), work[1] / (y1 - y0)
    ax, ay = answer[0] / width * kx, answer[1] / height * ky
    to_field = (ax, (0.5 * answer[0] / width - x0) * kx - 0.5, ay, (0.5 * answer[1] / height - y0) * ky - 0.5)
    return SeamCorrection(field, (width, height), to_field)


def apply_correction(pixels: np.ndarray, correction: SeamCorrection, box: tuple[int, int, int, int],
                     weight: np.ndarray) -> None:
    """Add the field to `pixels` (the pasted photo, changed in place) inside `box` = (x0, y0, x1, y1)
    in proportion to `weight` (the paste weights on that box, 0..255): weight 0 keeps every bit.

    The field is interpolated onto the photo one strip of rows at a time.
    """
    width, height = correction.size
    if (pixels.shape[1], pixels.shape[0]) != (width, height):
        raise ValueError(f"the correction is for a {width}×{height} photo, "
                         f"not {pixels.shape[1]}×{pixels.shape[0]}")
    x0, y0, x1, y1 = box
    ax, bx, ay, by = correction.to_field
    for top in range(y0, y1, STRIP_ROWS):
        bottom = min(top + STRIP_ROWS, y1)
        to_field = np.float32([[ax, 0, ax * x0 + bx], [0, ay, ay * top + by]])
        strip = cv2.warpAffine(correction.field, to_field, (x1 - x0, bottom - top),
                               flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP, borderMode=cv2.BORDER_REPLICATE)
        share = weight[top - y0:bottom - y0].astype(np.float32) * np.float32(1 / 255)
        target = pixels[top:bottom, x0:x1, :3]
        corrected = target.astype(np.float32) + strip * share[..., None]
        target[...] = np.clip(np.rint(corrected), 0, 255).astype(np.uint8)


def _field(photo: np.ndarray, result: np.ndarray, inside: np.ndarray, sigma: float) -> np.ndarray | None:
    """Steps 2-4 at the work size: the correction to add to `result`, or None if there is none."""
    ring_in, ring_out = _rings(inside)
    if not ring_in.any():
        return None  # the mask fills the frame: no seam to match
    difference = result[..., :3].astype(np.float32) - photo[..., :3].astype(np.float32)
    trust = 1.0 / (1.0 + np.square(_norm(difference) / ROBUST_LEVELS))
    if result.shape[2] == 4:  # a transparent part of the answer says nothing about its tone
        trust *= result[..., 3].astype(np.float32) / 255.0
    step_in, known = _along_edge(difference, trust * ring_in, sigma)
    drift, _ = _along_edge(difference, trust * ring_out, sigma)
    known &= (ring_in | ring_out) > 0
    if not known.any():
        return None
    unconfirmed = step_in - drift
    target = drift + (_gate(unconfirmed) * _typical_gate(unconfirmed, known))[..., None] * unconfirmed
    target *= (_gate(target) * _typical_gate(target, known))[..., None]
    field = -_smooth(_pull_push(target, known.astype(np.float32)), sigma) * _fade(inside)[..., None]
    size = _norm(field)
    if float(size.max(initial=0.0)) <= NOISE_LEVELS:
        return None
    field *= (np.maximum(size - NOISE_LEVELS, 0.0) / np.maximum(size, 1e-6))[..., None]
    return np.ascontiguousarray(field, np.float32)


def _rings(inside: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The RING px just inside the mask's edge, and RING px outside it past a GAP (uint8 0/1). The
    frame's border is no edge: beyond it counts as inside when shrinking, outside when growing."""
    shrunk = cv2.erode(inside, _disc(RING), borderType=cv2.BORDER_CONSTANT, borderValue=1)
    near = cv2.dilate(inside, _disc(GAP), borderType=cv2.BORDER_CONSTANT, borderValue=0)
    grown = cv2.dilate(inside, _disc(GAP + RING), borderType=cv2.BORDER_CONSTANT, borderValue=0)
    return inside - shrunk, grown - near


def _disc(radius: int) -> np.ndarray:
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))


def _along_edge(difference: np.ndarray, weight: np.ndarray, sigma: float) -> tuple[np.ndarray, np.ndarray]:
    """The weighted local mean of `difference` (normalised convolution) and where it is defined."""
    weight = weight.astype(np.float32)
    total = _smooth(weight, sigma)
    summed = _smooth(difference * weight[..., None], sigma)
    defined = total > 1e-4
    mean = np.where(defined[..., None], summed / np.maximum(total, 1e-4)[..., None], 0.0)
    return mean.astype(np.float32), defined


def _smooth(image: np.ndarray, sigma: float) -> np.ndarray:
    """A Gaussian blur; a wide one runs on a copy shrunk by about sigma / 2 (the result is smooth at
    that scale anyway), which keeps it at a few milliseconds."""
    if sigma <= 4.0:
        return cv2.GaussianBlur(image, (0, 0), sigma, borderType=cv2.BORDER_REPLICATE)
    height, width = image.shape[:2]
    factor = int(sigma // 2)
    small = cv2.resize(image, (max(1, -(-width // factor)), max(1, -(-height // factor))),
                       interpolation=cv2.INTER_AREA)
    small = cv2.GaussianBlur(small, (0, 0), sigma / factor, borderType=cv2.BORDER_REPLICATE)
    return cv2.resize(small, (width, height), interpolation=cv2.INTER_LINEAR).reshape(image.shape)


def _gate(step: np.ndarray) -> np.ndarray:
    """1 for an RGB step up to TONE_LEVELS, falling linearly to 0 at twice that."""
    return np.clip((2.0 * TONE_LEVELS - _norm(step)) / TONE_LEVELS, 0.0, 1.0)


def _typical_gate(step: np.ndarray, where: np.ndarray) -> float:
    """`_gate` of the median step along the whole edge: an edit that recolours the area, or a repaint,
    is rejected everywhere, even where clipping (no darker than black) makes its step look small."""
    return float(np.clip((2.0 * TONE_LEVELS - np.median(_norm(step[where]))) / TONE_LEVELS, 0.0, 1.0))


def _norm(vectors: np.ndarray) -> np.ndarray:
    return np.sqrt(np.einsum("...c,...c->...", vectors, vectors))


def _pull_push(values: np.ndarray, known: np.ndarray) -> np.ndarray:
    """`values` where `known` (0..1) says so, smoothly filled in everywhere else: halve the weighted
    values and weights level by level until one cell is left (pull), then go back up, each level
    keeping what it knows and taking the rest from the level above (push)."""
    levels = []
    summed, weight = values * known[..., None], known
    while True:
        levels.append((summed, weight))
        height, width = weight.shape
        if height == 1 and width == 1:
            break
        size = ((width + 1) // 2, (height + 1) // 2)
        area = (width * height) / (size[0] * size[1])
        summed = cv2.resize(summed, size, interpolation=cv2.INTER_AREA).reshape(size[1], size[0], 3) * area
        weight = cv2.resize(weight, size, interpolation=cv2.INTER_AREA).reshape(size[1], size[0]) * area
        full = weight > 1.0
        summed[full] /= weight[full][:, None]
        weight = np.minimum(weight, 1.0)
    summed, weight = levels[-1]
    filled = summed / max(float(weight[0, 0]), 1e-6)
    for summed, weight in reversed(levels[:-1]):
        above = cv2.resize(filled, (weight.shape[1], weight.shape[0]), interpolation=cv2.INTER_LINEAR)
        filled = summed + (1.0 - weight)[..., None] * above.reshape(summed.shape)
    return filled.astype(np.float32)


def _fade(inside: np.ndarray) -> np.ndarray:
    """1 outside and at the mask's edge, falling by smoothstep to 0 at its deepest point."""
    depth = cv2.distanceTransform(inside, cv2.DIST_L2, 5)
    reach = max(float(depth.max()), 1.0)
    t = np.clip(1.0 - depth / reach, 0.0, 1.0)
    return (t * t * (3.0 - 2.0 * t)).astype(np.float32)
