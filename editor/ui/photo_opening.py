"""Getting a photo into the window: Open, Open Recent, drop, paste and the command line.

Photos are decoded off the GUI thread (asyncio.to_thread on the qasync loop). `PhotoOpening` is
a part of MainWindow kept in its own module; it relies on the window's `document`, `_settings`,
`status`, `empty_state`, `actions`, `_run()` and `_update_settings()`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QMimeData, QUrl
from PySide6.QtGui import QGuiApplication, QImage

from editor.ui import dialogs

if TYPE_CHECKING:
    from editor.imaging.load import LoadedImage

log = logging.getLogger(__name__)

MESSAGE_MS = 6000


@dataclass(frozen=True)
class DecodedPhoto:
    """A decoded photo, and its file's bytes when the pixels are exactly that file (so Generate
    can upload the file as it is instead of re-encoding it)."""

    image: QImage
    original: bytes | None = None


def load_image(source: Path | bytes, **options) -> LoadedImage:
    """editor.imaging.load.load_image, imported on first use: Pillow (~40 ms with its colour
    management) is not needed before the window's first paint."""
    from editor.imaging.load import load_image as load

    return load(source, **options)


def decode_photo(source: Path | bytes, max_pixels: int, name: str | None = None) -> DecodedPhoto:
    """File or encoded bytes → QImage ready for the canvas. Runs on a worker thread."""
    from editor.core.photo import qimage_from_pil

    loaded = load_image(source, max_pixels=max_pixels, name=name)
    original = None
    if isinstance(source, bytes) and not loaded.changed_on_load:
        original = source
    elif isinstance(source, Path) and not loaded.changed_on_load:
        try:
            original = source.read_bytes()
        except OSError:
            original = None  # decoded already; the upload re-encodes the pixels instead
    return DecodedPhoto(qimage_from_pil(loaded.image), original)


def normalise_pasted(image: QImage, max_pixels: int) -> DecodedPhoto:
    """A clipboard QImage in the format the canvas draws fastest. Runs on a worker thread."""
    from editor.imaging.load import ImageLoadError

    if image.width() * image.height() > max_pixels:
        raise ImageLoadError(
            f"The pasted image is {image.width()} × {image.height()} px; the limit is "
            f"{max_pixels / 1e6:.0f} MP. Raise it in Settings or paste a smaller image."
        )
    opaque = not image.hasAlphaChannel()
    return DecodedPhoto(image.convertToFormat(
        QImage.Format.Format_RGB32 if opaque else QImage.Format.Format_ARGB32_Premultiplied
    ))


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


class PhotoOpening:
    """The window's photo-opening commands and its drag-and-drop handling."""

    _original_bytes: tuple[int, bytes] | None = None  # (photo cacheKey, file bytes)

    def ask_and_open(self) -> None:
        recent = self._settings.recent_files
        path = dialogs.ask_photo_path(self, str(Path(recent[0]).parent) if recent else "")
        if path is not None:
            self.open_path(path)

    def open_path(self, path: str | Path) -> None:
        """Open a photo file: the one code path of Open, Open Recent, drop, paste and the command line."""
        path = Path(path).expanduser().absolute()
        if path.suffix.lower() == ".maskedit":
            self.open_project(path)
            return
        if self._may_discard():
            self._run("open", self._open(decode_photo, path, path=path, name=path.name))

    def open_recent(self, path: str) -> None:
        if not Path(path).is_file():
            self._update_settings(recent_files=tuple(p for p in self._settings.recent_files if p != path))
            dialogs.show_error(
                self, "Photo not found",
                f"{Path(path).name} is no longer at {path}. It was removed from the recent list.",
            )
            return
        self.open_path(path)

    def open_pasted_image(self, image: QImage) -> None:
        if self._may_discard():
            self._run("open", self._open(normalise_pasted, image, path=None, name="the pasted image"))

    def paste(self) -> None:
        if not self._open_mime(QGuiApplication.clipboard().mimeData(), "clipboard"):
            self.statusBar().showMessage("The clipboard holds no image or image file.", MESSAGE_MS)

    def original_bytes(self) -> bytes | None:
        """The open photo's file bytes when its pixels are exactly that file, else None."""
        photo = self.document.photo()
        if photo is None or self._original_bytes is None or self._original_bytes[0] != photo.cacheKey():
            return None
        return self._original_bytes[1]

    def _open_mime(self, mime: QMimeData | None, where: str) -> bool:
        """Open what a drop or the clipboard carries; False if it carries nothing usable."""
        if mime is None:
            return False
        target = local_path_from(mime)
        if isinstance(target, Path):
            self.open_path(target)
        elif isinstance(target, str):
            dialogs.show_error(self, "Cannot open this image", target)
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
        self.statusBar().showMessage(f"Opening {name}…")
        import asyncio  # not before the first paint: editor/app.py starts the loop after it

        from editor.imaging.load import ImageLoadError

        limit = self._settings.max_megapixels * 1_000_000
        try:
            decoded = await asyncio.to_thread(decode, source, limit)
        except ImageLoadError as exc:
            self.statusBar().clearMessage()
            self.status.set_busy(False)
            dialogs.show_error(self, "Cannot open this photo", exc.message)
            return
        self._original_bytes = (
            (decoded.image.cacheKey(), decoded.original) if decoded.original is not None else None
        )
        self.document.open(decoded.image, path)
        if path is not None:
            self._update_settings(recent_files=self._settings.with_recent(str(path)).recent_files)
        self.statusBar().showMessage(f"Opened {name}", MESSAGE_MS)

    def _may_discard(self) -> bool:
        mask = self.document.mask()
        if mask is None or mask.is_empty():
            return True
        return dialogs.confirm_discard(self, self.document.display_name())

    def _fill_recent_menu(self) -> None:
        menu = self.actions.submenu("file.recent")
        menu.clear()
        for path in self._settings.recent_files:
            action = menu.addAction(Path(path).name)
            action.setToolTip(path)
            action.setStatusTip(path)
            action.triggered.connect(lambda _=False, p=path: self.open_recent(p))
        if self._settings.recent_files:
            menu.addSeparator()
            menu.addAction("Clear Recent").triggered.connect(lambda: self._update_settings(recent_files=()))
        else:
            menu.addAction("No recent photos").setEnabled(False)

    # --- drag and drop -------------------------------------------------------------------------

    def dragEnterEvent(self, event) -> None:
        mime = event.mimeData()
        if isinstance(local_path_from(mime), Path) or mime.hasImage():
            event.acceptProposedAction()
            self.empty_state.set_drop_highlight(True)

    def dragLeaveEvent(self, event) -> None:
        self.empty_state.set_drop_highlight(False)

    def dropEvent(self, event) -> None:
        self.empty_state.set_drop_highlight(False)
        if self._open_mime(event.mimeData(), "drop"):
            event.acceptProposedAction()
