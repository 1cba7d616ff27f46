"""Getting a photo into the window: Open, Open Recent, drop, paste and the command line.

`PhotoOpener` is the one code path of all of them; the window composes it and hands it the
document, the settings and a way to run owned tasks. Photos are decoded off the GUI thread
(asyncio.to_thread on the qasync loop).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Coroutine
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QMimeData, QObject, QUrl, Signal
from PySide6.QtGui import QGuiApplication, QImage
from PySide6.QtWidgets import QStatusBar, QWidget

from editor.ui import dialogs

if TYPE_CHECKING:
    from editor.core.document import Document
    from editor.core.photo import DecodedPhoto
    from editor.settings.store import UserSettings

log = logging.getLogger(__name__)

MESSAGE_MS = 6000


def local_path_from(mime: QMimeData) -> Path | str | None:
    """The file a drop or paste points at: a Path, an error sentence, or None if none."""
    urls = [url for url in mime.urls() if not url.isEmpty()] if mime.hasUrls() else []
    if not urls and mime.hasText():
        text = mime.text().strip().splitlines()[0].strip() if mime.text().strip() else ""
        if text.startswith(("file:", "http:", "https:")):
            urls = [QUrl(text)]
        elif text and Path(text).expanduser().is_file():
            return Path(text).expanduser()
    if not urls:
        return None
    if not urls[0].isLocalFile():
        return "Only images stored on this computer can be opened; download it first."
    return Path(urls[0].toLocalFile())


class PhotoOpener(QObject):
    """Open, Open Recent, paste, drop and the command line: each decodes off the GUI thread and
    opens the photo in the document. `settings()` gives the settings as they are now and
    `update_settings(**changes)` saves changes (the recent list). A `.maskedit` file is not a
    photo: it is passed on as `project_chosen(path)`."""

    project_chosen = Signal(Path)
    # The user opened another photo (or pasted one): what was written for the last one no longer
    # applies to it.
    other_photo_opened = Signal()

    def __init__(self, parent: QWidget, *, document: Document, settings: Callable[[], UserSettings],
                 update_settings: Callable[..., None], run: Callable[[str, Coroutine], None],
                 status_bar: QStatusBar, set_busy: Callable[[bool], None]):
        super().__init__(parent)
        # Set by the window once it has its project: `leave(then)` asks Save / Don't Save / Cancel
        # (True: go on now); `start_fresh()` gives another photo a project of its own (False: it
        # could not, and the user was told why).
        self.leave: Callable[[Callable[[], object]], bool] = lambda _then: True
        self.start_fresh: Callable[[], Awaitable[bool]] | None = None
        self._parent, self._document = parent, document
        self._settings, self._update_settings = settings, update_settings
        self._run, self._status_bar, self._set_busy = run, status_bar, set_busy
        self._original_bytes: tuple[int, bytes] | None = None  # (photo cacheKey, file bytes)

    def ask_and_open(self) -> None:
        recent = self._settings().recent_files
        start = dialogs.start_folder(self._document.path(), Path(recent[0]).parent if recent else None)
        path = dialogs.ask_photo_path(self._parent, str(start))
        if path is not None:
            self.open_path(path)

    def open_path(self, path: str | Path) -> None:
        """Open a photo file: the one code path of Open, Open Recent, drop, paste and the command line."""
        from editor.core.photo import decode_photo

        path = Path(path).expanduser().absolute()
        if path.suffix.lower() == ".maskedit":
            self.project_chosen.emit(path)
            return
        go = lambda: self._run("open", self._open(decode_photo, path, path=path, name=path.name))  # noqa: E731
        if self.leave(go):
            go()

    def open_recent(self, path: str) -> None:
        if not Path(path).is_file():
            recent = tuple(p for p in self._settings().recent_files if p != path)
            self._update_settings(recent_files=recent)
            dialogs.show_error(
                self._parent, "Photo not found",
                f"{Path(path).name} is no longer at {path}. It was removed from the recent list.",
            )
            return
        self.open_path(path)

    def open_pasted_image(self, image: QImage) -> None:
        from editor.core.photo import normalise_pasted

        go = lambda: self._run("open", self._open(normalise_pasted, image, path=None,  # noqa: E731
                                                  name="the pasted image"))
        if self.leave(go):
            go()

    def paste(self) -> None:
        if not self.open_mime(QGuiApplication.clipboard().mimeData(), "clipboard"):
            self._status_bar.showMessage("The clipboard holds no image or image file.", MESSAGE_MS)

    def opened(self, image: QImage, path: Path | None, original: bytes | None) -> None:
        """Show a decoded photo (a restored project's too), keeping its file bytes for the upload."""
        self._original_bytes = (image.cacheKey(), original) if original is not None else None
        self._document.open(image, path)

    def original_bytes(self) -> bytes | None:
        """The open photo's file bytes when its pixels are exactly that file, else None."""
        photo = self._document.photo()
        if photo is None or self._original_bytes is None or self._original_bytes[0] != photo.cacheKey():
            return None
        return self._original_bytes[1]

    def can_open(self, mime: QMimeData) -> bool:
        """True when a drag carries a local image file or an image."""
        return isinstance(local_path_from(mime), Path) or mime.hasImage()

    def open_mime(self, mime: QMimeData | None, where: str) -> bool:
        """Open what a drop or the clipboard carries; False if it carries nothing usable."""
        if mime is None:
            return False
        target = local_path_from(mime)
        if isinstance(target, Path):
            self.open_path(target)
        elif isinstance(target, str):
            dialogs.show_error(self._parent, "Cannot open this image", target)
        elif mime.hasImage():
            image = QImage(mime.imageData())
            if image.isNull():
                return False
            self.open_pasted_image(image)
        else:
            return False
        log.info("opening from the %s", where)
        return True

    async def _open(self, decode: Callable[..., DecodedPhoto], source: object, *, path: Path | None,
                    name: str) -> None:
        self._status_bar.showMessage(f"Opening {name}…")
        import asyncio  # not before the first paint: editor/app.py starts the loop after it

        from editor.imaging.load import ImageLoadError

        limit = self._settings().max_megapixels * 1_000_000
        try:
            decoded = await asyncio.to_thread(decode, source, limit)
        except ImageLoadError as exc:
            self._status_bar.clearMessage()
            self._set_busy(False)
            dialogs.show_error(self._parent, "Cannot open this photo", exc.message)
            return
        before_open = self._document.is_open()
        before = self._document.path() if before_open else None
        other = path is None or path != before
        if other and before_open and self.start_fresh is not None and not await self.start_fresh():
            self._status_bar.clearMessage()
            return
        self.opened(decoded.image, path, decoded.original)
        if other:
            self.other_photo_opened.emit()
        if path is not None:
            self._update_settings(recent_files=self._settings().with_recent(str(path)).recent_files)
        self._status_bar.showMessage(f"Opened {name}", MESSAGE_MS)

    def fill_recent_menu(self, menu) -> None:
        menu.clear()
        recent = self._settings().recent_files
        for path in recent:
            action = menu.addAction(Path(path).name)
            action.setToolTip(path)
            action.setStatusTip(path)
            action.triggered.connect(lambda _=False, p=path: self.open_recent(p))
        if recent:
            menu.addSeparator()
            menu.addAction("Clear Recent").triggered.connect(lambda: self._update_settings(recent_files=()))
        else:
            menu.addAction("No recent photos").setEnabled(False)
