"""The open document: one photo, where it came from, and the mask painted over it."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage

from editor.core.mask_layer import MaskLayer

DEFAULT_UNDO_CAP_BYTES = 512 * 1024 * 1024


class Document(QObject):
    """Owns the photo being edited, its file path and its MaskLayer.

    A document is either empty (nothing opened yet) or holds a photo with a mask of the same
    size. Opening a photo always starts a fresh mask and history. Every signal fires only on a
    real change, so views can redraw on a signal without checking it themselves.
    """

    photo_changed = Signal()
    path_changed = Signal(object)  # Path | None
    mask_replaced = Signal(object)  # MaskLayer | None

    def __init__(self, *, undo_cap_bytes: int = DEFAULT_UNDO_CAP_BYTES, parent: QObject | None = None):
        super().__init__(parent)
        self._photo: QImage | None = None
        self._path: Path | None = None
        self._mask: MaskLayer | None = None
        self._undo_cap_bytes = undo_cap_bytes

    # --- reading -------------------------------------------------------------------------------

    def photo(self) -> QImage | None:
        return self._photo

    def path(self) -> Path | None:
        return self._path

    def mask(self) -> MaskLayer | None:
        return self._mask

    def is_open(self) -> bool:
        return self._photo is not None

    def display_name(self) -> str:
        """What a person calls this document: the file name, or a word for a pasted image."""
        if self._path is not None:
            return self._path.name
        return "Pasted image" if self.is_open() else ""

    def undo_cap_bytes(self) -> int:
        return self._undo_cap_bytes

    # --- changing ------------------------------------------------------------------------------

    def open(self, photo: QImage, path: Path | None) -> None:
        """Start editing `photo` (from `path`, or None when pasted) with an empty mask."""
        if photo.isNull():
            raise ValueError("cannot open an empty image")
        mask = MaskLayer(photo.width(), photo.height(), undo_cap_bytes=self._undo_cap_bytes, parent=self)
        # All state first, then the signals: a slot of any of them sees the whole new document.
        photo_is_new = self._photo is None or self._photo.cacheKey() != photo.cacheKey()
        path = Path(path) if path is not None else None
        path_is_new = path != self._path
        old_mask = self._mask
        self._photo, self._path, self._mask = photo, path, mask
        if photo_is_new:
            self.photo_changed.emit()
        if path_is_new:
            self.path_changed.emit(path)
        self.mask_replaced.emit(mask)
        if old_mask is not None:
            old_mask.deleteLater()

    def set_photo(self, photo: QImage) -> None:
        """Replace the photo by one of the same size (e.g. an applied edit); the mask stays."""
        if self._photo is None:
            raise ValueError("no document is open")
        if photo.size() != self._photo.size():
            raise ValueError(
                f"the new photo is {photo.width()}×{photo.height()}, the document "
                f"{self._photo.width()}×{self._photo.height()}"
            )
        self._replace_photo(photo)

    def set_path(self, path: Path | None) -> None:
        path = Path(path) if path is not None else None
        if path == self._path:
            return
        self._path = path
        self.path_changed.emit(path)

    def set_undo_cap(self, cap_bytes: int) -> None:
        """The history memory cap for this and every later mask."""
        self._undo_cap_bytes = cap_bytes
        if self._mask is not None:
            self._mask.set_undo_cap(cap_bytes)

    def close(self) -> None:
        """Back to the empty state."""
        if self._photo is None:
            return
        had_path, old_mask = self._path is not None, self._mask
        self._photo, self._path, self._mask = None, None, None
        self.photo_changed.emit()
        if had_path:
            self.path_changed.emit(None)
        self.mask_replaced.emit(None)
        if old_mask is not None:
            old_mask.deleteLater()

    def _replace_photo(self, photo: QImage) -> None:
        # cacheKey identifies the pixel buffer: setting the very same image again is no change.
        if self._photo is not None and self._photo.cacheKey() == photo.cacheKey():
            return
        self._photo = photo
        self.photo_changed.emit()
