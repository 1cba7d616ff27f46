"""Extension geometry, the extended canvas, its automatic mask and placing a generated canvas back."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from editor.imaging.extend import (
    ANCHORS,
    ASPECTS,
    Extension,
    ExtensionError,
    band_of,
    extended_canvas,
    extension_for_aspect,
    extension_mask,
    find_extension,
    parse_aspect,
    parse_sides,
    place_extension,
    seam_weights,
)

PHOTO_SIZES = ((600, 400), (400, 600), (1001, 667), (5, 3), (1920, 1080), (333, 333))


@pytest.mark.parametrize(("photo_size", "aspect", "anchor"),
                         list(itertools.product(PHOTO_SIZES, [*ASPECTS, "2.39:1", "7:3"], ANCHORS)))
def test_aspect_geometry_is_exact_minimal_and_anchored(photo_size, aspect, anchor):
    aspect_w, aspect_h = parse_aspect(aspect)
    try:
        extension = extension_for_aspect(photo_size, (aspect_w, aspect_h), anchor)
    except ExtensionError as error:
        assert "already" in error.message
        assert photo_size[0] * aspect_h == photo_size[1] * aspect_w
        return
    width, height = extension.canvas_size(photo_size)
    assert width * aspect_h == height * aspect_w  # exact, in integers
    assert width >= photo_size[0] and height >= photo_size[1]
    k = width // aspect_w
    assert (k - 1) * aspect_w < photo_size[0] or (k - 1) * aspect_h < photo_size[1]  # the least canvas
    assert min(extension.sides) >= 0
    extra_w, extra_h = width - photo_size[0], height - photo_size[1]
    expected_left = 0 if "left" in anchor else extra_w if "right" in anchor else extra_w // 2
    expected_top = 0 if "top" in anchor else extra_h if "bottom" in anchor else extra_h // 2
    assert (extension.left, extension.top) == (expected_left, expected_top)


def test_sixteen_nine_of_a_portrait_centres_the_photo():
    extension = extension_for_aspect((400, 600), (16, 9), "center")
    assert extension.canvas_size((400, 600)) == (1072, 603)
    assert extension.sides == (336, 1, 336, 2)


@pytest.mark.parametrize(("text", "expected"), [("16:9", (16, 9)), ("2.39:1", (239, 100)), ("1.5", (3, 2)),
                                                ("4:6", (2, 3))])
def test_aspects_parse_to_reduced_integers(text, expected):
    assert parse_aspect(text) == expected


@pytest.mark.parametrize("text", ["16-9", "0:1", "1:0", "-4:5", "50:1", "abc"])
def test_bad_aspects_are_refused_in_one_line(text):
    with pytest.raises(ExtensionError) as caught:
        parse_aspect(text)
    assert "\n" not in caught.value.message and text in caught.value.message


def test_sides_parse_and_bad_sides_are_refused():
    assert parse_sides("10, 0,20,5") == Extension(10, 0, 20, 5)
    for text in ("1,2,3", "a,b,c,d", "1,2,3,4,5"):
        with pytest.raises(ExtensionError, match="LEFT,TOP,RIGHT,BOTTOM"):
            parse_sides(text)


@pytest.mark.parametrize(("extension", "words"), [
    (Extension(-5, 0, 10, 0), "cannot be negative (-5 px on the left)"),
    (Extension(0, 0, 0, 0), "Nothing to extend"),
    (Extension(0, 0, 200_000, 0), "the limit is"),
])
def test_bad_extensions_are_refused_in_one_line(extension, words):
    with pytest.raises(ExtensionError) as caught:
        extension.checked((600, 400), max_pixels=50_000_000)
    assert words in caught.value.message and "\n" not in caught.value.message


def test_record_round_trip_and_nonsense():
    assert Extension.from_record(Extension(1, 2, 3, 4).as_record()) == Extension(1, 2, 3, 4)
    for nonsense in (None, [1, 2, 3], [0, 0, 0, 0], [1, -1, 0, 0], ["1", 0, 0, 0], "1,2,3,4"):
        assert Extension.from_record(nonsense) is None


def photo(width=60, height=40, channels=3) -> np.ndarray:
    return np.random.default_rng(3).integers(0, 256, (height, width, channels), dtype=np.uint8)


def test_canvas_has_transparent_margins_and_the_photo_exactly():
    picture = photo()
    extension = Extension(5, 0, 7, 3)
    canvas = extended_canvas(picture, extension)
    assert canvas.shape == (43, 72, 4)
    assert np.array_equal(canvas[0:40, 5:65, :3], picture)
    assert (canvas[0:40, 5:65, 3] == 255).all()
    assert (canvas[:, :5, 3] == 0).all() and (canvas[:, 65:, 3] == 0).all() and (canvas[40:, :, 3] == 0).all()


def test_mask_covers_margins_and_a_band_only_on_extended_sides():
    extension = Extension(5, 0, 7, 3)
    coverage = extension_mask((60, 40), extension, band_px=4)
    edited = coverage == 255
    assert edited[:, :5 + 4].all() and edited[:, 65 - 4:].all() and edited[40 - 4:, :].all()
    assert not edited[0:36, 9:61].any()  # no band at the top: the top is not extended
    assert set(np.unique(coverage)) == {0, 255}


def test_weights_ramp_across_the_band():
    extension = Extension(10, 0, 0, 0)
    coverage = extension_mask((60, 40), extension, band_px=8)
    margins = extended_canvas(photo(), extension)[..., 3] == 0
    weights = seam_weights(coverage, margins, band_px=8)
    row = weights[20]
    assert (row[:10] == 1).all() and (row[18:] == 0).all()
    assert (np.diff(row[9:19]) < 0).all()  # strictly falls through the band


@pytest.mark.parametrize("channels", [3, 4])
def test_placing_back_keeps_the_photo_bit_identical_outside_the_band(channels):
    picture = photo(channels=channels)
    extension = Extension(6, 4, 0, 9)
    band = 5
    width, height = extension.canvas_size((60, 40))
    generated = np.full((height, width, 3), 17, np.uint8)
    placed = place_extension(picture, extension, generated, band)
    assert placed.shape == (height, width, channels)
    inside = placed[4:44, 6:66]
    kept = extension_mask((60, 40), extension, band)[4:44, 6:66] == 0
    assert np.array_equal(inside[kept], picture[kept])
    margins = (placed[:4, :, :3], placed[:, :6, :3], placed[44:, :, :3])
    assert all((margin == 17).all() for margin in margins)
    band_pixels = inside[~kept][:, :3].astype(int)
    assert (band_pixels != picture[~kept][:, :3]).any()  # the band is blended, not kept


def test_an_extended_canvas_is_found_again_with_its_band():
    extension = Extension(7, 0, 12, 5)
    canvas = extended_canvas(photo(), extension)
    coverage = extension_mask((60, 40), extension, band_px=6)
    assert find_extension(canvas[..., 3], coverage) == extension
    assert band_of(coverage, extension) == 6
    coverage[10:20, 20:30] = 255  # painted by hand afterwards: still the same band
    assert band_of(coverage, extension) == 6


def test_transparency_the_mask_leaves_out_is_the_photos_own():
    extension = Extension(7, 0, 12, 5)
    canvas = extended_canvas(photo(), extension)
    coverage = extension_mask((60, 40), extension, band_px=6)
    coverage[0, 0] = 0
    assert find_extension(canvas[..., 3], coverage) is None
    assert find_extension(canvas[..., 3], None) is None
    assert find_extension(np.full((40, 60), 255, np.uint8), np.full((40, 60), 255, np.uint8)) is None


def test_a_sliver_of_margin_gets_a_narrow_band_and_still_blends():
    extension = Extension(0, 2, 0, 0)  # what an exact aspect may add to the other edge
    coverage = extension_mask((60, 40), extension, band_px=32)
    assert (coverage[:2 + 8] == 255).all() and not coverage[2 + 8:].any()  # 8 px, not 32
    margins = extended_canvas(photo(), extension)[..., 3] == 0
    column = seam_weights(coverage, margins, band_px=32)[:, 30]
    assert column[:2].min() == 1 and column[10:].max() == 0
    assert column[2] > 0.7 and (np.diff(column[1:11]) < 0).all()  # from the margin down to the photo
