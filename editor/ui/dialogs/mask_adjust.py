"""Grow, shrink or feather the whole mask by a number of pixels, previewed live on the canvas."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from editor.ui.panels import quiet_label

if TYPE_CHECKING:
    import numpy as np

# numpy and OpenCV (editor.imaging.mask) load when a mask is first adjusted: the main window
# imports this dialog, and its first paint must not wait for them.

MAX_PX = 250
PREVIEW_DELAY_MS = 60  # collapses a slider drag into a few previews


@dataclass(frozen=True)
class Adjustment:
    """One kind of whole-mask edge operation, as the dialog presents it."""

    kind: str
    title: str
    caption: str
    explanation: str
    operation: Callable[[np.ndarray, int], np.ndarray]
    margin: Callable[[int], int]  # how far beyond the painted box the operation can reach

    def label(self, px: int) -> str:
        """The undo step's name, e.g. "Grow mask 8 px"."""
        return f"{self.title} {px} px"


def _mask_operation(name: str) -> Callable[[np.ndarray, int], np.ndarray]:
    """editor.imaging.mask's operation `name`, imported on its first call."""

    def operation(coverage: np.ndarray, px: int) -> np.ndarray:
        from editor.imaging import mask as mask_ops

        return getattr(mask_ops, name)(coverage, px)

    return operation


ADJUSTMENTS: dict[str, Adjustment] = {
    "grow": Adjustment("grow", "Grow mask", "Grow by", "Moves the mask edge outwards.",
                       _mask_operation("grow"), lambda px: px + 2),
    "shrink": Adjustment("shrink", "Shrink mask", "Shrink by", "Pulls the mask edge inwards.",
                         _mask_operation("shrink"), lambda px: 2),
    # feather blurs with sigma = px / 2; OpenCV's kernel reaches 3 sigma, the downscaled path a bit more.
    "feather": Adjustment("feather", "Feather mask", "Feather by", "Softens the mask edge.",
                          _mask_operation("feather"), lambda px: 2 * px + 8),
}


def adjusted_coverage(adjustment: Adjustment, coverage: np.ndarray, px: int,
                      painted: tuple[int, int, int, int] | None) -> np.ndarray:
    """The whole mask after `adjustment` by `px`, computing only around the painted box.

    `painted` is (x, y, w, h) of the non-zero pixels, or None for an empty mask. On a 60 MP
    photo with a small mask this is the difference between a live preview and a frozen one.
    """
    import numpy as np

    if painted is None:
        return coverage.copy()
    height, width = coverage.shape
    x, y, w, h = painted
    margin = adjustment.margin(px)
    x0, y0 = max(0, x - margin), max(0, y - margin)
    x1, y1 = min(width, x + w + margin), min(height, y + h + margin)
    result = coverage.copy()
    result[y0:y1, x0:x1] = adjustment.operation(np.ascontiguousarray(coverage[y0:y1, x0:x1]), px)
    return result


class MaskAdjustDialog(QDialog):
    """Asks for a pixel amount and shows the result on the canvas while it changes.

    `preview(coverage)` shows a full-size coverage in place of the mask, `preview(None)` goes back
    to the mask. The dialog never changes the mask itself: after exec() returns Accepted, the
    caller applies `adjusted()` as one undo step; on Cancel the mask was never touched.
    """

    def __init__(self, kind: str, coverage: np.ndarray, painted: tuple[int, int, int, int] | None,
                 preview: Callable[[np.ndarray | None], None], *, initial_px: int = 8,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.adjustment = ADJUSTMENTS[kind]
        self._coverage, self._painted, self._preview = coverage, painted, preview
        self._result: np.ndarray | None = None
        self._result_px = -1
        self.setWindowTitle(self.adjustment.title.replace(" mask", " Mask"))
        self._timer = QTimer(self, singleShot=True, interval=PREVIEW_DELAY_MS)
        self._timer.timeout.connect(self._update_preview)
        self.spin, self.slider = self._build_amount(initial_px)
        self.show_preview = QCheckBox("Preview on the canvas")
        self.show_preview.setChecked(True)
        self.show_preview.toggled.connect(self._preview_toggled)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        explanation = quiet_label(self.adjustment.explanation)
        row = QHBoxLayout()
        row.addWidget(self.slider, 1)
        row.addWidget(self.spin)
        form = QFormLayout()
        form.addRow(self.adjustment.caption, row)
        layout = QVBoxLayout(self)
        layout.addWidget(explanation)
        layout.addLayout(form)
        layout.addWidget(self.show_preview)
        layout.addWidget(buttons)
        self.setMinimumWidth(380)
        self._update_preview()

    def _build_amount(self, initial_px: int) -> tuple[QSpinBox, QSlider]:
        spin = QSpinBox()
        spin.setRange(1, MAX_PX)
        spin.setSuffix(" px")
        spin.setValue(initial_px)
        slider = QSlider(Qt.Orientation.Horizontal)
        slider.setRange(1, MAX_PX)
        slider.setValue(initial_px)
        spin.valueChanged.connect(slider.setValue)
        slider.valueChanged.connect(spin.setValue)
        spin.valueChanged.connect(lambda _value: self._timer.start())
        return spin, slider

    def amount(self) -> int:
        return self.spin.value()

    def adjusted(self) -> np.ndarray:
        """The full-size coverage for the current amount (computed now if the preview lags)."""
        if self._result is None or self._result_px != self.amount():
            self._result = adjusted_coverage(self.adjustment, self._coverage, self.amount(), self._painted)
            self._result_px = self.amount()
        return self._result

    def label(self) -> str:
        return self.adjustment.label(self.amount())

    def done(self, code: int) -> None:
        self._timer.stop()
        if code == QDialog.DialogCode.Accepted:
            self.adjusted()
        self._preview(None)
        super().done(code)

    def _update_preview(self) -> None:
        if self.show_preview.isChecked():
            self._preview(self.adjusted())

    def _preview_toggled(self, on: bool) -> None:
        if on:
            self._update_preview()
        else:
            self._preview(None)
