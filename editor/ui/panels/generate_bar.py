"""Two small parts of the window around Generate: the Generate button with, under it, what it
will send and cost or the reason it is unavailable; and a dismissible notice bar (the first-run
hint about adding a key)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QToolButton, QVBoxLayout, QWidget

from editor.ui.actions import portable_text
from editor.ui.panels import quiet_label


class GenerateBar(QWidget):
    """The prominent Generate button; under it the estimate (what is sent, requests, cost), or,
    when it cannot run, why. Both share one line of fixed height, so nothing below moves."""

    generate_requested = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        shortcut = portable_text("Ctrl+Return")
        self.button = QPushButton(f"Generate   {shortcut}")
        self.button.setObjectName("generateButton")
        self.button.setMinimumHeight(38)
        font = self.button.font()
        font.setWeight(font.Weight.DemiBold)
        font.setPointSizeF(font.pointSizeF() * 1.1)
        self.button.setFont(font)
        self.button.clicked.connect(self.generate_requested)
        self.reason = quiet_label()
        self.reason.setWordWrap(True)
        self.reason.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.estimate = quiet_label()
        self.estimate.setObjectName("estimate")
        self.estimate.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._estimate_text = ""
        # Two lines' height whichever is shown: a reason that wraps never pushes the docks around.
        self._slot_height = 2 * self.reason.fontMetrics().lineSpacing() + 2
        for label in (self.reason, self.estimate):
            label.setFixedHeight(self._slot_height)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 8)
        layout.setSpacing(4)
        layout.addWidget(self.button)
        layout.addWidget(self.reason)
        layout.addWidget(self.estimate)
        self._shortcut = shortcut
        self.show_blocker(None)
        self._restyle()

    def show_blocker(self, reason: str | None) -> None:
        self.button.setEnabled(reason is None)
        self.button.setToolTip(reason or f"Send the photo, mask and prompt as a new job ({self._shortcut}). "
                                          "You can keep painting and start more jobs meanwhile.")
        self.reason.setText(reason or "")
        self.reason.setVisible(reason is not None)
        self.estimate.setVisible(reason is None)

    def show_estimate(self, text: str, tip: str) -> None:
        """What Generate will send and cost (see editor.pipeline.estimate), elided to the width."""
        self._estimate_text = text
        self.estimate.setToolTip(f"{text}\n\n{tip}" if text else "")
        self._elide()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        metrics = self.estimate.fontMetrics()
        width = max(40, self.width() - 24)
        self.estimate.setText(metrics.elidedText(self._estimate_text, Qt.TextElideMode.ElideMiddle, width))

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() == event.Type.PaletteChange:
            self._restyle()

    def _restyle(self) -> None:
        # The one accent-coloured button of the window, drawn from the palette (light and dark).
        palette = self.palette()
        accent = palette.color(QPalette.ColorRole.Highlight)
        text = palette.color(QPalette.ColorRole.HighlightedText)
        accent_edge, hover = accent.darker(115).name(), accent.lighter(110).name()
        off_back = palette.color(QPalette.ColorRole.Button).name()
        off_text = palette.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.ButtonText).name()
        off_edge = palette.color(QPalette.ColorRole.Mid).name()
        self.button.setStyleSheet(
            f"QPushButton#generateButton {{ background: {accent.name()}; color: {text.name()};"
            f" border: 1px solid {accent_edge}; border-radius: 5px; padding: 6px 14px; }}"
            f"QPushButton#generateButton:hover {{ background: {hover}; }}"
            f"QPushButton#generateButton:pressed {{ background: {accent_edge}; }}"
            f"QPushButton#generateButton:disabled {{ background: {off_back}; color: {off_text};"
            f" border-color: {off_edge}; }}"
        )


class NoticeBar(QFrame):
    """A calm one-line notice above the canvas with an action button and a close button."""

    action_requested = Signal()
    dismissed = Signal()

    def __init__(self, text: str, action: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("noticeBar")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        palette = self.palette()
        base = palette.color(QPalette.ColorRole.Window)
        accent = palette.color(QPalette.ColorRole.Highlight)
        tint = base.toRgb()
        mix = 0.12
        tint.setRgbF(base.redF() + (accent.redF() - base.redF()) * mix,
                     base.greenF() + (accent.greenF() - base.greenF()) * mix,
                     base.blueF() + (accent.blueF() - base.blueF()) * mix)
        palette.setColor(QPalette.ColorRole.Window, tint)
        self.setPalette(palette)
        self.text = QLabel(text)
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.action = QPushButton(action)
        self.action.clicked.connect(self.action_requested)
        close = QToolButton()
        close.setText("✕")
        close.setAutoRaise(True)
        close.setToolTip("Hide this hint")
        close.clicked.connect(self.dismiss)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 6, 6, 6)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.action)
        layout.addWidget(close)

    def dismiss(self) -> None:
        self.hide()
        self.dismissed.emit()
