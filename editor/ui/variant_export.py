"""Export a variant with its provenance, and the project's history browser: two commands the
window composes (Export… Ctrl+Shift+E, Project History… Ctrl+H)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine
from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QFileDialog, QWidget

from editor import __version__
from editor.core.document import Document
from editor.core.jobs import JobQueue
from editor.ui import dialogs
from editor.ui.panels.results import ResultsPanel

EXPORT_FILTER = "PNG image (*.png);;JPEG image (*.jpg *.jpeg);;WebP image (*.webp)"

Key = tuple[str, int]  # (job id, variant index)


def variant_metadata(job, index: int, marks, photo_name: str) -> dict:
    """What an exported file carries: enough to know, and redo, how it was made (never the key)."""
    return {"prompt": job.prompt, "model": job.options.model or None, "provider": job.provider_label,
            "usage": dict(job.usage) or None, "request_id": job.request_id, "job": job.number,
            "variant": index + 1, "photo": photo_name, "options": job.options.__dict__.copy(),
            "spill_outside_mask": marks.spill, "software": f"Maskedit {__version__}",
            "exported_at": time.strftime("%Y-%m-%dT%H:%M:%S%z")}


class VariantExporter(QObject):
    """Export…: a variant at the photo's size, with its prompt and settings in the file. Dialogs
    open over `window`; `run(name, coroutine)` starts the window's owned task; `say(text)` shows
    a sentence in the status bar."""

    def __init__(self, window: QWidget, *, queue: JobQueue, results: ResultsPanel, document: Document,
                 run: Callable[[str, Coroutine], None], say: Callable[[str], None]) -> None:
        super().__init__(window)
        self._window, self._queue, self._results, self._document = window, queue, results, document
        self._run, self._say = run, say
        self._last_dir: Path | None = None

    def export_shown(self) -> None:
        shown = self._results.shown()
        if shown is None or shown[1] < 0:
            self._say("Pick a variant in the Results panel to export it.")
            return
        self.export(*shown)

    def export(self, job_id: str, index: int) -> None:
        job = self._queue.job(job_id)
        stem = Path(self._document.display_name() or "photo").stem
        folder = self._last_dir or dialogs.start_folder(self._document.path())  # the last export's, first
        start = folder / f"{stem}-{job.number}-{index + 1}.png"
        path, _ = QFileDialog.getSaveFileName(self._window, "Export Variant", str(start), EXPORT_FILTER)
        if path:
            self._run("export", self._export(job_id, index, Path(path)))

    async def _export(self, job_id: str, index: int, path: Path) -> None:
        from editor.core.generate import photo_pixels
        from editor.imaging.export import ExportError, export_image

        made = await self._results.variant_image(job_id, index)
        if made is None:
            self._say("That variant could not be read.")
            return
        job = self._queue.job(job_id)
        metadata = variant_metadata(job, index, self._queue.marks(job_id, index),
                                    self._document.display_name())
        pixels, _owner = photo_pixels(made.image)
        try:
            await asyncio.to_thread(export_image, pixels, path, metadata=metadata)
        except ExportError as error:
            dialogs.show_error(self._window, "Cannot export the variant", error.message)
            return
        self._last_dir = path.parent
        self._say(f"Exported {path.name} with its prompt and settings.")


class HistoryBrowser(QObject):
    """Project History…: every variant ever produced, to find, show, reuse or reveal. `reuse` and
    `reveal` are the window's commands for a variant."""

    def __init__(self, window: QWidget, *, queue: JobQueue, results: ResultsPanel, loop,
                 reuse: Callable[[str, int], None], reveal: Callable[[str, int], None]) -> None:
        super().__init__(window)
        self._window, self._queue, self._results, self._loop = window, queue, results, loop
        self._reuse, self._reveal = reuse, reveal
        self.dialog = None  # made when first asked for

    def show(self) -> None:
        from editor.ui.dialogs.history import HistoryDialog

        if self.dialog is None:
            self.dialog = HistoryDialog(self.entries(), self._window, loop=self._loop)
            self.dialog.chosen.connect(lambda key: self._results.choose(*key))
            self.dialog.reuse_requested.connect(lambda key: self._reuse(*key))
            self.dialog.reveal_requested.connect(lambda key: self._reveal(*key))
        else:
            self.dialog.set_entries(self.entries())
        self.dialog.show()
        self.dialog.raise_()

    def entries(self) -> list:
        from editor.ui.dialogs.history import NO_VARIANT, HistoryEntry

        entries = []
        for job in self._queue.jobs():
            if job.state.finished and not self._queue.variants(job.id):
                # Nothing came back, yet the request may have been billed: listed with how it ended.
                entries.append(HistoryEntry(
                    key=(job.id, NO_VARIANT), job_number=job.number, variant_index=NO_VARIANT,
                    prompt=job.prompt, model=job.options.model or job.provider_label,
                    created_at=job.started_at or job.created_at, tokens=job.total_tokens,
                    outcome=job.message or job.state.value.capitalize(),
                    state="interrupted" if job.message.startswith("Interrupted") else job.state.value))
            for variant in self._queue.variants(job.id):
                marks = self._queue.marks(job.id, variant.index)
                entries.append(HistoryEntry(
                    key=(job.id, variant.index), job_number=job.number, variant_index=variant.index,
                    prompt=job.prompt, model=job.options.model or job.provider_label,
                    created_at=job.started_at or job.created_at, starred=marks.starred,
                    discarded=marks.discarded, tokens=job.total_tokens, path=variant.path, spill=marks.spill))
        return entries
