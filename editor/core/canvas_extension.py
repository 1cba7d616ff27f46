"""Extending the open document's canvas as one undoable step (QtCore/QtGui only, no widgets).

The photo is drawn onto a larger transparent canvas (the margins show as the canvas's
checkerboard) and a new mask of the canvas's size marks the margins and the overlap band, keeping
whatever was painted on the photo. The document swaps photo and mask together; Undo swaps the
old pair back and Redo the new one, the history of either mask intact. A Generate of such a
canvas runs its extension plan (editor.pipeline.extend_run). The pixel work runs in a worker
thread; only the swap happens on the GUI thread.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage

from editor.core.document import Document
from editor.core.generate import photo_pixels
from editor.core.mask_layer import MaskLayer
from editor.core.undo import UndoStack
from editor.imaging.extend import Extension, band_of, extended_canvas, extension_mask, find_extension


@dataclass(frozen=True)
class ExtendedCanvas:
    """A document's canvas extended: the photo (ARGB32, margins transparent), the mask's coverage,
    what it was extended by and the overlap band."""

    photo: QImage
    coverage: np.ndarray
    extension: Extension
    band_px: int


def extend_canvas(photo: QImage, coverage: np.ndarray, extension: Extension, band_px: int) -> ExtendedCanvas:
    """`photo` on the extended canvas and the mask for it: the margins and the band, plus what
    `coverage` (the photo's mask) marks. Pixel work: call it in a worker thread."""
    width, height = photo.width(), photo.height()
    pixels, _owner = photo_pixels(photo)  # RGB(A); an opaque photo's unused alpha bytes are ignored
    canvas = extended_canvas(pixels, extension)
    bgra = np.ascontiguousarray(canvas[..., [2, 1, 0, 3]])
    canvas_h, canvas_w = bgra.shape[:2]
    image = QImage(bgra.data, canvas_w, canvas_h, canvas_w * 4, QImage.Format.Format_ARGB32).copy()
    mask = extension_mask((width, height), extension, band_px)
    region = mask[extension.top:extension.top + height, extension.left:extension.left + width]
    np.maximum(region, coverage, out=region)
    return ExtendedCanvas(image, mask, extension, band_px)


class CanvasExtender(QObject):
    """Extends the open document's canvas (one undo step) and remembers the extension shown, so
    the window can say what a Generate will send. `extended` fires with the extension (or None)
    whenever the canvas shown changes between extended and not."""

    extended = Signal(object)  # tuple[Extension, int] | None

    def __init__(self, document: Document, undo_stack: UndoStack, *,
                 run: Callable[[str, Coroutine], None], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._document = document
        self._undo_stack = undo_stack
        self._run = run  # starts an owned task of the window: run(name, coroutine)
        self._shown: tuple[Extension, int] | None = None
        # id(mask) → (the mask, what it extends): the masks this canvas's undo steps swap between.
        self._masks: dict[int, tuple[MaskLayer, tuple[Extension, int] | None]] = {}
        document.mask_replaced.connect(self._mask_replaced)

    def current(self) -> tuple[Extension, int] | None:
        """The extension and band of the canvas shown, or None."""
        return self._shown

    def extend(self, extension: Extension, band_px: int) -> None:
        """Extend the canvas by `extension`, the band `band_px` wide (validated by the caller)."""
        self._run("extend canvas", self._extend(extension, band_px))

    async def _extend(self, extension: Extension, band_px: int) -> None:
        document = self._document
        photo, mask = document.photo(), document.mask()
        if photo is None or mask is None:
            return
        coverage = mask.array().copy()
        made = await asyncio.to_thread(extend_canvas, photo, coverage, extension, band_px)
        if document.photo() is not photo or document.mask() is not mask:
            return  # another photo was opened meanwhile
        width, height = made.photo.width(), made.photo.height()
        new_mask = MaskLayer(width, height, undo_cap_bytes=document.undo_cap_bytes(), parent=document)
        new_mask.replace(made.coverage, "Extend canvas")
        self._masks[id(new_mask)] = (new_mask, (extension, band_px))
        self._masks.setdefault(id(mask), (mask, self._shown))
        serial = self._undo_stack.mask_serial()

        def swap(image: QImage, layer: MaskLayer) -> None:
            with self._undo_stack.keeping_history():
                document.replace_canvas(image, layer)

        swap(made.photo, new_mask)
        self._undo_stack.push(f"Extend Canvas to {width}×{height}", lambda: swap(photo, mask),
                              lambda: swap(made.photo, new_mask), mask_before=serial)

    def _mask_replaced(self, mask: MaskLayer | None) -> None:
        known = self._masks.get(id(mask)) if mask is not None else None
        if known is None or known[0] is not mask:
            self._masks = {}  # another photo: its extensions are history now
            known = None
        self._show(known[1] if known is not None else None)
        photo = self._document.photo()
        if known is None and mask is not None and photo is not None and photo.hasAlphaChannel():
            # A project reopened, or a photo with transparency: is it an extended canvas?
            self._run("find extension", self._find(photo, mask))

    async def _find(self, photo: QImage, mask: MaskLayer) -> None:
        found = await asyncio.to_thread(_extension_of, photo, mask.array().copy())
        if found is not None and self._document.photo() is photo and self._document.mask() is mask:
            self._masks[id(mask)] = (mask, found)
            self._show(found)

    def _show(self, shown: tuple[Extension, int] | None) -> None:
        if shown != self._shown:
            self._shown = shown
            self.extended.emit(shown)


def _extension_of(photo: QImage, coverage: np.ndarray) -> tuple[Extension, int] | None:
    """The extension and band a canvas shows (see imaging.extend.find_extension), or None."""
    pixels, _owner = photo_pixels(photo)
    extension = find_extension(pixels[..., 3], coverage)
    return None if extension is None else (extension, band_of(coverage, extension))
