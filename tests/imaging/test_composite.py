"""Compositing results onto the photo: fit, strict paste through the feathered mask, whole mode, spill."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from editor.imaging.composite import (
    Composite,
    composite,
    fit_result,
    paste,
    paste_weights,
    spill_fraction,
    strict_composite,
    whole_result,
)
from editor.imaging.mask import feather


def noise(height: int, width: int, channels: int = 3, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (height, width, channels), dtype=np.uint8)


def blob(height: int, width: int) -> np.ndarray:
    coverage = np.zeros((height, width), np.uint8)
    cv2.ellipse(coverage, (width // 2, height // 2), (width // 4, height // 5), 20, 0, 360, 255, -1)
    return coverage


# --- strict mode ------------------------------------------------------------------------------------


def test_strict_keeps_every_outside_pixel_when_the_result_changed_everything() -> None:
    photo, result = noise(90, 120, seed=1), noise(90, 120, seed=2)
    coverage = blob(90, 120)
    pixels = strict_composite(photo, result, coverage, feather_px=3.0)
    weight = feather(coverage, 3.0)
    outside, inside = weight == 0, weight == 255
    assert outside.sum() > 1000 and inside.sum() > 500
    assert np.array_equal(pixels[outside], photo[outside])
    assert np.array_equal(pixels[inside], result[inside])
    # the soft edge really is a blend: some of it differs from both images
    edge = ~outside & ~inside
    assert np.any(pixels[edge] != photo[edge]) and np.any(pixels[edge] != result[edge])


def test_strict_does_not_modify_its_inputs() -> None:
    photo, result, coverage = noise(40, 50, seed=3), noise(40, 50, seed=4), blob(40, 50)
    before = photo.copy(), result.copy(), coverage.copy()
    pixels = strict_composite(photo, result, coverage)
    assert pixels is not photo and not np.shares_memory(pixels, photo)
    assert all(np.array_equal(a, b) for a, b in zip(before, (photo, result, coverage), strict=True))


def test_cropped_weights_equal_feathering_the_whole_frame() -> None:
    coverage = blob(120, 160)
    coverage[0:5, 0:9] = 255  # a second island at the corner: the box reaches the frame's edge
    for px in (0.0, 1.0, 2.0, 5.5, 12.0):
        weights = paste_weights(coverage, feather_px=px)
        assert np.array_equal(weights.full_frame(), feather(coverage, px)), px


def test_soft_edge_blend_is_exactly_rounded() -> None:
    photo, result = noise(64, 64, seed=5), noise(64, 64, seed=6)
    coverage = np.random.default_rng(7).integers(0, 256, (64, 64), dtype=np.uint8)
    pixels = strict_composite(photo, result, coverage, feather_px=0)
    w = coverage.astype(np.float64)[..., None]
    expected = np.floor((photo * (255 - w) + result * w) / 255 + 0.5).astype(np.uint8)
    assert np.array_equal(pixels, expected)


def test_feather_makes_a_monotone_ramp_at_the_edge() -> None:
    photo = np.zeros((20, 60, 3), np.uint8)
    result = np.full((20, 60, 3), 255, np.uint8)
    coverage = np.zeros((20, 60), np.uint8)
    coverage[:, :30] = 255
    row = strict_composite(photo, result, coverage, feather_px=6.0)[10, :, 0].astype(int)
    assert np.all(np.diff(row) <= 0)
    assert row[0] == 255 and row[-1] == 0
    ramp = row[(row > 0) & (row < 255)]
    assert len(ramp) >= 4  # a real ramp, not a hard edge


def test_threshold_keeps_the_photo_under_faint_weights() -> None:
    photo, result = noise(40, 40, seed=8), noise(40, 40, seed=9)
    coverage = np.zeros((40, 40), np.uint8)
    coverage[10:30, 10:30] = 255
    weight = feather(coverage, 8.0)
    faint = (weight > 0) & (weight < 40)
    assert faint.any()
    pixels = strict_composite(photo, result, coverage, feather_px=8.0, threshold=40)
    assert np.array_equal(pixels[faint], photo[faint])
    assert np.array_equal(pixels[weight == 255], result[weight == 255])


def test_rgba_photo_keeps_its_alpha_outside_and_takes_the_results_inside() -> None:
    photo, result = noise(50, 70, 4, seed=10), noise(50, 70, 4, seed=11)
    coverage = blob(50, 70)
    pixels = strict_composite(photo, result, coverage)
    weight = feather(coverage, 2.0)
    assert pixels.shape == photo.shape
    assert np.array_equal(pixels[weight == 0], photo[weight == 0])
    assert np.array_equal(pixels[weight == 255], result[weight == 255])


def test_rgb_result_on_rgba_photo_keeps_the_photos_alpha_everywhere() -> None:
    photo, result = noise(50, 70, 4, seed=12), noise(50, 70, 3, seed=13)
    coverage = blob(50, 70)
    pixels = strict_composite(photo, result, coverage)
    weight = feather(coverage, 2.0)
    assert np.array_equal(pixels[..., 3], photo[..., 3])
    assert np.array_equal(pixels[weight == 255][:, :3], result[weight == 255])


def test_empty_mask_returns_a_copy_of_the_photo() -> None:
    photo = noise(30, 30, seed=14)
    pixels = strict_composite(photo, noise(30, 30, seed=15), np.zeros((30, 30), np.uint8))
    assert np.array_equal(pixels, photo) and not np.shares_memory(pixels, photo)


def test_strict_refuses_an_unfitted_result() -> None:
    with pytest.raises(ValueError, match="fit the result first"):
        strict_composite(noise(30, 40), noise(15, 20), blob(30, 40))
    with pytest.raises(ValueError, match="same size"):
        strict_composite(noise(30, 40), noise(30, 40), blob(31, 40))


def test_paste_reuses_weights_across_variants() -> None:
    photo, coverage = noise(40, 60, seed=16), blob(40, 60)
    weights = paste_weights(coverage, feather_px=2.0)
    for seed in (17, 18):
        result = noise(40, 60, seed=seed)
        assert np.array_equal(paste(photo, result, weights), strict_composite(photo, result, coverage))


@settings(max_examples=60, deadline=None)
@given(
    height=st.integers(1, 40),
    width=st.integers(1, 40),
    channels=st.sampled_from([3, 4]),
    result_channels=st.sampled_from([3, 4]),
    feather_px=st.sampled_from([0.0, 0.7, 2.0, 4.0, 20.0]),
    threshold=st.integers(1, 128),
    seed=st.integers(0, 2**32 - 1),
)
def test_random_masks_and_results_never_touch_outside_pixels(
    height: int, width: int, channels: int, result_channels: int, feather_px: float, threshold: int, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    photo = rng.integers(0, 256, (height, width, channels), dtype=np.uint8)
    result = rng.integers(0, 256, (height, width, result_channels), dtype=np.uint8)
    coverage = np.where(rng.random((height, width)) < rng.random() * 0.3, rng.integers(1, 256), 0).astype(
        np.uint8
    )
    weight = paste_weights(coverage, feather_px=feather_px, threshold=threshold).full_frame()
    pixels = strict_composite(photo, result, coverage, feather_px=feather_px, threshold=threshold)
    assert pixels.shape == photo.shape
    assert np.array_equal(pixels[weight == 0], photo[weight == 0])
    full = weight == 255
    assert np.array_equal(pixels[full][:, :3], result[full][:, :3])
    if feather_px <= 4.0:
        assert np.array_equal(weight > 0, feather(coverage, feather_px) >= threshold)


# --- fitting ----------------------------------------------------------------------------------------


def test_fit_maps_a_marked_block_to_the_right_place() -> None:
    result = np.zeros((1024, 1536, 3), np.uint8)
    result[200:300, 300:420] = 255
    fitted = fit_result(result, (3000, 2000))
    assert fitted.shape == (2000, 3000, 3)
    x, y, w, h = cv2.boundingRect(cv2.compare(fitted[..., 0], 127, cv2.CMP_GT))
    scale = 3000 / 1536
    for got, want in ((x, 300 * scale), (y, 200 * scale), (x + w, 420 * scale), (y + h, 300 * scale)):
        assert abs(got - want) <= 1, (got, want)


def test_fit_stretches_a_different_aspect_to_the_exact_size() -> None:
    result = np.zeros((1024, 1024, 3), np.uint8)
    result[512:, 512:] = 200  # the bottom-right quarter
    fitted = fit_result(result, (3000, 2000))
    assert fitted.shape == (2000, 3000, 3)
    x, y, w, h = cv2.boundingRect(cv2.compare(fitted[..., 0], 100, cv2.CMP_GT))
    assert abs(x - 1500) <= 1 and abs(y - 1000) <= 1 and (x + w, y + h) == (3000, 2000)


def test_fit_shrinks_without_overshoot_and_enlarges_with_clipping() -> None:
    checker = (np.indices((64, 96)).sum(axis=0) % 2 * 255).astype(np.uint8)
    result = np.dstack([checker] * 4)
    small = fit_result(result, (48, 32))
    assert small.shape == (32, 48, 4) and 100 < small.mean() < 155  # averaged, not aliased
    large = fit_result(result, (200, 150))
    assert large.shape == (150, 200, 4) and large.dtype == np.uint8
    assert large.min() == 0 and large.max() == 255


def test_fit_returns_a_same_size_result_untouched() -> None:
    result = noise(10, 12)
    assert fit_result(result, (12, 10)) is result


# --- whole mode and the spill meter ---------------------------------------------------------------------


def test_whole_mode_returns_the_scaled_result() -> None:
    photo, result = noise(200, 300, seed=19), noise(100, 150, seed=20)
    made = composite(photo, result, blob(200, 300), mode="whole")
    assert isinstance(made, Composite)
    assert np.array_equal(made.pixels, fit_result(result, (300, 200)))


def test_whole_result_takes_the_photos_channels() -> None:
    photo = noise(20, 30, 4, seed=21)
    scaled = whole_result(photo, noise(20, 30, 3, seed=22))
    assert scaled.shape == (20, 30, 4) and np.array_equal(scaled[..., 3], photo[..., 3])
    assert whole_result(noise(20, 30, 3), noise(10, 15, 4)).shape == (20, 30, 3)


def test_strict_mode_fits_then_pastes() -> None:
    photo, result, coverage = noise(200, 300, seed=23), noise(100, 150, seed=24), blob(200, 300)
    made = composite(photo, result, coverage, feather_px=3.0)
    fitted = fit_result(result, (300, 200))
    assert np.array_equal(made.pixels, strict_composite(photo, fitted, coverage, feather_px=3.0))
    assert made.spill > 0.9  # noise changed nearly everything outside


def test_composite_refuses_an_unknown_mode() -> None:
    with pytest.raises(ValueError, match="mode"):
        composite(noise(10, 10), noise(10, 10), blob(10, 10), mode="loose")  # type: ignore[arg-type]


def _photo(height: int, width: int) -> np.ndarray:
    """Smooth, photo-like, with headroom below 215 so +40 never saturates."""
    y, x = np.indices((height, width))
    return np.dstack([(x * 200 // width), (y * 200 // height), ((x + y) * 100 // (width + height))]).astype(
        np.uint8
    )


def test_spill_reads_a_known_quarter_of_the_outside_changed() -> None:
    photo, coverage = _photo(300, 400), blob(300, 400)
    rng = np.random.default_rng(25)
    changed = (coverage == 0) & (rng.random(coverage.shape) < 0.25)
    result = photo.copy()
    result[changed] += 40
    result[coverage > 0] = 255 - result[coverage > 0]  # the edit itself does not count
    assert spill_fraction(photo, result, coverage) == pytest.approx(0.25, abs=0.02)


def test_spill_is_zero_when_only_the_mask_changed() -> None:
    photo, coverage = _photo(300, 400), blob(300, 400)
    result = photo.copy()
    result[coverage > 0] = 255 - result[coverage > 0]
    assert spill_fraction(photo, result, coverage) < 0.005


def test_spill_is_measured_at_the_results_resolution() -> None:
    photo, coverage = _photo(600, 900), blob(600, 900)
    unchanged = fit_result(photo, (384, 256))  # what a model that changed nothing sends back
    assert spill_fraction(photo, unchanged, coverage) < 0.005
    shifted = unchanged.copy()
    shifted[:128] += 40  # the top half, outside and inside alike
    assert spill_fraction(photo, shifted, coverage) == pytest.approx(0.5, abs=0.05)
