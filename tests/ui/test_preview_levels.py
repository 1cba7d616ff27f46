"""A shown variant whose pixels change in place (a paste mask painted): the smaller copies the canvas
draws from when zoomed out follow on the changed rect only, and equal a fresh build."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRect
from PySide6.QtGui import QImage

from editor.ui.canvas.render import PhotoLayer


def test_refreshed_levels_equal_levels_built_afresh(qapp):
    width, height = 4096, 2048
    pixels = np.random.default_rng(3).integers(0, 256, (height, width, 4), dtype=np.uint8)
    pixels[..., 3] = 255
    image = QImage(pixels.data, width, height, width * 4, QImage.Format.Format_RGB32)
    layer = PhotoLayer()
    layer.set_photo(image)
    layer.build_levels()
    assert len(layer._level_buffers) == 3
    before = [level.copy() for level in layer._level_buffers]
    pixels[301:777, 1001:1555, :3] = 17  # painted in place, an odd-sided rect at odd coordinates
    layer.refresh_levels(QRect(1001, 301, 554, 476))
    fresh = PhotoLayer()
    fresh.set_photo(image)
    fresh.build_levels()
    for refreshed, built in zip(layer._level_buffers, fresh._level_buffers, strict=True):
        assert np.array_equal(refreshed, built)
    for refreshed, old in zip(layer._level_buffers, before, strict=True):
        assert not np.array_equal(refreshed, old)  # each level took the change
    assert (layer._level_buffers[0][200:350, 550:750, :3] == 17).all()
