"""File ▸ Projects and Drafts: every project kept in the data folder, newest first, each with a
picture of its newest result, what it holds and whether it was saved to a file; open one, show it
in the file manager, or delete it (its results with it, after asking).

The list is read off the GUI thread (editor.core.drafts); the dialog says so while it looks.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine
from pathlib import Path

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon, QImage, QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from editor.core.drafts import THUMB_SIDE, Draft, delete_draft, list_drafts
from editor.ui import dialogs
from editor.ui.dialogs.history import format_when

ICON_SIDE = 96
START_CARDS = 4  # on the start page
_ROLE = Qt.ItemDataRole.UserRole


def state_text(draft: Draft) -> str:
    """Where the work lives: a draft never saved, a file (with later work), or a crashed window's."""
    if draft.interrupted:
        return "Recovered: Maskedit closed unexpectedly while it was open"
    if draft.saved_to is None:
        return "Draft, never saved to a file"
    if not draft.saved:
        return f"Draft; its file {draft.saved_to.name} is no longer there"
    later = draft.modified > draft.saved_to.stat().st_mtime + 1
    return f"Saved as {draft.saved_to.name}" + (", with later work only in the draft" if later else "")


def start_cards(projects_dir: Path, current: Path) -> list[tuple[Path, str, str, QImage | None]]:
    """Worker thread: the start page's cards, newest first (folder, title, detail, picture)."""
    now = time.time()
    cards = []
    for draft in list_drafts(projects_dir, exclude=current)[:START_CARDS]:
        picture = QImage(str(draft.thumbnail)) if draft.thumbnail is not None else None
        cards.append((draft.root, draft.title, f"{format_when(draft.modified, now)} · "
                      f"{draft.results} result{'s' * (draft.results != 1)}", picture))
    return cards


class DraftsDialog(QDialog):
    """`open_requested(draft)` when the user opens one (the dialog closes)."""

    open_requested = Signal(object)

    def __init__(self, parent: QWidget, *, projects_dir: Path, current: Callable[[], Path],
                 run: Callable[[str, Coroutine], None], reveal: Callable[[Path], None]):
        super().__init__(parent)
        self.setWindowTitle("Projects and Drafts")
        self.resize(620, 520)
        self._projects_dir, self._current, self._run, self._reveal = projects_dir, current, run, reveal
        self.status = QLabel("Looking for your projects and drafts…")
        self.status.setWordWrap(True)
        self.list = QListWidget()
        self.list.setIconSize(QSize(ICON_SIDE, ICON_SIDE))
        self.list.setSpacing(2)
        self.list.setUniformItemSizes(True)
        self.list.setWordWrap(True)
        self.list.itemActivated.connect(lambda _item: self._open())
        self.list.currentItemChanged.connect(lambda *_: self._enable())
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.open_button = QPushButton("Open")
        self.open_button.setDefault(True)
        self.reveal_button = QPushButton("Show in Folder")
        self.delete_button = QPushButton("Delete…")
        buttons.addButton(self.open_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.reveal_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.delete_button, QDialogButtonBox.ButtonRole.DestructiveRole)
        buttons.rejected.connect(self.reject)
        self.open_button.clicked.connect(self._open)
        self.reveal_button.clicked.connect(self._reveal_chosen)
        self.delete_button.clicked.connect(self._delete)
        layout = QVBoxLayout(self)
        layout.addWidget(self.status)
        layout.addWidget(self.list, 1)
        layout.addWidget(buttons)
        self._enable()

    def refresh(self) -> None:
        """Read the list again (off the GUI thread)."""
        self._run("drafts", self._fill())

    async def _fill(self) -> None:
        drafts = await asyncio.to_thread(list_drafts, self._projects_dir, exclude=self._current())
        self.show_drafts(drafts)

    def show_drafts(self, drafts: list[Draft]) -> None:
        self.list.clear()
        now = time.time()
        for draft in drafts:
            item = QListWidgetItem(f"{draft.title}\n{format_when(draft.modified, now)} · {draft.summary()}\n"
                                   f"{state_text(draft)}")
            item.setData(_ROLE, draft)
            item.setToolTip(str(draft.saved_to or draft.root))
            item.setIcon(_icon(draft.thumbnail))
            self.list.addItem(item)
        if drafts:
            self.status.setText("Every photo that received a result is kept here until you delete it.")
            self.list.setCurrentRow(0)
        else:
            self.status.setText("No projects or drafts yet: a photo that receives a result is kept here.")
        self._enable()

    def drafts(self) -> list[Draft]:
        return [self.list.item(row).data(_ROLE) for row in range(self.list.count())]

    def _chosen(self) -> Draft | None:
        item = self.list.currentItem()
        return item.data(_ROLE) if item is not None else None

    def _enable(self) -> None:
        chosen = self._chosen() is not None
        for button in (self.open_button, self.reveal_button, self.delete_button):
            button.setEnabled(chosen)

    def _open(self) -> None:
        draft = self._chosen()
        if draft is not None:
            self.accept()
            self.open_requested.emit(draft)

    def _reveal_chosen(self) -> None:
        draft = self._chosen()
        if draft is not None:
            self._reveal(draft.saved_to if draft.saved else draft.root / "project.json")

    def _delete(self) -> None:
        draft = self._chosen()
        if draft is None:
            return
        kept = f" The file {draft.saved_to.name} is not touched." if draft.saved else ""
        detail = (f"Its {draft.summary()} are deleted from this computer, photo and mask with them. "
                  f"This cannot be undone.{kept}")
        if dialogs.confirm_delete_draft(self, draft.title, detail):
            self._run("drafts", self._delete_then_refresh(draft))

    async def _delete_then_refresh(self, draft: Draft) -> None:
        await asyncio.to_thread(delete_draft, draft)
        await self._fill()


def _icon(path: Path | None) -> QIcon:
    image = QImage(str(path)) if path is not None else QImage()
    if image.isNull():
        image = QImage(THUMB_SIDE, THUMB_SIDE, QImage.Format.Format_RGB32)
        image.fill(Qt.GlobalColor.darkGray)
    return QIcon(QPixmap.fromImage(image))
