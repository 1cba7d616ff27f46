"""The spill meter against answers with known changes outside the mask: the share changed, the mean
change, the heat map of where, and the sentence that says it."""

from __future__ import annotations

import io

import cv2
import numpy as np
import pytest
from PIL import Image

from editor.imaging.composite import composite, fit_result, spill_fraction
from editor.imaging.spill import (
    CHANGE_THRESHOLD,
    SpillFigures,
    describe_spill,
    heat_overlay,
    measure_spill,
)
from tests.imaging.seam_metrics import coffee, cup_mask

H, W = 300, 400


def smooth_photo() -> np.ndarray:
    """Gradients with headroom, so +2 or +40 never saturates."""
    y, x = np.indices((H, W))
    return np.dstack([x * 200 // W, y * 200 // H, (x + y) * 100 // (W + H)]).astype(np.uint8)


def blob() -> np.ndarray:
    coverage = np.zeros((H, W), np.uint8)
    cv2.ellipse(coverage, (W // 2, H // 2), (W // 4, H // 5), 20, 0, 360, 255, -1)
    return coverage


def changed_outside(share: float, by: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The photo, its mask, and an answer in which exactly `share` of the pixels outside the mask
    were raised by `by` levels (and the masked area repainted, which must not count)."""
    photo, coverage = smooth_photo(), blob()
    answer = photo.copy()
    outside = np.flatnonzero(coverage == 0)
    chosen = np.random.default_rng(seed).choice(outside, round(share * outside.size), replace=False)
    answer.reshape(-1, 3)[chosen] += np.uint8(by)
    answer[coverage > 0] = 255 - answer[coverage > 0]
    return photo, coverage, answer


def test_83_percent_raised_by_2_reads_83_percent_slightly() -> None:
    photo, coverage, answer = changed_outside(0.83, 2)
    report = measure_spill(photo, answer, coverage)
    assert report.share == pytest.approx(0.83, abs=0.005)
    assert report.figures.mean == pytest.approx(0.83 * 2, abs=0.02)
    assert report.figures.changed_mean == pytest.approx(2.0)
    assert describe_spill(report) == ("changed 83 % of the photo outside the mask slightly "
                                      "(mean change 1.7 of 255)")
    # what the meter said before: a change under 12 levels did not count
    assert spill_fraction(photo, answer, coverage, threshold=12) < 0.01


def test_10_percent_changed_by_40_reads_10_percent_not_slightly() -> None:
    photo, coverage, answer = changed_outside(0.10, 40, seed=1)
    figures = measure_spill(photo, answer, coverage).figures
    assert figures.share == pytest.approx(0.10, abs=0.005)
    assert figures.mean == pytest.approx(4.0, abs=0.1)
    assert figures.changed_mean == pytest.approx(40.0)
    assert describe_spill(figures) == "changed 10 % of the photo outside the mask (mean change 4.0 of 255)"


def test_one_level_of_rounding_is_not_a_change() -> None:
    photo, coverage = smooth_photo(), blob()
    answer = photo.copy()
    answer[::2] += 1
    answer[1::2] = np.maximum(answer[1::2], 1) - 1
    figures = measure_spill(photo, answer, coverage).figures
    assert figures.share == 0 and figures.mean == pytest.approx(1.0, abs=0.01)
    assert describe_spill(figures) == "changed nothing outside the mask"
    assert CHANGE_THRESHOLD == 1


def test_the_heat_map_shows_where_and_by_how_much() -> None:
    photo, coverage = smooth_photo(), blob()
    answer = photo.copy()
    answer[10:40, 20:60] += np.uint8(30)  # a patch outside the mask
    answer[H // 2, W // 2] = 0  # inside the mask: the edit, not spill
    answer[250, 5, 1] += 1  # a level of rounding
    report = measure_spill(photo, answer, coverage)
    assert report.heat.shape == (H, W) and report.heat.dtype == np.uint8
    assert report.region == (0, 0, W, H)
    expected = np.zeros((H, W), np.uint8)
    expected[10:40, 20:60] = 30
    assert np.array_equal(report.heat, expected)


def test_each_pixel_counts_its_largest_channel_change_alpha_included() -> None:
    photo, coverage = smooth_photo(), blob()
    photo = np.dstack((photo, np.full((H, W), 200, np.uint8)))
    answer = photo.copy()
    answer[10:20, 20:30, 0] += np.uint8(5)  # red only
    answer[10:20, 20:30, 2] += np.uint8(9)  # and more blue: the blue change is the pixel's
    answer[50:60, 20:30, 1] -= np.uint8(7)  # green only
    answer[90:100, 20:30, 3] -= np.uint8(50)  # alpha only, where both have it
    report = measure_spill(photo, answer, coverage)
    expected = np.zeros((H, W), np.uint8)
    expected[10:20, 20:30], expected[50:60, 20:30], expected[90:100, 20:30] = 9, 7, 50
    assert np.array_equal(report.heat, expected) and report.heat.flags.c_contiguous
    assert report.figures.changed_mean == pytest.approx((9 + 7 + 50) / 3)
    rgb_only = measure_spill(photo[..., :3], answer, coverage)  # the channels both have: no alpha
    assert rgb_only.figures.changed_mean == pytest.approx((9 + 7) / 2)


def test_the_heat_overlay_is_clear_where_nothing_changed_and_hotter_where_more_did() -> None:
    heat = np.array([[0, 2, 8, 64, 200]], np.uint8)
    overlay = heat_overlay(heat)
    assert overlay.shape == (1, 5, 4) and overlay.dtype == np.uint8
    assert overlay[0, 0, 3] == 0 and (overlay[0, 1:, 3] > 0).all()
    brightness = overlay[0, :, :3].astype(int).sum(axis=1)
    assert list(brightness[1:4]) == sorted(brightness[1:4]) and brightness[3] == brightness[4]


def test_measured_at_the_answers_size_and_on_the_part_that_was_sent() -> None:
    photo, coverage = smooth_photo(), blob()
    answer = fit_result(photo, (200, 150))  # what a model that kept everything sends back
    assert measure_spill(photo, answer, coverage).share == 0
    answer[:75] += np.uint8(3)  # the top half raised a little, inside and outside the mask
    report = measure_spill(photo, answer, coverage, region=(40, 30, W, H))
    assert report.heat.shape == (150, 200) and report.region == (40, 30, W, H)
    assert report.share == pytest.approx(0.5, abs=0.05)


def test_the_composite_carries_the_meters_report() -> None:
    photo, coverage, answer = changed_outside(0.25, 40, seed=2)
    made = composite(photo, answer, coverage)
    assert made.report is not None and made.spill == made.report.share == pytest.approx(0.25, abs=0.005)
    assert spill_fraction(photo, answer, coverage) == made.spill


def test_a_jpeg_answer_counts_as_a_slight_change_everywhere() -> None:
    photo = coffee()
    coverage = cup_mask(photo.shape)
    buffer = io.BytesIO()
    Image.fromarray(photo).save(buffer, "JPEG", quality=95)
    figures = measure_spill(photo, np.array(Image.open(buffer)), coverage).figures
    assert figures.share > 0.5 and figures.changed_mean <= 8.0
    assert "slightly" in describe_spill(figures)


def test_a_bare_share_reads_as_it_always_did() -> None:
    assert describe_spill(0.34) == "changed 34 % outside the mask"
    assert describe_spill(0.004) == "changed <1 % outside the mask"
    assert describe_spill(0.0) == "changed 0 % outside the mask"
    assert describe_spill(None) == ""
    assert SpillFigures(0.5, 3.0, 6.0).as_dict() == {"changed_share": 0.5, "mean_change": 3.0,
                                                     "mean_change_of_changed": 6.0, "threshold": 1}
