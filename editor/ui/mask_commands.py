"""The Mask menu's commands that need more than one call: grow/shrink/feather with a preview,
import and export. File work runs off the GUI thread.

`MaskCommands` is an object the window composes; it is given what it works with.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QDialog, QWidget

from editor.ui import dialogs

if TYPE_CHECKING:
    from editor.core.document import Document
    from editor.core.mask_layer import MaskLayer
    from editor.ui.canvas import CanvasView

# The adjust dialog and editor.imaging.mask (numpy, OpenCV) are imported by the commands that
# use them, so the window's first paint does not wait for them.


class MaskCommands(QObject):
    """Undo-able whole-mask operations and the mask's import/export. Dialogs open over `window`;
    `run(name, coroutine)` starts the window's owned task, `say(text)` shows a sentence in the
    status bar, `threshold()` is the coverage from which a pixel is edited (Settings)."""

    def __init__(self, window: QWidget, *, document: Document, canvas: CanvasView,
                 run: Callable[[str, Coroutine], None], say: Callable[[str], None],
                 threshold: Callable[[], int]) -> None:
        super().__init__(window)
        self._window, self._document, self._canvas = window, document, canvas
        self._run, self._say, self._threshold = run, say, threshold

    def apply(self, operation: Callable[[MaskLayer], object]) -> None:
        mask = self._edited_mask()
        if mask is not None:
            operation(mask)

    def _edited_mask(self) -> MaskLayer | None:
        """The mask the canvas's tools edit: the document's, or in Paste Mask mode the variant's."""
        return self._canvas.mask_layer() or self._document.mask()

    def adjust(self, kind: str) -> None:
        mask = self._edited_mask()
        if mask is None:
            return
        from editor.ui.dialogs.mask_adjust import MaskAdjustDialog

        box = mask.bounding_rect()
        painted = None if box.isEmpty() else (box.x(), box.y(), box.width(), box.height())
        dialog = MaskAdjustDialog(kind, mask.array(), painted, self._canvas.set_mask_preview,
                                  parent=self._window)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            mask.replace(dialog.adjusted(), dialog.label())

    def ask_and_import(self) -> None:
        mask, path = self._document.mask(), dialogs.ask_mask_path(self._window, self._document_folder())
        if mask is None or path is None:
            return
        convention = dialogs.ask_mask_convention(self._window)
        if convention is not None:
            self.import_file(path, convention)

    def import_file(self, path: Path, convention: str) -> None:
        self._run("mask", self._import_mask(Path(path), convention))

    async def _import_mask(self, path: Path, convention: str) -> None:
        import asyncio  # not before the first paint: editor/app.py starts the loop after it

        from editor.imaging.mask import MaskError, load_mask

        mask = self._document.mask()
        try:
            coverage = await asyncio.to_thread(load_mask, path, convention,
                                               expected_size=(mask.width, mask.height))
        except MaskError as exc:
            dialogs.show_error(self._window, "Cannot import this mask", exc.message)
            return
        if self._document.mask() is mask:  # the photo may have changed while the file was read
            mask.replace(coverage, "Import mask")
            self._say(f"Imported the mask from {path.name}")

    def ask_and_export(self) -> None:
        photo_path = self._document.path()
        stem = photo_path.stem if photo_path is not None else "pasted"
        path = dialogs.ask_export_path(self._window, str(Path(self._document_folder()) / f"{stem}-mask.png"))
        if path is not None:
            self.export_file(path)

    def export_file(self, path: Path) -> None:
        mask = self._document.mask()
        if mask is not None:
            # A copy: painting may go on while the PNG is encoded on a worker thread.
            self._run("export", self._export_mask(mask.array().copy(), Path(path)))

    async def _export_mask(self, coverage, path: Path) -> None:
        import asyncio

        from editor.disk import write_atomically
        from editor.imaging.mask import MaskError, coverage_to_api_png

        try:
            data = await asyncio.to_thread(coverage_to_api_png, coverage, threshold=self._threshold())
            await asyncio.to_thread(write_atomically, path, data, make_folder=False)
        except (OSError, MaskError) as exc:
            reason = exc.message if isinstance(exc, MaskError) else (exc.strerror or str(exc))
            dialogs.show_error(self._window, "Cannot export the mask",
                               f"{path.name} could not be written: {reason}.")
            return
        self._say(f"Mask saved to {path}")

    def _document_folder(self) -> str:
        return str(dialogs.start_folder(self._document.path()))
