"""The spill meter: how much a model changed the photo where it was told to keep it.

Many models redraw the whole picture, so the pixels outside the mask come back altered: most often
slightly (a tone drift of a few levels over most of the frame), sometimes badly (a shadow or an
object wandering out of the mask). The meter gives three things: the share of the outside pixels
that changed, the mean change, and a heat map of where.

A pixel counts as changed when its largest channel difference exceeds CHANGE_THRESHOLD = 1 level of
255, i.e. moved by 2 or more. One level is what rounding alone makes (a model working in floating
point and rounding back, or an sRGB round trip), so an answer that kept the photo reads 0 %. Anything
larger is kept in the count: the meter used to ignore up to 12 levels, which hid a drift that
changed 83 % of a photo and shows as a seam in smooth areas. A JPEG answer counts too (a quality-95
round trip alone changes 83 % of resources/samples/coffee.png by 2 levels or more, mean 3.9), because
it really has changed those pixels: strict mode never shows them, whole mode pastes them. The mean
tells slight from serious, and the sentence says "slightly" when the changed pixels moved by
SLIGHT_LEVELS or less on average.

Compared at the answer's resolution: the photo is fitted to the answer's size exactly as the request
scaled it (so an unchanged answer reads 0; comparing at the photo's size would count the upscale's
lost detail as change everywhere, and costs 10-20× more on big photos). "Outside" is where the mask
scaled to that size is fully 0, shrunk by one pixel so resampling at the mask's edge does not count.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from editor.imaging.fit import check_coverage, check_image, fit_coverage, fit_result

CHANGE_THRESHOLD = 1
# Changes this small on average are hard to see side by side (about 3 % of the range).
SLIGHT_LEVELS = 8.0
# In the heat overlay a change of this many levels or more has the hottest colour.
HEAT_FULL_LEVELS = 64


@dataclass(frozen=True)
class SpillFigures:
    """What the meter read: `share` (0..1) of the outside pixels changed by more than `threshold`
    levels, `mean` change (largest channel difference, 0..255) over all of them, and
    `changed_mean`, the mean change of the pixels that count as changed (0 when none did)."""

    share: float
    mean: float
    changed_mean: float
    threshold: int = CHANGE_THRESHOLD

    def as_dict(self) -> dict:
        return {"changed_share": round(self.share, 6), "mean_change": round(self.mean, 3),
                "mean_change_of_changed": round(self.changed_mean, 3), "threshold": self.threshold}


@dataclass(frozen=True)
class SpillReport:
    """The figures and where the change is: `heat` is an (h, w) uint8 map at the answer's resolution
    holding each counted pixel's change in levels (0 inside the mask and where nothing counted).
    It covers `region` = (x, y, width, height) of the photo, the part that was sent (the whole
    photo when the request was not cropped); `heat_overlay` colours it for showing over the photo."""

    figures: SpillFigures
    heat: np.ndarray = field(repr=False)
    region: tuple[int, int, int, int]

    @property
    def share(self) -> float:
        return self.figures.share


def measure_spill(photo: np.ndarray, result: np.ndarray, coverage: np.ndarray, *,
                  threshold: int = CHANGE_THRESHOLD,
                  region: tuple[int, int, int, int] | None = None) -> SpillReport:
    """Compare `result` with the `photo` (and its `coverage`) it answers, outside the mask.

    `photo` and `coverage` are the part that was sent, at the photo's resolution; `region` says
    where that part sits in the whole photo (default: it is the whole photo). Only the channels
    both images have are compared.
    """
    check_image(photo, "photo")
    check_image(result, "result")
    coverage = check_coverage(coverage)
    if coverage.shape != photo.shape[:2]:
        raise ValueError(f"coverage {coverage.shape} and photo {photo.shape[:2]} must be the same size")
    height, width = result.shape[:2]
    photo_at_result = fit_result(photo, (width, height))
    keep = (coverage == 0).view(np.uint8) * np.uint8(255)
    keep = (fit_coverage(keep, (width, height)) == 255).view(np.uint8)
    outside = cv2.erode(keep, np.ones((3, 3), np.uint8), borderType=cv2.BORDER_CONSTANT, borderValue=255)
    channels = min(photo.shape[2], result.shape[2])
    difference = _largest_channel(cv2.absdiff(result[..., :channels], photo_at_result[..., :channels]))
    # numpy's compare, not cv2.compare: OpenCV mistakes a 1×1 array for a scalar.
    changed = ((difference > threshold) & (outside > 0)).view(np.uint8)
    total = int(np.count_nonzero(outside))
    counted = int(np.count_nonzero(changed))
    if region is None:
        region = (0, 0, photo.shape[1], photo.shape[0])
    if total == 0:
        nothing = SpillFigures(0.0, 0.0, 0.0, threshold)
        return SpillReport(nothing, np.zeros((height, width), np.uint8), region)
    mean = cv2.mean(difference, mask=outside)[0]
    changed_mean = cv2.mean(difference, mask=changed)[0] if counted else 0.0
    heat = difference * changed
    return SpillReport(SpillFigures(counted / total, mean, changed_mean, threshold), heat, region)


def _largest_channel(difference: np.ndarray) -> np.ndarray:
    """Each pixel's largest channel of `difference` (h, w, c), as a contiguous (h, w) array: the
    channels' pairwise maxima, which cost a millisecond where numpy's max over a 3-wide last axis
    costs 30 (per megapixel)."""
    largest = np.ascontiguousarray(difference[..., 0])
    for channel in range(1, difference.shape[2]):
        np.maximum(largest, difference[..., channel], out=largest)
    return largest


def heat_overlay(heat: np.ndarray) -> np.ndarray:
    """The heat map as (h, w, 4) RGBA for drawing over the photo: transparent where nothing changed,
    else a colour from dark purple (a change of 2 levels) to yellow (HEAT_FULL_LEVELS or more), on a
    log scale so a drift of a few levels is still seen beside an object that wandered out."""
    level = np.log1p(heat.astype(np.float32)) * (255.0 / np.log1p(HEAT_FULL_LEVELS))
    level = np.clip(level, 0, 255).astype(np.uint8)
    rgb = cv2.cvtColor(cv2.applyColorMap(level, cv2.COLORMAP_INFERNO), cv2.COLOR_BGR2RGB)
    alpha = np.where(heat > 0, 128 + level // 2, 0).astype(np.uint8)
    return np.dstack((rgb, alpha))


def paint_heat(pixels: np.ndarray, report: SpillReport) -> np.ndarray:
    """A copy of `pixels` (the photo or the variant at the photo's size, RGB or RGBA) with the
    report's heat overlay laid over the region the model saw, scaled to it."""
    check_image(pixels, "pixels")
    x, y, width, height = report.region
    overlay = heat_overlay(report.heat)
    if overlay.shape[:2] != (height, width):
        overlay = cv2.resize(overlay, (width, height), interpolation=cv2.INTER_NEAREST)
    painted = np.array(pixels, copy=True)
    area = painted[y:y + height, x:x + width, :3].astype(np.float32)
    alpha = overlay[..., 3:4].astype(np.float32) / 255.0
    blended = area * (1.0 - alpha) + overlay[..., :3].astype(np.float32) * alpha
    painted[y:y + height, x:x + width, :3] = np.rint(blended).astype(np.uint8)
    return painted


def describe_spill(spill: float | SpillFigures | SpillReport | None) -> str:
    """A short sentence about the spill. For the figures: "changed 83 % of the photo outside the
    mask slightly (mean change 2.1 of 255)"; for a bare share (what a variant's marks keep):
    "changed 83 % outside the mask"; "" when nothing was measured."""
    if spill is None:
        return ""
    if isinstance(spill, SpillReport):
        spill = spill.figures
    if not isinstance(spill, SpillFigures):
        return f"changed {_percent(spill)} % outside the mask"
    if spill.share == 0:
        return "changed nothing outside the mask"
    slightly = " slightly" if spill.changed_mean <= SLIGHT_LEVELS else ""
    return (f"changed {_percent(spill.share)} % of the photo outside the mask{slightly} "
            f"(mean change {spill.mean:.1f} of 255)")


def _percent(share: float) -> str:
    percent = share * 100
    return f"{percent:.0f}" if percent >= 1 or percent == 0 else "<1"
