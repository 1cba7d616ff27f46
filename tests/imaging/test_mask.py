"""Coverage arrays: the API mask PNG, mask files in three conventions, and whole-mask operations."""

from __future__ import annotations

import io
from pathlib import Path

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from PIL import Image

from editor.imaging.mask import (
    MaskError,
    bounding_box,
    coverage_from_api_png,
    coverage_percent,
    coverage_to_api_png,
    feather,
    grow,
    invert,
    load_mask,
    shrink,
)

MAX_MASK_BYTES = 4 * 1024 * 1024


def random_coverage(width: int, height: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (height, width), dtype=np.uint8)


def dot(size: int = 101) -> np.ndarray:
    coverage = np.zeros((size, size), np.uint8)
    coverage[size // 2, size // 2] = 255
    return coverage


def png_bytes(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


# --- API mask PNG --------------------------------------------------------------------------------


def assert_api_mask(data: bytes, coverage: np.ndarray, threshold: int) -> None:
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "PNG" and image.mode == "RGBA"
        assert image.size == (coverage.shape[1], coverage.shape[0])
        rgba = np.asarray(image)
    expected_alpha = np.where(coverage >= threshold, 0, 255)
    np.testing.assert_array_equal(rgba[..., 3], expected_alpha)
    assert not rgba[..., :3].any()


@pytest.mark.parametrize("threshold", [1, 128, 255])
def test_api_png_is_transparent_exactly_where_coverage_reaches_the_threshold(threshold: int) -> None:
    coverage = random_coverage(97, 61)
    assert_api_mask(coverage_to_api_png(coverage, threshold=threshold), coverage, threshold)


@settings(max_examples=40, deadline=None)
@given(
    coverage=hnp.arrays(np.uint8, hnp.array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=40)),
    threshold=st.integers(0, 256),
)
def test_api_png_property(coverage: np.ndarray, threshold: int) -> None:
    assert_api_mask(coverage_to_api_png(coverage, threshold=threshold), coverage, threshold)


def test_api_png_round_trip() -> None:
    coverage = random_coverage(50, 40, seed=5)
    back = coverage_from_api_png(coverage_to_api_png(coverage))
    assert back.dtype == np.uint8 and back.shape == coverage.shape
    np.testing.assert_array_equal(back, np.where(coverage >= 128, 255, 0))


def test_api_png_of_a_full_size_mask_is_small() -> None:
    coverage = np.zeros((8192, 8192), np.uint8)
    for index in range(5):
        cv2.line(coverage, (400 + 1300 * index, 200), (7600 - 900 * index, 7900), 255, 60 + 25 * index)
    cv2.circle(coverage, (4100, 4000), 700, 255, -1)
    data = coverage_to_api_png(coverage)
    assert len(data) < MAX_MASK_BYTES
    with Image.open(io.BytesIO(data)) as image:  # the header only: pixels are checked above, small
        assert image.size == (8192, 8192) and image.mode == "RGBA"


def test_api_png_reader_refuses_masks_without_alpha() -> None:
    with pytest.raises(MaskError, match="no alpha channel"):
        coverage_from_api_png(png_bytes(Image.new("RGB", (4, 4))))
    with pytest.raises(MaskError, match="not an image"):
        coverage_from_api_png(b"definitely not a PNG")


def test_coverage_must_be_2d_uint8() -> None:
    with pytest.raises(ValueError, match="2-D uint8"):
        coverage_to_api_png(np.zeros((4, 4), np.float32))
    with pytest.raises(ValueError, match="2-D uint8"):
        grow(np.zeros((4, 4, 3), np.uint8), 2)


# --- Mask files in the three conventions -----------------------------------------------------------


def hole_rgba(path: Path) -> Path:
    image = Image.new("RGBA", (40, 30), (10, 20, 30, 255))
    image.paste((0, 0, 0, 0), (5, 5, 15, 10))
    image.save(path)
    return path


def test_alpha_convention_transparent_is_edit(tmp_path: Path) -> None:
    coverage = load_mask(hole_rgba(tmp_path / "mask.png"), "alpha", expected_size=(40, 30))
    assert coverage.shape == (30, 40)
    assert bounding_box(coverage) == (5, 5, 15, 10)
    assert coverage[7, 7] == 255 and coverage[0, 0] == 0


def test_alpha_convention_keeps_partial_transparency_as_soft_coverage() -> None:
    data = png_bytes(Image.new("LA", (4, 4), (255, 55)))
    assert np.all(load_mask(data, "alpha") == 200)


@pytest.mark.parametrize(("convention", "background", "paint"), [
    ("white-edits", 0, 255),
    ("black-edits", 255, 0),
])
def test_luminance_conventions(tmp_path: Path, convention: str, background: int, paint: int) -> None:
    image = Image.new("RGB", (40, 30), (background,) * 3)
    image.paste((paint,) * 3, (20, 10, 30, 25))
    coverage = load_mask(png_bytes(image), convention)
    assert bounding_box(coverage) == (20, 10, 30, 25)
    assert coverage[12, 22] == 255 and coverage.sum() == 255 * 10 * 15


def test_mask_file_orientation_is_applied(tmp_path: Path) -> None:
    image = Image.new("L", (40, 20), 0)
    image.paste(255, (0, 0, 10, 10))
    exif = Image.Exif()
    exif[0x0112] = 6
    path = tmp_path / "mask.jpg"
    image.save(path, quality=100, exif=exif)
    coverage = load_mask(path, "white-edits", expected_size=(20, 40))
    assert coverage.shape == (40, 20)
    assert coverage[3, 16] > 200 and coverage[3, 3] < 50


def test_size_mismatch_is_explained(tmp_path: Path) -> None:
    path = tmp_path / "mask.png"
    Image.new("L", (800, 600), 255).save(path)
    with pytest.raises(MaskError) as caught:
        load_mask(path, "white-edits", expected_size=(1024, 768))
    assert caught.value.message.startswith("The mask is 800×600 but the photo is 1024×768")


def test_alpha_convention_without_alpha_suggests_the_others(tmp_path: Path) -> None:
    path = tmp_path / "bw.png"
    Image.new("L", (8, 8), 255).save(path)
    with pytest.raises(MaskError) as caught:
        load_mask(path, "alpha")
    assert "bw.png has no transparency" in caught.value.message
    assert "white-edits" in caught.value.message and "black-edits" in caught.value.message


@pytest.mark.parametrize(("image", "convention"), [
    (Image.new("RGBA", (8, 8), (0, 0, 0, 255)), "alpha"),
    (Image.new("L", (8, 8), 0), "white-edits"),
    (Image.new("L", (8, 8), 255), "black-edits"),
])
def test_empty_masks_are_refused(image: Image.Image, convention: str) -> None:
    with pytest.raises(MaskError, match="marks nothing to edit"):
        load_mask(png_bytes(image), convention)


def test_unreadable_mask_file(tmp_path: Path) -> None:
    (tmp_path / "mask.png").write_text("nope")
    with pytest.raises(MaskError, match=r"mask\.png is not an image"):
        load_mask(tmp_path / "mask.png", "alpha")
    with pytest.raises(MaskError, match="was not found"):
        load_mask(tmp_path / "missing.png", "alpha")


def test_unknown_convention() -> None:
    with pytest.raises(MaskError, match="not a mask convention"):
        load_mask(b"x", "red-edits")  # type: ignore[arg-type]


# --- Whole-mask operations -------------------------------------------------------------------------


def test_invert() -> None:
    coverage = random_coverage(20, 10)
    np.testing.assert_array_equal(invert(coverage), 255 - coverage.astype(int))
    np.testing.assert_array_equal(invert(invert(coverage)), coverage)


def distances_from_centre(size: int) -> np.ndarray:
    y, x = np.mgrid[0:size, 0:size] - size // 2
    return np.hypot(x, y)


@pytest.mark.parametrize("px", [1, 5, 12, 16])
def test_grow_a_dot_by_px_gives_a_disc_of_radius_px(px: int) -> None:
    grown = grow(dot(), px)
    distance = distances_from_centre(101)
    assert np.all(grown[distance <= px - 0.5] == 255)
    assert not grown[distance > px + 0.75].any()
    assert bounding_box(grown) == (50 - px, 50 - px, 51 + px, 51 + px)


@pytest.mark.parametrize("px", [17, 40, 300])
def test_large_grow_still_gives_a_disc(px: int) -> None:
    size = 2 * px + 41
    grown = grow(dot(size), px)
    distance = distances_from_centre(size)
    assert np.all(grown[distance <= px] == 255)
    assert not grown[distance >= px + 1].any()
    # Pixel centres within px + 0.5 are covered, as with the small kernel.
    expected_area = np.pi * (px + 0.5) ** 2
    assert abs(np.count_nonzero(grown >= 128) - expected_area) / expected_area < 0.02


def test_grow_zero_is_a_copy() -> None:
    coverage = random_coverage(8, 8)
    grown = grow(coverage, 0)
    assert grown is not coverage and np.array_equal(grown, coverage)


def test_grow_never_removes_coverage() -> None:
    coverage = random_coverage(64, 64, seed=9)
    for px in (3, 30):
        assert np.all(grow(coverage, px) >= coverage)


@pytest.mark.parametrize("px", [5, 25])
def test_shrink_insets_a_square(px: int) -> None:
    coverage = np.zeros((120, 120), np.uint8)
    coverage[20:100, 20:100] = 255
    shrunk = shrink(coverage, px)
    assert bounding_box(shrunk, threshold=128) == (20 + px, 20 + px, 100 - px, 100 - px)
    assert np.all(shrunk[20 + px : 100 - px, 20 + px : 100 - px] == 255)


def test_shrink_does_not_pull_away_from_the_photo_edge() -> None:
    coverage = np.zeros((50, 50), np.uint8)
    coverage[:, :20] = 255
    for px in (5, 19):
        shrunk = shrink(coverage, px)
        assert np.all(shrunk[:, : 20 - px] == 255) and not shrunk[:, 20 - px :].any()
    assert not shrink(coverage, 20).any()


def test_shrink_removes_a_small_dot() -> None:
    assert not shrink(grow(dot(), 3), 5).any()


def test_feather_zero_is_unchanged() -> None:
    coverage = random_coverage(8, 8)
    feathered = feather(coverage, 0)
    assert feathered is not coverage and np.array_equal(feathered, coverage)


@pytest.mark.parametrize("px", [6, 60])
def test_feather_ramps_the_edge_smoothly(px: int) -> None:
    size = 600
    coverage = np.zeros((size, size), np.uint8)
    coverage[:, size // 2 :] = 255
    row = feather(coverage, px)[size // 2].astype(int)
    edge = size // 2
    assert row[0] == 0 and row[-1] == 255
    assert np.all(np.diff(row) >= 0)  # monotone across the edge, no ringing
    assert abs(row[edge] + row[edge - 1] - 255) <= 30  # the half-way point stays on the edge
    assert 0 < row[edge - px // 2] < 128 < row[edge + px // 2] < 255  # softened over about px


def test_bounding_box() -> None:
    coverage = np.zeros((20, 30), np.uint8)
    assert bounding_box(coverage) is None
    coverage[7, 3] = 255
    coverage[12, 25] = 40
    assert bounding_box(coverage) == (3, 7, 26, 13)
    assert bounding_box(coverage, threshold=128) == (3, 7, 4, 8)
    assert bounding_box(coverage, threshold=256) is None


def test_coverage_percent() -> None:
    coverage = np.zeros((10, 20), np.uint8)
    assert coverage_percent(coverage) == 0.0
    coverage[:5, :10] = 3
    assert coverage_percent(coverage) == pytest.approx(25.0)
    assert coverage_percent(np.full((3, 3), 255, np.uint8)) == 100.0


@pytest.mark.parametrize("shape", [(1, 1), (1, 5), (3, 1), (40, 30)])
def test_bounding_box_with_a_threshold_on_tiny_masks(shape):
    coverage = np.zeros(shape, np.uint8)
    coverage[-1, -1] = 200
    height, width = shape
    assert bounding_box(coverage, threshold=128) == (width - 1, height - 1, width, height)
    assert bounding_box(coverage, threshold=201) is None
