"""The split divider's handle in the compare view, driven by real mouse and key events: drawn, grabbed
where the pointer takes it, never jumping, and staying put on screen while the photos zoom and pan."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QImage, QMouseEvent, QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from editor.ui import theme
from editor.ui.compare import CompareView
from editor.ui.compare.divider import KNOB_RADIUS_PX
from editor.ui.compare.input_events import SPLIT_KEY_STEP

RED, BLUE = QColor(255, 0, 0), QColor(0, 0, 255)
LEFT, MIDDLE = Qt.MouseButton.LeftButton, Qt.MouseButton.MiddleButton
NONE, SHIFT = Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.ShiftModifier
WIDTH, HEIGHT = 400, 300
MIDDLE_Y = HEIGHT // 2


def solid(color: QColor) -> QImage:
    image = QImage(WIDTH, HEIGHT, QImage.Format.Format_RGB32)
    image.fill(color)
    return image


@pytest.fixture
def view(qtbot) -> CompareView:
    widget = CompareView()
    qtbot.addWidget(widget)
    widget.resize(WIDTH, HEIGHT)
    widget.show()
    qtbot.waitExposed(widget)
    widget.set_images(solid(RED), solid(BLUE))
    return widget


def move(view: CompareView, pos: QPoint, buttons=Qt.MouseButton.NoButton) -> None:
    """A real move event (QTest.mouseMove cannot carry held buttons)."""
    point = QPointF(pos)
    event = QMouseEvent(QEvent.Type.MouseMove, point, view.mapToGlobal(point), Qt.MouseButton.NoButton,
                        buttons, NONE)
    QApplication.sendEvent(view, event)


def drag(view: CompareView, start: QPoint, end: QPoint, button=LEFT) -> None:
    move(view, start)
    QTest.mousePress(view, button, NONE, start)
    steps = 8
    for i in range(1, steps + 1):
        move(view, start + (end - start) * i / steps, button)
    QTest.mouseRelease(view, button, NONE, end)


def colour_at(view: CompareView, x: int, y: int) -> QColor:
    return view.grab().toImage().pixelColor(x, y)


def assert_split_shown_at(view: CompareView, x: int) -> None:
    """The original left of `x`, the variant right of it, the handle's line on it (in the text
    colour once the pointer is away from it)."""
    move(view, QPoint(5, 5))
    frame = view.grab().toImage()
    for y in (30, HEIGHT - 30):  # above and below the knob
        assert frame.pixelColor(x - 6, y) == RED
        assert frame.pixelColor(x + 6, y) == BLUE
        assert frame.pixelColor(x - 1, y) == theme.current().colour("text")


def test_the_handle_is_a_line_with_a_grip_knob_in_the_theme(view):
    frame = view.grab().toImage()
    x = WIDTH // 2
    assert frame.pixelColor(x - 1, 40) == theme.current().colour("text")
    panel = theme.current().colour("panel")
    for dy in (-10, 10):  # inside the knob, above and below its grip arrows
        assert frame.pixelColor(x, MIDDLE_Y + dy) == panel
    inside_left_arrow = frame.pixelColor(x - 6, MIDDLE_Y)
    assert inside_left_arrow != panel and inside_left_arrow.value() > 200


def test_dragging_the_handle_moves_the_split_without_jumping_to_the_press(view):
    seen: list[float] = []
    view.split_changed.connect(seen.append)
    # Taken 5 px right of the line: the line keeps that distance from the pointer.
    drag(view, QPoint(205, 60), QPoint(125, 90))
    assert view.split() == pytest.approx(120 / WIDTH)
    assert seen[-1] == pytest.approx(120 / WIDTH) and 0.5 not in seen[1:]
    assert_split_shown_at(view, 120)


def test_the_knob_is_a_handle_too(view):
    grip = QPoint(WIDTH // 2 + int(KNOB_RADIUS_PX) - 2, MIDDLE_Y + 4)  # off the line, on the knob
    move(view, grip)
    assert view.cursor().shape() == Qt.CursorShape.SplitHCursor
    drag(view, grip, grip + QPoint(100, 0))
    assert view.split() == pytest.approx(300 / WIDTH)
    assert_split_shown_at(view, 300)


def test_the_handle_lights_up_in_the_accent_under_the_pointer(view):
    x = WIDTH // 2
    move(view, QPoint(x + 3, 40))
    assert colour_at(view, x - 1, 60) == theme.current().colour("accent")
    move(view, QPoint(60, 40))
    assert view.cursor().shape() != Qt.CursorShape.SplitHCursor
    assert colour_at(view, x - 1, 60) == theme.current().colour("text")


def test_a_drag_away_from_the_handle_pans_and_leaves_the_split_alone(view):
    view.set_transform(view.transform().zoomed(3.0, QPointF(200, 150)))
    before = view.transform()
    drag(view, QPoint(60, 60), QPoint(90, 80))
    after = view.transform()
    assert (after.dx - before.dx, after.dy - before.dy) == pytest.approx((30, 20))
    assert view.split() == 0.5
    assert_split_shown_at(view, 200)


def test_the_split_stays_where_it_is_on_screen_through_zoom_and_pan(view):
    drag(view, QPoint(200, 60), QPoint(100, 60))
    assert view.split() == pytest.approx(0.25)
    wheel = QWheelEvent(QPointF(300, 150), view.mapToGlobal(QPointF(300, 150)), QPoint(0, 0), QPoint(0, 240),
                        Qt.MouseButton.NoButton, NONE, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(view, wheel)
    assert view.transform().scale > 1.0
    drag(view, QPoint(300, 200), QPoint(250, 170), button=MIDDLE)
    drag(view, QPoint(250, 200), QPoint(280, 220))  # a left drag away from the handle pans too
    assert view.split() == pytest.approx(0.25)
    assert_split_shown_at(view, 100)


def test_shift_arrows_nudge_the_divider_and_plain_arrows_still_step_variants(qtbot, view):
    steps: list[int] = []
    view.step_requested.connect(steps.append)
    QTest.keyClick(view, Qt.Key.Key_Left, SHIFT)
    QTest.keyClick(view, Qt.Key.Key_Left, SHIFT)
    assert view.split() == pytest.approx(0.5 - 2 * SPLIT_KEY_STEP)
    QTest.keyClick(view, Qt.Key.Key_Right, SHIFT)
    assert view.split() == pytest.approx(0.5 - SPLIT_KEY_STEP)
    assert steps == []
    QTest.keyClick(view, Qt.Key.Key_Right)
    assert steps == [1] and view.split() == pytest.approx(0.5 - SPLIT_KEY_STEP)
    assert_split_shown_at(view, round(WIDTH * (0.5 - SPLIT_KEY_STEP)))
