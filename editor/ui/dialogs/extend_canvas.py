"""Extend Canvas: pixels per side, or a target aspect with an anchor, and the overlap band,
previewed on a thumbnail with what a Generate will then send and cost."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QBrush, QColor, QImage, QPainter, QPalette, QPen
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from editor.imaging.extend import (
    ANCHORS,
    ASPECTS,
    DEFAULT_BAND_PX,
    MAX_BAND_PX,
    Extension,
    ExtensionError,
    extension_for_aspect,
    parse_aspect,
)
from editor.ui.panels import quiet_label

FREE, CUSTOM = "Pixels per side", "Custom…"
MAX_SIDE_PX = 20_000
_CHECKER = QBrush(QColor(200, 200, 200), Qt.BrushStyle.Dense4Pattern)
_ANCHOR_GLYPHS = ("↖", "↑", "↗", "←", "•", "→", "↙", "↓", "↘")
# What a Generate of the extended canvas would send, for a canvas extension: (text, tooltip).
PlanText = Callable[[tuple[int, int], Extension, int], tuple[str, str]]


class ExtensionPreview(QWidget):
    """The photo's thumbnail inside the new canvas: checkerboard margins, the band tinted."""

    def __init__(self, thumbnail: QImage, photo_size: tuple[int, int], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._thumbnail = thumbnail
        self._photo_size = photo_size
        self._extension = Extension()
        self._band = 0
        self.setMinimumSize(QSize(320, 220))

    def show_extension(self, extension: Extension, band_px: int) -> None:
        self._extension, self._band = extension, band_px
        self.update()

    def paintEvent(self, _event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        width, height = self._photo_size
        canvas_w, canvas_h = self._extension.canvas_size(self._photo_size)
        scale = min((self.width() - 16) / canvas_w, (self.height() - 16) / canvas_h)
        left = (self.width() - canvas_w * scale) / 2
        top = (self.height() - canvas_h * scale) / 2
        canvas = QRectF(left, top, canvas_w * scale, canvas_h * scale)
        painter.fillRect(canvas, QColor(255, 255, 255))
        painter.fillRect(canvas, _CHECKER)
        photo = QRectF(left + self._extension.left * scale, top + self._extension.top * scale,
                       width * scale, height * scale)
        painter.drawImage(photo, self._thumbnail)
        band = self._band * scale
        tint = QColor(self.palette().color(QPalette.ColorRole.Highlight))
        tint.setAlpha(110)
        for side, strip in zip(self._extension.sides, (
                QRectF(photo.left(), photo.top(), band, photo.height()),
                QRectF(photo.left(), photo.top(), photo.width(), band),
                QRectF(photo.right() - band, photo.top(), band, photo.height()),
                QRectF(photo.left(), photo.bottom() - band, photo.width(), band)), strict=True):
            if side and band:
                painter.fillRect(strip, tint)
        painter.setPen(QPen(self.palette().color(QPalette.ColorRole.Highlight), 1))
        painter.drawRect(canvas.adjusted(0, 0, -1, -1))
        painter.end()


class ExtendCanvasDialog(QDialog):
    """Asks how to extend a photo of `photo_size`; `extension()` and `band()` once accepted."""

    def __init__(self, thumbnail: QImage, photo_size: tuple[int, int], *, plan_text: PlanText,
                 max_pixels: int, band_px: int = DEFAULT_BAND_PX, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Extend Canvas")
        self._photo_size = photo_size
        self._plan_text = plan_text
        self._max_pixels = max_pixels
        self._extension: Extension | None = None
        self.preview = ExtensionPreview(thumbnail, photo_size, self)
        self.aspect = QComboBox(self)
        self.aspect.addItems([FREE, *ASPECTS, CUSTOM])
        self.custom = QLineEdit(self, placeholderText="W:H, e.g. 2.39:1")
        self.sides = {name: self._spin(0, MAX_SIDE_PX, " px") for name in ("left", "top", "right", "bottom")}
        self.band = self._spin(0, MAX_BAND_PX, " px")
        self.band.setValue(band_px)
        self.band.setToolTip("How far the new content reaches into the photo so the seam blends; "
                             "the photo beyond it stays exactly as it is")
        self.anchors = QButtonGroup(self)
        self.size_line = QLabel(self)
        self.plan_line = quiet_label()
        self.plan_line.setWordWrap(True)
        self.problem = QLabel(self)
        self.problem.setForegroundRole(QPalette.ColorRole.BrightText)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.extend_button = self.buttons.addButton("Extend", QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self._lay_out()
        self.aspect.currentTextChanged.connect(self._refresh)
        self.custom.textChanged.connect(self._refresh)
        self.anchors.idClicked.connect(self._refresh)
        for spin in (*self.sides.values(), self.band):
            spin.valueChanged.connect(self._refresh)
        self.aspect.setCurrentText("16:9" if photo_size[0] < photo_size[1] * 16 / 9 else "1:1")
        self._refresh()

    def extension(self) -> Extension | None:
        return self._extension

    def band_px(self) -> int:
        return self.band.value()

    def _spin(self, low: int, high: int, suffix: str) -> QSpinBox:
        spin = QSpinBox(self)
        spin.setRange(low, high)
        spin.setSuffix(suffix)
        spin.setAccelerated(True)
        return spin

    def _lay_out(self) -> None:
        form = QFormLayout()
        aspect_row = QHBoxLayout()
        aspect_row.addWidget(self.aspect, 1)
        aspect_row.addWidget(self.custom, 1)
        form.addRow("Aspect", aspect_row)
        grid = QGridLayout()
        grid.setSpacing(2)
        for index, (anchor, glyph) in enumerate(zip(ANCHORS, _ANCHOR_GLYPHS, strict=True)):
            button = QToolButton(self, text=glyph, checkable=True, toolTip=f"Keep the photo at the {anchor}")
            button.setFixedSize(26, 26)
            self.anchors.addButton(button, index)
            grid.addWidget(button, index // 3, index % 3)
        self.anchors.button(ANCHORS.index("center")).setChecked(True)
        anchor_box = QWidget(self)
        anchor_box.setLayout(grid)
        form.addRow("Anchor", anchor_box)
        sides = QGridLayout()
        for index, (name, spin) in enumerate(self.sides.items()):
            sides.addWidget(QLabel(name.capitalize(), self), index // 2, 2 * (index % 2))
            sides.addWidget(spin, index // 2, 2 * (index % 2) + 1)
        form.addRow("Add", sides)
        form.addRow("Overlap band", self.band)
        layout = QVBoxLayout(self)
        layout.addWidget(self.preview, 1)
        layout.addLayout(form)
        for line in (self.size_line, self.plan_line, self.problem):
            layout.addWidget(line)
        layout.addWidget(self.buttons)

    def _refresh(self, *_args) -> None:
        free = self.aspect.currentText() == FREE
        self.custom.setVisible(self.aspect.currentText() == CUSTOM)
        for spin in self.sides.values():
            spin.setReadOnly(not free)
        for button in self.anchors.buttons():
            button.setEnabled(not free)
        try:
            extension = self._chosen(free).checked(self._photo_size, max_pixels=self._max_pixels)
        except ExtensionError as error:
            self._show(None, error.message)
            return
        self._show(extension, "")

    def _chosen(self, free: bool) -> Extension:
        if free:
            return Extension(*(spin.value() for spin in self.sides.values()))
        text = self.custom.text() if self.aspect.currentText() == CUSTOM else self.aspect.currentText()
        if not text.strip():
            raise ExtensionError("Type an aspect as W:H, for example 2.39:1.")
        extension = extension_for_aspect(self._photo_size, parse_aspect(text),
                                         ANCHORS[max(0, self.anchors.checkedId())])
        for spin, value in zip(self.sides.values(), extension.sides, strict=True):
            spin.blockSignals(True)
            spin.setValue(value)
            spin.blockSignals(False)
        return extension

    def _show(self, extension: Extension | None, problem: str) -> None:
        self._extension = extension
        self.problem.setText(problem)
        self.problem.setVisible(bool(problem))
        self.extend_button.setEnabled(extension is not None)
        if extension is None:
            self.size_line.setText("")
            self.plan_line.setText("")
            return
        width, height = extension.canvas_size(self._photo_size)
        self.size_line.setText(f"New canvas {width} × {height} px (the photo is {self._photo_size[0]} × "
                               f"{self._photo_size[1]})")
        text, tooltip = self._plan_text(self._photo_size, extension, self.band.value())
        self.plan_line.setText(f"Generate will send: {text}")
        self.plan_line.setToolTip(tooltip)
        self.preview.show_extension(extension, self.band.value())
