"""Pointer, wheel and key input of the canvas: a part of CanvasView kept in its own module.

Mouse and pen events meet in one press/move/release path, so a pen is a mouse with pressure. A
press pans (middle button, or left with Space held), resizes the brush (Alt+right-drag or
Shift+Alt+left-drag, see `size_drag`) or goes to the current tool. The keys handled here are the
press-and-hold ones (Space, `\\`, Shift, Alt) and those that finish or cancel a shape (Enter,
Esc); every other key is left to the window's action table. It relies on the view's
`_transform`, `_tool`, `_brush`, `_space_held`, `_pan_from`, `_size_drag`, `_tool_button`,
`_pointer_at`, `_pressure`, `cursor_moved`, `step_requested` and on its zoom, brush, outline and
cursor methods.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent, QTabletEvent

from editor.ui.canvas.render import outline_rect
from editor.ui.canvas.size_drag import SizeDrag, starts_size_drag
from editor.ui.canvas.tools import Pointer

WHEEL_ZOOM_PER_NOTCH = 1.25
WHEEL_BRUSH_PER_NOTCH = 1.1
_NOTCH = 120.0  # QWheelEvent angle units per wheel notch
_Button = Qt.MouseButton
_Mod = Qt.KeyboardModifier


class CanvasInput:
    """Turns mouse, pen, wheel and key events into pans, brush resizes and tool calls."""

    # --- pointer input ---------------------------------------------------------------------

    def _pointer(self, pos: QPointF, button: Qt.MouseButton, modifiers, pressure: float) -> Pointer:
        return Pointer(self._transform.to_image(pos), pressure,
                       subtract=button == _Button.RightButton or bool(modifiers & _Mod.AltModifier),
                       constrain=bool(modifiers & _Mod.ShiftModifier),
                       image_px_per_widget_px=1.0 / self._transform.scale)

    def _press(self, pos: QPointF, button: Qt.MouseButton, modifiers, pressure: float) -> None:
        self._pointer_at, self._pressure = pos, pressure
        if self._pan_from is not None or self._size_drag is not None or self._tool_button is not None:
            return
        if button == _Button.MiddleButton or (button == _Button.LeftButton and self._space_held):
            self._pan_from = pos
            self._apply_cursor_shape()
            self._refresh_brush_cursor()
        elif starts_size_drag(button, modifiers, self._tool.shows_brush):
            # Shift+Alt+click draws a straight erasing line: kept for a press that never drags.
            click = self._pointer(pos, button, modifiers, pressure) if button == _Button.LeftButton else None
            self._size_drag = SizeDrag(pos, self._brush.diameter, button, click)
            self._refresh_brush_cursor()
        elif button in (_Button.LeftButton, _Button.RightButton):
            self._tool_button = button
            self._wake_overlay()  # painting again: the mask is what is looked at
            self._tool.press(self._pointer(pos, button, modifiers, pressure))
            self._refresh_outline()

    def _move(self, pos: QPointF, modifiers, pressure: float) -> None:
        previous, self._pointer_at, self._pressure = self._pointer_at, pos, pressure
        if self._pan_from is not None:
            delta = pos - self._pan_from
            self._pan_from = pos
            self._pan_by(delta.x(), delta.y())
            return
        if self._size_drag is not None:
            diameter = self._size_drag.diameter_at(pos, self._transform.scale)
            if diameter is not None:
                self._set_diameter(diameter)
                self._refresh_brush_cursor()  # the size shows from the first move out of the dead zone
            return
        image_pos = self._transform.to_image(pos)
        self.cursor_moved.emit(image_pos if self._inside_image(image_pos) else None)
        button = self._tool_button if self._tool_button is not None else _Button.NoButton
        pointer = self._pointer(pos, button, modifiers, pressure)
        if self._tool_button is not None:
            self._tool.move(pointer)
        else:
            self._tool.hover(pointer)
        segment = self._tool.outline_change() if previous is not None else None
        changed = outline_rect(segment, self._transform) if segment is not None else None
        self._refresh_outline(changed)
        self._refresh_brush_cursor()

    def _release(self, pos: QPointF, button: Qt.MouseButton, modifiers, pressure: float) -> None:
        if self._pan_from is not None and button in (_Button.MiddleButton, _Button.LeftButton):
            self._pan_from = None
            self._apply_cursor_shape()
        elif self._size_drag is not None and button == self._size_drag.button:
            drag, self._size_drag = self._size_drag, None
            if not drag.moved and drag.click is not None:
                self._wake_overlay()
                self._tool.press(drag.click)
                self._tool.release(drag.click)
                self._refresh_outline()
        elif button == self._tool_button:
            self._tool_button = None
            self._tool.release(self._pointer(pos, button, modifiers, pressure))
            self._refresh_outline()
        self._refresh_brush_cursor()

    def _inside_image(self, image_pos: QPointF) -> bool:
        width, height = self._image_size()
        return 0 <= image_pos.x() < width and 0 <= image_pos.y() < height

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self._press(event.position(), event.button(), event.modifiers(), 1.0)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        self._move(event.position(), event.modifiers(), 1.0)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._release(event.position(), event.button(), event.modifiers(), 1.0)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        # Qt 6 sends press, release, press, double-click, release; QTest only the double-click.
        if event.button() != _Button.LeftButton:
            return
        pointer = self._pointer(event.position(), event.button(), event.modifiers(), 1.0)
        if self._tool.double_click(pointer):
            self._refresh_outline()

    def tabletEvent(self, event: QTabletEvent) -> None:
        kind, pressure = event.type(), event.pressure()
        if kind == QEvent.Type.TabletPress:
            self._press(event.position(), event.button(), event.modifiers(), pressure)
        elif kind == QEvent.Type.TabletMove:
            self._move(event.position(), event.modifiers(), pressure)
        elif kind == QEvent.Type.TabletRelease:
            self._release(event.position(), event.button(), event.modifiers(), pressure)
        event.accept()  # no synthesized mouse events: the pen's pressure would be lost

    def wheelEvent(self, event) -> None:
        angle = event.angleDelta()
        # Some platforms turn Alt+wheel into a horizontal wheel.
        notches = (angle.y() or angle.x()) / _NOTCH
        if event.modifiers() & _Mod.AltModifier:
            self._set_diameter(self._brush.diameter * WHEEL_BRUSH_PER_NOTCH ** notches)
        elif notches:
            self.set_zoom(self.zoom() * WHEEL_ZOOM_PER_NOTCH ** notches, event.position())
        event.accept()

    def leaveEvent(self, event) -> None:
        self._pointer_at = None
        if self._tool_button is None:
            self._tool.hover(None)
            self._refresh_outline()
        self._refresh_brush_cursor()
        self.cursor_moved.emit(None)
        super().leaveEvent(event)

    # --- keys the canvas handles itself ----------------------------------------------------

    def keyPressEvent(self, event) -> None:
        key = event.key()
        if key == Qt.Key.Key_Space:
            if not event.isAutoRepeat():
                self._space_held = True
                self._apply_cursor_shape()
        elif key == Qt.Key.Key_Backslash:
            self.set_peek_original(True)
        elif key in (Qt.Key.Key_Left, Qt.Key.Key_Right) and not event.modifiers():
            self.step_requested.emit(-1 if key == Qt.Key.Key_Left else 1)
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self._tool.finish():
            self._refresh_outline()
        elif key == Qt.Key.Key_Escape and self._tool.cancel():
            self._tool_button = None
            self._refresh_outline()
        elif key in (Qt.Key.Key_Shift, Qt.Key.Key_Alt) and self._tool_button is not None:
            self._replay_pointer(event.modifiers())
        else:
            event.ignore()  # everything else belongs to the window's action table

    def keyReleaseEvent(self, event) -> None:
        key = event.key()
        if event.isAutoRepeat():
            return
        if key == Qt.Key.Key_Space:
            self._space_held = False
            self._apply_cursor_shape()
        elif key == Qt.Key.Key_Backslash:
            self.set_peek_original(False)
        elif key in (Qt.Key.Key_Shift, Qt.Key.Key_Alt) and self._tool_button is not None:
            self._replay_pointer(event.modifiers())
        else:
            event.ignore()

    def _replay_pointer(self, modifiers) -> None:
        """Shift pressed or released mid-drag: re-constrain the shape without waiting for a move."""
        if self._pointer_at is not None and not self._tool.shows_brush:
            assert self._tool_button is not None
            self._tool.move(self._pointer(self._pointer_at, self._tool_button, modifiers, self._pressure))
            self._refresh_outline()

    def focusOutEvent(self, event) -> None:
        # Key releases are lost while another window has focus: do not stay stuck in pan or peek.
        self._space_held = False
        self.set_peek_original(False)
        self._apply_cursor_shape()
        super().focusOutEvent(event)
