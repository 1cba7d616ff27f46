"""The window's Generate commands: Generate (checked against the token budget), Cancel (Esc),
Focus prompt, File → Batch Edit…, and stopping all of them when the window closes.

The window composes one `GenerationCommands` and registers its methods in its action table.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QDockWidget,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)

from editor.ui import dialogs

if TYPE_CHECKING:
    import asyncio

    from editor.core.document import Document
    from editor.core.generate import GenerateController
    from editor.core.jobs import JobQueue
    from editor.core.project import ProjectKeeper
    from editor.core.runner import JobRunner
    from editor.core.tasks import TaskOwner
    from editor.settings.store import UserSettings
    from editor.ui.canvas import CanvasView
    from editor.ui.dialogs.batch import BatchDialog
    from editor.ui.panels.prompt import PromptPanel
    from editor.ui.panels.references import ReferencesTray
    from editor.ui.panels.results import ResultsPanel

MESSAGE_MS = 6000


class GenerationCommands(QObject):
    """Generate, Cancel, Focus prompt and Batch Edit, and the stop of all of them on close."""

    def __init__(self, parent: QWidget, *, document: Document, canvas: CanvasView, queue: JobQueue,
                 runner: JobRunner, generator: GenerateController, keeper: ProjectKeeper,
                 prompt_panel: PromptPanel, prompt_dock: QDockWidget, results: ResultsPanel,
                 references: ReferencesTray, settings: Callable[[], UserSettings],
                 save_settings: Callable[[], None], env: Mapping[str, str], backend_for: Callable,
                 tasks: TaskOwner, loop: asyncio.AbstractEventLoop | None, say: Callable[[str], None]):
        super().__init__(parent)
        self._parent, self._document, self._canvas = parent, document, canvas
        self._queue, self._runner, self._generator, self._keeper = queue, runner, generator, keeper
        self._prompt_panel, self._prompt_dock = prompt_panel, prompt_dock
        self._results, self._references = results, references
        self._settings, self._save_settings, self._env = settings, save_settings, env
        self._backend_for, self._tasks, self._loop, self._say = backend_for, tasks, loop, say
        self._batch_dialog: BatchDialog | None = None  # File → Batch Edit…, made when first asked for

    def generate(self) -> str | None:
        """Ctrl+Enter / the Generate button: the document as it is now becomes a new job."""
        if not self._within_budget():
            self._say("Not sent: it would go past the project's token budget.")
            return None
        job_id = self._generator.generate()
        if job_id is None:
            reason = self._generator.blocker() or "Generate is not available now"
            self._say(f"{reason}.")
            return None
        self._prompt_panel.remember_prompt()
        self._results.follow_newest()
        self._keeper.save_soon()  # the document as this job saw it survives a crash
        number = self._queue.job(job_id).number
        self._say(f"Job #{number} started — keep painting; Esc cancels it.")
        self._save_settings()  # the prompt history survives a crash
        return job_id

    def show_batch(self) -> None:
        """File → Batch Edit…: every photo of a folder with this prompt and these options, on the
        same engine as `maskedit-cli batch`. One dialog, kept beside the window; while no batch
        runs it takes the window's current prompt and options each time it is shown."""
        from editor.core.generate import forced_options
        from editor.ui.dialogs.batch import BatchDialog  # built when first asked for

        document, padding = self._document, self._settings().context_padding
        options = forced_options(document.options(), self._env)
        dialog = self._batch_dialog
        if dialog is None:
            path = document.path()
            folder = path.parent if path is not None else None
            out_dir = folder / "maskedit-batch" if folder is not None else None
            dialog = BatchDialog(options, self._backend_for, self._parent, loop=self._loop,
                                 prompt=document.prompt(), folder=folder, out_dir=out_dir,
                                 padding=padding, tasks=self._tasks.group("batch"))
            self._batch_dialog = dialog
        elif not dialog.running:
            dialog.use(options, document.prompt(), padding=padding)
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()

    def _within_budget(self) -> bool:
        """True when there is no budget, the job fits it, or the user says to run it anyway."""
        budget = self._settings().token_budget
        options = self._document.options()
        if not budget or options.provider == "local":  # the offline backend costs nothing
            return True
        _, spent = self._queue.token_totals()
        estimate = self._queue.estimate_tokens(options.n)
        if spent + (estimate or 0) <= budget and spent < budget:
            return True
        guess = (f"about {estimate:,} tokens for {options.n} variant{'s' * (options.n != 1)}"
                 if estimate is not None else "an unknown number of tokens")
        return dialogs.confirm_over_budget(
            self._parent, f"This project has used {spent:,} of its {budget:,} token budget, and this job "
                          f"would take {guess} (estimated from its earlier jobs).\n\nRun it anyway? The "
                          "budget can be changed in Settings → Results.")

    def cancel_newest(self) -> None:
        """Esc: a text field with the keyboard hands it back to the canvas (as in Photoshop: the
        next B or ] is a tool key again, never typed into the prompt); then a polygon or lasso in
        progress on the canvas; then the newest job."""
        if self._leave_text_field():
            return
        if self._canvas_took_escape():
            return
        if not self._runner.cancel_newest():
            self._say("No job is running.")

    def _leave_text_field(self) -> bool:
        focused = QApplication.focusWidget()
        typing = isinstance(focused, QLineEdit | QTextEdit | QPlainTextEdit | QAbstractSpinBox) or (
            isinstance(focused, QComboBox) and focused.isEditable())
        if not typing or not self._canvas.isVisible():
            return False
        self._canvas.setFocus(Qt.FocusReason.ShortcutFocusReason)
        return True

    def _canvas_took_escape(self) -> bool:
        # Esc is a window shortcut, so the canvas never sees it as a key press: offer it first.
        if not self._canvas.isVisible():
            return False
        event = QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_Escape, Qt.KeyboardModifier.NoModifier)
        event.setAccepted(True)
        self._canvas.keyPressEvent(event)
        return event.isAccepted()

    def focus_prompt(self) -> None:
        """Ctrl+L: bring the prompt dock forward and type into it."""
        self._prompt_dock.show()
        self._prompt_dock.raise_()
        self._prompt_panel.focus_prompt()

    # --- on close ------------------------------------------------------------------------------

    def may_stop_batch(self) -> bool:
        """True when no batch runs, or the user agrees to stop it."""
        dialog = self._batch_dialog
        return dialog is None or not dialog.running or dialogs.confirm_stop_batch(self._parent)

    def stop(self) -> None:
        """The window closes: the batch and every job are cancelled (each keeps what arrived)."""
        if self._batch_dialog is not None:
            self._batch_dialog.cancel()
        for job in self._queue.jobs():
            if not job.state.finished:
                self._runner.cancel(job.id)
        self._results.shutdown()
        self._references.cancel_pending()
        self._keeper.close()
