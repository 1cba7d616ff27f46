"""What the window does with variants and projects.

`VariantCommands`: apply (undoable), star, discard (undoable), reuse settings, copy, show in folder.
`ProjectCommands`: Save/Open of .maskedit projects and restoring the work of a window that died.
The window composes one of each and registers their methods in its action table.
"""

from __future__ import annotations

import logging
import subprocess
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication, QImage
from PySide6.QtWidgets import QStatusBar, QWidget

from editor.core.session import PROJECT_SUFFIX, ProjectError
from editor.ui import dialogs

if TYPE_CHECKING:
    from editor.core.document import Document
    from editor.core.jobs import JobQueue
    from editor.core.project import ProjectKeeper
    from editor.core.undo import UndoStack
    from editor.settings.store import UserSettings
    from editor.ui.compare_mode import CompareMode
    from editor.ui.panels.generate_bar import NoticeBar
    from editor.ui.panels.results import ResultsPanel
    from editor.ui.variant_export import VariantExporter

log = logging.getLogger(__name__)

MESSAGE_MS = 6000
PROJECT_FILTER = f"Maskedit projects (*{PROJECT_SUFFIX})"

Run = Callable[[str, Coroutine], None]


class VariantCommands(QObject):
    """What the results panel's buttons and menus do with one variant (`command(name, job, index)`)."""

    def __init__(self, parent: QObject, *, document: Document, queue: JobQueue, results: ResultsPanel,
                 undo_stack: UndoStack, keeper: ProjectKeeper, comparison: CompareMode,
                 exporter: VariantExporter, settings: Callable[[], UserSettings], run: Run,
                 say: Callable[[str], None]):
        super().__init__(parent)
        self._document, self._queue, self._results = document, queue, results
        self._undo_stack, self._keeper = undo_stack, keeper
        self._comparison, self._exporter = comparison, exporter
        self._settings, self._run, self._say = settings, run, say

    def command(self, name: str, job_id: str, index: int) -> None:
        commands = {"apply": self.apply, "compare": self._comparison.compare_variant,
                    "star": self.toggle_star, "discard": self.discard,
                    "reuse": self.reuse_settings, "copy": self.copy, "reveal": self.reveal,
                    "export": self._exporter.export}
        command = commands.get(name)
        if command is not None:
            command(job_id, index)

    def apply(self, job_id: str, index: int) -> None:
        """The variant becomes the working photo (Ctrl+Z brings the previous one back)."""
        self._run("apply", self._apply(job_id, index))

    async def _apply(self, job_id: str, index: int) -> None:
        made = await self._results.variant_image(job_id, index)
        document = self._document
        before = document.photo()
        if made is None or before is None:
            self._say("That variant could not be read, so it was not applied.")
            return
        if made.image.size() != before.size():
            self._say("That variant was made from another photo; it was not applied.")
            return
        number = self._queue.job(job_id).number
        mask, serial = document.mask(), self._undo_stack.mask_serial()
        cleared = self._settings().clear_mask_on_apply and mask is not None and not mask.is_empty()
        if cleared:
            mask.clear()
        image, source = made.image, (job_id, index)

        earlier = self._keeper.state.document.photo_from  # an earlier Apply, or None for the original

        def undo() -> None:
            document.set_photo(before)
            if cleared:
                mask.undo()
            self._photo_applied(before, earlier)

        def redo() -> None:
            document.set_photo(image)
            if cleared:
                mask.redo()
            self._photo_applied(image, source)

        document.set_photo(image)
        self._photo_applied(image, source)
        self._undo_stack.push(f"Apply Variant {index + 1} of #{number}", undo, redo,
                              mask_before=serial if cleared else None)
        self._say(f"Applied variant {index + 1} of #{number}. Ctrl+Z undoes it; write the next prompt "
                  "to keep going.")

    def _photo_applied(self, image: QImage, source: tuple[str, int] | None) -> None:
        self._keeper.photo_applied(image, source)
        self._results.set_photo_origin(source)

    def toggle_star(self, job_id: str, index: int) -> None:
        starred = not self._queue.marks(job_id, index).starred
        self._queue.mark(job_id, index, starred=starred)

    def discard(self, job_id: str, index: int) -> None:
        queue = self._queue
        number = queue.job(job_id).number
        queue.mark(job_id, index, discarded=True)
        self._undo_stack.push(f"Discard Variant {index + 1} of #{number}",
                              lambda: queue.mark(job_id, index, discarded=False),
                              lambda: queue.mark(job_id, index, discarded=True))
        self._say(f"Variant {index + 1} of #{number} discarded — Ctrl+Z brings it back. Its file stays "
                  "in the project.")

    def reuse_settings(self, job_id: str, index: int = 0) -> None:
        job = self._queue.job(job_id)
        self._document.set_prompt(job.prompt)
        self._document.set_options(job.options)
        self._say(f"The prompt and options of #{job.number} are back; Ctrl+Enter runs them again.")

    def copy(self, job_id: str, index: int) -> None:
        self._run("copy", self._copy(job_id, index))

    async def _copy(self, job_id: str, index: int) -> None:
        made = await self._results.variant_image(job_id, index)
        if made is not None:
            QGuiApplication.clipboard().setImage(made.image)
            self._say(f"Variant {index + 1} copied at {made.image.width()} × {made.image.height()}.")

    def reveal(self, job_id: str, index: int) -> None:
        path = next((v.path for v in self._queue.variants(job_id) if v.index == index), None)
        if path is None:
            self._say("This variant has no file yet.")
            return
        reveal_in_folder(Path(path))


class ProjectCommands(QObject):
    """Save, Save As, open a .maskedit file, and offer to restore the work of a window that died.
    `after_open()` runs once a project's jobs are in the queue (the runner writes into its folder);
    `add_notice(text, action, act)` puts a notice above the canvas that goes once its action is used."""

    def __init__(self, parent: QWidget, *, document: Document, keeper: ProjectKeeper,
                 results: ResultsPanel, settings: Callable[[], UserSettings],
                 update_settings: Callable[..., None], leave: Callable[[Callable[[], object]], bool],
                 after_open: Callable[[], None],
                 add_notice: Callable[[str, str, Callable[[], object]], NoticeBar],
                 run: Run, status_bar: QStatusBar):
        super().__init__(parent)
        self._parent, self._document, self._keeper, self._results = parent, document, keeper, results
        self._settings, self._update_settings = settings, update_settings
        self._leave, self._after_open, self._add_notice = leave, after_open, add_notice
        self._run, self._status_bar = run, status_bar
        self.restore_notice: NoticeBar | None = None

    def _say(self, text: str) -> None:
        self._status_bar.showMessage(text, MESSAGE_MS)

    def _remember(self, path: Path) -> None:
        self._update_settings(recent_files=self._settings().with_recent(str(path)).recent_files)

    def save(self) -> None:
        """Ctrl+S: save to the project's file, asking where the first time."""
        target = self._keeper.saved_to()
        if target is None:
            self.save_as()
        else:
            self._run("save", self.save_to(target))

    def save_as(self) -> None:
        target = self.ask_target()
        if target is not None:
            self._run("save", self.save_to(target))

    def ask_target(self) -> Path | None:
        """Where to save the project: the file chooser, starting beside the photo."""
        name = Path(self._document.display_name() or "Untitled").stem + PROJECT_SUFFIX
        start = str(self._keeper.saved_to() or dialogs.start_folder(self._document.path()) / name)
        path = dialogs.ask_project_target(self._parent, start, PROJECT_FILTER)
        if path is None:
            return None
        target = Path(path)
        if target.suffix.lower() != PROJECT_SUFFIX:
            target = target.with_name(target.name + PROJECT_SUFFIX)
        return target

    async def save_to(self, target: Path) -> bool:
        """Save the project into `target`; False (the user told why) when it could not be."""
        self._status_bar.showMessage(f"Saving {target.name}…")
        try:
            await self._keeper.save_as(target)
        except (ProjectError, OSError) as error:
            self._status_bar.clearMessage()
            message = getattr(error, "message", None) or getattr(error, "strerror", None) or str(error)
            dialogs.show_error(self._parent, "Cannot save the project", message)
            return False
        self._remember(target)
        self._say(f"Saved {target.name}")
        return True

    def open(self, path: Path) -> None:
        go = lambda: self._run("open", self._open(path))  # noqa: E731 (now, or once saved)
        if self._leave(go):
            go()

    async def _open(self, path: Path) -> None:
        self._status_bar.showMessage(f"Opening {path.name}…")
        try:
            count = await self._keeper.open_file(path)
        except ProjectError as error:
            self._status_bar.clearMessage()
            dialogs.show_error(self._parent, "Cannot open this project", error.message)
            return
        self._opened()
        self._remember(path)
        self._say(f"Opened {path.name} with {count} job{'s' * (count != 1)}.")

    def offer_restore(self) -> bool:
        """At start: if a window died with work in it, offer to bring it back. True if offered."""
        project = self._keeper.interrupted()
        if project is None:
            return False
        count = len(project.job_records())
        results = f" and {count} job{'s' * (count != 1)} with their results" if count else ""
        self.restore_notice = self._add_notice(
            f"<b>Maskedit closed unexpectedly last time.</b> Your photo, mask, prompt{results} are safe.",
            "Restore", lambda: self.restore(project))
        return True

    def open_draft(self, root: Path) -> None:
        """Open a project kept in the data folder (File ▸ Projects and Drafts)."""
        from editor.core.session import Project

        go = lambda: self._run("open", self._restore(Project(root), opened="Opened"))  # noqa: E731
        if self._leave(go):
            go()

    def restore(self, project) -> None:
        go = lambda: self._run("open", self._restore(project))  # noqa: E731 (now, or once saved)
        if self._leave(go):
            go()

    async def _restore(self, project, *, opened: str | None = None) -> None:
        try:
            count = await self._keeper.restore(project)
        except ProjectError as error:
            title = "Cannot open this draft" if opened else "Cannot restore the last session"
            dialogs.show_error(self._parent, title, error.message)
            return
        self._opened()
        jobs = f"{count} job{'s' * (count != 1)}"
        name = self._document.display_name() or "the photo"
        self._say(f"{opened} {name} with {jobs}." if opened else f"Restored your last session with {jobs}.")

    def _opened(self) -> None:
        self._after_open()
        self._results.set_photo_origin(self._keeper.state.document.photo_from)
        newest = self._results.variant_order()
        if newest:
            self._results.choose(*newest[0])


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

