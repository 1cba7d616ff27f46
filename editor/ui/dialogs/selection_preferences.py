"""The Selection page of Settings: the ONNX segmentation model file Object Selection may use for a
box, with what it must look like, and whether ONNX Runtime is there to run it."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from PySide6.QtWidgets import (
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from editor.settings.store import UserSettings
from editor.ui.panels import quiet_label

CONTRACT = ("Any ONNX model that takes the region around the box as a 1×3×H×W image (RGB, 0–1) and "
            "answers with the object's mask (probabilities or logits) at that size; a second 1×4 input, "
            "if it has one, gets the box (x0, y0, x1, y1). Strokes, the Magic Wand and Refine Edge do "
            "not use it.")


def _note(text: str) -> QLabel:
    label = quiet_label(text)
    label.setWordWrap(True)
    return label


class SelectionPreferences(QWidget):
    """The segmentation model file (empty: GrabCut) and the conditions for using one."""

    def __init__(self, settings: UserSettings, parent: QWidget | None = None):
        super().__init__(parent)
        from editor.imaging.selection.model import INSTALL_HINT, model_runtime_available

        self.model = QLineEdit(settings.selection_model)
        self.model.setPlaceholderText("None: boxes are selected by GrabCut")
        self.model.setClearButtonEnabled(True)
        self.model.setToolTip("An ONNX segmentation model file on this computer")
        browse = QPushButton("Choose…")
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.model, 1)
        row.addWidget(browse)
        caption = QLabel("Segmentation &model")
        caption.setBuddy(self.model)  # a row holding a layout gets no buddy, so no mnemonic, by itself
        form = QFormLayout()
        form.addRow(caption, row)
        self.status = _note("")
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.status)
        layout.addWidget(_note("Object Selection finds an object's edges with GrabCut, refined along the "
                               "photo's edges. With a segmentation model of your own (for example a "
                               "Segment Anything export), a box is selected by the model instead."))
        layout.addWidget(_note(CONTRACT))
        layout.addStretch(1)
        self._runtime_note = "" if model_runtime_available() else (
            f"ONNX Runtime is not installed, so a model cannot be used ({INSTALL_HINT}).")
        self.model.textChanged.connect(self._show_status)
        self._show_status(self.model.text())

    def applied_to(self, settings: UserSettings) -> UserSettings:
        return replace(settings, selection_model=self.model.text().strip())

    def _browse(self) -> None:
        start = str(Path(self.model.text()).expanduser().parent) if self.model.text().strip() else ""
        chosen, _ = QFileDialog.getOpenFileName(self, "Choose a Segmentation Model", start,
                                                "ONNX models (*.onnx);;All files (*)")
        if chosen:
            self.model.setText(chosen)

    def _show_status(self, text: str) -> None:
        text = text.strip()
        if not text:
            self.status.setText(self._runtime_note)
        elif not Path(text).expanduser().is_file():
            self.status.setText("No file is there; boxes are selected by GrabCut until it is.")
        else:
            self.status.setText(self._runtime_note or "Boxes are selected by this model.")
