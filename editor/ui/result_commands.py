"""What the window does with variants and projects: apply (undoable), star, discard (undoable),
reuse settings, copy, show in folder; Save/Open of .maskedit projects; restoring the work of a
window that died. A part of MainWindow kept in its own module; it relies on the window's
`document`, `queue`, `results`, `generator`, `canvas`, `_loop`, `_settings` and `statusBar()`.
"""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication, QImage
from PySide6.QtWidgets import QFileDialog

from editor.core.session import PROJECT_SUFFIX, ProjectError
from editor.core.undo import UndoStack
from editor.ui import dialogs

log = logging.getLogger(__name__)

MESSAGE_MS = 6000
PROJECT_FILTER = f"Maskedit projects (*{PROJECT_SUFFIX})"


class ResultCommands:
    """Variant and project commands of the main window."""

    def _setup_results(self) -> None:
        from editor.ui.project import ProjectKeeper

        self.undo_stack = UndoStack(self)
        self.undo_stack.changed.connect(self._update_undo_actions)
        self.keeper = ProjectKeeper(
            self.document, self.queue, projects_dir=self._settings.data_folder_path() / "projects",
            loop=self._loop, open_photo=self._open_restored_photo, original_bytes=self.original_bytes,
            add_context=self.generator.add_context, tasks=self.tasks.group("project"), parent=self)
        self.keeper.failed.connect(lambda text: self.statusBar().showMessage(text, 2 * MESSAGE_MS))
        self._configure_runner()
        self.results.command.connect(self.variant_command)
        self.results.set_composite(self._settings.composite_mode, self._settings.composite_feather_px)
        self.results.set_budget(self._settings.token_budget)

    def _configure_runner(self) -> None:
        self.runner.configure(results_dir=self.keeper.results_dir,
                              mask_threshold=self._settings.mask_threshold)

    def _open_restored_photo(self, image: QImage, path: Path | None, original: bytes | None) -> None:
        self._original_bytes = (image.cacheKey(), original) if original is not None else None
        self.document.open(image, path)

    # --- variants ------------------------------------------------------------------------------

    def variant_command(self, name: str, job_id: str, index: int) -> None:
        commands = {"apply": self.apply_variant, "compare": self.comparison.compare_variant,
                    "star": self.toggle_star, "discard": self.discard_variant,
                    "reuse": self.reuse_settings, "copy": self.copy_variant, "reveal": self.reveal_variant,
                    "export": self.exporter.export}
        command = commands.get(name)
        if command is not None:
            command(job_id, index)

    def apply_variant(self, job_id: str, index: int) -> None:
        """The variant becomes the working photo (Ctrl+Z brings the previous one back)."""
        self._run("apply", self._apply(job_id, index))

    async def _apply(self, job_id: str, index: int) -> None:
        made = await self.results.variant_image(job_id, index)
        before = self.document.photo()
        if made is None or before is None:
            self.statusBar().showMessage("That variant could not be read, so it was not applied.", MESSAGE_MS)
            return
        if made.image.size() != before.size():
            self.statusBar().showMessage("That variant was made from another photo; it was not applied.",
                                         MESSAGE_MS)
            return
        number = self.queue.job(job_id).number
        mask, serial = self.document.mask(), self.undo_stack.mask_serial()
        cleared = self._settings.clear_mask_on_apply and mask is not None and not mask.is_empty()
        if cleared:
            mask.clear()
        image, source = made.image, (job_id, index)

        earlier = self.keeper.state.document.photo_from  # an earlier Apply, or None for the original

        def undo() -> None:
            self.document.set_photo(before)
            if cleared:
                mask.undo()
            self._photo_applied(before, earlier)

        def redo() -> None:
            self.document.set_photo(image)
            if cleared:
                mask.redo()
            self._photo_applied(image, source)

        self.document.set_photo(image)
        self._photo_applied(image, source)
        self.undo_stack.push(f"Apply Variant {index + 1} of #{number}", undo, redo,
                               mask_before=serial if cleared else None)
        self.statusBar().showMessage(f"Applied variant {index + 1} of #{number}. Ctrl+Z undoes it; write "
                                     "the next prompt to keep going.", MESSAGE_MS)

    def _photo_applied(self, image: QImage, source: tuple[str, int] | None) -> None:
        self.keeper.photo_applied(image, source)
        self.results.set_photo_origin(source)

    def toggle_star(self, job_id: str, index: int) -> None:
        starred = not self.queue.marks(job_id, index).starred
        self.queue.mark(job_id, index, starred=starred)

    def discard_variant(self, job_id: str, index: int) -> None:
        number = self.queue.job(job_id).number
        self.queue.mark(job_id, index, discarded=True)
        self.undo_stack.push(f"Discard Variant {index + 1} of #{number}",
                               lambda: self.queue.mark(job_id, index, discarded=False),
                               lambda: self.queue.mark(job_id, index, discarded=True))
        self.statusBar().showMessage(f"Variant {index + 1} of #{number} discarded — Ctrl+Z brings it back. "
                                     "Its file stays in the project.", MESSAGE_MS)

    def reuse_settings(self, job_id: str, index: int = 0) -> None:
        job = self.queue.job(job_id)
        self.document.set_prompt(job.prompt)
        self.document.set_options(job.options)
        self.statusBar().showMessage(f"The prompt and options of #{job.number} are back; Ctrl+Enter runs "
                                     "them again.", MESSAGE_MS)

    def copy_variant(self, job_id: str, index: int) -> None:
        self._run("copy", self._copy(job_id, index))

    async def _copy(self, job_id: str, index: int) -> None:
        made = await self.results.variant_image(job_id, index)
        if made is not None:
            QGuiApplication.clipboard().setImage(made.image)
            self.statusBar().showMessage(f"Variant {index + 1} copied at {made.image.width()} × "
                                         f"{made.image.height()}.", MESSAGE_MS)

    def reveal_variant(self, job_id: str, index: int) -> None:
        path = next((v.path for v in self.queue.variants(job_id) if v.index == index), None)
        if path is None:
            self.statusBar().showMessage("This variant has no file yet.", MESSAGE_MS)
            return
        reveal_in_folder(Path(path))

    # --- projects ------------------------------------------------------------------------------

    def save_project(self) -> None:
        """Ctrl+S: save to the project's file, asking where the first time."""
        target = self.keeper.saved_to()
        if target is None:
            self.save_project_as()
        else:
            self._run("save", self._save_project(target))

    def save_project_as(self) -> None:
        name = Path(self.document.display_name() or "Untitled").stem + PROJECT_SUFFIX
        start = str(self.keeper.saved_to() or Path.home() / name)
        path, _ = QFileDialog.getSaveFileName(self, "Save Project", start, PROJECT_FILTER)
        if path:
            target = Path(path)
            if target.suffix.lower() != PROJECT_SUFFIX:
                target = target.with_name(target.name + PROJECT_SUFFIX)
            self._run("save", self._save_project(target))

    async def _save_project(self, target: Path) -> None:
        self.statusBar().showMessage(f"Saving {target.name}…")
        try:
            await self.keeper.save_as(target)
        except ProjectError as error:
            self.statusBar().clearMessage()
            dialogs.show_error(self, "Cannot save the project", error.message)
            return
        self._update_settings(recent_files=self._settings.with_recent(str(target)).recent_files)
        self.statusBar().showMessage(f"Saved {target.name}", MESSAGE_MS)

    def open_project(self, path: Path) -> None:
        if self._may_discard():
            self._run("open", self._open_project(path))

    async def _open_project(self, path: Path) -> None:
        self.statusBar().showMessage(f"Opening {path.name}…")
        try:
            count = await self.keeper.open_file(path)
        except ProjectError as error:
            self.statusBar().clearMessage()
            dialogs.show_error(self, "Cannot open this project", error.message)
            return
        self._after_restore()
        self._update_settings(recent_files=self._settings.with_recent(str(path)).recent_files)
        self.statusBar().showMessage(f"Opened {path.name} with {count} job{'s' * (count != 1)}.", MESSAGE_MS)

    def offer_restore(self) -> bool:
        """At start: if a window died with work in it, offer to bring it back. True if offered."""
        project = self.keeper.interrupted()
        if project is None:
            return False
        from editor.ui.panels.generate_bar import NoticeBar

        count = len(project.job_records())
        results = f" and {count} job{'s' * (count != 1)} with their results" if count else ""
        bar = NoticeBar(f"<b>Maskedit closed unexpectedly last time.</b> Your photo, mask, prompt{results} "
                        "are safe.", "Restore")
        bar.action_requested.connect(lambda: self.restore_project(project))
        bar.action_requested.connect(bar.dismiss)
        self._centre.insertWidget(0, bar)
        self.restore_notice = bar
        return True

    def restore_project(self, project) -> None:
        if self._may_discard():
            self._run("open", self._restore(project))

    async def _restore(self, project) -> None:
        try:
            count = await self.keeper.restore(project)
        except ProjectError as error:
            dialogs.show_error(self, "Cannot restore the last session", error.message)
            return
        self._after_restore()
        self.statusBar().showMessage(f"Restored your last session with {count} job{'s' * (count != 1)}.",
                                     MESSAGE_MS)

    def _after_restore(self) -> None:
        self._configure_runner()
        self.results.set_photo_origin(self.keeper.state.document.photo_from)
        newest = self.results.variant_order()
        if newest:
            self.results.choose(*newest[0])


def reveal_in_folder(path: Path) -> None:
    """Show the file in the system's file manager (selected where the platform can do that)."""
    try:
        if sys.platform == "win32":
            subprocess.Popen(["explorer", "/select,", str(path)])
            return
        if sys.platform == "darwin":
            subprocess.Popen(["open", "-R", str(path)])
            return
    except OSError:
        log.warning("could not reveal %s", path, exc_info=True)
    QDesktopServices.openUrl(QUrl.fromLocalFile(str(path.parent)))

