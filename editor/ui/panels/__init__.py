"""Passive parts of the window: the empty state shown before a photo is open, and the status bar
fields. Both only display what the window tells them and report clicks as signals."""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QPointF, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QIcon, QImage, QPainter, QPalette, QPen, QPixmap
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QStatusBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from editor.ui import icons

if TYPE_CHECKING:  # the mask layer brings numpy, which the window's first paint does without
    from editor.core.mask_layer import MaskLayer

MAX_RECENT_SHOWN = 5
MAX_DRAFTS_SHOWN = 4
DRAFT_CARD = 128


class _WheelOnlyWhenFocused(QObject):
    """Hands a wheel turn over a combo or spin box that does not have the keyboard to the panel
    around it, which scrolls: scrolling a long panel never changes an option on the way."""

    def eventFilter(self, watched, event) -> bool:
        if event.type() == QEvent.Type.Wheel and isinstance(watched, QWidget) and not watched.hasFocus():
            parent = watched.parentWidget()
            if parent is not None:
                QApplication.sendEvent(parent, event)  # propagates up to the scroll area
            return True
        return False


_WHEEL_FILTER: _WheelOnlyWhenFocused | None = None


def wheel_only_when_focused(*widgets: QWidget) -> None:
    """The wheel changes these only once they have the keyboard (a click or Tab gives it)."""
    global _WHEEL_FILTER
    if _WHEEL_FILTER is None:
        _WHEEL_FILTER = _WheelOnlyWhenFocused()
    for widget in widgets:
        widget.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        widget.installEventFilter(_WHEEL_FILTER)


def compact_combos(*combos: QComboBox, characters: int = 10) -> None:
    """Combo boxes as wide as their column, not as their longest entry: a long model id or size
    text is elided in the box (its popup shows it whole) and never widens the dock."""
    for combo in combos:
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        combo.setMinimumContentsLength(characters)
        combo.view().setTextElideMode(Qt.TextElideMode.ElideNone)


def quiet_label(text: str = "") -> QLabel:
    """Secondary text (hints, explanations) in the palette's muted colour, on light and dark themes."""
    label = QLabel(text)
    label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
    return label


def section_title(text: str) -> QLabel:
    """A panel's heading: the body font, semi-bold."""
    title = QLabel(text)
    font = title.font()
    font.setWeight(font.Weight.DemiBold)
    title.setFont(font)
    return title


def scrolling_column(spacing: int) -> tuple[QVBoxLayout, QScrollArea]:
    """A vertical list of rows that scrolls up and down only (rows wrap rather than widen it).

    Insert rows above the final stretch: `column.insertWidget(column.count() - 1, row)`.
    """
    column = QVBoxLayout()
    column.setContentsMargins(0, 0, 0, 0)
    column.setSpacing(spacing)
    column.addStretch(1)
    holder = QWidget()
    holder.setLayout(column)
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QFrame.Shape.NoFrame)
    scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    scroll.setWidget(holder)
    return column, scroll


def _mix(a: QColor, b: QColor, amount: float) -> QColor:
    """`a` moved `amount` (0..1) of the way towards `b`."""
    return QColor.fromRgbF(
        a.redF() + (b.redF() - a.redF()) * amount,
        a.greenF() + (b.greenF() - a.greenF()) * amount,
        a.blueF() + (b.blueF() - a.blueF()) * amount,
    )


class EmptyState(QWidget):
    """What the canvas area shows while no photo is open: how to get one in, and recent files."""

    open_requested = Signal()
    recent_chosen = Signal(str)
    drafts_requested = Signal()
    draft_chosen = Signal(Path)  # a kept project's folder

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("emptyState")
        self._highlight = False
        self._picture = QLabel(alignment=Qt.AlignmentFlag.AlignCenter)
        headline = QLabel("Start with a photo", alignment=Qt.AlignmentFlag.AlignCenter)
        font = headline.font()
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setWeight(font.Weight.DemiBold)
        headline.setFont(font)
        self.message = QLabel(
            "Open a photo (Ctrl+O), drop one here, or paste (Ctrl+V)", alignment=Qt.AlignmentFlag.AlignCenter
        )
        open_button = QPushButton(icons.icon("open"), "  Open Photo…")
        open_button.setDefault(True)
        open_button.setMinimumHeight(34)
        open_button.clicked.connect(self.open_requested)
        self.drafts_button = QPushButton("Projects and Drafts…")
        self.drafts_button.setToolTip("Every photo that received a result, kept until you delete it "
                                      "(Ctrl+Shift+O)")
        self.drafts_button.setFlat(True)
        self.drafts_button.clicked.connect(self.drafts_requested)
        self._recent_box = QVBoxLayout()
        self._recent_box.setSpacing(0)
        self._recent_title = quiet_label("Recent")
        self._recent_title.setAlignment(Qt.AlignmentFlag.AlignCenter)

        column = QVBoxLayout()
        column.setSpacing(10)
        column.addStretch(3)
        column.addWidget(self._picture)
        column.addWidget(headline)
        column.addWidget(self.message)
        column.addSpacing(8)
        column.addWidget(open_button, 0, Qt.AlignmentFlag.AlignHCenter)
        column.addWidget(self.drafts_button, 0, Qt.AlignmentFlag.AlignHCenter)
        column.addSpacing(18)
        self._drafts_title = quiet_label("Continue where you left off")
        self._drafts_title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._drafts_row = QHBoxLayout()
        self._drafts_row.setSpacing(12)
        column.addWidget(self._drafts_title)
        column.addLayout(self._drafts_row)
        column.addSpacing(8)
        column.addWidget(self._recent_title)
        column.addLayout(self._recent_box)
        column.addStretch(4)
        outer = QHBoxLayout(self)
        outer.addStretch(1)
        outer.addLayout(column)
        outer.addStretch(1)
        self.set_recent(())
        self.set_drafts([])

    def set_drafts(self, drafts: list[tuple[Path, str, str, QImage | None]]) -> None:
        """The newest kept projects as cards: (folder, title, when and what, picture)."""
        while self._drafts_row.count():
            widget = self._drafts_row.takeAt(0).widget()
            if widget is not None:
                widget.deleteLater()
        self._drafts_title.setVisible(bool(drafts))
        if not drafts:
            return
        self._drafts_row.addStretch(1)
        for root, title, detail, picture in drafts[:MAX_DRAFTS_SHOWN]:
            card = QToolButton()
            card.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextUnderIcon)
            card.setAutoRaise(True)
            card.setCursor(Qt.CursorShape.PointingHandCursor)
            card.setIconSize(QSize(DRAFT_CARD, DRAFT_CARD))
            if picture is not None and not picture.isNull():
                card.setIcon(QIcon(QPixmap.fromImage(picture)))
            metrics = card.fontMetrics()
            width = DRAFT_CARD + 48  # the text may be a little wider than the picture
            card.setText(f"{metrics.elidedText(title, Qt.TextElideMode.ElideMiddle, width)}\n"
                         f"{metrics.elidedText(detail, Qt.TextElideMode.ElideRight, width)}")
            card.setToolTip(f"{title}\n{detail}\nOpen it with every result")
            card.clicked.connect(lambda _=False, r=root: self.draft_chosen.emit(r))
            self._drafts_row.addWidget(card)
        self._drafts_row.addStretch(1)

    def draft_cards(self) -> list[QToolButton]:
        return [self._drafts_row.itemAt(i).widget() for i in range(self._drafts_row.count())
                if self._drafts_row.itemAt(i).widget() is not None]

    def set_recent(self, paths: tuple[str, ...] | list[str]) -> None:
        while self._recent_box.count():
            widget = self._recent_box.takeAt(0).widget()
            if widget is not None:
                widget.deleteLater()
        shown = list(paths)[:MAX_RECENT_SHOWN]
        self._recent_title.setVisible(bool(shown))
        for path in shown:
            button = QToolButton()
            button.setText(Path(path).name)
            button.setToolTip(path)
            button.setAutoRaise(True)
            button.setCursor(Qt.CursorShape.PointingHandCursor)
            button.clicked.connect(lambda _=False, p=path: self.recent_chosen.emit(p))
            self._recent_box.addWidget(button, 0, Qt.AlignmentFlag.AlignHCenter)

    def set_drop_highlight(self, on: bool) -> None:
        if on != self._highlight:
            self._highlight = on
            self.update()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self._refresh_picture()

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() == event.Type.PaletteChange:
            self._refresh_picture()

    def _refresh_picture(self) -> None:
        palette = self.palette()
        muted = _mix(
            palette.color(QPalette.ColorRole.WindowText), palette.color(QPalette.ColorRole.Window), 0.55
        )
        self._picture.setPixmap(icons.pixmap("photo", 88, muted, self.devicePixelRatioF()))

    def paintEvent(self, event) -> None:
        palette = self.palette()
        window = palette.color(QPalette.ColorRole.Window)
        text = palette.color(QPalette.ColorRole.WindowText)
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), _mix(window, text, 0.04))
        card = QRectF(self.rect()).adjusted(28, 28, -28, -28)
        edge = palette.color(QPalette.ColorRole.Highlight) if self._highlight else _mix(window, text, 0.28)
        pen = QPen(edge, 2.0 if self._highlight else 1.5)
        pen.setDashPattern([6, 5])
        painter.setPen(pen)
        fill = _mix(window, edge, 0.10) if self._highlight else window
        painter.setBrush(fill)
        painter.drawRoundedRect(card, 14, 14)
        painter.end()


class StatusFields:
    """The permanent fields of the status bar: zoom, photo size, cursor position, mask coverage,
    and a busy indicator for work running off the GUI thread."""

    # Coverage is a whole-mask statistic: a few updates a second, never one per brush dab.
    COVERAGE_REFRESH_MS = 250

    def __init__(self, bar: QStatusBar):
        self._mask: MaskLayer | None = None
        self._coverage_timer = QTimer(bar, singleShot=True, interval=self.COVERAGE_REFRESH_MS)
        self._coverage_timer.timeout.connect(self._refresh_coverage)
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)  # indeterminate
        self.busy.setFixedWidth(110)
        self.busy.setMaximumHeight(14)
        self.busy.setTextVisible(False)
        self.busy.hide()
        self.cursor = self._label("Cursor position in image pixels", 120)
        self.coverage = self._label("Share of the photo covered by the mask", 110)
        self.size = self._label("Photo size", 190)
        self.zoom = self._label("Zoom (Ctrl+0 fits, Ctrl+1 is 100 %)", 64)
        bar.addPermanentWidget(self.busy)
        for label in (self.cursor, self.coverage, self.size, self.zoom):
            bar.addPermanentWidget(label)
        self.clear()

    @staticmethod
    def _label(tip: str, width: int) -> QLabel:
        label = QLabel()
        label.setToolTip(tip)
        label.setMinimumWidth(width)
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        return label

    def clear(self) -> None:
        for label in (self.cursor, self.coverage, self.size, self.zoom):
            label.setText("")

    def show_zoom(self, scale: float) -> None:
        percent = scale * 100
        self.zoom.setText(f"{percent:.0f} %" if percent >= 10 else f"{percent:.1f} %")

    def show_size(self, width: int, height: int) -> None:
        self.size.setText(f"{width} × {height} px · {width * height / 1e6:.1f} MP")

    def show_cursor(self, point: QPointF | None) -> None:
        if point is None:
            self.cursor.setText("")
            return
        self.cursor.setText(f"x {math.floor(point.x())}, y {math.floor(point.y())}")

    def watch_mask(self, mask: MaskLayer | None) -> None:
        """Follow this mask's coverage (None: no document, all fields cleared)."""
        if self._mask is not None:
            self._mask.changed.disconnect(self._schedule_coverage)
        self._mask = mask
        self.clear()
        if mask is not None:
            mask.changed.connect(self._schedule_coverage)
            self._refresh_coverage()

    def _schedule_coverage(self, _rect=None) -> None:
        if not self._coverage_timer.isActive():
            self._coverage_timer.start()

    def _refresh_coverage(self) -> None:
        self.show_coverage(self._mask.coverage_percent() if self._mask is not None else None)

    def show_coverage(self, percent: float | None) -> None:
        if percent is None:
            self.coverage.setText("")
        elif 0 < percent < 0.1:
            self.coverage.setText("Mask < 0.1 %")
        else:
            self.coverage.setText(f"Mask {percent:.1f} %")

    def set_busy(self, busy: bool) -> None:
        self.busy.setVisible(busy)
