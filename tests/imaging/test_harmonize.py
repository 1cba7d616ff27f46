"""Seam harmonisation: the pasted area's tone matched to the photo along the mask's edge, detail
kept, nothing outside the mask touched; off, the exact paste it always was."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from editor.imaging import harmonize
from editor.imaging.composite import composite, fit_result, paste_weights, strict_composite
from tests.imaging.seam_metrics import coffee, cup_mask, high_pass_energy, seam_delta_e, tone_shifted


@pytest.fixture(scope="module")
def scene() -> tuple[np.ndarray, np.ndarray]:
    photo = coffee()
    return photo, cup_mask(photo.shape)


def outside(coverage: np.ndarray, feather_px: float = 2.0) -> np.ndarray:
    """The pixels a paste must leave alone: paste weight 0."""
    return paste_weights(coverage, feather_px=feather_px).full_frame() == 0


# --- off: the exact paste ----------------------------------------------------------------------------


def test_off_is_the_exact_paste_it_always_was(scene) -> None:
    photo, coverage = scene
    answer = cv2.resize(tone_shifted(photo), (384, 256), interpolation=cv2.INTER_AREA)  # the API's size
    made = composite(photo, answer, coverage, harmonize=False)
    assert np.array_equal(made.pixels, strict_composite(photo, fit_result(answer, (600, 400)), coverage))
    # the same blend written out independently: round((photo * (255 - w) + answer * w) / 255)
    w = paste_weights(coverage).full_frame().astype(np.float64)[..., None]
    fitted = fit_result(answer, (600, 400)).astype(np.float64)
    blended = np.floor((photo * (255 - w) + fitted * w) / 255 + 0.5).astype(np.uint8)
    assert np.array_equal(made.pixels, blended)
    assert np.array_equal(composite(photo, answer, coverage).pixels, made.pixels)  # off unless asked


# --- on: the seam goes, the rest stays ---------------------------------------------------------------


def test_a_tone_shift_inside_the_mask_loses_most_of_its_seam(scene) -> None:
    photo, coverage = scene
    answer = tone_shifted(photo, coverage > 0)  # the shift only where the model was to edit
    off = composite(photo, answer, coverage).pixels
    on = composite(photo, answer, coverage, harmonize=True).pixels
    assert seam_delta_e(off, photo, coverage) > 8.0  # clearly visible
    assert seam_delta_e(on, photo, coverage) <= 0.3 * seam_delta_e(off, photo, coverage)


def test_a_drift_of_the_whole_answer_loses_most_of_its_seam(scene) -> None:
    photo, coverage = scene
    answer = cv2.resize(tone_shifted(photo), (384, 256), interpolation=cv2.INTER_AREA)
    off = composite(photo, answer, coverage).pixels
    on = composite(photo, answer, coverage, harmonize=True).pixels
    assert seam_delta_e(on, photo, coverage) <= 0.3 * seam_delta_e(off, photo, coverage)


def test_no_pixel_outside_the_mask_changes(scene) -> None:
    photo, coverage = scene
    on = composite(photo, tone_shifted(photo), coverage, harmonize=True).pixels
    kept = outside(coverage)
    assert kept.sum() > 100_000
    assert np.array_equal(on[kept], photo[kept])


def test_the_detail_inside_is_kept_and_the_correction_is_smooth(scene) -> None:
    photo, coverage = scene
    answer = tone_shifted(photo, coverage > 0)
    off = composite(photo, answer, coverage).pixels
    on = composite(photo, answer, coverage, harmonize=True).pixels
    assert high_pass_energy(on, coverage) == pytest.approx(high_pass_energy(off, coverage), rel=0.05)
    # what harmonising added is a smooth field: next to no detail of its own
    correction = on.astype(np.int16) - off.astype(np.int16)
    assert np.abs(correction).max() >= 10  # it did correct
    assert high_pass_energy(np.clip(correction + 128, 0, 255).astype(np.uint8), coverage) < 0.02 * \
        high_pass_energy(off, coverage)


def test_the_correction_is_full_at_the_edge_and_fades_towards_the_middle(scene) -> None:
    photo, coverage = scene
    answer = tone_shifted(photo, coverage > 0)
    off = composite(photo, answer, coverage).pixels.astype(np.float32)
    on = composite(photo, answer, coverage, harmonize=True).pixels.astype(np.float32)
    depth = cv2.distanceTransform((coverage >= 128).astype(np.uint8), cv2.DIST_L2, 5)
    red = on[..., 0] - off[..., 0]
    near, deep = red[(depth > 3) & (depth <= 8)].mean(), red[depth > depth.max() - 5].mean()
    shift = (answer[..., 0].astype(np.float32) - photo[..., 0])[(depth > 3) & (depth <= 8)].mean()
    assert near == pytest.approx(-shift, rel=0.2)  # at the edge the shift is taken out
    assert abs(deep) < 0.15 * abs(near)  # in the middle the answer is left nearly as it was


# --- what is not a tone drift is left alone -----------------------------------------------------------


def test_an_answer_that_kept_the_photo_is_pasted_exactly(scene) -> None:
    photo, coverage = scene
    answer = photo.copy()
    answer[150:200, 250:330] = (255, 0, 255)  # a new object in the middle of the mask
    on = composite(photo, answer, coverage, harmonize=True).pixels
    assert np.array_equal(on, composite(photo, answer, coverage).pixels)


def test_an_answer_that_kept_the_photo_at_the_apis_size_is_pasted_exactly(scene) -> None:
    photo, coverage = scene
    answer = fit_result(photo, (384, 256))  # what the request sent, unchanged
    on = composite(photo, answer, coverage, harmonize=True).pixels
    assert np.array_equal(on, composite(photo, answer, coverage).pixels)


def test_a_recolour_the_user_asked_for_keeps_its_colour_at_the_edge(scene) -> None:
    photo, coverage = scene
    answer = tone_shifted(photo, coverage > 0, gain=1.0, offset=(90.0, -40.0, -60.0))  # "make it red"
    off = composite(photo, answer, coverage).pixels
    on = composite(photo, answer, coverage, harmonize=True).pixels
    assert np.abs(on.astype(np.int16) - off).max() <= 1


def test_an_object_crossing_the_edge_does_not_stop_the_drift_being_taken_out_elsewhere(scene) -> None:
    photo, coverage = scene
    answer = tone_shifted(photo)
    cv2.circle(answer, (455, 175), 30, (255, 0, 255), -1)  # on the mask's right edge, half out
    off = composite(photo, answer, coverage).pixels
    on = composite(photo, answer, coverage, harmonize=True).pixels
    elsewhere = np.ones(photo.shape[:2], bool)
    cv2.circle(elsewhere.view(np.uint8), (455, 175), 60, 0, -1)
    assert seam_delta_e(on, photo, coverage, elsewhere) <= 0.3 * seam_delta_e(off, photo, coverage, elsewhere)
    assert np.array_equal(on[outside(coverage)], photo[outside(coverage)])


def test_an_answer_repainted_everywhere_is_not_taken_for_a_drift(scene) -> None:
    photo, coverage = scene
    answer = np.full_like(photo, (20, 180, 40))
    on = composite(photo, answer, coverage, harmonize=True).pixels
    assert np.array_equal(on, composite(photo, answer, coverage).pixels)


def test_a_mask_covering_the_whole_frame_has_no_seam_to_match(scene) -> None:
    photo, _ = scene
    everything = np.full(photo.shape[:2], 255, np.uint8)
    answer = tone_shifted(photo)
    assert harmonize.seam_correction(photo, answer, everything) is None
    assert np.array_equal(composite(photo, answer, everything, harmonize=True).pixels, answer)


# --- crops, alpha, big photos -------------------------------------------------------------------------


def test_a_crop_is_harmonised_inside_it_and_the_rest_of_the_photo_is_untouched(scene) -> None:
    photo, coverage = scene
    big = cv2.resize(photo, (1200, 800), interpolation=cv2.INTER_CUBIC)
    mask = np.zeros((800, 1200), np.uint8)
    crop = (400, 200, 600, 400)
    mask[200:600, 400:1000] = cv2.resize(coverage, (600, 400), interpolation=cv2.INTER_NEAREST)
    answer = cv2.resize(tone_shifted(big[200:600, 400:1000]), (384, 256), interpolation=cv2.INTER_AREA)
    off = composite(big, answer, mask, crop=crop)
    on = composite(big, answer, mask, crop=crop, harmonize=True)
    kept = outside(mask)
    assert np.array_equal(on.pixels[kept], big[kept])
    assert seam_delta_e(on.pixels, big, mask) <= 0.3 * seam_delta_e(off.pixels, big, mask)
    assert on.report is not None and on.report.region == crop and on.spill == off.spill


def test_an_rgba_photo_keeps_its_alpha(scene) -> None:
    photo, coverage = scene
    rgba = np.dstack((photo, np.random.default_rng(1).integers(0, 256, photo.shape[:2], dtype=np.uint8)))
    on = composite(rgba, tone_shifted(photo), coverage, harmonize=True).pixels
    assert np.array_equal(on[..., 3], rgba[..., 3])
    assert seam_delta_e(on, photo, coverage) < 0.3 * seam_delta_e(
        composite(rgba, tone_shifted(photo), coverage).pixels, photo, coverage)


def test_the_field_is_computed_small_whatever_the_photos_size() -> None:
    rng = np.random.default_rng(2)
    photo = cv2.resize(rng.integers(60, 190, (60, 90, 3), dtype=np.uint8), (4500, 3000),
                       interpolation=cv2.INTER_CUBIC)
    coverage = np.zeros((3000, 4500), np.uint8)
    cv2.circle(coverage, (2200, 1500), 900, 255, -1)
    answer = tone_shifted(fit_result(photo, (1536, 1024)))
    correction = harmonize.seam_correction(photo, answer, coverage)
    assert correction is not None and max(correction.field.shape[:2]) <= harmonize.WORK_SIDE
    assert correction.field.dtype == np.float32


@settings(max_examples=40, deadline=None)
@given(
    height=st.integers(8, 60),
    width=st.integers(8, 60),
    channels=st.sampled_from([3, 4]),
    answer_channels=st.sampled_from([3, 4]),
    feather_px=st.sampled_from([0.0, 1.0, 2.0, 6.0]),
    gain=st.floats(0.8, 1.2),
    seed=st.integers(0, 2**32 - 1),
)
def test_random_photos_masks_and_drifts_never_touch_outside_pixels(
    height: int, width: int, channels: int, answer_channels: int, feather_px: float, gain: float, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    photo = rng.integers(0, 256, (height, width, channels), dtype=np.uint8)
    answer = tone_shifted(rng.integers(0, 256, (height, width, answer_channels), dtype=np.uint8), gain=gain)
    coverage = np.zeros((height, width), np.uint8)
    cv2.circle(coverage, (int(rng.integers(0, width)), int(rng.integers(0, height))),
               int(rng.integers(1, max(2, min(height, width)))), int(rng.integers(1, 256)), -1)
    pixels = composite(photo, answer, coverage, feather_px=feather_px, harmonize=True).pixels
    kept = outside(coverage, feather_px)
    assert pixels.shape == photo.shape
    assert np.array_equal(pixels[kept], photo[kept])
