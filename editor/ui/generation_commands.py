"""The window's Generate commands: Generate (checked against the token budget), Cancel (Esc),
Focus prompt, File → Batch Edit…, and stopping both when the window closes.

`GenerationCommands` is a part of MainWindow kept in its own module, the base of `GenerationDocks`;
it relies on the window's `document`, `canvas`, `statusBar()`, `_settings`, `_env`, `_loop`,
`_backend_for()`, `keeper`, `save_settings()` and on the parts `GenerationDocks` builds:
`generator`, `runner`, `queue`, `prompt_panel`, `prompt_dock`, `results`, `references` and
`_batch_dialog`.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent

from editor.ui import dialogs

MESSAGE_MS = 6000


class GenerationCommands:
    """Generate, Cancel, Focus prompt and Batch Edit, and the stop of all of them on close."""

    def generate(self) -> str | None:
        """Ctrl+Enter / the Generate button: the document as it is now becomes a new job."""
        if not self._within_budget():
            self.statusBar().showMessage("Not sent: it would go past the project's token budget.", MESSAGE_MS)
            return None
        job_id = self.generator.generate()
        if job_id is None:
            reason = self.generator.blocker() or "Generate is not available now"
            self.statusBar().showMessage(f"{reason}.", MESSAGE_MS)
            return None
        self.prompt_panel.remember_prompt()
        self.results.follow_newest()
        self.keeper.save_soon()  # the document as this job saw it survives a crash
        number = self.queue.job(job_id).number
        self.statusBar().showMessage(f"Job #{number} started — keep painting; Esc cancels it.", MESSAGE_MS)
        self.save_settings()  # the prompt history survives a crash
        return job_id

    def show_batch(self) -> None:
        """File → Batch Edit…: every photo of a folder with this prompt and these options, on the
        same engine as `maskedit-cli batch`. One dialog, kept beside the window; while no batch
        runs it takes the window's current prompt and options each time it is shown."""
        from editor.ui.dialogs.batch import BatchDialog  # built when first asked for
        from editor.ui.generate import forced_options

        options = forced_options(self.document.options(), self._env)
        dialog = self._batch_dialog
        if dialog is None:
            path = self.document.path()
            folder = path.parent if path is not None else None
            out_dir = folder / "maskedit-batch" if folder is not None else None
            dialog = BatchDialog(options, self._backend_for, self, loop=self._loop,
                                 prompt=self.document.prompt(), folder=folder, out_dir=out_dir,
                                 padding=self._settings.context_padding, tasks=self.tasks.group("batch"))
            self._batch_dialog = dialog
        elif not dialog.running:
            dialog.use(options, self.document.prompt(), padding=self._settings.context_padding)
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()

    def _within_budget(self) -> bool:
        """True when there is no budget, the job fits it, or the user says to run it anyway."""
        budget = self._settings.token_budget
        options = self.document.options()
        if not budget or options.provider == "local":  # the offline backend costs nothing
            return True
        _, spent = self.queue.token_totals()
        estimate = self.queue.estimate_tokens(options.n)
        if spent + (estimate or 0) <= budget and spent < budget:
            return True
        guess = (f"about {estimate:,} tokens for {options.n} variant{'s' * (options.n != 1)}"
                 if estimate is not None else "an unknown number of tokens")
        return dialogs.confirm_over_budget(
            self, f"This project has used {spent:,} of its {budget:,} token budget, and this job would take "
                  f"{guess} (estimated from its earlier jobs).\n\nRun it anyway? The budget can be changed "
                  "in Settings → Results.")

    def cancel_newest(self) -> None:
        """Esc: a polygon or lasso in progress on the canvas comes first, then the newest job."""
        if self._canvas_took_escape():
            return
        if not self.runner.cancel_newest():
            self.statusBar().showMessage("No job is running.", MESSAGE_MS)

    def _canvas_took_escape(self) -> bool:
        # Esc is a window shortcut, so the canvas never sees it as a key press: offer it first.
        if not self.canvas.isVisible():
            return False
        event = QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_Escape, Qt.KeyboardModifier.NoModifier)
        event.setAccepted(True)
        self.canvas.keyPressEvent(event)
        return event.isAccepted()

    def focus_prompt(self) -> None:
        """Ctrl+L: bring the prompt dock forward and type into it."""
        self.prompt_dock.show()
        self.prompt_dock.raise_()
        self.prompt_panel.focus_prompt()

    # --- on close ------------------------------------------------------------------------------

    def _may_stop_batch(self) -> bool:
        """True when no batch runs, or the user agrees to stop it."""
        dialog = self._batch_dialog
        return dialog is None or not dialog.running or dialogs.confirm_stop_batch(self)

    def _stop_generation(self) -> None:
        dialog = self._batch_dialog
        if dialog is not None:
            dialog.cancel()
        for job in self.queue.jobs():
            if not job.state.finished:
                self.runner.cancel(job.id)
        self.results.shutdown()
        self.references.cancel_pending()
        self.keeper.close()
