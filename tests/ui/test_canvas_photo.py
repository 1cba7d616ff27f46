"""qimage_from_pil: PIL images become QImages that draw fast and own their pixels."""

from __future__ import annotations

import gc

import numpy as np
from PIL import Image
from PySide6.QtGui import QImage

from editor.core.photo import pixel_array, qimage_from_pil


def test_rgb_becomes_rgb32_with_the_same_pixels():
    rgb = np.random.default_rng(1).integers(0, 256, (7, 9, 3), dtype=np.uint8)
    image = qimage_from_pil(Image.fromarray(rgb))
    assert image.format() == QImage.Format.Format_RGB32
    assert (image.width(), image.height()) == (9, 7)
    for x, y in ((0, 0), (8, 6), (4, 3)):
        assert image.pixelColor(x, y).getRgb()[:3] == tuple(int(v) for v in rgb[y, x])


def test_rgba_becomes_premultiplied_argb32():
    image = qimage_from_pil(Image.new("RGBA", (3, 2), (200, 100, 50, 128)))
    assert image.format() == QImage.Format.Format_ARGB32_Premultiplied
    red, green, blue, alpha = image.pixelColor(1, 1).getRgb()
    assert alpha == 128 and abs(red - 200) <= 2 and abs(green - 100) <= 2 and abs(blue - 50) <= 2


def test_other_modes_are_converted():
    assert qimage_from_pil(Image.new("L", (2, 2), 77)).pixelColor(0, 0).getRgb() == (77, 77, 77, 255)
    assert qimage_from_pil(Image.new("LA", (2, 2), (77, 10))).hasAlphaChannel()


def test_the_qimage_keeps_its_pixels_after_the_pil_image_is_gone():
    pil = Image.new("RGB", (64, 64), (1, 2, 3))
    image = qimage_from_pil(pil)
    del pil
    gc.collect()
    _ = [bytes(1 << 20) for _ in range(16)]  # churn the allocator
    assert image.pixelColor(63, 63).getRgb() == (1, 2, 3, 255)


def test_pixel_array_gives_the_colour_channels():
    image = qimage_from_pil(Image.new("RGB", (5, 4), (10, 20, 30)))
    pixels = pixel_array(image)
    assert pixels.shape == (4, 5, 3) and pixels.flags.c_contiguous
    assert sorted(pixels[3, 4].tolist()) == [10, 20, 30]
