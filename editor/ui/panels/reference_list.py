"""The references tray's list: thumbnails in a row that wraps, and the keys and drops it takes.

Only the view of the tiles: it reports what the user asked for (remove, paste, move, a drop
from outside, a new order) through signals, and the tray (`editor.ui.panels.references`)
does it to the document.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QPainter
from PySide6.QtWidgets import QAbstractItemView, QListView, QListWidget, QWidget

THUMB = 72
EMPTY_HINT = "Drop up to 15 images here to guide the edit\n(“Image 2”, “Image 3”… in the prompt)"


class ReferenceList(QListWidget):
    """Thumbnails in a row that wraps; drag to reorder. Takes Delete, Ctrl+V and Ctrl+←/→ while
    it has the focus (before the window's own shortcuts for them) and accepts dropped images."""

    remove_requested = Signal()
    paste_requested = Signal()
    move_requested = Signal(int)  # -1 earlier, +1 later
    mime_dropped = Signal(object)  # QMimeData from outside the tray
    order_changed = Signal(list)  # the item indices in their new order

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setFlow(QListView.Flow.LeftToRight)
        self.setWrapping(True)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setMovement(QListView.Movement.Snap)
        self.setIconSize(QSize(THUMB, THUMB))
        self.setGridSize(QSize(THUMB + 22, THUMB + 30))
        self.setSpacing(2)
        self.setUniformItemSizes(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.setAcceptDrops(True)
        self.setMinimumHeight(THUMB + 40)
        self.model().rowsMoved.connect(self._rows_moved)

    def _rows_moved(self, *_args) -> None:
        # After the view has finished its drop: read the order once it is settled.
        QTimer.singleShot(0, lambda: self.order_changed.emit(
            [self.item(row).data(Qt.ItemDataRole.UserRole) for row in range(self.count())]))

    def _is_tray_key(self, event: QKeyEvent) -> bool:
        return (event.matches(QKeySequence.StandardKey.Delete) or event.key() == Qt.Key.Key_Backspace
                or event.matches(QKeySequence.StandardKey.Paste)
                or (event.modifiers() == Qt.KeyboardModifier.ControlModifier
                    and event.key() in (Qt.Key.Key_Left, Qt.Key.Key_Right)))

    def event(self, event) -> bool:
        if event.type() == event.Type.ShortcutOverride and self._is_tray_key(event):
            event.accept()  # the key comes here as a key press instead of triggering the window's action
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.matches(QKeySequence.StandardKey.Paste):
            self.paste_requested.emit()
        elif event.matches(QKeySequence.StandardKey.Delete) or event.key() == Qt.Key.Key_Backspace:
            self.remove_requested.emit()
        elif self._is_tray_key(event):
            self.move_requested.emit(-1 if event.key() == Qt.Key.Key_Left else 1)
        else:
            super().keyPressEvent(event)

    def _from_outside(self, event) -> bool:
        mime = event.mimeData()
        return event.source() is not self and (mime.hasUrls() or mime.hasImage())

    def dragEnterEvent(self, event) -> None:
        if self._from_outside(event):
            event.acceptProposedAction()
        else:
            super().dragEnterEvent(event)

    def dragMoveEvent(self, event) -> None:
        if self._from_outside(event):
            event.acceptProposedAction()
        else:
            super().dragMoveEvent(event)

    def dropEvent(self, event) -> None:
        if self._from_outside(event):
            event.acceptProposedAction()
            self.mime_dropped.emit(event.mimeData())
        else:
            super().dropEvent(event)

    def paintEvent(self, event) -> None:
        super().paintEvent(event)
        if self.count() == 0:
            painter = QPainter(self.viewport())
            painter.setPen(self.palette().color(self.palette().ColorRole.PlaceholderText))
            painter.drawText(self.viewport().rect().adjusted(8, 8, -8, -8),
                             Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                             EMPTY_HINT)
            painter.end()
