"""Sizing the brush by dragging (Alt+right-drag, Shift+Alt+left-drag), driven by real mouse events:
the size it reaches, the footprint and number shown meanwhile, the tool options following, and
the clicks that must keep doing what they did."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, QRect, QRectF, Qt
from PySide6.QtGui import QColor, QPainterPath
from PySide6.QtTest import QTest

from editor.core.mask_layer import BrushDab
from editor.ui.canvas.size_drag import DEAD_ZONE_PX
from editor.ui.panels.tool_options import ToolOptions
from tests.ui import CanvasDriver

LEFT, RIGHT = Qt.MouseButton.LeftButton, Qt.MouseButton.RightButton
ALT, SHIFT = Qt.KeyboardModifier.AltModifier, Qt.KeyboardModifier.ShiftModifier
SHIFT_ALT = SHIFT | ALT
PHOTO = QColor(90, 120, 150)  # CanvasDriver's solid photo


@pytest.fixture
def canvas(qtbot) -> CanvasDriver:
    driver = CanvasDriver(qtbot)
    driver.view.set_brush(BrushDab(diameter=40, hardness=1.0))
    return driver


@pytest.fixture
def options(qtbot, canvas) -> ToolOptions:
    """The options bar wired to the canvas as the window wires it."""
    widget = ToolOptions()
    qtbot.addWidget(widget)
    widget.show_brush(canvas.view.brush())
    canvas.view.brush_changed.connect(widget.show_brush)
    return widget


def fill_all(canvas: CanvasDriver) -> None:
    path = QPainterPath()
    path.addRect(QRectF(0, 0, canvas.mask.width, canvas.mask.height))
    canvas.mask.fill_path(path, erase=False, label="setup")


def size_drag(canvas: CanvasDriver, button, modifiers, start: tuple[float, float], dx: float) -> None:
    """Press at the image point, move sideways by `dx` widget px in steps, and hold (no release)."""
    canvas.move(*start)
    QTest.mousePress(canvas.view, button, modifiers, canvas.at(*start))
    scale = canvas.view.zoom()
    steps = 6
    for i in range(1, steps + 1):
        canvas.move(start[0] + dx * i / steps / scale, start[1], button, modifiers)


def release(canvas: CanvasDriver, button, modifiers, at: tuple[float, float]) -> None:
    QTest.mouseRelease(canvas.view, button, modifiers, canvas.at(*at))


def dark_pixels(frame, box: QRect) -> int:
    """Pixels in `box` much darker than the photo: the size label's box shows there."""
    return sum(frame.pixelColor(x, y).value() < PHOTO.value() // 2
               for x in range(box.left(), box.right() + 1) for y in range(box.top(), box.bottom() + 1))


def test_alt_right_drag_sizes_the_brush_shows_its_size_and_updates_the_size_field(canvas, options):
    view = canvas.view
    size_drag(canvas, RIGHT, ALT, (60, 60), dx=30)
    assert view.brush().diameter == pytest.approx(100)  # 40 + 2 × 30: the footprint's edge follows
    assert options.size.value() == 100
    frame = view.grab().toImage()
    centre = view.image_to_widget(QPointF(60, 60))
    # The footprint stays where the drag began, at the new size...
    assert frame.pixelColor((centre + QPointF(50, 0)).toPoint()) != PHOTO
    assert frame.pixelColor((centre + QPointF(40, 0)).toPoint()) == PHOTO
    # ...with its number in a dark box below and right of its centre.
    label = QRect((centre + QPointF(14, 14)).toPoint(), QPoint(int(centre.x()) + 40, int(centre.y()) + 26))
    assert dark_pixels(frame, label) > 100
    release(canvas, RIGHT, ALT, (60 + 30, 60))
    assert dark_pixels(view.grab().toImage(), label) == 0  # gone with the drag
    assert not canvas.mask.array().any() and not canvas.mask.can_undo()


def test_shift_alt_left_drag_sizes_the_brush_without_painting(canvas, options):
    fill_all(canvas)
    before = canvas.mask.array().copy()
    size_drag(canvas, LEFT, SHIFT_ALT, (100, 75), dx=-12)
    release(canvas, LEFT, SHIFT_ALT, (100 - 12, 75))
    assert canvas.view.brush().diameter == pytest.approx(16)
    assert options.size.value() == 16
    assert (canvas.mask.array() == before).all()
    assert canvas.mask.undo_label() == "setup"  # no stroke was made


def test_shift_alt_shows_the_size_only_once_the_press_becomes_a_drag(canvas):
    """Until it moves, a Shift+Alt press may still be a click (a straight erasing line)."""
    view = canvas.view
    canvas.move(60, 60)
    QTest.mousePress(view, LEFT, SHIFT_ALT, canvas.at(60, 60))
    centre = view.image_to_widget(QPointF(60, 60))
    label = QRect((centre + QPointF(14, 14)).toPoint(), QPoint(int(centre.x()) + 40, int(centre.y()) + 26))
    assert dark_pixels(view.grab().toImage(), label) == 0
    canvas.move(60, 60 + DEAD_ZONE_PX + 1, LEFT, SHIFT_ALT)  # straight down: out of the dead zone
    assert dark_pixels(view.grab().toImage(), label) > 100
    assert view.brush().diameter == 40
    release(canvas, LEFT, SHIFT_ALT, (60, 60 + DEAD_ZONE_PX + 1))
    assert not canvas.mask.array().any() and not canvas.mask.can_undo()


def test_zoomed_in_the_size_changes_in_image_pixels_under_the_pointer(canvas):
    canvas.view.set_zoom(4, QPointF(100, 80))
    size_drag(canvas, RIGHT, ALT, (60, 40), dx=40)
    release(canvas, RIGHT, ALT, (70, 40))
    assert canvas.view.brush().diameter == pytest.approx(40 + 2 * 40 / 4)


def test_moving_up_or_down_leaves_the_size_alone(canvas):
    view = canvas.view
    canvas.move(60, 60)
    QTest.mousePress(view, LEFT, SHIFT_ALT, canvas.at(60, 60))
    for y in range(62, 100, 4):
        canvas.move(60, y, LEFT, SHIFT_ALT)
    release(canvas, LEFT, SHIFT_ALT, (60, 96))
    assert view.brush().diameter == 40 and not canvas.mask.array().any()


@pytest.mark.parametrize(("button", "modifiers"), [(RIGHT, ALT), (LEFT, SHIFT_ALT)])
def test_a_press_that_jitters_inside_the_dead_zone_changes_no_size(canvas, button, modifiers):
    view = canvas.view
    QTest.mousePress(view, button, modifiers, canvas.at(60, 60))
    canvas.move(60 + DEAD_ZONE_PX - 1, 61, button, modifiers)
    release(canvas, button, modifiers, (60 + DEAD_ZONE_PX - 1, 61))
    assert view.brush().diameter == 40


def test_a_shift_alt_click_that_does_not_move_still_erases_a_straight_line(canvas):
    fill_all(canvas)
    canvas.click(20, 30)  # the stroke's last point
    canvas.click(120, 90, modifiers=SHIFT_ALT)
    mask = canvas.mask.array()
    for t in np.linspace(0, 1, 11):
        assert mask[round(30 + 60 * t), round(20 + 100 * t)] == 0
    assert mask[90, 20] == 255 and mask[30, 120] == 255
    assert canvas.mask.undo_label() == "Erase"
    assert canvas.view.brush().diameter == 40


def test_a_right_click_that_does_not_move_still_erases_a_dab_and_keeps_the_size(canvas, options):
    fill_all(canvas)
    canvas.click(100, 75, button=RIGHT)
    mask = canvas.mask.array()
    assert mask[75, 100] == 0 and mask[75, 130] == 255
    assert canvas.mask.undo_label() == "Erase"
    assert canvas.view.brush().diameter == 40 and options.size.value() == 40


def test_an_alt_right_click_that_does_not_move_changes_nothing(canvas):
    fill_all(canvas)
    canvas.click(100, 75, button=RIGHT, modifiers=ALT)
    assert canvas.view.brush().diameter == 40
    assert (canvas.mask.array() == 255).all() and canvas.mask.undo_label() == "setup"


def test_shift_alt_drag_with_a_shape_tool_still_subtracts_a_square(canvas):
    fill_all(canvas)
    canvas.view.set_tool("rect")
    canvas.drag([(20, 20), (80, 50)], modifiers=SHIFT_ALT)
    mask = canvas.mask.array()
    assert (mask[21:79, 21:79] == 0).all() and mask[100, 100] == 255
    assert canvas.view.brush().diameter == 40
