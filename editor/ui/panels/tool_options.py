"""The tool bars: tool buttons on the left, the current tool's options along the top.

The option widgets are views of the canvas's brush and fill tolerance: the window shows model
values with `show_*` (signals blocked, so no feedback loop) and listens to `*_edited`.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import TYPE_CHECKING

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSlider, QSpinBox, QToolBar, QWidget

from editor.ui.panels import quiet_label

if TYPE_CHECKING:
    from editor.core.brush_stamps import BrushDab

MIN_SIZE, MAX_SIZE = 1, 1000
_SIZE_STEPS = 1000  # slider positions; sizes are spread logarithmically over them

TOOL_HINTS: dict[str, str] = {
    "brush": "Right-drag erases · Shift+click draws a straight line · [ ] size",
    "eraser": "Shift+click erases a straight line · [ ] size",
    "rect": "Shift: square · Alt: subtract",
    "ellipse": "Shift: circle · Alt: subtract",
    "lasso": "Draw around the area · Alt: subtract · Esc cancels",
    "polygon": "Click corners · Enter or double-click closes · Esc cancels",
    "fill": "Click a colour to fill the similar area around it · Alt: subtract",
    "select": "Shift: add · Alt: subtract · Esc cancels",
    "wand": "Click a colour · Shift: add · Alt: subtract",
    "refine": "Brush along hair or a soft edge · [ ] size",
    "extend": "Drag an edge or corner outward to add room · Edit ▸ Extend Canvas… for an aspect",
}
_BRUSH_TOOLS = ("brush", "eraser")
_SIZED_TOOLS = (*_BRUSH_TOOLS, "refine")  # tools whose footprint is the brush's size


def size_to_slider(size: float) -> int:
    """Slider position of a brush size: equal steps feel equal from 1 px to 1000 px."""
    size = min(max(size, MIN_SIZE), MAX_SIZE)
    return round(_SIZE_STEPS * math.log(size) / math.log(MAX_SIZE))


def slider_to_size(position: int) -> int:
    return max(MIN_SIZE, min(MAX_SIZE, round(MAX_SIZE ** (position / _SIZE_STEPS))))


def _spin(minimum: int, maximum: int, suffix: str, tip: str) -> QSpinBox:
    spin = QSpinBox()
    spin.setRange(minimum, maximum)
    spin.setSuffix(suffix)
    spin.setToolTip(tip)
    spin.setKeyboardTracking(False)  # typing "120" applies once, not as 1, 12, 120
    spin.setAlignment(Qt.AlignmentFlag.AlignRight)
    # Focused by a click only: a window given the keyboard with no focus chosen (no window manager,
    # Tab from the menu bar) never lands here, where tool keys would type into the field.
    spin.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
    return spin


def _slider(minimum: int, maximum: int, width: int, tip: str) -> QSlider:
    slider = QSlider(Qt.Orientation.Horizontal)
    slider.setRange(minimum, maximum)
    slider.setFixedWidth(width)
    slider.setToolTip(tip)
    slider.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keys stay with the canvas
    return slider


class _LabelledControl(QWidget):
    """A caption, a slider and a spin box kept in step with each other."""

    value_edited = Signal(int)  # only on user edits, never from show_value()

    def __init__(self, caption: str, spin: QSpinBox, slider: QSlider, *, to_slider=None, from_slider=None):
        super().__init__()
        self.spin, self.slider = spin, slider
        self._to_slider = to_slider or (lambda value: value)
        self._from_slider = from_slider or (lambda position: position)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 0, 6, 0)
        layout.setSpacing(6)
        label = QLabel(caption)
        label.setBuddy(spin)
        layout.addWidget(label)
        layout.addWidget(slider)
        layout.addWidget(spin)
        slider.valueChanged.connect(self._slider_moved)
        spin.valueChanged.connect(self._spin_changed)

    def value(self) -> int:
        return self.spin.value()

    def show_value(self, value: int) -> None:
        for widget in (self.spin, self.slider):
            widget.blockSignals(True)
        self.spin.setValue(value)
        self.slider.setValue(self._to_slider(value))
        for widget in (self.spin, self.slider):
            widget.blockSignals(False)

    def _slider_moved(self, position: int) -> None:
        value = self._from_slider(position)
        self.spin.blockSignals(True)
        self.spin.setValue(value)
        self.spin.blockSignals(False)
        self.value_edited.emit(value)

    def _spin_changed(self, value: int) -> None:
        self.slider.blockSignals(True)
        self.slider.setValue(self._to_slider(value))
        self.slider.blockSignals(False)
        self.value_edited.emit(value)


class ToolOptions(QWidget):
    """Brush size / hardness / opacity, fill tolerance, and a one-line hint for the tool."""

    brush_edited = Signal(object)  # BrushDab
    fill_tolerance_edited = Signal(int)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._brush: BrushDab | None = None  # the default, made on first use (it needs numpy)
        self.size = _LabelledControl(
            "Size", _spin(MIN_SIZE, MAX_SIZE, " px", "Brush diameter in image pixels ([ and ])"),
            _slider(0, _SIZE_STEPS, 140, "Brush diameter"), to_slider=size_to_slider,
            from_slider=slider_to_size,
        )
        self.hardness = _LabelledControl(
            "Hardness", _spin(0, 100, " %", "0 % = soft edge, 100 % = hard edge"),
            _slider(0, 100, 90, "Brush hardness"),
        )
        self.opacity = _LabelledControl(
            "Opacity", _spin(1, 100, " %", "How strongly one stroke paints"),
            _slider(1, 100, 90, "Brush opacity"),
        )
        self.tolerance = _LabelledControl(
            "Tolerance", _spin(0, 255, "", "How different a colour may be and still be filled"),
            _slider(0, 255, 140, "Fill tolerance"),
        )
        self.hint = quiet_label()
        self.hint.setObjectName("toolHint")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        layout.setSpacing(10)
        for control in (self.size, self.hardness, self.opacity, self.tolerance):
            layout.addWidget(control)
        self._extra = QHBoxLayout()  # the options of tools configured elsewhere (add_tool_options)
        self._extra.setContentsMargins(0, 0, 0, 0)
        self._extra_for: list[tuple[QWidget, tuple[str, ...]]] = []
        layout.addLayout(self._extra)
        layout.addSpacing(12)
        layout.addWidget(self.hint)
        layout.addStretch(1)
        for control in (self.size, self.hardness, self.opacity):
            control.value_edited.connect(self._brush_control_edited)
        self.tolerance.value_edited.connect(self.fill_tolerance_edited)
        self.show_tool("brush")

    def show_brush(self, brush: BrushDab) -> None:
        self._brush = brush
        self.show_brush_values(brush.diameter, brush.hardness, brush.opacity)

    def show_brush_values(self, diameter: float, hardness: float, opacity: float) -> None:
        """The controls only: the window's frame shows the saved brush before the canvas exists."""
        self.size.show_value(round(diameter))
        self.hardness.show_value(round(hardness * 100))
        self.opacity.show_value(round(opacity * 100))

    def show_fill_tolerance(self, tolerance: int) -> None:
        self.tolerance.show_value(tolerance)

    def add_tool_options(self, widget: QWidget, tools: tuple[str, ...]) -> None:
        """Show `widget` beside the brush controls while one of `tools` is the current tool."""
        self._extra.addWidget(widget)
        self._extra_for.append((widget, tools))
        widget.setVisible(False)

    def show_tool(self, tool: str) -> None:
        uses_brush = tool in _BRUSH_TOOLS
        self.size.setVisible(tool in _SIZED_TOOLS)
        for control in (self.hardness, self.opacity):
            control.setVisible(uses_brush)
        self.tolerance.setVisible(tool == "fill")
        for widget, tools in self._extra_for:
            widget.setVisible(tool in tools)
        self.hint.setText(TOOL_HINTS.get(tool, ""))

    def brush(self) -> BrushDab:
        if self._brush is None:
            from editor.core.brush_stamps import BrushDab  # numpy: not before the first paint

            self._brush = BrushDab()
        return self._brush

    def _brush_control_edited(self, _value: int) -> None:
        self._brush = replace(
            self.brush(),
            diameter=float(self.size.value()),
            hardness=self.hardness.value() / 100,
            opacity=self.opacity.value() / 100,
        )
        self.brush_edited.emit(self._brush)


def build_tools_bar(parent: QWidget, tool_actions: list[QAction]) -> QToolBar:
    """The vertical bar of tool buttons, one checkable button per tool action."""
    bar = QToolBar("Tools", parent)
    bar.setObjectName("toolsBar")
    bar.setOrientation(Qt.Orientation.Vertical)
    bar.setIconSize(QSize(24, 24))
    bar.setMovable(True)
    bar.addActions(tool_actions)
    for action in tool_actions:
        button = bar.widgetForAction(action)
        if button is not None:
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    return bar


def build_options_bar(parent: QWidget, options: ToolOptions, leading: list[QAction]) -> QToolBar:
    """The horizontal bar: a few file/edit actions, then the current tool's options."""
    bar = QToolBar("Tool Options", parent)
    bar.setObjectName("optionsBar")
    bar.setIconSize(QSize(20, 20))
    bar.setMovable(True)
    bar.addActions(leading)
    bar.addSeparator()
    bar.addWidget(options)
    return bar
