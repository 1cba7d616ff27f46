"""CanvasView navigation, overlay, brush sizing and repaint behaviour, driven by real events."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QObject, QPoint, QPointF, QRect, Qt
from PySide6.QtGui import QColor, QPointingDevice, QTabletEvent, QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from editor.core.mask_layer import BrushDab
from editor.ui.canvas.transform import ViewTransform
from tests.ui import CanvasDriver

LEFT, RIGHT, MIDDLE = Qt.MouseButton.LeftButton, Qt.MouseButton.RightButton, Qt.MouseButton.MiddleButton
NONE, ALT = Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.AltModifier


@pytest.fixture
def canvas(qtbot) -> CanvasDriver:
    return CanvasDriver(qtbot)


def wheel(view, pos: QPointF, notches: float, modifiers=NONE) -> None:
    event = QWheelEvent(pos, view.mapToGlobal(pos), QPoint(0, 0), QPoint(0, int(120 * notches)),
                        Qt.MouseButton.NoButton, modifiers, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(view, event)


def close_to(a: QPointF, b: QPointF, tol: float = 1e-6) -> bool:
    return abs(a.x() - b.x()) <= tol and abs(a.y() - b.y()) <= tol


class PaintSpy(QObject):
    """Records the rect of every paint event the view receives."""

    def __init__(self, view) -> None:
        super().__init__()
        self.rects: list[QRect] = []
        view.installEventFilter(self)

    def eventFilter(self, watched, event) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.rects.append(QRect(event.rect()))
        return False


def test_wheel_zooms_keeping_the_image_point_under_the_cursor(canvas):
    view = canvas.view
    cursor = QPointF(60, 40)
    under = view.widget_to_image(cursor)
    zooms = []
    view.zoom_changed.connect(zooms.append)
    wheel(view, cursor, 3)
    assert view.zoom() == pytest.approx(1.25**3)
    assert close_to(view.widget_to_image(cursor), under)
    wheel(view, cursor, -5)
    assert view.zoom() == pytest.approx(1.25**-2)
    assert close_to(view.widget_to_image(cursor), under)
    assert zooms == pytest.approx([1.25**3, 1.25**-2])


def test_zoom_is_clamped_between_1_and_3200_percent(canvas):
    canvas.view.set_zoom(1000)
    assert canvas.view.zoom() == 32
    canvas.view.set_zoom(0.0001)
    assert canvas.view.zoom() == 0.01


def test_zoom_steps_fit_and_actual_pixels(canvas):
    view = canvas.view
    view.zoom_in()
    assert view.zoom() == 1.5
    view.zoom_out()
    view.zoom_out()
    assert view.zoom() == pytest.approx(0.6667)
    view.actual_pixels()
    assert view.zoom() == 1.0
    assert view.image_to_widget(QPointF(3, 4)) == QPointF(round(view.image_to_widget(QPointF(3, 4)).x()),
                                                          round(view.image_to_widget(QPointF(3, 4)).y()))
    view.resize(416, 316)
    view.set_zoom(4)
    view.fit_to_view()
    assert view.zoom() == pytest.approx(2.0)  # 200 × 150 into 400 × 300 inside the margins
    assert view.image_to_widget(QPointF(100, 75)) == QPointF(208, 158)  # centred


def test_space_drag_pans_without_painting(canvas):
    view = canvas.view
    view.set_zoom(4, QPointF(100, 80))
    origin = view.image_to_widget(QPointF(0, 0))
    QTest.keyPress(view, Qt.Key.Key_Space)
    QTest.mousePress(view, LEFT, NONE, QPoint(100, 80))
    for x in range(105, 145, 5):
        QTest.mouseMove(view, QPoint(x, 80 + (x - 100) // 2))
    QTest.mouseRelease(view, LEFT, NONE, QPoint(140, 100))
    QTest.keyRelease(view, Qt.Key.Key_Space)
    assert view.image_to_widget(QPointF(0, 0)) == origin + QPointF(40, 20)
    assert not canvas.mask.array().any() and not canvas.mask.can_undo()


def test_middle_drag_pans(canvas):
    view = canvas.view
    view.set_zoom(4, QPointF(100, 80))
    origin = view.image_to_widget(QPointF(0, 0))
    canvas_drag_widget(view, MIDDLE, QPoint(100, 80), QPoint(70, 60))
    assert view.image_to_widget(QPointF(0, 0)) == origin + QPointF(-30, -20)
    assert not canvas.mask.array().any()


def canvas_drag_widget(view, button, start: QPoint, end: QPoint) -> None:
    QTest.mousePress(view, button, NONE, start)
    QTest.mouseMove(view, (start + end) / 2)
    QTest.mouseMove(view, end)
    QTest.mouseRelease(view, button, NONE, end)


def test_panning_keeps_some_of_the_image_in_view(canvas):
    view = canvas.view
    for _ in range(5):
        canvas_drag_widget(view, MIDDLE, QPoint(200, 150), QPoint(0, 0))
    corner = view.image_to_widget(QPointF(200, 150))
    assert corner.x() >= 40 and corner.y() >= 40


def test_grow_and_shrink_brush_by_about_ten_percent_clamped(canvas):
    view = canvas.view
    sizes = []
    view.brush_changed.connect(lambda brush: sizes.append(brush.diameter))
    view.set_brush(BrushDab(diameter=60))
    view.grow_brush()
    assert view.brush().diameter == 66
    view.shrink_brush()
    view.shrink_brush()
    assert view.brush().diameter == 55
    view.set_brush(BrushDab(diameter=3))
    view.grow_brush()
    assert view.brush().diameter == 4  # at least 1 px
    view.set_brush(BrushDab(diameter=1))
    view.shrink_brush()
    assert view.brush().diameter == 1
    view.set_brush(BrushDab(diameter=990))
    view.grow_brush()
    assert view.brush().diameter == 1000
    assert sizes == [60, 66, 60, 55, 3, 4, 1, 990, 1000]


def test_alt_wheel_changes_brush_size_not_zoom(canvas):
    view = canvas.view
    view.set_brush(BrushDab(diameter=50))
    wheel(view, QPointF(50, 50), 2, ALT)
    assert view.brush().diameter == pytest.approx(50 * 1.1**2)
    assert view.zoom() == 1.0


def test_alt_right_drag_changes_brush_size_without_painting(canvas):
    view = canvas.view
    view.set_brush(BrushDab(diameter=20))
    QTest.mousePress(view, RIGHT, ALT, QPoint(50, 50))
    canvas.move(72, 42, RIGHT, ALT)  # widget (80, 50): 30 px right at 100 %
    QTest.mouseRelease(view, RIGHT, ALT, QPoint(80, 50))
    assert view.brush().diameter == pytest.approx(80)
    assert not canvas.mask.array().any()


def test_brush_cursor_shows_the_real_footprint_at_the_zoom(canvas):
    view = canvas.view
    view.set_brush(BrushDab(diameter=40))
    view.set_zoom(2, QPointF(100, 80))
    canvas.move(60, 40)
    shot = view.grab().toImage()
    centre = view.image_to_widget(QPointF(60, 40))
    rim = centre + QPointF(40, 0)  # 20 px radius × 200 %
    inside = centre + QPointF(25, 0)
    photo_colour = canvas.photo.pixelColor(0, 0)
    assert shot.pixelColor(rim.toPoint()) != photo_colour
    assert shot.pixelColor(inside.toPoint()) == photo_colour


def test_cursor_moved_reports_image_coordinates_and_none_outside(canvas):
    seen = []
    canvas.view.cursor_moved.connect(seen.append)
    canvas.move(30, 40)
    canvas.move(-5, 40)
    assert close_to(seen[0], QPointF(30, 40), 0.5)
    assert seen[1] is None


def test_overlay_tints_the_mask_in_the_users_colour(canvas):
    canvas.drag([(20, 50), (120, 50)])
    canvas.view.set_overlay(QColor(0, 0, 255), 1.0)
    assert canvas.widget_pixel(70, 50) == QColor(0, 0, 255)
    canvas.view.set_overlay(QColor(0, 0, 255), 0.5)
    half = canvas.widget_pixel(70, 50)
    assert half.blue() > 180 and abs(half.red() - 90 // 2) <= 2
    assert canvas.widget_pixel(70, 100) == canvas.photo.pixelColor(70, 100)


def test_peek_and_hide_show_the_photo_and_leave_the_mask_alone(canvas):
    canvas.drag([(20, 50), (120, 50)])
    before = canvas.mask.array().copy()
    photo_colour = canvas.photo.pixelColor(70, 50)
    assert canvas.widget_pixel(70, 50) != photo_colour
    QTest.keyPress(canvas.view, Qt.Key.Key_Backslash)
    assert canvas.widget_pixel(70, 50) == photo_colour
    QTest.keyRelease(canvas.view, Qt.Key.Key_Backslash)
    assert canvas.widget_pixel(70, 50) != photo_colour
    canvas.view.set_mask_visible(False)
    assert not canvas.view.mask_visible() and canvas.widget_pixel(70, 50) == photo_colour
    canvas.view.set_mask_visible(True)
    canvas.view.set_peek_original(True)
    assert canvas.widget_pixel(70, 50) == photo_colour
    canvas.view.set_peek_original(False)
    assert (canvas.mask.array() == before).all()


def test_hatch_overlay_leaves_gaps_between_stripes(canvas):
    canvas.view.set_tool("rect")
    canvas.drag([(10, 10), (110, 110)])
    canvas.view.set_overlay(QColor(0, 255, 0), 1.0, hatch=True)
    shot = canvas.view.grab().toImage()
    greens = {shot.pixelColor(canvas.at(x, 60)).green() for x in range(30, 60)}
    assert max(greens) == 255 and min(greens) < 200


def test_mask_preview_replaces_the_mask_until_cleared(canvas):
    preview = np.zeros((150, 200), np.uint8)
    preview[100:140, 150:190] = 255
    canvas.view.set_overlay(QColor(0, 0, 255), 1.0)
    canvas.view.set_mask_preview(preview)
    assert canvas.widget_pixel(170, 120) == QColor(0, 0, 255)
    assert not canvas.mask.array().any()
    canvas.view.set_mask_preview(None)
    assert canvas.widget_pixel(170, 120) == canvas.photo.pixelColor(170, 120)


def test_a_dab_repaints_only_around_itself(canvas, qtbot):
    view = canvas.view
    view.resize(800, 600)
    view.actual_pixels()
    qtbot.wait(20)
    spy = PaintSpy(view)
    canvas.mask.begin_stroke("probe", erase=False)
    canvas.mask.stamp_dab(QPointF(100, 70), BrushDab(diameter=10, hardness=1.0))
    canvas.mask.end_stroke()
    qtbot.waitUntil(lambda: bool(spy.rects))
    dab = view.image_to_widget(QPointF(100, 70)).toPoint()
    for rect in spy.rects:
        assert rect.width() <= 24 and rect.height() <= 24, rect
        assert rect.contains(dab)


def test_tablet_pressure_scales_the_dab(canvas):
    view = canvas.view
    view.set_brush(BrushDab(diameter=40, hardness=1.0))
    view.set_pressure_mode("size")

    def tablet(kind, x, y, pressure, button=LEFT):
        pos = QPointF(canvas.at(x, y))
        buttons = LEFT if kind != QEvent.Type.TabletRelease else Qt.MouseButton.NoButton
        event = QTabletEvent(kind, QPointingDevice.primaryPointingDevice(), pos, view.mapToGlobal(pos),
                             pressure, 0.0, 0.0, 0.0, 0.0, 0.0, NONE, button, buttons)
        QApplication.sendEvent(view, event)
        return event.isAccepted()

    assert tablet(QEvent.Type.TabletPress, 100, 75, 0.25)
    tablet(QEvent.Type.TabletRelease, 100, 75, 0.25)
    painted = np.flatnonzero(canvas.mask.array()[75] > 0)
    assert 8 <= painted.size <= 12  # 40 px × 0.25
    with pytest.raises(ValueError):
        view.set_pressure_mode("tilt")


def test_set_tool_and_signals(canvas):
    seen = []
    canvas.view.tool_changed.connect(seen.append)
    for name in canvas.view.TOOLS:
        canvas.view.set_tool(name)
        assert canvas.view.tool() == name
    assert seen == list(canvas.view.TOOLS[1:])
    with pytest.raises(ValueError):
        canvas.view.set_tool("airbrush")


def test_set_photo_replaces_the_pixels_and_keeps_the_view(canvas):
    view = canvas.view
    view.set_zoom(3, view.image_to_widget(QPointF(20, 20)))
    before = view.image_to_widget(QPointF(10, 10))
    replacement = canvas.photo.copy()
    replacement.fill(QColor(10, 200, 10))
    view.set_photo(replacement)
    assert view.image_to_widget(QPointF(10, 10)) == before
    assert canvas.widget_pixel(20, 20) == QColor(10, 200, 10)


def test_actual_pixels_paints_without_a_crash_whatever_the_offsets_are(canvas):
    # Ctrl+1 used to round the offsets to ints, and int.is_integer() does not exist before Python
    # 3.12: every paint then raised (a crash dialog again and again on a 48 MP photo).
    view = canvas.view
    view.fit_to_view()
    view.actual_pixels()
    transform, _fitted = view.view_transform()
    assert all(isinstance(value, float) for value in (transform.scale, transform.dx, transform.dy))
    assert not view.grab().isNull()  # paints the 100 % path
    assert ViewTransform(1, 3, 4).dx.is_integer()
