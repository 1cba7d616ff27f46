"""Texture fills: PatchMatch for wide holes, Telea for strokes that would blur, Telea when the
library cannot load; only the hole's pixels ever change."""

from __future__ import annotations

import asyncio

import cv2
import numpy as np
import pytest

from editor.backends.local_inpaint import LocalInpaintBackend
from editor.imaging import texture_fill
from editor.imaging.texture_fill import fill_hole, fill_method, fill_patchmatch, hole_width
from tests.backends.test_local_inpaint import decoded, make_request

needs_patchmatch = pytest.mark.skipif(texture_fill.patchmatch_module() is None,
                                      reason="PatchMatch's library does not load here")


def striped(width=240, height=160) -> np.ndarray:
    """Vertical stripes 6 px wide: texture that a smear cannot fake."""
    x = np.arange(width)
    row = np.where((x // 6) % 2 == 0, 200, 40).astype(np.uint8)
    return np.dstack([np.tile(row, (height, 1))] * 3)


def contrast(image: np.ndarray, hole: np.ndarray) -> float:
    gray = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY).astype(np.float32)
    return float(np.abs(cv2.Sobel(gray, cv2.CV_32F, 1, 0))[hole].mean())


def test_hole_width_is_twice_the_inscribed_radius():
    hole = np.zeros((100, 100), bool)
    hole[40:60, 10:90] = True
    assert 18 <= hole_width(hole) <= 22
    assert hole_width(np.zeros((5, 5), bool)) == 0


@needs_patchmatch
def test_patchmatch_copies_texture_where_telea_smears():
    photo = striped()
    hole = np.zeros(photo.shape[:2], bool)
    hole[40:120, 80:160] = True
    filled, method = fill_hole(photo, hole)
    telea = texture_fill.fill_telea(photo, hole)
    assert method == "patchmatch"
    assert contrast(filled, hole) > 0.6 * contrast(photo, hole)
    assert contrast(telea, hole) < 0.5 * contrast(photo, hole)
    assert np.array_equal(filled[~hole], photo[~hole])


@needs_patchmatch
def test_a_large_context_is_filled_at_half_a_megapixel_and_placed_back(monkeypatch):
    seen = []
    real = texture_fill.patchmatch_module().inpaint
    monkeypatch.setattr(texture_fill.patchmatch_module(), "inpaint",
                        lambda image, mask, **kw: seen.append(image.shape) or real(image, mask, **kw))
    photo = striped(1600, 1000)
    hole = np.zeros(photo.shape[:2], bool)
    hole[:, 1300:] = True
    filled = fill_patchmatch(photo, hole)
    ((height, width, _),) = seen
    assert height * width <= 520_000 and width / height == pytest.approx(1.6, rel=0.01)
    assert np.array_equal(filled[~hole], photo[~hole])


@needs_patchmatch
def test_a_thin_stroke_on_a_large_context_goes_to_telea():
    hole = np.zeros((3000, 4000), bool)
    hole[1500:1503, 100:3900] = True
    assert fill_method(hole) == "telea"
    small = np.zeros((300, 400), bool)
    small[150:153, 10:390] = True
    assert fill_method(small) == "patchmatch"  # at full size PatchMatch is closer, even for a stroke


def test_without_the_library_the_backend_falls_back_to_telea(monkeypatch):
    monkeypatch.setattr(texture_fill, "patchmatch_module", lambda: None)
    photo = striped()
    coverage = np.zeros(photo.shape[:2], np.uint8)
    coverage[40:120, 80:160] = 255
    assert fill_method(coverage > 0) == "telea"
    result = asyncio.run(LocalInpaintBackend().edit(make_request(photo, coverage)))
    out = decoded(result.images[0].data)
    keep = coverage == 0
    assert np.array_equal(out[keep], photo[keep])
    assert not np.array_equal(out[~keep], photo[~keep])
