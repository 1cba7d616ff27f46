"""The Mask menu's commands that need more than one call: grow/shrink/feather with a preview,
import and export. File work runs off the GUI thread.

`MaskCommands` is a part of MainWindow kept in its own module; it relies on the window's
`document`, `canvas`, `status`, `_settings` and `_run()`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QDialog

from editor.ui import dialogs

if TYPE_CHECKING:
    from editor.core.mask_layer import MaskLayer

# The adjust dialog and editor.imaging.mask (numpy, OpenCV) are imported by the commands that
# use them, so the window's first paint does not wait for them.

MESSAGE_MS = 6000


class MaskCommands:
    """Undo-able whole-mask operations and the mask's import/export."""

    def _with_mask(self, operation: Callable[[MaskLayer], object]) -> None:
        mask = self.document.mask()
        if mask is not None:
            operation(mask)

    def adjust_mask(self, kind: str) -> None:
        mask = self.document.mask()
        if mask is None:
            return
        from editor.ui.dialogs.mask_adjust import MaskAdjustDialog

        box = mask.bounding_rect()
        painted = None if box.isEmpty() else (box.x(), box.y(), box.width(), box.height())
        dialog = MaskAdjustDialog(kind, mask.array(), painted, self.canvas.set_mask_preview, parent=self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            mask.replace(dialog.adjusted(), dialog.label())

    def ask_and_import_mask(self) -> None:
        mask, path = self.document.mask(), dialogs.ask_mask_path(self, self._document_folder())
        if mask is None or path is None:
            return
        convention = dialogs.ask_mask_convention(self)
        if convention is not None:
            self.import_mask(path, convention)

    def import_mask(self, path: Path, convention: str) -> None:
        self._run("mask", self._import_mask(Path(path), convention))

    async def _import_mask(self, path: Path, convention: str) -> None:
        import asyncio  # not before the first paint: editor/app.py starts the loop after it

        from editor.imaging.mask import MaskError, load_mask

        mask = self.document.mask()
        try:
            coverage = await asyncio.to_thread(load_mask, path, convention,
                                               expected_size=(mask.width, mask.height))
        except MaskError as exc:
            self.status.set_busy(False)
            dialogs.show_error(self, "Cannot import this mask", exc.message)
            return
        if self.document.mask() is mask:  # the photo may have changed while the file was read
            mask.replace(coverage, "Import mask")
            self.statusBar().showMessage(f"Imported the mask from {path.name}", MESSAGE_MS)

    def ask_and_export_mask(self) -> None:
        photo_path = self.document.path()
        stem = photo_path.stem if photo_path is not None else "pasted"
        path = dialogs.ask_export_path(self, str(Path(self._document_folder()) / f"{stem}-mask.png"))
        if path is not None:
            self.export_mask(path)

    def export_mask(self, path: Path) -> None:
        mask = self.document.mask()
        if mask is not None:
            # A copy: painting may go on while the PNG is encoded on a worker thread.
            self._run("export", self._export_mask(mask.array().copy(), Path(path)))

    async def _export_mask(self, coverage, path: Path) -> None:
        import asyncio

        from editor.imaging.mask import MaskError, coverage_to_api_png

        threshold = self._settings.mask_threshold
        try:
            data = await asyncio.to_thread(coverage_to_api_png, coverage, threshold=threshold)
            await asyncio.to_thread(path.write_bytes, data)
        except (OSError, MaskError) as exc:
            reason = exc.message if isinstance(exc, MaskError) else (exc.strerror or str(exc))
            self.status.set_busy(False)
            dialogs.show_error(self, "Cannot export the mask", f"{path.name} could not be written: {reason}.")
            return
        self.statusBar().showMessage(f"Mask saved to {path}", MESSAGE_MS)

    def _document_folder(self) -> str:
        path = self.document.path()
        return str(path.parent) if path is not None else str(Path.home())
