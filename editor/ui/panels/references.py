"""The references tray: up to 15 more images sent with the photo ("Image 2", "Image 3", …).

A view of `Document.references`. Files are read, checked (`editor.imaging.load`) and shrunk to
thumbnails on worker threads, as tasks the tray owns, so a 40 MP reference never stalls the GUI.
Files the API takes as they are (PNG, JPEG, WebP, upright) are uploaded byte for byte; others
are converted to PNG once, when added.
"""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import Coroutine, Iterable
from pathlib import Path

from PIL import Image
from PySide6.QtCore import QBuffer, QMimeData, QSize, Qt
from PySide6.QtGui import QGuiApplication, QIcon, QImage, QPainter, QPixmap
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from editor.core.document import MAX_REFERENCES, Document, Reference
from editor.core.photo import qimage_from_pil
from editor.core.tasks import TaskGroup, TaskOwner
from editor.imaging.load import DEFAULT_MAX_PIXELS, ImageLoadError, load_image
from editor.ui import icons, theme
from editor.ui.dialogs import start_folder
from editor.ui.panels import quiet_label, section_title
from editor.ui.panels.reference_list import EMPTY_HINT, THUMB, ReferenceList

log = logging.getLogger(__name__)

# The list widget and its tile size moved to reference_list; still importable from here.
__all__ = ["EMPTY_HINT", "THUMB", "ReferenceList", "ReferencesTray", "ask_reference_paths", "describe_bytes",
           "encode_png", "read_reference"]

UPLOADED_AS_IS = ("PNG", "JPEG", "WEBP")
REFERENCE_FILTER = "Images (*.png *.jpg *.jpeg *.webp *.tif *.tiff *.bmp *.gif);;All files (*)"


def ask_reference_paths(parent: QWidget | None, start: Path | None = None) -> list[Path]:
    """The system file chooser for reference images, opening in `start` (the photo's folder); a
    function so tests can replace it."""
    paths, _ = QFileDialog.getOpenFileNames(parent, "Add Reference Images", str(start or ""),
                                            REFERENCE_FILTER)
    return [Path(p) for p in paths]


def read_reference(source: Path | bytes, name: str, max_pixels: int) -> tuple[bytes, QImage, QSize]:
    """Bytes to upload, a thumbnail and the pixel size; raises ImageLoadError with a sentence.
    Runs on a worker thread."""
    if isinstance(source, Path):
        try:
            source = source.read_bytes()
        except OSError as exc:
            raise ImageLoadError(f"{name} could not be read: {exc.strerror or exc}.") from None
    loaded = load_image(source, max_pixels=max_pixels, name=name)
    data = source
    if loaded.source_format not in UPLOADED_AS_IS or loaded.changed_on_load:
        buffer = io.BytesIO()
        loaded.image.save(buffer, "PNG")
        data = buffer.getvalue()
    thumbnail: Image.Image = loaded.image.copy()
    thumbnail.thumbnail((THUMB * 2, THUMB * 2))
    return data, qimage_from_pil(thumbnail), QSize(loaded.width, loaded.height)


def encode_png(image: QImage) -> bytes:
    """A pasted QImage as PNG bytes. Runs on a worker thread (QImage is reentrant)."""
    buffer = QBuffer()
    buffer.open(QBuffer.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(buffer.data())


def describe_bytes(size: int) -> str:
    if size < 1024 * 1024:
        return f"{max(size, 1) / 1024:.0f} KB" if size else "0 KB"
    return f"{size / (1024 * 1024):.1f} MB"


def _key(data: bytes) -> tuple[int, int]:
    return len(data), hash(data)


class ReferencesTray(QWidget):
    """The reference images of `document`, with Add…, Paste and Remove.

    `loop` is the app's asyncio (qasync) loop; reading and thumbnailing run on it as owned tasks.
    `max_pixels` is the size limit for opening images (UserSettings.max_megapixels × 10⁶).
    `busy()` says whether files are still being read; `cancel_pending()` stops that (on close).
    """

    def __init__(self, document: Document, *, loop: asyncio.AbstractEventLoop | None = None,
                 max_pixels: int = DEFAULT_MAX_PIXELS, tasks: TaskGroup | None = None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self._document, self._max_pixels = document, max_pixels
        # Reading and thumbnailing files, owned by the window's TaskOwner when it gives a group.
        self._tasks = tasks if tasks is not None else TaskOwner(loop).group("references")
        self._tasks.on_error = self._failed
        self._pending = 0  # files being read that will take a place when they arrive
        self._thumbnails: dict[tuple[int, int], QImage] = {}
        self._sizes: dict[tuple[int, int], QSize] = {}
        self._thumbnailing: set[tuple[int, int]] = set()
        self._placeholder = QPixmap(THUMB, THUMB)
        self._placeholder.fill(Qt.GlobalColor.transparent)

        self.list = ReferenceList()
        self.list.setAccessibleName("Reference images")
        self.list.setToolTip("Reference images, sent after the photo as Image 2, Image 3, …\n"
                             "Drag to reorder (or Ctrl+← / Ctrl+→) · Delete removes · Ctrl+V pastes")
        self.summary = quiet_label()
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet(f"color: {theme.current().danger}")
        self.message.hide()
        self.add_button = QPushButton(icons.icon("import"), "Add…")
        self.add_button.setToolTip("Add reference images from files")
        self.paste_button = QPushButton(icons.icon("paste"), "Paste")
        self.paste_button.setToolTip("Add the image on the clipboard (Ctrl+V in the tray)")
        self.remove_button = QPushButton(icons.icon("clear"), "Remove")
        self.remove_button.setToolTip("Remove the selected images (Delete)")

        title = section_title("References")
        header = QHBoxLayout()
        header.addWidget(title)
        header.addStretch(1)
        header.addWidget(self.summary)
        buttons = QHBoxLayout()
        for button in (self.add_button, self.paste_button, self.remove_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.setSpacing(4)
        layout.addLayout(header)
        layout.addWidget(self.list, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.message)

        self.add_button.clicked.connect(
            lambda: self.add_files(ask_reference_paths(self, start_folder(self._document.path()))))
        self.paste_button.clicked.connect(self.paste)
        self.remove_button.clicked.connect(self.remove_selected)
        self.list.remove_requested.connect(self.remove_selected)
        self.list.paste_requested.connect(self.paste)
        self.list.move_requested.connect(self.move_selected)
        self.list.mime_dropped.connect(self.add_mime)
        self.list.order_changed.connect(self._reordered)
        self.list.itemSelectionChanged.connect(self._update_buttons)
        document.references_changed.connect(self.show_references)
        self.show_references(document.references())

    # --- adding -------------------------------------------------------------------------------------

    def room(self) -> int:
        return MAX_REFERENCES - len(self._document.references()) - self._pending

    def add_files(self, paths: Iterable[Path | str]) -> None:
        """Read, check and add image files (as many as there is room for)."""
        self._add([(Path(p), Path(p).name) for p in paths])

    def add_image(self, image: QImage, name: str = "Pasted image.png") -> None:
        if not image.isNull():
            self._add([(image, name)])

    def add_mime(self, mime: QMimeData | None) -> bool:
        """Add what a drop or the clipboard carries: local image files or an image."""
        if mime is None:
            return False
        urls = mime.urls() if mime.hasUrls() else []
        files = [Path(url.toLocalFile()) for url in urls if url.isLocalFile()]
        if files:
            self.add_files(files)
        elif mime.hasImage():
            self.add_image(QImage(mime.imageData()))
        elif mime.hasUrls():
            self.show_message("Only images stored on this computer can be added; download them first.")
        else:
            return False
        return True

    def paste(self) -> None:
        if not self.add_mime(QGuiApplication.clipboard().mimeData()):
            self.show_message("The clipboard holds no image or image file.")

    def _add(self, sources: list[tuple[Path | QImage, str]]) -> None:
        room = self.room()
        accepted, refused = sources[:max(room, 0)], len(sources) - max(room, 0)
        self.show_message(
            f"Up to {MAX_REFERENCES} reference images can be sent; {refused} "
            f"{'was' if refused == 1 else 'were'} not added." if refused > 0 else "")
        if accepted:
            self._pending += len(accepted)
            self._start(self._read_and_add(accepted))
            self._update_summary()

    async def _read_and_add(self, sources: list[tuple[Path | QImage, str]]) -> None:
        problems: list[str] = []
        waiting = len(sources)
        try:
            for source, name in sources:
                try:
                    if isinstance(source, QImage):
                        source = await asyncio.to_thread(encode_png, source)
                    data, thumbnail, size = await asyncio.to_thread(
                        read_reference, source, name, self._max_pixels)
                except ImageLoadError as exc:
                    problems.append(exc.message)
                    continue
                finally:
                    waiting -= 1
                    self._pending -= 1
                self._thumbnails[_key(data)], self._sizes[_key(data)] = thumbnail, size
                if len(self._document.references()) < MAX_REFERENCES:
                    self._document.add_references([(name, data)])
        finally:
            self._pending -= waiting  # the files a cancel left unread give their places back
            self._update_summary()
        if problems:
            more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
            self.show_message(problems[0] + more)

    # --- removing and reordering ------------------------------------------------------------------------

    def selected_rows(self) -> list[int]:
        return sorted(self.list.row(item) for item in self.list.selectedItems())

    def remove_selected(self) -> None:
        rows = self.selected_rows()
        keep = [ref for row, ref in enumerate(self._document.references()) if row not in rows]
        if rows:
            self._document.set_references(keep)
            if keep:
                self.list.setCurrentRow(min(rows[0], len(keep) - 1))

    def move_selected(self, step: int) -> None:
        row = self.list.currentRow()
        if row >= 0 and 0 <= row + step < self.list.count():
            self._document.move_reference(row, row + step)
            self.list.setCurrentRow(row + step)

    def _reordered(self, indices: list[int]) -> None:
        references = self._document.references()
        if sorted(indices) == list(range(len(references))):
            self._document.set_references([references[i] for i in indices])
        else:
            self.show_references(references)  # the list and the document disagree: redraw

    # --- model → view ------------------------------------------------------------------------------------

    def show_references(self, references: tuple[Reference, ...]) -> None:
        self.list.blockSignals(True)
        current = self.list.currentRow()
        self.list.clear()
        for index, (name, data) in enumerate(references):
            item = QListWidgetItem(self._icon_for(name, data), f"Image {index + 2}")
            item.setData(Qt.ItemDataRole.UserRole, index)
            size = self._sizes.get(_key(data))
            pixels = f"{size.width()} × {size.height()} px, " if size is not None else ""
            item.setToolTip(f"{name} — {pixels}{describe_bytes(len(data))}\n"
                            f"Refer to it in the prompt as “Image {index + 2}”.")
            item.setTextAlignment(Qt.AlignmentFlag.AlignHCenter)
            item.setSizeHint(QSize(THUMB + 16, THUMB + 26))
            self.list.addItem(item)
        if 0 <= current < self.list.count():
            self.list.setCurrentRow(current)
        self.list.blockSignals(False)
        self._update_summary()
        self._update_buttons()

    def _icon_for(self, name: str, data: bytes) -> QIcon:
        thumbnail = self._thumbnails.get(_key(data))
        if thumbnail is None:
            if _key(data) not in self._thumbnailing:
                self._thumbnailing.add(_key(data))
                self._start(self._make_thumbnail(name, data))
            return QIcon(self._placeholder)
        return QIcon(self._framed(thumbnail))

    def _framed(self, thumbnail: QImage) -> QPixmap:
        """The thumbnail centred in a square, so every tile has the same shape and caption line."""
        scale = self.devicePixelRatioF()
        side = round(THUMB * scale)
        pixmap = QPixmap(side, side)
        pixmap.fill(Qt.GlobalColor.transparent)
        fitted = thumbnail.scaled(side, side, Qt.AspectRatioMode.KeepAspectRatio,
                                  Qt.TransformationMode.SmoothTransformation)
        painter = QPainter(pixmap)
        painter.drawImage((side - fitted.width()) // 2, (side - fitted.height()) // 2, fitted)
        painter.end()
        pixmap.setDevicePixelRatio(scale)
        return pixmap

    async def _make_thumbnail(self, name: str, data: bytes) -> None:
        """A thumbnail for a reference the tray did not read itself (e.g. a restored job)."""
        try:
            _, thumbnail, size = await asyncio.to_thread(read_reference, data, name, self._max_pixels)
        except ImageLoadError as exc:
            log.info("no thumbnail for reference %s: %s", name, exc.message)
            return
        finally:
            self._thumbnailing.discard(_key(data))
        self._thumbnails[_key(data)], self._sizes[_key(data)] = thumbnail, size
        if any(_key(d) == _key(data) for _, d in self._document.references()):
            self.show_references(self._document.references())

    def total_bytes(self) -> int:
        return sum(len(data) for _, data in self._document.references())

    def _update_summary(self) -> None:
        count = len(self._document.references())
        reading = f" · reading {self._pending}…" if self._pending > 0 else ""
        self.summary.setText(f"{count} of {MAX_REFERENCES} · {describe_bytes(self.total_bytes())} to upload"
                             f"{reading}" if count or reading else f"0 of {MAX_REFERENCES}")
        self.add_button.setEnabled(self.room() > 0)
        self.paste_button.setEnabled(self.room() > 0)

    def _update_buttons(self) -> None:
        self.remove_button.setEnabled(bool(self.list.selectedItems()))

    def show_message(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))

    # --- tasks ------------------------------------------------------------------------------------------

    def busy(self) -> bool:
        return self._tasks.busy()

    def cancel_pending(self) -> None:
        self._tasks.cancel()

    def _start(self, job: Coroutine) -> None:
        self._tasks.start(job)

    def _failed(self, error: BaseException) -> None:
        log.error("reading a reference failed", exc_info=(type(error), error, error.__traceback__))
        self.show_message("Something went wrong while reading an image. Details are in the log.")

