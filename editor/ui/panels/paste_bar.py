"""The Paste Mask row of the results panel: the mode's toggle, and while it is on, Reveal / Hide,
the edge feather, what to paint from (the variant itself, or another one to mix in) and whether
the paste mask shows as the overlay. A view of `PasteMode`; it blocks its own signals when the
mode updates it."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QSlider,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from editor.ui.canvas import CanvasView
from editor.ui.panels import quiet_label, wheel_only_when_focused
from editor.ui.paste_mode import FEATHER_MAX_PX, PasteMode


class PasteBar(QWidget):
    """Edit the shown variant's paste mask: the toggle, then the mode's controls."""

    def __init__(self, mode: PasteMode, canvas: CanvasView, toggle: QAction, parent: QWidget | None = None):
        super().__init__(parent)
        self._mode, self._canvas = mode, canvas
        self.toggle = QToolButton()
        self.toggle.setDefaultAction(toggle)
        self.toggle.setText("Paste Mask")
        self.toggle.setToolTip("Edit where the shown (or applied) variant covers the photo, soften its "
                               "edge, or paint in parts of another variant (Q)")
        self.reveal, self.hide_ = QToolButton(), QToolButton()
        group = QButtonGroup(self)
        for button, text, tool, tip in (
                (self.reveal, "Reveal", "brush", "Paint the variant in (B; X swaps)"),
                (self.hide_, "Hide", "eraser", "Paint the photo back (E, Alt or right-drag; X swaps)")):
            button.setText(text)
            button.setCheckable(True)
            button.setToolTip(tip)
            button.clicked.connect(lambda _=False, t=tool: canvas.set_tool(t))
            group.addButton(button)
        self.feather = QSlider(Qt.Orientation.Horizontal)
        self.feather.setRange(0, FEATHER_MAX_PX)
        self.feather.setToolTip("How soft the paste edge is, in pixels; changes the composite at once")
        self.feather.setAccessibleName("Paste edge feather")
        self.feather.valueChanged.connect(self._feather_moved)
        self.feather.sliderReleased.connect(lambda: mode.set_feather(self.feather.value()))
        wheel_only_when_focused(self.feather)
        self.feather_text = quiet_label()
        self.source = QComboBox()
        self.source.setToolTip("Paint this variant (reveal / hide), or paint another variant in over it")
        self.source.setAccessibleName("Paint from")
        self._sources: list[tuple[str, int] | None] = [None]
        self.source.activated.connect(lambda row: mode.choose_source(self._sources[row]))
        self.show_mask = QCheckBox("Show mask")
        self.show_mask.setToolTip("Show the paste mask being painted as the coloured overlay")
        self.show_mask.toggled.connect(mode.show_mask)
        self.controls = QWidget()
        self._lay_out()
        mode.active_changed.connect(self._active_changed)
        mode.target_changed.connect(self._show_target)
        canvas.tool_changed.connect(self._show_tool)
        self._active_changed(False)

    def _lay_out(self) -> None:
        first = QHBoxLayout()
        first.setContentsMargins(0, 0, 0, 0)
        first.addWidget(self.toggle)
        first.addWidget(self.reveal)
        first.addWidget(self.hide_)
        first.addWidget(self.show_mask)
        first.addStretch(1)
        second = QHBoxLayout(self.controls)
        second.setContentsMargins(0, 0, 0, 0)
        second.addWidget(quiet_label("Edge"))
        second.addWidget(self.feather, 1)
        second.addWidget(self.feather_text)
        second.addWidget(quiet_label("From"))
        second.addWidget(self.source, 2)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(4)
        column.addLayout(first)
        column.addWidget(self.controls)

    def _active_changed(self, active: bool) -> None:
        self.toggle.defaultAction().setChecked(active)
        for widget in (self.reveal, self.hide_, self.show_mask, self.controls):
            widget.setVisible(active)
        if active:
            self.show_mask.blockSignals(True)
            self.show_mask.setChecked(False)
            self.show_mask.blockSignals(False)
            self._show_tool(self._canvas.tool())

    def _show_target(self) -> None:
        mode = self._mode
        self.feather.blockSignals(True)
        self.feather.setValue(round(mode.feather()))
        self.feather.blockSignals(False)
        self.feather_text.setText(f"{mode.feather():g} px")
        self.source.blockSignals(True)
        self.source.clear()
        self.source.addItem("This variant")
        self._sources = [None]
        for key, text in mode.sources():
            self.source.addItem(f"Mix in {text}")
            self._sources.append(key)
        chosen = mode.source()
        self.source.setCurrentIndex(self._sources.index(chosen) if chosen in self._sources else 0)
        self.source.blockSignals(False)

    def _feather_moved(self, value: int) -> None:
        self.feather_text.setText(f"{value} px")
        if not self.feather.isSliderDown():  # keys and clicks: at once; a drag: when released
            self._mode.set_feather(value)

    def _show_tool(self, tool: str) -> None:
        self.reveal.setChecked(tool == "brush")
        self.hide_.setChecked(tool == "eraser")
