"""Which files go to the API byte for byte, and which must be decoded and converted first."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image, ImageCms

from editor.imaging.passthrough import pass_through

LIMIT = 250_000_000


def encoded(mode="RGB", fmt="PNG", size=(40, 30), **save) -> bytes:
    buffer = io.BytesIO()
    colour = {"RGB": (10, 200, 30), "RGBA": (10, 200, 30, 128), "L": 90, "CMYK": (0, 255, 255, 0),
              "LA": (90, 0), "P": 3}[mode]
    Image.new(mode, size, colour).save(buffer, fmt, **save)
    return buffer.getvalue()


@pytest.mark.parametrize(("mode", "fmt", "content_type"), [
    ("RGB", "PNG", "image/png"), ("RGBA", "PNG", "image/png"), ("RGB", "JPEG", "image/jpeg"),
    ("RGB", "WEBP", "image/webp"), ("RGBA", "WEBP", "image/webp"),
])
def test_plain_files_pass_unchanged(mode, fmt, content_type):
    data = encoded(mode, fmt)
    result = pass_through(data, max_pixels=LIMIT)
    assert result is not None and result.data is data
    assert (result.content_type, result.width, result.height) == (content_type, 40, 30)


def test_files_that_need_converting_do_not_pass():
    rotated = Image.new("RGB", (40, 30))
    exif = rotated.getexif()
    exif[0x0112] = 6
    buffer = io.BytesIO()
    rotated.save(buffer, "JPEG", exif=exif)
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    for data in (encoded("CMYK", "JPEG"), encoded("L", "PNG"), encoded("P", "PNG"), encoded("RGB", "TIFF"),
                 encoded("RGB", "BMP"), encoded("P", "GIF"),
                 buffer.getvalue(), encoded("RGB", "PNG", icc_profile=srgb)):
        assert pass_through(data, max_pixels=LIMIT) is None


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP"])
def test_truncated_or_damaged_files_do_not_pass(fmt):
    rng = np.random.default_rng(3)
    buffer = io.BytesIO()
    Image.fromarray(rng.integers(0, 255, (64, 64, 3), dtype=np.uint8)).save(buffer, fmt)
    data = buffer.getvalue()
    assert pass_through(data, max_pixels=LIMIT) is not None
    assert pass_through(data[: len(data) * 2 // 3], max_pixels=LIMIT) is None
    assert pass_through(b"", max_pixels=LIMIT) is None
    assert pass_through(b"not an image at all", max_pixels=LIMIT) is None


def test_png_with_a_flipped_byte_fails_its_checksum():
    data = bytearray(encoded("RGB", "PNG", size=(64, 64)))
    idat = data.index(b"IDAT")
    data[idat + 10] ^= 0xFF
    assert pass_through(bytes(data), max_pixels=LIMIT) is None


def test_over_the_pixel_limit_is_left_to_the_loader_to_explain():
    assert pass_through(encoded(size=(100, 100)), max_pixels=9_999) is None


def test_mask_modes_are_chosen_by_the_caller():
    rgba = encoded("RGBA", "PNG")
    assert pass_through(rgba, max_pixels=LIMIT, modes=("RGBA", "LA")) is not None
    assert pass_through(encoded("LA", "PNG"), max_pixels=LIMIT, modes=("RGBA", "LA")) is not None
    assert pass_through(encoded("RGB", "PNG"), max_pixels=LIMIT, modes=("RGBA", "LA")) is None
