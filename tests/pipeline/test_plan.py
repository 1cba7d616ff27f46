"""Planning: which part of the photo is sent, at which API size (from the capability table), and the
result placed back."""

from __future__ import annotations

import numpy as np
import pytest

from editor.backends.base import InvalidRequest
from editor.backends.models import FREE_SIZES, STEADY_PIXELS, model_spec, parse_size
from editor.imaging.composite import composite
from editor.imaging.passthrough import EncodedImage
from editor.imaging.prepare import EditContext, crop_for_api
from editor.imaging.upload import Uploads, prepare_uploads
from editor.pipeline.options import EditOptions
from editor.pipeline.plan import check_options, choose_size, edit_request, plan_context, plan_edit

PHOTO = (6000, 4000)


# --- the size bucket -----------------------------------------------------------------------------


@pytest.mark.parametrize(("area", "bucket"), [
    ((1000, 1000), (1024, 1024)),
    ((1200, 1000), (1024, 1024)),  # 1.2 is nearer 1:1 than 3:2 on a log scale
    ((1300, 1000), (1536, 1024)),
    ((3000, 1000), (1536, 1024)),
    ((1000, 1300), (1024, 1536)),
    ((400, 2000), (1024, 1536)),
])
def test_the_bucket_whose_aspect_is_nearest(area, bucket):
    assert choose_size(*area) == bucket


def test_custom_sizes_follow_the_crop_in_multiples_of_16_within_the_models_limits():
    width, height = choose_size(1600, 900, rules=FREE_SIZES)
    assert width % 16 == 0 and height % 16 == 0
    assert width / height == pytest.approx(16 / 9, rel=0.02)
    assert width * height == pytest.approx(1536 * 1024, rel=0.05)
    wide = choose_size(8000, 500, rules=FREE_SIZES)
    assert wide[0] / wide[1] == pytest.approx(3.0, rel=0.02)  # clamped to 3:1
    assert max(wide) <= 3840 and min(wide) <= 2160
    assert FREE_SIZES.problem(*wide) is None


@pytest.mark.parametrize(("provider", "model"), [
    ("custom", "gpt-image-1"), ("custom", "my-router/edit-model"), ("requesty", "azure/openai/gpt-image-1.5"),
    ("openai", "gpt-image-1-mini"), ("openai", "gpt-image-2.6-sunburst"),
])
def test_a_model_without_known_free_sizes_is_asked_for_a_standard_bucket(provider, model):
    # A small stroke on a 1696×928 photo: once the window asked a Custom provider's gpt-image-1
    # for 2176x720, which real gpt-image-1 endpoints refuse.
    options = EditOptions(provider=provider, model=model, context="mask")
    context = plan_edit((1696, 928), (800, 400, 900, 440), options)
    assert context.cropped and f"{context.size[0]}x{context.size[1]}" in model_spec("gpt-image-1").sizes


def test_a_free_size_model_gets_a_size_its_rules_allow():
    options = EditOptions(provider="openai", model="gpt-image-2", context="mask")
    context = plan_edit((1696, 928), (100, 400, 1500, 440), options)
    assert context.cropped and FREE_SIZES.problem(*context.size) is None
    assert context.size not in ((1024, 1024), (1536, 1024), (1024, 1536))


def test_a_size_the_model_refuses_is_never_planned():
    options = EditOptions(provider="openai", model="gpt-image-1", size="2048x1152", context="mask")
    context = plan_edit((6000, 4000), (3000, 2000, 3600, 2400), options)
    assert context.size in ((1024, 1024), (1536, 1024), (1024, 1536))


def test_offline_edits_send_the_whole_photo():
    context = plan_edit((6000, 4000), (3000, 2000, 3600, 2400), EditOptions(provider="local", context="mask"))
    assert not context.cropped and context.crop == (0, 0, 6000, 4000)


# --- which part is sent --------------------------------------------------------------------------


def test_a_small_mask_on_a_big_photo_sends_a_padded_crop_of_the_buckets_aspect():
    box = (3000, 2000, 3600, 2400)  # 600×400
    context = plan_context(PHOTO, box, mode="auto")
    assert context.cropped and context.size == (1536, 1024)
    x, y, w, h = context.crop
    assert x <= 3000 - 192 and y <= 2000 - 128 and x + w >= 3600 + 192 and y + h >= 2400 + 128
    assert w / h == pytest.approx(1.5, abs=0.01)  # scaled without distortion


def test_padding_is_at_least_64_px_and_the_crop_stays_inside_the_photo():
    context = plan_context(PHOTO, (5990, 3990, 6000, 4000), mode="mask")
    x, y, w, h = context.crop
    assert x <= 5990 - 64 and y <= 3990 - 64
    assert x >= 0 and y >= 0 and x + w <= 6000 and y + h <= 4000


def test_auto_sends_the_whole_photo_when_the_mask_is_large_or_the_photo_small():
    assert not plan_context(PHOTO, (500, 500, 5500, 3500), mode="auto").cropped
    assert not plan_context((1200, 800), (100, 100, 200, 200), mode="auto").cropped
    assert plan_context((1200, 800), (100, 100, 200, 200), mode="mask").cropped
    whole = plan_context(PHOTO, (3000, 2000, 3600, 2400), mode="whole")
    assert whole == EditContext((0, 0, 6000, 4000))
    assert plan_context(PHOTO, None, mode="mask") == whole  # nothing painted: nothing to crop to


def test_a_size_the_user_chose_gives_the_crop_its_aspect():
    context = plan_context(PHOTO, (3000, 2000, 3600, 2400), mode="mask", requested=(1024, 1536))
    assert context.size == (1024, 1536)
    assert context.crop[2] / context.crop[3] == pytest.approx(1024 / 1536, abs=0.01)


def test_a_context_survives_its_record_and_nonsense_reads_as_the_whole_photo():
    context = plan_context(PHOTO, (3000, 2000, 3600, 2400), mode="mask")
    assert EditContext.from_record(context.as_record(), PHOTO) == context
    whole = EditContext((0, 0, *PHOTO))
    assert EditContext.from_record(None, PHOTO) == whole
    assert EditContext.from_record({"crop": [5000, 0, 2000, 10]}, PHOTO) == whole  # outside
    assert EditContext.from_record({"crop": "x"}, PHOTO) == whole


# --- what is uploaded, and the result placed back -------------------------------------------------


def test_the_crop_mode_uploads_a_tenth_of_the_pixels_with_the_mask_at_the_same_size():
    photo = np.zeros((4000, 6000, 3), np.uint8)
    coverage = np.zeros((4000, 6000), np.uint8)
    coverage[2000:2400, 3000:3600] = 255
    context = plan_context(PHOTO, (3000, 2000, 3600, 2400), mode="auto")
    uploads = prepare_uploads(photo, coverage=coverage, context=context)
    whole = prepare_uploads(photo, coverage=coverage)
    sent, sent_whole = uploads.photo.width * uploads.photo.height, whole.photo.width * whole.photo.height
    assert sent <= sent_whole / 10
    import io

    from PIL import Image

    with Image.open(io.BytesIO(uploads.mask)) as mask:
        assert mask.size == (uploads.photo.width, uploads.photo.height) == context.size


def _painted_by_the_model(photo, coverage, context):
    """What the fake service does: the crop it was sent, painted magenta where the mask says."""
    sent, sent_mask = crop_for_api(photo, coverage, context)
    result = sent.copy()
    result[sent_mask >= 128] = (255, 0, 255)
    result[0:5] = 0  # and a little spill at the crop's edge, far from the mask
    return result


def _scene():
    rng = np.random.default_rng(3)
    photo = rng.integers(0, 256, (800, 1200, 3), np.uint8)
    coverage = np.zeros((800, 1200), np.uint8)
    coverage[300:500, 400:700] = 255
    return photo, coverage


def test_a_result_for_a_crop_lands_pixel_exactly_on_the_crop():
    photo, coverage = _scene()
    context = EditContext((200, 200, 600, 400), (600, 400))  # sent at its own size
    made = composite(photo, _painted_by_the_model(photo, coverage, context), coverage, feather_px=0,
                     crop=context.crop)
    expected = photo.copy()
    expected[coverage == 255] = (255, 0, 255)
    assert np.array_equal(made.pixels, expected)  # on the mask exactly; everything else bit-identical
    assert made.spill == pytest.approx(5 * 600 / (600 * 400 - 300 * 200), abs=0.005)  # measured on the crop


def test_a_scaled_crop_maps_back_onto_the_mask_and_leaves_the_rest_bit_identical():
    import cv2

    photo, coverage = _scene()
    context = EditContext((200, 200, 600, 400), (300, 200))  # halved, as a bucket would
    made = composite(photo, _painted_by_the_model(photo, coverage, context), coverage, crop=context.crop)
    inside = cv2.erode(coverage, np.ones((9, 9), np.uint8)) == 255  # bicubic reaches 4 px at 2x
    assert (made.pixels[inside] == (255, 0, 255)).all()  # no shift: the paint covers the mask
    far = cv2.dilate(coverage, np.ones((9, 9), np.uint8)) == 0
    assert np.array_equal(made.pixels[far], photo[far])


def test_whole_mode_with_a_crop_changes_only_the_crop():
    photo = np.full((100, 200, 3), 50, np.uint8)
    coverage = np.zeros((100, 200), np.uint8)
    coverage[40:60, 90:110] = 255
    result = np.full((40, 80, 3), 200, np.uint8)
    made = composite(photo, result, coverage, mode="whole", crop=(60, 30, 80, 40))
    assert (made.pixels[30:70, 60:140] == 200).all()
    made.pixels[30:70, 60:140] = 50
    assert (made.pixels == 50).all()


def test_a_crop_outside_the_photo_is_refused():
    photo = np.zeros((10, 10, 3), np.uint8)
    with pytest.raises(ValueError, match="not inside"):
        composite(photo, photo, np.zeros((10, 10), np.uint8), crop=(5, 5, 10, 10))


def test_free_size_presets_keep_detail_on_a_big_photo():
    photo, box = (6000, 4000), (2500, 1500, 3700, 2500)  # a 1200×1000 mask on 24 MP
    planned = {size: plan_edit(photo, box, EditOptions(provider="openai", model="gpt-image-2", context="mask",
                                                      size=size)) for size in ("auto", "crop", "1k", "4k")}
    crop = planned["crop"]
    crop_pixels = crop.crop[2] * crop.crop[3]
    assert crop.size[0] * crop.size[1] == pytest.approx(crop_pixels, rel=0.03)  # sent at its own detail
    assert planned["auto"].size[0] * planned["auto"].size[1] <= STEADY_PIXELS  # never "experimental"
    assert planned["auto"].size[0] * planned["auto"].size[1] == pytest.approx(min(crop_pixels, STEADY_PIXELS),
                                                                            rel=0.03)
    assert planned["4k"].size[0] * planned["4k"].size[1] > 7_500_000
    assert planned["1k"].size[0] * planned["1k"].size[1] == pytest.approx(1024 * 1024, rel=0.05)
    for context in planned.values():
        assert FREE_SIZES.problem(*context.size) is None


def test_a_preset_on_the_whole_photo_asks_for_the_photos_shape():
    uploads = Uploads(EncodedImage(b"photo", "image/jpeg", 6000, 4000))
    request = edit_request(uploads, "a bench", EditOptions(provider="openai", model="gpt-image-2", size="2k",
                                                          context="whole"))
    width, height = parse_size(request.size)
    assert width / height == pytest.approx(1.5, rel=0.02) and FREE_SIZES.problem(width, height) is None
    assert width * height == pytest.approx(2048 * 2048, rel=0.05)


def test_a_preset_is_refused_for_a_model_without_free_sizes():
    with pytest.raises(InvalidRequest, match="'2k' does not work"):
        check_options("a bench", EditOptions(provider="openai", model="gpt-image-1", size="2k"))
