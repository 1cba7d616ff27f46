"""Before the window's work goes — quit, close, another photo, another project or draft — ask
Save / Don't Save / Cancel when the project holds work its file does not.

Don't Save never loses a result: a project that received one stays in the data folder as a draft
(File ▸ Projects and Drafts) until the user deletes it. Opening another photo or project waits for
running jobs, whose results belong to the photo they were made from.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QWidget

from editor.core.project import RUNNING_JOB
from editor.ui import dialogs

if TYPE_CHECKING:
    from editor.core.document import Document
    from editor.core.jobs import JobQueue
    from editor.core.project import ProjectKeeper
    from editor.ui.result_commands import ProjectCommands

Then = Callable[[], object]


class LeaveGuard(QObject):
    """`leave(then)` is True when the window may move on at once; False when it may not yet — the
    user cancelled, or chose Save and `then` runs once the save has succeeded."""

    def __init__(self, parent: QWidget, *, document: Document, keeper: ProjectKeeper, queue: JobQueue,
                 running: Callable[[], int], run: Callable[[str, Coroutine], None]):
        super().__init__(parent)
        self._parent, self._document, self._keeper, self._queue = parent, document, keeper, queue
        self._running, self._run = running, run
        self.projects: ProjectCommands | None = None  # set once the window has composed them

    def leave(self, then: Then, *, running_ok: bool = False) -> bool:
        """`running_ok`: quitting may stop running jobs (asked first; what arrived is kept); another
        photo or project must wait for them."""
        running = self._running()
        if running and not running_ok:
            dialogs.show_error(self._parent, "A job is still running", RUNNING_JOB)
            return False
        if running and not dialogs.confirm_stop_jobs(self._parent, running):
            return False
        if not self._document.is_open() or not self._keeper.modified():
            return True
        answer = dialogs.ask_save_changes(self._parent, self.question(), self.detail())
        if answer == dialogs.DONT_SAVE:
            return True
        if answer == dialogs.SAVE:
            target = self._keeper.saved_to() or self.projects.ask_target()
            if target is not None:
                self._run("save", self._save_then(target, then))
        return False

    def question(self) -> str:
        saved_to = self._keeper.saved_to()
        if saved_to is not None:
            return f"Save the changes to {saved_to.name}?"
        return f"Save your work on {self._document.display_name() or 'this photo'} as a project?"

    def detail(self) -> str:
        results = sum(job.variant_count for job in self._queue.jobs())
        jobs = len(self._queue.jobs())
        if jobs:
            count, noun = (results, "result") if results else (jobs, "job")
            held = f"its {noun} stays" if count == 1 else f"its {count} {noun}s stay"
            return (f"If you don't save, {held} in File ▸ Projects and Drafts as a draft until you "
                    "delete it.")
        return "If you don't save, the mask and the prompt are lost."

    async def _save_then(self, target: Path, then: Then) -> None:
        if await self.projects.save_to(target):
            then()
