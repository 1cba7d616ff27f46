"""The open document: one photo, where it came from, the mask painted over it, and what to ask
for — the prompt, the edit options and the reference images sent along with the photo."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage

from editor.core.mask_layer import MaskLayer
from editor.pipeline.options import EditOptions, normalized

DEFAULT_UNDO_CAP_BYTES = 512 * 1024 * 1024
# The API takes 16 images per edit: the photo and up to 15 references.
MAX_REFERENCES = 15

Reference = tuple[str, bytes]  # (file name, encoded PNG/JPEG/WebP bytes)


class Document(QObject):
    """Owns the photo being edited, its file path and its MaskLayer.

    A document is either empty (nothing opened yet) or holds a photo with a mask of the same
    size. Opening a photo always starts a fresh mask and history. The prompt, the options and the
    references belong to the session rather than to one photo, so opening or closing a photo
    keeps them. Every signal fires only on a real change, so views can redraw on a signal
    without checking it themselves.
    """

    photo_changed = Signal()
    path_changed = Signal(object)  # Path | None
    mask_replaced = Signal(object)  # MaskLayer | None
    prompt_changed = Signal(str)
    options_changed = Signal(object)  # EditOptions, always normalized
    references_changed = Signal(object)  # tuple[Reference, ...]

    def __init__(self, *, undo_cap_bytes: int = DEFAULT_UNDO_CAP_BYTES, parent: QObject | None = None):
        super().__init__(parent)
        self._photo: QImage | None = None
        self._path: Path | None = None
        self._mask: MaskLayer | None = None
        self._undo_cap_bytes = undo_cap_bytes
        self._prompt = ""
        self._options = normalized(EditOptions())
        self._references: tuple[Reference, ...] = ()

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

    def prompt(self) -> str:
        return self._prompt

    def options(self) -> EditOptions:
        return self._options

    def references(self) -> tuple[Reference, ...]:
        return self._references

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

    def replace_canvas(self, photo: QImage, mask: MaskLayer) -> None:
        """Swap in a photo of another size with its own mask (the canvas extended, or that undone);
        the path stays. The mask given is kept, not made: whoever swapped it keeps the old one."""
        if self._photo is None:
            raise ValueError("no document is open")
        if (mask.width, mask.height) != (photo.width(), photo.height()):
            raise ValueError(f"the mask is {mask.width}×{mask.height}, "
                             f"the photo {photo.width()}×{photo.height()}")
        self._photo, self._mask = photo, mask
        self.photo_changed.emit()
        self.mask_replaced.emit(mask)

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

    def set_prompt(self, prompt: str) -> None:
        if prompt != self._prompt:
            self._prompt = prompt
            self.prompt_changed.emit(prompt)

    def set_options(self, options: EditOptions) -> None:
        """Take `options` without contradictions (see `normalized`); signal only a real change."""
        options = normalized(options)
        if options != self._options:
            self._options = options
            self.options_changed.emit(options)

    def update_options(self, **changes: object) -> None:
        """The current options with some fields changed, e.g. `update_options(n=4)`."""
        self.set_options(replace(self._options, **changes))

    def set_references(self, references: tuple[Reference, ...] | list[Reference]) -> None:
        references = tuple((str(name), bytes(data)) for name, data in references)
        if len(references) > MAX_REFERENCES:
            raise ValueError(f"at most {MAX_REFERENCES} reference images, not {len(references)}")
        if references != self._references:
            self._references = references
            self.references_changed.emit(references)

    def add_references(self, references: tuple[Reference, ...] | list[Reference]) -> None:
        self.set_references(self._references + tuple(references))

    def remove_reference(self, index: int) -> None:
        self.set_references(self._references[:index] + self._references[index + 1:])

    def move_reference(self, index: int, to: int) -> None:
        """Move one reference to position `to` (clamped), the others keep their order."""
        items = list(self._references)
        if not 0 <= index < len(items):
            return
        item = items.pop(index)
        items.insert(min(max(to, 0), len(items)), item)
        self.set_references(items)

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
