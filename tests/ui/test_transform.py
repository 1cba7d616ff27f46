"""Pure zoom/pan coordinate math of the canvas (no widgets)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PySide6.QtCore import QPointF, QRect

from editor.ui.canvas.transform import (
    KEEP_VISIBLE_PX,
    MAX_SCALE,
    MIN_SCALE,
    ZOOM_STEPS,
    ViewTransform,
    clamp_scale,
    next_zoom_step,
)

coords = st.floats(min_value=-5000, max_value=5000, allow_nan=False)
scales = st.floats(min_value=MIN_SCALE, max_value=MAX_SCALE)


def close(a: QPointF, b: QPointF, tol: float = 1e-6) -> bool:
    def near(u: float, v: float) -> bool:
        return abs(u - v) <= tol * max(1.0, abs(v))

    return near(a.x(), b.x()) and near(a.y(), b.y())


@given(scales, coords, coords, coords, coords)
def test_widget_image_round_trip(scale, dx, dy, x, y):
    t = ViewTransform(scale, dx, dy)
    point = QPointF(x, y)
    assert close(t.to_image(t.to_widget(point)), point, 1e-6)
    assert close(t.to_widget(t.to_image(point)), point, 1e-6)


@given(scales, coords, coords, scales, coords, coords)
def test_zoom_keeps_the_anchor_on_the_same_image_point(scale, dx, dy, new_scale, ax, ay):
    t = ViewTransform(scale, dx, dy)
    anchor = QPointF(ax, ay)
    zoomed = t.zoomed(new_scale, anchor)
    assert zoomed.scale == pytest.approx(new_scale)
    assert close(zoomed.to_image(anchor), t.to_image(anchor), 1e-6)


def test_zoom_is_clamped():
    assert clamp_scale(100) == MAX_SCALE == 32
    assert clamp_scale(0) == MIN_SCALE == 0.01
    assert ViewTransform().zoomed(1e6, QPointF(10, 10)).scale == 32


def test_fit_centres_the_whole_image_inside_the_margin():
    t = ViewTransform.fit(4000, 3000, 816, 316, margin=8)
    assert t.scale == pytest.approx(0.1)
    top_left, bottom_right = t.to_widget(QPointF(0, 0)), t.to_widget(QPointF(4000, 3000))
    assert top_left.y() == pytest.approx(8) and bottom_right.y() == pytest.approx(308)
    assert top_left.x() == pytest.approx(816 - bottom_right.x())  # centred horizontally
    assert ViewTransform.fit(0, 0, 100, 100) == ViewTransform()


def test_zoom_steps_climb_and_descend_the_ladder():
    assert next_zoom_step(1.0, +1) == 1.5
    assert next_zoom_step(1.0, -1) == pytest.approx(0.6667)
    assert next_zoom_step(1.2, +1) == 1.5 and next_zoom_step(1.2, -1) == 1.0
    assert next_zoom_step(32, +1) == 32 and next_zoom_step(0.01, -1) == 0.01
    assert list(ZOOM_STEPS) == sorted(ZOOM_STEPS)


def test_image_rect_of_a_widget_rect_covers_every_needed_pixel_and_clips():
    t = ViewTransform(2.0, 10.5, -3.0)
    rect = t.image_rect_of(QRect(10, 0, 20, 10), 100, 100)
    # Widget x 10..30 → image x -0.25..9.75 → pixels 0..9 (clipped at 0); y 0..10 → 1.5..6.5 → 1..6.
    assert rect == QRect(0, 1, 10, 6)
    assert t.image_rect_of(QRect(1000, 1000, 5, 5), 100, 100).isEmpty()


def test_widget_rect_of_an_image_rect_is_padded_and_aligned():
    t = ViewTransform(0.5, 0.25, 0.0)
    # Image 10..13 → widget x 5.25..6.75, y 5..6.5 → whole pixels 5..7, then 1 px of padding.
    assert t.widget_rect_of(QRect(10, 10, 3, 3), pad=1) == QRect(4, 4, 4, 4)


def test_constrained_keeps_part_of_the_image_in_view():
    t = ViewTransform(1.0, -5000, 5000).constrained(800, 600, 1000, 1000)
    assert t.to_widget(QPointF(1000, 0)).x() == pytest.approx(KEEP_VISIBLE_PX)
    assert t.to_widget(QPointF(0, 0)).y() == pytest.approx(600 - KEEP_VISIBLE_PX)
    inside = ViewTransform(1.0, 10, 10)
    assert inside.constrained(800, 600, 100, 100) is inside
