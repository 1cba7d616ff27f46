"""The project's history browser: every variant ever produced, newest first, to find and reuse.

Filtering is pure (`matches`, `since_for`) so it is tested without widgets; the dialog only shows
the entries it is given and reports what the user picked through signals.

Tokens are spent per job, not per variant, so each job's figure is shown once (on its first listed
row) and the total under the table counts each listed job once: a figure repeated on every variant
read as that many times the cost.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QIcon, QImage, QImageReader, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

log = logging.getLogger(__name__)

THUMB = 96
DATE_CHOICES = ("Any time", "Today", "Last 7 days", "Last 30 days")
_DAYS = {"Last 7 days": 7, "Last 30 days": 30}
# Fixed English month names: the rest of the interface is English, whatever the system locale.
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
COLUMNS = ("", "Variant", "Prompt", "Date", "Model", "Tokens")
NO_VARIANT = -1
TOKENS = COLUMNS.index("Tokens")
TOKENS_TIP = "The tokens each job used, shown on its first listed variant"
EMPTY_TEXT = "No variants yet — results of every job in this project appear here."
FILTERED_TEXT = "No variant matches these filters."


@dataclass(frozen=True)
class HistoryEntry:
    """One variant as the history browser lists it.

    `key` is opaque to the dialog (e.g. (job_id, index)) and is what its signals carry back;
    `variant_index` is 0-based, `created_at` is epoch seconds, `tokens` is what the whole job
    used (the same figure on each of its variants), `spill` is the 0..1 share of pixels outside
    the mask the model changed, and `path` is the image file for the thumbnail.
    """

    key: object
    job_number: int
    variant_index: int
    prompt: str
    model: str
    created_at: float
    starred: bool = False
    discarded: bool = False
    tokens: int | None = None
    path: Path | None = None
    spill: float | None = None
    # A job that ended without any image (cancelled, failed, interrupted) is listed too, with
    # variant_index NO_VARIANT: how it ended and its request id say whether it may have been billed.
    outcome: str = ""
    state: str = ""  # for such a job: "cancelled", "failed", "interrupted"

    @property
    def has_variant(self) -> bool:
        return self.variant_index != NO_VARIANT


def since_for(choice: str, now: float) -> float | None:
    """The earliest creation time the date filter `choice` keeps; None keeps everything.

    "Today" starts at local midnight; the "Last N days" choices reach back N × 24 hours from `now`.
    """
    if choice == "Any time":
        return None
    if choice == "Today":
        midnight = datetime.fromtimestamp(now).replace(hour=0, minute=0, second=0, microsecond=0)
        return midnight.timestamp()
    if choice in _DAYS:
        return now - _DAYS[choice] * 86400
    raise ValueError(f"unknown date filter {choice!r}")


def matches(entry: HistoryEntry, text: str, starred_only: bool, show_discarded: bool,
            since: float | None) -> bool:
    """Whether the filters keep `entry`: every word of `text` must appear in its prompt."""
    if entry.discarded and not show_discarded:
        return False
    if starred_only and not entry.starred:
        return False
    if since is not None and entry.created_at < since:
        return False
    prompt = entry.prompt.casefold()
    return all(word in prompt for word in text.casefold().split())


def format_when(created_at: float, now: float) -> str:
    """ "Today 14:05", "24 Nov 14:05", or "24 Nov 2025 14:05" for another year."""
    when, today = datetime.fromtimestamp(created_at), datetime.fromtimestamp(now)
    clock = f"{when.hour:02d}:{when.minute:02d}"
    if when.date() == today.date():
        return f"Today {clock}"
    day = f"{when.day} {_MONTHS[when.month - 1]}"
    return f"{day} {clock}" if when.year == today.year else f"{day} {when.year} {clock}"


def job_tokens(entries: Sequence[HistoryEntry]) -> dict[int, int | None]:
    """Each job's token figure, by job number: the first its variants carry (None: not counted)."""
    figures: dict[int, int | None] = {}
    for entry in entries:
        if figures.get(entry.job_number) is None:
            figures[entry.job_number] = entry.tokens
    return figures


def tokens_total(jobs: Sequence[int], figures: dict[int, int | None]) -> str:
    """The one total line for the listed `jobs` (each counted once), or "" when none has a figure."""
    counted = [figures[job] for job in jobs if figures.get(job) is not None]
    if not counted:
        return ""
    text = f"Total: {sum(counted):,} tokens for {len(counted)} job{'' if len(counted) == 1 else 's'}"
    missing = len(jobs) - len(counted)
    return text + (f" ({missing} without a count)" if missing else "")


def tabular(font: QFont) -> QFont:
    """`font` with tabular figures, so token counts line up digit under digit (UI_STYLE.md)."""
    font = QFont(font)
    font.setFeature(QFont.Tag("tnum"), 1)
    return font


def read_thumbnail(path: Path | None, size: int = THUMB) -> QImage | None:
    """A small copy of the image at `path`, or None if there is none or it cannot be read.

    QImage (unlike QPixmap) may be made off the GUI thread, so this runs in a worker thread.
    """
    if path is None:
        return None
    reader = QImageReader(str(path))
    reader.setAutoTransform(True)
    full = reader.size()
    if full.isValid():
        # Decoding straight to the small size saves memory on 4K results.
        reader.setScaledSize(full.scaled(size, size, Qt.AspectRatioMode.KeepAspectRatio))
    image = reader.read()
    if image.isNull():
        log.debug("history: no thumbnail for %s: %s", path, reader.errorString())
        return None
    return image


class HistoryDialog(QDialog):
    """Non-modal browser of every variant the project has produced, newest first.

    Filters by prompt words, stars, discarded state and date; shows a thumbnail and the job's
    facts per variant. `chosen`, `reuse_requested` and `reveal_requested` carry the selected
    entry's key; the window decides what showing, reusing or revealing means.
    """

    chosen = Signal(object)
    reuse_requested = Signal(object)
    reveal_requested = Signal(object)

    def __init__(self, entries: Sequence[HistoryEntry], parent: QWidget | None = None, *,
                 loop: asyncio.AbstractEventLoop | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        super().__init__(parent)
        self._clock = clock  # tests pin "now" so "Today" does not depend on the hour they run
        self.setWindowTitle("Project History")
        self.setModal(False)
        self.resize(820, 560)
        self._loop = loop
        self._entries: list[HistoryEntry] = []
        self._job_tokens: dict[int, int | None] = {}
        self._thumbnails: dict[Path, QPixmap | None] = {}
        self._loading: asyncio.Task | None = None
        blank = QPixmap(THUMB, THUMB)
        blank.fill(QColor(226, 226, 226))  # a neutral square: a missing file is not an error to show
        self._placeholder = QIcon(blank)
        self._build()
        self.set_entries(entries)

    # --- construction ---------------------------------------------------------------------------

    def _build(self) -> None:
        self.filter_edit = QLineEdit(placeholderText="Filter by prompt…", clearButtonEnabled=True)
        self.starred_only = QCheckBox("Starred only")
        self.show_discarded = QCheckBox("Show discarded")
        self.date_filter = QComboBox()
        self.date_filter.addItems(DATE_CHOICES)
        self.count_label = QLabel()
        filters = QHBoxLayout()
        for widget in (self.filter_edit, self.starred_only, self.show_discarded, self.date_filter,
                       self.count_label):
            filters.addWidget(widget, 1 if widget is self.filter_edit else 0)

        self.table = self._build_table()
        self.empty_label = QLabel(EMPTY_TEXT, alignment=Qt.AlignmentFlag.AlignCenter, wordWrap=True)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.table)
        self.stack.addWidget(self.empty_label)

        self.tokens_label = QLabel()
        self.tokens_label.setFont(tabular(self.tokens_label.font()))
        self.show_button = QPushButton("Show")
        self.reuse_button = QPushButton("Reuse settings")
        self.reveal_button = QPushButton("Show in folder")
        close = QPushButton("Close")
        buttons = QHBoxLayout()
        for button in (self.show_button, self.reuse_button, self.reveal_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.tokens_label)
        buttons.addWidget(close)

        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(self.stack, 1)
        layout.addLayout(buttons)
        self._connect(close)

    def _build_table(self) -> QTableWidget:
        table = QTableWidget(0, len(COLUMNS))
        table.setHorizontalHeaderLabels(COLUMNS)
        table.horizontalHeaderItem(TOKENS).setToolTip(TOKENS_TIP)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setIconSize(QSize(THUMB, THUMB))
        table.setWordWrap(False)
        table.setTextElideMode(Qt.TextElideMode.ElideRight)
        table.verticalHeader().setVisible(False)
        table.verticalHeader().setDefaultSectionSize(THUMB + 8)
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        table.setColumnWidth(0, THUMB + 8)
        return table

    def _connect(self, close: QPushButton) -> None:
        self.filter_edit.textChanged.connect(self._apply_filters)
        self.starred_only.toggled.connect(self._apply_filters)
        self.show_discarded.toggled.connect(self._apply_filters)
        self.date_filter.currentIndexChanged.connect(self._apply_filters)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.table.doubleClicked.connect(lambda index: self._show_row(index.row()))
        self.show_button.clicked.connect(lambda: self._emit(self.chosen))
        self.reuse_button.clicked.connect(lambda: self._emit(self.reuse_requested))
        self.reveal_button.clicked.connect(lambda: self._emit(self.reveal_requested))
        close.clicked.connect(self.close)

    # --- entries --------------------------------------------------------------------------------

    def set_entries(self, entries: Sequence[HistoryEntry]) -> None:
        """Show `entries` (any order; listed newest first), keeping the filters and the selection."""
        selected = self.selected_entry()
        self.table.clearSelection()  # rows are about to hold other entries
        self._entries = sorted(entries, key=lambda e: (-e.created_at, -e.job_number, e.variant_index))
        self._job_tokens = job_tokens(self._entries)
        self.table.setRowCount(len(self._entries))
        now = self._clock()
        for row, entry in enumerate(self._entries):
            self._fill_row(row, entry, now)
        self._apply_filters()
        if selected is not None:
            self._select_key(selected.key)
        self._load_thumbnails()

    def _fill_row(self, row: int, entry: HistoryEntry, now: float) -> None:
        variant = (f"#{entry.job_number} · variant {entry.variant_index + 1}" if entry.has_variant
                   else f"#{entry.job_number} · {entry.state or 'no image'}")
        if entry.starred:
            variant += " ★"
        if entry.discarded:
            variant += " (discarded)"
        prompt = " ".join(entry.prompt.split())
        # The tokens column is filled by _show_tokens: which row shows a job's figure depends on
        # which of its variants the filters let through.
        texts = ("", variant, prompt, format_when(entry.created_at, now), entry.model, "")
        tip = entry.prompt if entry.spill is None else f"{entry.prompt}\n\nSpill {entry.spill:.1%}"
        if entry.outcome:
            tip = f"{entry.prompt}\n\n{entry.outcome}"
        for column, text in enumerate(texts):
            item = QTableWidgetItem(text)
            item.setToolTip(tip)
            if column == TOKENS:
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                item.setFont(tabular(self.table.font()))
            self.table.setItem(row, column, item)
        self._set_icon(row, entry)

    def _set_icon(self, row: int, entry: HistoryEntry) -> None:
        pixmap = self._thumbnails.get(entry.path) if entry.path is not None else None
        self.table.item(row, 0).setIcon(QIcon(pixmap) if pixmap is not None else self._placeholder)

    def entry_at(self, row: int) -> HistoryEntry:
        """The entry listed in `row` (hidden rows included)."""
        return self._entries[row]

    def selected_entry(self) -> HistoryEntry | None:
        """The selected, visible entry, if any."""
        rows = {index.row() for index in self.table.selectionModel().selectedRows()}
        visible = [row for row in rows if not self.table.isRowHidden(row)]
        return self._entries[visible[0]] if visible else None

    def _select_key(self, key: object) -> None:
        for row, entry in enumerate(self._entries):
            if entry.key == key and not self.table.isRowHidden(row):
                self.table.selectRow(row)
                return

    # --- filters --------------------------------------------------------------------------------

    def visible_count(self) -> int:
        """How many variants the filters currently let through."""
        return sum(not self.table.isRowHidden(row) for row in range(self.table.rowCount()))

    def _apply_filters(self) -> None:
        text = self.filter_edit.text()
        since = since_for(self.date_filter.currentText(), self._clock())
        starred, discarded = self.starred_only.isChecked(), self.show_discarded.isChecked()
        for row, entry in enumerate(self._entries):
            self.table.setRowHidden(row, not matches(entry, text, starred, discarded, since))
        if self.selected_entry() is None:
            self.table.clearSelection()
        self._show_tokens()
        shown, total = self.visible_count(), len(self._entries)
        without = sum(1 for entry in self._entries if not entry.has_variant)
        listed = sum(1 for row, entry in enumerate(self._entries)
                     if entry.has_variant and not self.table.isRowHidden(row))
        variants = total - without
        text = f"{listed} of {variants} variant{'' if variants == 1 else 's'}"
        if without:
            text += f" · {without} job{'s' * (without != 1)} without images"
        self.count_label.setText(text)
        self.empty_label.setText(EMPTY_TEXT if not total else FILTERED_TEXT)
        self.stack.setCurrentWidget(self.table if shown else self.empty_label)
        self._update_buttons()

    def _show_tokens(self) -> None:
        """Each listed job's figure on its first visible row ("—": not counted), nothing on its
        other rows, and one total for the listed jobs."""
        listed: dict[int, None] = {}  # the listed jobs, in order
        for row, entry in enumerate(self._entries):
            first = not self.table.isRowHidden(row) and entry.job_number not in listed
            if first:
                listed[entry.job_number] = None
            figure = self._job_tokens.get(entry.job_number)
            self.table.item(row, TOKENS).setText(("—" if figure is None else f"{figure:,}") if first else "")
        self.tokens_label.setText(tokens_total(list(listed), self._job_tokens))

    def _update_buttons(self) -> None:
        entry = self.selected_entry()
        self.show_button.setEnabled(entry is not None and entry.has_variant)
        self.reuse_button.setEnabled(entry is not None)
        self.reveal_button.setEnabled(entry is not None and entry.path is not None)

    def _show_row(self, row: int) -> None:
        if self._entries[row].has_variant:
            self._emit(self.chosen, row)

    def _emit(self, signal: Signal, row: int | None = None) -> None:
        entry = self.selected_entry() if row is None else self._entries[row]
        if entry is not None:
            signal.emit(entry.key)

    # --- thumbnails -----------------------------------------------------------------------------

    def _load_thumbnails(self) -> None:
        missing = list(dict.fromkeys(e.path for e in self._entries
                                     if e.path is not None and e.path not in self._thumbnails))
        if not missing:
            return
        if self._loop is None:
            for path in missing:
                self._store_thumbnail(path, read_thumbnail(path))
            return
        self.shutdown()
        self._loading = self._loop.create_task(self._load_in_worker(missing))
        self._loading.add_done_callback(self._loading_done)

    async def _load_in_worker(self, paths: list[Path]) -> None:
        for path in paths:
            image = await asyncio.to_thread(read_thumbnail, path)
            self._store_thumbnail(path, image)

    def _store_thumbnail(self, path: Path, image: QImage | None) -> None:
        # The pixmap is made here, on the GUI thread; None is cached too, so a bad file is read once.
        self._thumbnails[path] = QPixmap.fromImage(image) if image is not None else None
        for row, entry in enumerate(self._entries):
            if entry.path == path:
                self._set_icon(row, entry)

    def _loading_done(self, task: asyncio.Task) -> None:
        if task is self._loading:
            self._loading = None
        if not task.cancelled() and task.exception() is not None:
            log.error("history thumbnails: %s", task.exception(), exc_info=task.exception())

    def thumbnails_loading(self) -> bool:
        """Whether thumbnails are still being read in the background."""
        return self._loading is not None and not self._loading.done()

    def shutdown(self) -> None:
        """Stop reading thumbnails; call before the dialog is destroyed."""
        if self._loading is not None and not self._loading.done():
            self._loading.cancel()
        self._loading = None

    def showEvent(self, event) -> None:
        # A reopened dialog finishes the thumbnails its closing interrupted.
        super().showEvent(event)
        self._load_thumbnails()

    def closeEvent(self, event) -> None:
        self.shutdown()
        super().closeEvent(event)
