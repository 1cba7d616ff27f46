"""Pointer, wheel and key input of the compare view: a part of CompareView kept in its own module.

A left press on the split divider's handle drags it, keeping the pointer where it took hold, so a
press never makes it jump; anywhere else left (or middle, or left with Space held) pans, in every
mode, and the wheel zooms at the pointer in whole ladder steps. The divider stays where it is on
screen while the photos zoom and pan under it. Keys: Space holds pan, T toggles A/B, Shift+←/→
nudge the divider (plain ←/→ ask for the previous/next variant), Esc asks to close; every other
key is left to the window. It relies on the view's `_mode`, `_transform`, `_space_held`,
`_pan_from`, `_dragging_divider`, `_divider_grab`, `_wheel_rest`, `close_requested`,
`step_requested` and on its split, divider, A/B, zoom and transform methods.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent

from editor.ui.compare.divider import grabbed

# Shift+←/→ move the divider by this share of the view's width: twenty presses across.
SPLIT_KEY_STEP = 0.05
_NOTCH = 120.0  # QWheelEvent angle units per wheel notch
_Button = Qt.MouseButton


class CompareInput:
    """Turns mouse, wheel and key events into divider drags, pans, zooms and the view's signals."""

    def _near_divider(self, pos: QPointF) -> bool:
        return self._mode == "split" and grabbed(pos, self._divider_x(), self.height())

    def _apply_cursor_shape(self, pos: QPointF | None) -> None:
        if self._pan_from is not None:
            self.setCursor(Qt.CursorShape.ClosedHandCursor)
        elif self._space_held:
            self.setCursor(Qt.CursorShape.OpenHandCursor)
        elif self._dragging_divider or (pos is not None and self._near_divider(pos)):
            self.setCursor(Qt.CursorShape.SplitHCursor)
        else:
            self.unsetCursor()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        pos, button = event.position(), event.button()
        if self._pan_from is not None or self._dragging_divider:
            return
        if button == _Button.MiddleButton or (button == _Button.LeftButton and self._space_held):
            self._pan_from = pos
        elif button == _Button.LeftButton and self._near_divider(pos):
            self._dragging_divider = True
            self._divider_grab = pos.x() - self._divider_x()
        elif button == _Button.LeftButton:
            self._pan_from = pos
        self._show_divider_hover(pos)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        pos = event.position()
        if self._pan_from is not None:
            delta, self._pan_from = pos - self._pan_from, pos
            self._apply_transform(self._constrain(self._transform.panned(delta.x(), delta.y())),
                                  fitted=False)
        elif self._dragging_divider:
            self.set_split((pos.x() - self._divider_grab) / max(1, self.width()))
        self._show_divider_hover(pos)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() in (_Button.LeftButton, _Button.MiddleButton):
            self._pan_from = None
            self._dragging_divider = False
        self._show_divider_hover(event.position())

    def leaveEvent(self, event) -> None:
        self._show_divider_hover(None)
        super().leaveEvent(event)

    def _show_divider_hover(self, pos: QPointF | None) -> None:
        """The cursor, and the handle lit while the pointer is over it (not while panning)."""
        free = self._pan_from is None and not self._space_held
        self._set_divider_hot(pos is not None and free and self._near_divider(pos))
        self._apply_cursor_shape(pos)

    def wheelEvent(self, event) -> None:
        angle = event.angleDelta()
        # Trackpads send fractions of a notch: they add up to whole ladder steps.
        self._wheel_rest += angle.y() or angle.x()
        steps = int(self._wheel_rest / _NOTCH)
        self._wheel_rest -= steps * _NOTCH
        if steps:
            self._zoom_steps(steps, self._pane_point(event.position()))
        event.accept()

    def event(self, event) -> bool:
        # Esc, ←/→ and T are the view's own while it has focus, before any window shortcut.
        if (event.type() == QEvent.Type.ShortcutOverride and not event.modifiers()
                and event.key() in (Qt.Key.Key_Escape, Qt.Key.Key_Left, Qt.Key.Key_Right, Qt.Key.Key_T)):
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event) -> None:
        key = event.key()
        if key == Qt.Key.Key_Space:
            if not event.isAutoRepeat():
                self._space_held = True
                self._apply_cursor_shape(None)
        elif key == Qt.Key.Key_T and self._mode == "ab":
            self.toggle_ab()
        elif key == Qt.Key.Key_Escape:
            self.close_requested.emit()
        elif key in (Qt.Key.Key_Left, Qt.Key.Key_Right):
            direction = -1 if key == Qt.Key.Key_Left else 1
            if event.modifiers() == Qt.KeyboardModifier.ShiftModifier:
                if self._mode == "split":
                    self.set_split(self._split + direction * SPLIT_KEY_STEP)
            else:
                self.step_requested.emit(direction)
        else:
            event.ignore()  # everything else belongs to the window

    def keyReleaseEvent(self, event) -> None:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space_held = False
            self._apply_cursor_shape(None)
        else:
            event.ignore()

    def focusOutEvent(self, event) -> None:
        # Key releases are lost while another window has focus: do not stay stuck in pan.
        self._space_held = False
        self._apply_cursor_shape(None)
        super().focusOutEvent(event)
