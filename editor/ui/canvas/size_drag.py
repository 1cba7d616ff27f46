"""The brush-size drag: which presses start one, and the diameter the drag has reached.

Two gestures size the brush by dragging sideways, the footprint's edge following the pointer:
Alt+right-drag (Photoshop on Windows) and Shift+Alt+left-drag, for desktops whose window manager
takes Alt+drag for itself. A press that never leaves the dead zone changes nothing; where that
press means something to the brush on its own (Shift+Alt+click: a straight erasing line from the
last point), it still does it on release.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QPointF, Qt

from editor.ui.canvas.tool_base import Pointer

# Widget px the pointer may wander before a press becomes a drag: a click's jitter sizes nothing.
DEAD_ZONE_PX = 3.0
_Button = Qt.MouseButton
_Mod = Qt.KeyboardModifier
_SHIFT_ALT = _Mod.ShiftModifier | _Mod.AltModifier


def starts_size_drag(button: Qt.MouseButton, modifiers: Qt.KeyboardModifier, shows_brush: bool) -> bool:
    """True for Alt+right and Shift+Alt+left presses with a tool that paints with the brush."""
    if not shows_brush:
        return False
    if button == _Button.RightButton:
        return bool(modifiers & _Mod.AltModifier)
    held = modifiers & (_SHIFT_ALT | _Mod.ControlModifier)
    return button == _Button.LeftButton and held == _SHIFT_ALT


@dataclass
class SizeDrag:
    """A brush-size drag from its press to its release.

    `click` is what the press does when it turns out to be a click (None: nothing).
    """

    origin: QPointF  # widget position of the press
    start_diameter: float
    button: Qt.MouseButton
    click: Pointer | None = None
    moved: bool = False

    def sizing(self) -> bool:
        """Whether the press is known to size the brush (so the size is shown): from the press
        when it means nothing else, once it leaves the dead zone when it could still be a click."""
        return self.moved or self.click is None

    def diameter_at(self, pos: QPointF, scale: float) -> float | None:
        """The diameter for the pointer at `pos` (widget px, zoom `scale`); None in the dead zone.

        Once out of the dead zone every px sideways widens the footprint by one px on each side,
        so its edge stays under the pointer; moving up or down changes nothing.
        """
        delta = pos - self.origin
        if not self.moved and max(abs(delta.x()), abs(delta.y())) < DEAD_ZONE_PX:
            return None
        self.moved = True
        return self.start_diameter + 2 * delta.x() / scale
