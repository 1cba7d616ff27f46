"""The dialog for an error nobody planned for: one calm sentence, the promise that the work is
kept, and a report to copy (versions and traceback, never a key). It does not block the window;
further errors while it is open are added to it rather than stacking dialogs."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QStyle,
    QVBoxLayout,
    QWidget,
)

KEPT = ("Your photo, mask, prompt and every result are kept: the project is saved right away. "
        "If this happens again, Copy Report gives the details for a bug report (without your key).")


class CrashDialog(QDialog):
    """Shows `sentence` and, under Details, the report; Copy Report puts it on the clipboard."""

    def __init__(self, sentence: str, report: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Something went wrong")
        self.setModal(False)
        self.setMinimumWidth(440)
        self.reports = [report]
        icon = QLabel()
        icon.setPixmap(self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning).pixmap(32, 32))
        self.sentence = QLabel(sentence)
        self.sentence.setWordWrap(True)
        self.sentence.setTextFormat(Qt.TextFormat.PlainText)
        kept = QLabel(KEPT)
        kept.setWordWrap(True)
        self.details = QPlainTextEdit(report)
        self.details.setReadOnly(True)
        self.details.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.details.setMinimumSize(560, 220)
        self.details.hide()
        self.toggle = QPushButton("Show Details")
        self.toggle.setCheckable(True)
        self.toggle.toggled.connect(self._show_details)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.copy_button = buttons.addButton("Copy Report", QDialogButtonBox.ButtonRole.ActionRole)
        self.copy_button.clicked.connect(self.copy_report)
        buttons.addButton(self.toggle, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(icon, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.sentence)
        layout.addWidget(kept)
        layout.addWidget(self.details, 1)
        layout.addWidget(buttons)

    def add(self, sentence: str, report: str) -> None:
        """Another error while this one is shown: its report is appended, the newest sentence shown."""
        self.reports.append(report)
        self.sentence.setText(f"{sentence} ({len(self.reports)} errors so far.)")
        self.details.setPlainText(self.report())

    def report(self) -> str:
        return "\n\n----\n\n".join(self.reports)

    def copy_report(self) -> None:
        QGuiApplication.clipboard().setText(self.report())
        self.copy_button.setText("Copied")

    def _show_details(self, shown: bool) -> None:
        self.details.setVisible(shown)
        self.toggle.setText("Hide Details" if shown else "Show Details")
        self.adjustSize()
