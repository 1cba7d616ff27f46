"""The selection tools' options in the tool options bar: Object Selection's Box / Strokes mode and
the model it uses, the Magic Wand's tolerance and reach. Views: `show_*` sets them quietly, the
`*_edited` signals say what the user changed."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QButtonGroup, QCheckBox, QHBoxLayout, QLabel, QToolButton, QWidget

from editor.ui.panels import quiet_label
from editor.ui.panels.tool_options import _LabelledControl, _slider, _spin

OBJECT_MODE_TIPS = {
    "box": "Drag a box around the object",
    "strokes": "Paint over the object; Alt+paint (or right-drag) over what is not the object. Each "
               "stroke selects again, with the box drawn before",
}


class ObjectSelectionOptions(QWidget):
    """Box or Strokes, and which method finds the edges (GrabCut, or the user's model)."""

    mode_edited = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 0, 6, 0)
        layout.setSpacing(2)
        layout.addWidget(QLabel("Select by"))
        layout.addSpacing(4)
        self._group = QButtonGroup(self)
        self.buttons: dict[str, QToolButton] = {}
        for mode, text in (("box", "Box"), ("strokes", "Strokes")):
            button = QToolButton()
            button.setText(text)
            button.setCheckable(True)
            button.setToolTip(OBJECT_MODE_TIPS[mode])
            button.setAutoRaise(False)
            self._group.addButton(button)
            self.buttons[mode] = button
            layout.addWidget(button)
            button.clicked.connect(lambda _checked=False, m=mode: self.mode_edited.emit(m))
        layout.addSpacing(10)
        self.method = quiet_label()
        layout.addWidget(self.method)
        self.show_mode("box")

    def show_mode(self, mode: str) -> None:
        self.buttons[mode].setChecked(True)

    def show_method(self, model_name: str | None, problem: str = "") -> None:
        """Which method a box uses: the user's model by name, or GrabCut (with why, if a model
        was chosen but cannot be used)."""
        if model_name:
            self.method.setText(f"Model: {model_name}")
            self.method.setToolTip("A box is selected by the segmentation model chosen in Settings ▸ "
                                   "Selection; strokes by GrabCut")
        else:
            self.method.setText("")
            self.method.setToolTip("")
        if problem:
            self.method.setText("GrabCut")
            self.method.setToolTip(problem)


class WandOptions(QWidget):
    """Tolerance (ΔE in Lab) and Contiguous."""

    tolerance_edited = Signal(int)
    contiguous_edited = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tolerance = _LabelledControl(
            "Tolerance", _spin(0, 100, "", "How different a colour may be (ΔE in Lab: 2 is barely "
                               "visible, 10 clearly) and still be selected"),
            _slider(0, 100, 140, "Magic wand tolerance"))
        self.contiguous = QCheckBox("Contiguous")
        self.contiguous.setToolTip("Only the area touching the clicked pixel; off: that colour "
                                   "anywhere in the photo")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(self.tolerance)
        layout.addWidget(self.contiguous)
        self.tolerance.value_edited.connect(self.tolerance_edited)
        self.contiguous.toggled.connect(self.contiguous_edited)

    def show_values(self, tolerance: int, contiguous: bool) -> None:
        self.tolerance.show_value(tolerance)
        self.contiguous.blockSignals(True)
        self.contiguous.setChecked(contiguous)
        self.contiguous.blockSignals(False)


class SelectionProgress(QWidget):
    """In the status bar while a selection runs: how far it is, and that Esc stops it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        from PySide6.QtWidgets import QProgressBar

        super().__init__(parent)
        self.label = quiet_label("Selecting… Esc cancels")
        self.bar = QProgressBar()
        self.bar.setRange(0, 100)
        self.bar.setFixedWidth(110)
        self.bar.setMaximumHeight(14)
        self.bar.setTextVisible(False)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 6, 0)
        layout.setSpacing(6)
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        self.hide()

    def show_progress(self, fraction: float) -> None:
        self.bar.setValue(round(fraction * 100))
