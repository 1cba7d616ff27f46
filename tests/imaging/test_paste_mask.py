"""Paste masks: variants laid over the photo through editable, feathered masks, and mixed."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from editor.imaging.composite import composite
from editor.imaging.mask import feather
from editor.imaging.paste_mask import (
    PasteLayer,
    compose,
    compose_region,
    feather_reach,
    grown,
    region_weights,
    touched_box,
    variant_layer,
)


def noise(height: int, width: int, channels: int = 3, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (height, width, channels), dtype=np.uint8)


def disc(height: int, width: int, centre: tuple[int, int], radius: int) -> np.ndarray:
    coverage = np.zeros((height, width), np.uint8)
    cv2.circle(coverage, centre, radius, 255, -1)
    return coverage


def test_outside_the_paste_mask_the_photo_is_bit_identical_and_inside_the_variant() -> None:
    photo, variant = noise(80, 100, seed=1), noise(80, 100, seed=2)
    mask = disc(80, 100, (50, 40), 20)
    pixels = compose(photo, [PasteLayer(variant, mask)], feather_px=3.0)
    weight = feather(mask, 3.0)
    outside, inside = weight == 0, weight == 255
    assert outside.sum() > 3000 and inside.sum() > 500
    assert np.array_equal(pixels[outside], photo[outside])
    assert np.array_equal(pixels[inside], variant[inside])


def test_the_feather_is_a_gaussian_of_half_its_width_blending_photo_and_variant() -> None:
    photo = np.zeros((60, 60, 3), np.uint8)
    variant = np.full((60, 60, 3), 255, np.uint8)
    mask = np.zeros((60, 60), np.uint8)
    mask[:, 30:] = 255
    pixels = compose(photo, [PasteLayer(variant, mask)], feather_px=8.0)
    expected = cv2.GaussianBlur(mask, (0, 0), 4.0, borderType=cv2.BORDER_REPLICATE)
    assert np.array_equal(pixels[..., 0], expected)
    assert 0 < pixels[30, 29, 0] < 255 and pixels[30, 10, 0] == 0 and pixels[30, 55, 0] == 255


def test_no_feather_is_a_hard_paste() -> None:
    photo, variant = noise(30, 30, seed=3), noise(30, 30, seed=4)
    mask = disc(30, 30, (15, 15), 8)
    pixels = compose(photo, [PasteLayer(variant, mask)], feather_px=0.0)
    assert np.array_equal(pixels[mask == 255], variant[mask == 255])
    assert np.array_equal(pixels[mask == 0], photo[mask == 0])


def test_a_mix_takes_the_other_variants_pixels_where_painted_over_the_current_one() -> None:
    photo, first, second = noise(70, 90, seed=5), noise(70, 90, seed=6), noise(70, 90, seed=7)
    own = disc(70, 90, (45, 35), 30)
    mixed = np.zeros((70, 90), np.uint8)
    mixed[10:30, 20:50] = 255
    pixels = compose(photo, [PasteLayer(first, own), PasteLayer(second, mixed)], feather_px=0.0)
    assert np.array_equal(pixels[10:30, 20:50], second[10:30, 20:50])
    only_own = (own == 255) & (mixed == 0)
    assert np.array_equal(pixels[only_own], first[only_own])
    neither = (own == 0) & (mixed == 0)
    assert np.array_equal(pixels[neither], photo[neither])


@settings(max_examples=25, deadline=None)
@given(x0=st.integers(0, 90), y0=st.integers(0, 70), w=st.integers(1, 40), h=st.integers(1, 40),
       feather_px=st.sampled_from([0.0, 1.0, 2.0, 5.5, 12.0, 30.0]))
def test_any_region_equals_the_same_region_of_the_whole_composite(x0, y0, w, h, feather_px) -> None:
    photo, first, second = noise(80, 100, seed=8), noise(80, 100, seed=9), noise(80, 100, seed=10)
    own, mixed = disc(80, 100, (40, 40), 25), disc(80, 100, (70, 30), 15)
    layers = [PasteLayer(first, own), PasteLayer(second, mixed)]
    rect = (x0, y0, min(x0 + w, 100), min(y0 + h, 80))
    whole = compose(photo, layers, feather_px)
    part = compose_region(photo, layers, rect, feather_px)
    assert np.array_equal(part, whole[rect[1]:rect[3], rect[0]:rect[2]])


def test_region_weights_equal_feathering_the_whole_mask() -> None:
    mask = disc(120, 140, (60, 60), 35)
    for feather_px in (1.0, 4.0, 16.0):
        whole = cv2.GaussianBlur(mask, (0, 0), feather_px / 2, borderType=cv2.BORDER_REPLICATE)
        assert np.array_equal(region_weights(mask, (20, 30, 90, 100), feather_px), whole[30:100, 20:90])


def test_the_default_feather_matches_the_composite_the_window_showed_before() -> None:
    photo, result = noise(64, 96, seed=11), noise(32, 48, seed=12)
    mask = disc(64, 96, (48, 32), 18)
    expected = composite(photo, result, mask, feather_px=2.0).pixels
    layer = variant_layer(photo, result, mask, harmonize=False)
    assert np.array_equal(compose(photo, [PasteLayer(layer, mask)], 2.0), expected)


def test_a_harmonised_layer_equals_the_harmonised_composite_inside_the_mask() -> None:
    rng = np.random.default_rng(13)
    photo = np.clip(rng.normal(120, 10, (96, 128, 3)), 0, 255).astype(np.uint8)
    shifted = np.clip(photo.astype(np.int16) + np.array([25, -10, 15]), 0, 255).astype(np.uint8)
    mask = disc(96, 128, (64, 48), 25)
    expected = composite(photo, shifted, mask, harmonize=True).pixels
    layer = variant_layer(photo, shifted, mask, harmonize=True)
    assert not np.array_equal(layer, shifted)  # the seam was matched
    pixels = compose(photo, [PasteLayer(layer, mask)], 2.0)
    weight = feather(mask, 2.0)
    assert np.array_equal(pixels[weight == 255], expected[weight == 255])
    assert np.array_equal(pixels[weight == 0], photo[weight == 0])


def test_a_cropped_result_lands_on_its_crop_and_the_photo_stays_outside_it() -> None:
    photo, result = noise(60, 80, seed=14), noise(20, 30, seed=15)
    mask = disc(60, 80, (40, 30), 8)
    layer = variant_layer(photo, result, mask, crop=(25, 20, 30, 20), harmonize=False)
    assert np.array_equal(layer[20:40, 25:55], result)
    outside = np.ones((60, 80), bool)
    outside[20:40, 25:55] = False
    assert np.array_equal(layer[outside], photo[outside])
    with pytest.raises(ValueError, match="crop"):
        variant_layer(photo, result, mask, crop=(70, 0, 30, 20))


def test_an_alpha_photo_keeps_its_alpha_under_an_opaque_variant() -> None:
    photo = noise(20, 20, channels=4, seed=16)
    layer = variant_layer(photo, noise(20, 20, seed=17), disc(20, 20, (10, 10), 5), harmonize=False)
    assert layer.shape == (20, 20, 4) and np.array_equal(layer[..., 3], photo[..., 3])


def test_reach_and_boxes() -> None:
    assert feather_reach(0) == 0 and feather_reach(2.0) == 6
    assert touched_box([np.zeros((10, 10), np.uint8)], 2.0) is None
    mask = np.zeros((50, 50), np.uint8)
    mask[20:22, 30:31] = 255
    assert touched_box([mask], 2.0) == (24, 14, 37, 28)
    assert grown((0, 0, 5, 5), 2.0, (8, 8)) == (0, 0, 8, 8)


def test_layers_of_another_size_are_refused() -> None:
    with pytest.raises(ValueError, match="size"):
        compose(noise(10, 10), [PasteLayer(noise(10, 12), np.zeros((10, 10), np.uint8))], 2.0)
