"""Export a variant with its provenance, and the project's history browser: two window commands
kept out of result_commands.py. A part of MainWindow; relies on `queue`, `results`, `document`,
`_loop`, `_run()` and `statusBar()`."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from PySide6.QtWidgets import QFileDialog

from editor import __version__
from editor.ui import dialogs

MESSAGE_MS = 6000
EXPORT_FILTER = "PNG image (*.png);;JPEG image (*.jpg *.jpeg);;WebP image (*.webp)"


def variant_metadata(job, index: int, marks, photo_name: str) -> dict:
    """What an exported file carries: enough to know, and redo, how it was made (never the key)."""
    return {"prompt": job.prompt, "model": job.options.model or None, "provider": job.provider_label,
            "usage": dict(job.usage) or None, "request_id": job.request_id, "job": job.number,
            "variant": index + 1, "photo": photo_name, "options": job.options.__dict__.copy(),
            "spill_outside_mask": marks.spill, "software": f"Maskedit {__version__}",
            "exported_at": time.strftime("%Y-%m-%dT%H:%M:%S%z")}


class VariantExport:
    """Export… (Ctrl+Shift+E) and Project History… (Ctrl+H)."""

    _last_export_dir: Path | None = None
    _history_dialog = None

    def export_shown_variant(self) -> None:
        shown = self.results.shown()
        if shown is None or shown[1] < 0:
            self.statusBar().showMessage("Pick a variant in the Results panel to export it.", MESSAGE_MS)
            return
        self.export_variant(*shown)

    def export_variant(self, job_id: str, index: int) -> None:
        job = self.queue.job(job_id)
        stem = Path(self.document.display_name() or "photo").stem
        start = (self._last_export_dir or Path.home()) / f"{stem}-{job.number}-{index + 1}.png"
        path, _ = QFileDialog.getSaveFileName(self, "Export Variant", str(start), EXPORT_FILTER)
        if path:
            self._run("export", self._export(job_id, index, Path(path)))

    async def _export(self, job_id: str, index: int, path: Path) -> None:
        from editor.imaging.export import ExportError, export_image
        from editor.ui.generate import photo_pixels

        made = await self.results.variant_image(job_id, index)
        if made is None:
            self.statusBar().showMessage("That variant could not be read.", MESSAGE_MS)
            return
        job = self.queue.job(job_id)
        metadata = variant_metadata(job, index, self.queue.marks(job_id, index), self.document.display_name())
        pixels, _owner = photo_pixels(made.image)
        try:
            await asyncio.to_thread(export_image, pixels, path, metadata=metadata)
        except ExportError as error:
            dialogs.show_error(self, "Cannot export the variant", error.message)
            return
        self._last_export_dir = path.parent
        self.statusBar().showMessage(f"Exported {path.name} with its prompt and settings.", MESSAGE_MS)

    def show_history_browser(self) -> None:
        from editor.ui.dialogs.history import HistoryDialog

        if self._history_dialog is None:
            self._history_dialog = HistoryDialog(self.history_entries(), self, loop=self._loop)
            self._history_dialog.chosen.connect(lambda key: self.results.choose(*key))
            self._history_dialog.reuse_requested.connect(lambda key: self.reuse_settings(*key))
            self._history_dialog.reveal_requested.connect(lambda key: self.reveal_variant(*key))
        else:
            self._history_dialog.set_entries(self.history_entries())
        self._history_dialog.show()
        self._history_dialog.raise_()

    def history_entries(self) -> list:
        from editor.ui.dialogs.history import HistoryEntry

        entries = []
        for job in self.queue.jobs():
            for variant in self.queue.variants(job.id):
                marks = self.queue.marks(job.id, variant.index)
                entries.append(HistoryEntry(
                    key=(job.id, variant.index), job_number=job.number, variant_index=variant.index,
                    prompt=job.prompt, model=job.options.model or job.provider_label,
                    created_at=job.started_at or job.created_at, starred=marks.starred,
                    discarded=marks.discarded, tokens=job.total_tokens, path=variant.path, spill=marks.spill))
        return entries
