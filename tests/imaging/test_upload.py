"""From a job snapshot's pixels to the API's uploads: photo, mask and references."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from editor.imaging import upload
from editor.imaging.load import ImageLoadError
from editor.imaging.prepare import ImageTooLarge
from editor.imaging.upload import (
    UploadError,
    mask_upload,
    photo_upload,
    prepare_uploads,
    reference_upload,
    rgb_pixels,
)


def decode(data: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(data)) as image:
        return np.asarray(image.convert("RGBA" if image.mode in ("RGBA", "LA") else "RGB"))


def noise(height: int, width: int, channels: int = 3, seed: int = 1) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (height, width, channels), dtype=np.uint8)


def encoded(pixels: np.ndarray, image_format: str, **options) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, image_format, **options)
    return buffer.getvalue()


def test_the_photo_file_is_sent_as_it_is_when_the_pixels_are_its_own(make_photo):
    data = make_photo(64, 48, "JPEG")
    result = photo_upload(decode(data), data)
    assert result.data is data and result.content_type == "image/jpeg"
    assert (result.width, result.height) == (64, 48)


def test_edited_pixels_are_sent_as_a_lossless_png(make_photo):
    pixels = noise(48, 64)
    result = photo_upload(pixels, make_photo(32, 32))  # the file does not match the pixels' size
    assert result.content_type == "image/png" and (decode(result.data) == pixels).all()
    assert (decode(photo_upload(pixels, None).data) == pixels).all()


def test_a_photo_over_the_limit_goes_as_jpeg_and_transparency_refuses_to(monkeypatch):
    pixels = noise(200, 300)
    result = photo_upload(pixels, None, max_bytes=len(encoded(pixels, "JPEG", quality=92)) + 1000)
    assert result.content_type == "image/jpeg" and (result.width, result.height) == (300, 200)
    with pytest.raises(ImageTooLarge, match="transparency"):
        photo_upload(noise(200, 300, 4), None, max_bytes=1000)
    with pytest.raises(ImageTooLarge, match="Downscale"):
        photo_upload(pixels, None, max_bytes=1000)


def test_qt_pixel_orders_are_converted_off_the_gui_thread():
    rgb = noise(8, 8)
    bgrx = np.dstack([rgb[..., 2], rgb[..., 1], rgb[..., 0], np.full((8, 8), 255, np.uint8)])
    assert (rgb_pixels(bgrx, "BGRX") == rgb).all()
    assert (decode(photo_upload(bgrx, None, order="BGRX").data) == rgb).all()
    premultiplied = np.array([[[30, 20, 10, 128], [0, 0, 0, 0]]], np.uint8)  # BGRA, half transparent
    straight = rgb_pixels(premultiplied, "BGRA_premultiplied")
    assert straight[0, 0].tolist() == [20, 40, 60, 128] and straight[0, 1, 3] == 0
    assert rgb_pixels(premultiplied, "BGRA")[0, 0].tolist() == [10, 20, 30, 128]
    with pytest.raises(UploadError):
        rgb_pixels(rgb, "BGRX")


@pytest.mark.parametrize("threshold", [1, 128, 255])
def test_the_mask_is_transparent_exactly_where_coverage_reaches_the_threshold(threshold):
    coverage = np.tile(np.arange(256, dtype=np.uint8), (4, 1))
    with Image.open(io.BytesIO(mask_upload(coverage, threshold=threshold))) as image:
        assert image.format == "PNG" and image.mode == "RGBA" and image.size == (256, 4)
        alpha = np.asarray(image.getchannel("A"))
    assert ((alpha == 0) == (coverage >= threshold)).all() and set(np.unique(alpha)) <= {0, 255}


def test_a_mask_over_4_mb_is_refused_with_advice(monkeypatch):
    monkeypatch.setattr(upload, "MAX_MASK_BYTES", 50)
    with pytest.raises(ImageTooLarge, match="4 MB"):
        mask_upload(noise(64, 64, 1, seed=3)[..., 0])


def test_a_small_reference_goes_as_it_is(make_photo):
    data = make_photo(300, 200, "PNG")
    result = reference_upload(data, name="ref.png")
    assert result.data is data and result.content_type == "image/png"


def test_a_large_reference_is_downscaled_to_2048_px():
    data = encoded(noise(1500, 3000), "JPEG", quality=90)
    result = reference_upload(data, name="big.jpg")
    assert result.content_type == "image/jpeg" and (result.width, result.height) == (2048, 1024)
    assert decode(result.data).shape == (1024, 2048, 3) and len(result.data) < len(data)


def test_a_large_transparent_reference_keeps_its_alpha_as_png():
    result = reference_upload(encoded(noise(100, 2100, 4), "PNG"), name="cutout.png")
    assert result.content_type == "image/png" and (result.width, result.height) == (2048, 98)
    assert decode(result.data).shape[2] == 4


def test_a_reference_the_api_cannot_take_is_converted(make_photo):
    result = reference_upload(make_photo(40, 30, "BMP"), name="scan.bmp")
    assert result.content_type == "image/png" and (result.width, result.height) == (40, 30)


def test_a_broken_reference_says_which_file():
    with pytest.raises(ImageLoadError) as caught:
        reference_upload(b"not an image at all", name="notes.txt")
    assert "notes.txt" in caught.value.message


def test_prepare_uploads_builds_every_part(make_photo):
    photo = noise(30, 40)
    coverage = np.zeros((30, 40), np.uint8)
    coverage[5:10, 5:20] = 255
    result = prepare_uploads(photo, coverage=coverage, references=[("r.png", make_photo(20, 20))])
    assert (decode(result.photo.data) == photo).all()
    assert result.mask is not None and len(result.references) == 1 and result.references[0][0] == "r.png"
    assert prepare_uploads(photo).mask is None


def test_a_mask_of_another_size_is_refused():
    with pytest.raises(UploadError, match="same size"):
        prepare_uploads(noise(30, 40), coverage=np.zeros((40, 30), np.uint8))


def test_a_big_jpeg_reference_is_sent_at_the_reference_size():
    rng = np.random.default_rng(4)
    buffer = io.BytesIO()
    Image.fromarray(rng.integers(0, 255, (3000, 5000, 3), dtype=np.uint8)).save(buffer, "JPEG")
    sent = upload.reference_upload(buffer.getvalue(), name="ref.jpg")
    assert sent.content_type == "image/jpeg"
    long_side = upload.REFERENCE_LONG_SIDE
    assert (sent.width, sent.height) == (long_side, round(3000 * long_side / 5000))
    with Image.open(io.BytesIO(sent.data)) as image:
        assert image.size == (sent.width, sent.height)
