"""The canvas tools driven by real mouse and key events: what lands in the mask, and only there."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainterPath
from PySide6.QtTest import QTest

from tests.ui import CanvasDriver, photo_from_array

LEFT, RIGHT = Qt.MouseButton.LeftButton, Qt.MouseButton.RightButton
SHIFT, ALT = Qt.KeyboardModifier.ShiftModifier, Qt.KeyboardModifier.AltModifier


@pytest.fixture
def canvas(qtbot) -> CanvasDriver:
    return CanvasDriver(qtbot)


def painted(canvas: CanvasDriver) -> np.ndarray:
    return canvas.mask.array() > 0


def fill_all(canvas: CanvasDriver) -> None:
    path = QPainterPath()
    path.addRect(QRectF(0, 0, canvas.mask.width, canvas.mask.height))
    canvas.mask.fill_path(path, erase=False, label="setup")


def test_fixture_shows_the_photo_at_100_percent(canvas):
    assert canvas.view.zoom() == pytest.approx(1.0)
    assert canvas.view.image_to_widget(QPointF(0, 0)) == QPointF(8, 8)


def test_brush_drag_paints_along_the_path_and_nowhere_else(canvas):
    canvas.drag([(20, 50), (120, 50)])
    mask = canvas.mask.array()
    assert (mask[50, 20:121] == 255).all()
    assert (mask[47:54, 30:110] == 255).all()  # the 10 px brush covers ±5 px around the path
    assert not painted(canvas)[:43].any() and not painted(canvas)[58:].any()
    assert not painted(canvas)[:, :13].any() and not painted(canvas)[:, 128:].any()
    assert canvas.mask.undo_label() == "Brush stroke"


def test_each_stroke_is_one_undo_step(canvas):
    canvas.drag([(20, 30), (120, 30)])
    canvas.drag([(20, 90), (120, 90)])
    assert canvas.mask.undo()
    assert painted(canvas)[30, 70] and not painted(canvas)[90, 70]
    assert canvas.mask.undo()
    assert not painted(canvas).any()
    assert not canvas.mask.can_undo()


def test_right_drag_with_the_brush_erases(canvas):
    fill_all(canvas)
    canvas.drag([(20, 50), (120, 50)], button=RIGHT)
    mask = canvas.mask.array()
    assert (mask[50, 20:121] == 0).all()
    assert (mask[40] == 255).all() and (mask[60] == 255).all()
    assert canvas.mask.undo_label() == "Erase"


def test_alt_drag_with_the_brush_erases(canvas):
    fill_all(canvas)
    canvas.drag([(20, 50), (120, 50)], modifiers=ALT)
    assert (canvas.mask.array()[50, 20:121] == 0).all()


def test_eraser_tool_erases_and_right_drag_paints_with_it(canvas):
    fill_all(canvas)
    canvas.view.set_tool("eraser")
    canvas.drag([(20, 50), (120, 50)])
    assert (canvas.mask.array()[50, 20:121] == 0).all()
    canvas.drag([(60, 50), (80, 50)], button=RIGHT)
    assert (canvas.mask.array()[50, 60:81] == 255).all()
    assert (canvas.mask.array()[50, 20:50] == 0).all()


def test_shift_click_draws_a_straight_line_from_the_last_point(canvas):
    canvas.click(20, 30)
    canvas.click(120, 90, modifiers=SHIFT)
    mask = canvas.mask.array()
    for t in np.linspace(0, 1, 21):
        x, y = 20 + 100 * t, 30 + 60 * t
        assert mask[round(y), round(x)] == 255, (x, y)
    assert mask[90, 20] == 0 and mask[30, 120] == 0  # the corners off the line stay clear
    assert canvas.mask.undo()  # the line is its own undo step, the first click stays
    assert mask[30, 20] == 255 and mask[60, 70] == 0


def test_a_plain_second_click_is_a_dot_not_a_line(canvas):
    canvas.click(20, 30)
    canvas.click(120, 90)
    assert canvas.mask.array()[60, 70] == 0


def test_stroke_leaving_the_widget_and_coming_back_paints_to_the_edge(canvas):
    # From inside, far past the left edge (outside the widget too), and back in lower down.
    canvas.drag([(60, 40), (-60, 40), (-60, 100), (60, 100)])
    mask = canvas.mask.array()
    assert (mask[40, 0:61] == 255).all()
    assert (mask[100, 0:61] == 255).all()
    assert mask[70, 30] == 0  # the part of the stroke outside the image painted nothing inside it
    assert canvas.mask.undo_label() == "Brush stroke" and canvas.mask.undo()
    assert not painted(canvas).any()


def test_rectangle_fills_the_dragged_rectangle(canvas):
    canvas.view.set_tool("rect")
    canvas.drag([(20, 20), (80, 60)])
    mask = canvas.mask.array()
    assert (mask[21:59, 21:79] == 255).all()
    assert not painted(canvas)[62:].any() and not painted(canvas)[:, 82:].any()
    assert canvas.mask.undo_label() == "Rectangle"


def test_shift_rectangle_is_a_square(canvas):
    canvas.view.set_tool("rect")
    canvas.drag([(20, 20), (80, 50)], modifiers=SHIFT)
    mask = canvas.mask.array()
    assert (mask[21:79, 21:79] == 255).all()  # 60 × 60, though the drag was 60 × 30
    assert not painted(canvas)[82:].any() and not painted(canvas)[:, 82:].any()


def test_alt_rectangle_subtracts(canvas):
    fill_all(canvas)
    canvas.view.set_tool("rect")
    canvas.drag([(20, 20), (80, 60)], modifiers=ALT)
    mask = canvas.mask.array()
    assert (mask[21:59, 21:79] == 0).all() and mask[70, 50] == 255
    assert canvas.mask.undo_label() == "Rectangle (subtract)"


def test_rectangle_shows_a_live_outline_while_dragging(canvas):
    canvas.view.set_tool("rect")
    QTest.mousePress(canvas.view, LEFT, Qt.KeyboardModifier.NoModifier, canvas.at(20, 20))
    canvas.move(80, 60, LEFT)
    # The outline's white pass shows on the photo; the mask is untouched until release.
    edge = canvas.view.grab().toImage().pixelColor(canvas.at(50, 20))
    assert edge != canvas.photo.pixelColor(50, 20)
    assert not painted(canvas).any()
    QTest.mouseRelease(canvas.view, LEFT, Qt.KeyboardModifier.NoModifier, canvas.at(80, 60))
    assert painted(canvas)[40, 50]


def test_ellipse_fills_an_ellipse_and_shift_makes_a_circle(canvas):
    canvas.view.set_tool("ellipse")
    canvas.drag([(20, 20), (120, 80)])
    mask = canvas.mask.array()
    assert mask[50, 70] == 255 and mask[50, 22] > 0 and mask[50, 118] > 0
    assert mask[22, 22] == 0 and mask[78, 118] == 0  # corners of the box stay clear
    assert not painted(canvas)[85:].any()
    canvas.mask.undo()
    canvas.drag([(20, 20), (120, 60)], modifiers=SHIFT)
    assert mask[70, 70] == 255 and mask[115, 70] == 255  # a 100 px circle, though the drag was 40 tall
    assert mask[22, 22] == 0


def test_lasso_fills_the_freehand_outline(canvas):
    canvas.view.set_tool("lasso")
    canvas.drag([(20, 20), (100, 20), (100, 100), (20, 100)])
    mask = canvas.mask.array()
    assert (mask[25:95, 25:95] == 255).all()
    assert not painted(canvas)[:, 103:].any() and not painted(canvas)[103:].any()
    assert canvas.mask.undo_label() == "Lasso"


def test_esc_during_a_lasso_cancels_it(canvas):
    canvas.view.set_tool("lasso")
    QTest.mousePress(canvas.view, LEFT, Qt.KeyboardModifier.NoModifier, canvas.at(20, 20))
    for x, y in ((100, 20), (100, 100), (20, 100)):
        canvas.move(x, y, LEFT)
    QTest.keyClick(canvas.view, Qt.Key.Key_Escape)
    QTest.mouseRelease(canvas.view, LEFT, Qt.KeyboardModifier.NoModifier, canvas.at(20, 100))
    assert not painted(canvas).any() and not canvas.mask.can_undo()


def test_polygon_by_clicks_closed_with_enter(canvas):
    canvas.view.set_tool("polygon")
    for x, y in ((20, 20), (120, 20), (120, 100), (20, 100)):
        canvas.click(x, y)
    assert not painted(canvas).any()  # nothing until it is closed
    QTest.keyClick(canvas.view, Qt.Key.Key_Return)
    mask = canvas.mask.array()
    assert (mask[25:95, 25:115] == 255).all()
    assert not painted(canvas)[:, 123:].any() and not painted(canvas)[103:].any()
    assert canvas.mask.undo_label() == "Polygon"


def test_polygon_closed_by_double_click(canvas):
    canvas.view.set_tool("polygon")
    canvas.click(20, 20)
    canvas.click(120, 20)
    QTest.mouseDClick(canvas.view, LEFT, Qt.KeyboardModifier.NoModifier, canvas.at(70, 100))
    mask = canvas.mask.array()
    assert mask[40, 70] == 255 and mask[90, 30] == 0
    canvas.click(150, 120)  # a fresh polygon starts; nothing is added to the closed one
    assert canvas.mask.undo_label() == "Polygon"


def test_polygon_esc_cancels_with_no_change(canvas):
    canvas.view.set_tool("polygon")
    for x, y in ((20, 20), (120, 20), (120, 100)):
        canvas.click(x, y)
    QTest.keyClick(canvas.view, Qt.Key.Key_Escape)
    QTest.keyClick(canvas.view, Qt.Key.Key_Return)
    assert not painted(canvas).any() and not canvas.mask.can_undo()


def two_region_photo() -> QImage:
    """Left: colour A with a B-within-tolerance stripe; right: colour C; an A island inside C."""
    rgb = np.empty((150, 200, 3), np.uint8)
    rgb[:] = (200, 40, 40)  # C, far from A
    a, near_a = (40, 80, 160), (50, 88, 150)  # within 12 of A on every channel
    rgb[:, :100] = a
    rgb[:, 80:90] = near_a
    rgb[60:80, 150:170] = a  # not connected to the left region
    return photo_from_array(rgb)


def test_bucket_fill_fills_exactly_the_contiguous_region_within_tolerance(qtbot):
    canvas = CanvasDriver(qtbot, two_region_photo())
    canvas.view.set_tool("fill")
    canvas.view.set_fill_tolerance(12)
    canvas.click(30, 70)
    expected = np.zeros((150, 200), bool)
    expected[:, :100] = True
    assert (painted(canvas) == expected).all()
    assert canvas.mask.undo_label() == "Fill"


def test_bucket_fill_with_a_tight_tolerance_stops_at_the_stripe(qtbot):
    canvas = CanvasDriver(qtbot, two_region_photo())
    canvas.view.set_tool("fill")
    canvas.view.set_fill_tolerance(5)
    canvas.click(30, 70)
    expected = np.zeros((150, 200), bool)
    expected[:, :80] = True
    assert (painted(canvas) == expected).all()


def test_bucket_fill_alt_click_subtracts_the_region(qtbot):
    canvas = CanvasDriver(qtbot, two_region_photo())
    fill_all(canvas)
    canvas.view.set_tool("fill")
    canvas.view.set_fill_tolerance(12)
    canvas.click(160, 70, modifiers=ALT)
    mask = canvas.mask.array()
    assert (mask[60:80, 150:170] == 0).all()
    assert mask[70, 30] == 255 and mask[70, 120] == 255


def test_bucket_fill_previews_the_region_while_hovering(qtbot):
    canvas = CanvasDriver(qtbot, two_region_photo())
    canvas.view.set_overlay(QColor(0, 255, 0), 0.5)
    canvas.view.set_tool("fill")
    canvas.view.set_fill_tolerance(12)
    before = canvas.widget_pixel(30, 70)
    canvas.move(30, 70)
    qtbot.waitUntil(lambda: canvas.widget_pixel(30, 70) != before, timeout=3000)
    assert canvas.widget_pixel(160, 70) == canvas.photo.pixelColor(160, 70)  # outside: unchanged
    assert not painted(canvas).any()  # a preview, not an edit
    canvas.view.set_tool("brush")
    assert canvas.widget_pixel(30, 70) == before
