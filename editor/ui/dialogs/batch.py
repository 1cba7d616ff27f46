"""Batch edits from the window: every photo of a folder with one prompt, through `editor.pipeline.batch`.

The dialog only reads the form, shows progress and lists what became of each photo. The engine
runs as one owned asyncio task on the app's loop; listing folders, reading photos, uploading and
writing results all happen in worker threads or on the network, never on the GUI thread.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from editor.backends.base import EditBackend, InvalidRequest
from editor.core.tasks import TaskGroup, TaskOwner
from editor.pipeline.batch import (
    Batch,
    BatchEvent,
    BatchSetupError,
    BatchSummary,
    FileOutcome,
    batch_items,
)
from editor.pipeline.options import EditOptions, capabilities, normalized, provider_label
from editor.pipeline.plan import check_options
from editor.ui.dialogs import MASK_CONVENTIONS, MASK_FILTER

log = logging.getLogger(__name__)

MAX_CONCURRENCY = 8
UNEXPECTED = "Something unexpected stopped the batch; the results received so far are kept."
PLACEHOLDERS = {True: "Offline edits ignore the prompt: they fill the masked area from its surroundings.",
                False: "What should change in every photo"}


def outcome_text(outcome: FileOutcome) -> str:
    """One line per photo for the list: what became of it and, when it failed, why."""
    name = outcome.photo.name
    if outcome.status == "edited":
        images = f"{len(outcome.files)} image{'' if len(outcome.files) == 1 else 's'}"
        tokens = f", {outcome.tokens:,} tokens" if outcome.tokens else ""
        return f"{name} — edited: {images}{tokens}"
    if outcome.status == "skipped":
        return f"{name} — skipped: done before"
    if outcome.status == "interrupted":
        return f"{name} — cancelled ({len(outcome.files)} image(s) kept)"
    return f"{name} — failed: {outcome.message}"


def summary_text(summary: BatchSummary, out_dir: Path) -> str:
    """The end of a run in one paragraph: counts, tokens, time, and why it stopped early if it did."""
    edited, skipped, failed = (len(summary.with_status(s)) for s in ("edited", "skipped", "failed"))
    text = (f"Edited {edited}, skipped {skipped} (done before), failed {failed} of {summary.total} photos; "
            f"{summary.tokens:,} tokens; {summary.elapsed_s:.1f} s.")
    if summary.stopped:
        text += f" Stopped early: {summary.stopped}"
    if summary.cancelled:
        text += f" Cancelled; every image received is kept in {out_dir}. Start again to continue."
    return text


class BatchDialog(QDialog):
    """Edits every photo of a folder with one prompt and the window's options, non-modally.

    Choose the photo folder, one mask for all photos or a folder of masks named like the photos,
    the prompt (pre-filled), the output folder and how many edits run at once; Start runs the batch
    engine as a task on `loop`, Cancel stops it (images received are kept; starting again skips the
    photos already done). `backend_factory(options)` makes a backend, in a worker thread, as the
    window's jobs do. `file_finished` carries each photo's FileOutcome, `batch_finished` the summary.
    """

    batch_started = Signal()
    file_finished = Signal(object)
    batch_finished = Signal(object)

    def __init__(self, options: EditOptions, backend_factory: Callable[[EditOptions], EditBackend],
                 parent: QWidget | None = None, *, loop: asyncio.AbstractEventLoop, prompt: str = "",
                 folder: Path | None = None, out_dir: Path | None = None, padding: float = 0.32,
                 tasks: TaskGroup | None = None) -> None:
        super().__init__(parent)
        self._padding = padding  # crop-to-mask: the surroundings sent, a share of the mask's box
        self.setWindowTitle("Batch Edit")
        self.setModal(False)
        self.resize(640, 620)
        self._options = options
        self._factory = backend_factory
        # The running batch, owned by the window's TaskOwner when it gives a group (a batch writes
        # files: at shutdown it is cancelled and awaited like a job).
        self._tasks = tasks if tasks is not None else TaskOwner(loop).group("batch")
        self._tasks.on_error = lambda _error: None  # _run_done reports how the run ended
        self._task: asyncio.Task[None] | None = None
        self._batch: Batch | None = None
        self._browse_buttons: list[QPushButton] = []
        self._build(prompt)
        self.folder_edit.setText(str(folder) if folder else "")
        self.out_edit.setText(str(out_dir) if out_dir else "")
        self._set_running(False)

    def use(self, options: EditOptions, prompt: str, *, padding: float) -> None:
        """Take the window's options and prompt for the next run (the folders stay as they were)."""
        self._options, self._padding = options, padding
        if prompt.strip():
            self.prompt_edit.setPlainText(prompt)
        self._show_sends()

    def _show_sends(self) -> None:
        options = normalized(self._options)
        variants = f"{options.n} variant{'s' * (options.n != 1)} per photo"
        self.sends.setText(f"Edits with {provider_label(options)} · {variants} (the window's Edit options)")
        offline = capabilities(options.provider, options.model).offline
        self.prompt_edit.setPlaceholderText(PLACEHOLDERS[offline])

    # --- construction ---------------------------------------------------------------------------

    def _build(self, prompt: str) -> None:
        self.folder_edit = QLineEdit(placeholderText="Folder of photos (subfolders are not included)")
        self.one_mask = QRadioButton("One mask for every photo")
        self.mask_edit = QLineEdit(placeholderText="Mask image, the size of each photo")
        self.per_photo = QRadioButton("A mask per photo, named like it, from a folder")
        self.mask_dir_edit = QLineEdit(placeholderText="Folder of masks (street.png for street.jpg)")
        self.one_mask.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.one_mask)
        group.addButton(self.per_photo)
        self.mask_mode = QComboBox()
        for key, label in MASK_CONVENTIONS:
            self.mask_mode.addItem(label, key)
        self.prompt_edit = QPlainTextEdit(prompt)
        self.prompt_edit.setFixedHeight(72)
        self.out_edit = QLineEdit(placeholderText="Folder for the results; finished photos are skipped")
        self.concurrency = QSpinBox(minimum=1, maximum=MAX_CONCURRENCY, value=2)
        self.concurrency.setToolTip("How many edits run at once. When the service asks for a pause, "
                                    "no new edit starts until it has passed.")
        self.sends = QLabel(wordWrap=True)

        form = QFormLayout()
        form.addRow("Photos", self._with_browse(self.folder_edit, self._browse_folder))
        form.addRow(self.one_mask)
        form.addRow("Mask", self._with_browse(self.mask_edit, self._browse_mask))
        form.addRow(self.per_photo)
        form.addRow("Masks", self._with_browse(self.mask_dir_edit, self._browse_mask_dir))
        form.addRow("The area to edit is", self.mask_mode)
        form.addRow("Prompt", self.prompt_edit)
        form.addRow("Results", self._with_browse(self.out_edit, self._browse_out))
        form.addRow("At once", self.concurrency)
        form.addRow(self.sends)
        self._show_sends()

        self.progress = QProgressBar(minimum=0, maximum=1, value=0, textVisible=True)
        self.progress.setFormat("Not started")
        self.status_label = QLabel(wordWrap=True)
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.outcome_list = QListWidget()
        self.outcome_list.setWordWrap(True)
        self.start_button = QPushButton("Start")
        self.start_button.setDefault(True)
        self.cancel_button = QPushButton("Cancel")
        self.close_button = QPushButton("Close")
        buttons = QHBoxLayout()
        buttons.addWidget(self.start_button)
        buttons.addWidget(self.cancel_button)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.progress)
        layout.addWidget(self.status_label)
        layout.addWidget(self.outcome_list, 1)
        layout.addLayout(buttons)
        self.start_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self.cancel)
        self.close_button.clicked.connect(self.close)
        self.one_mask.toggled.connect(self._update_mask_fields)
        self._update_mask_fields()

    def _with_browse(self, edit: QLineEdit, browse: Callable[[], None]) -> QHBoxLayout:
        row = QHBoxLayout()
        row.addWidget(edit, 1)
        button = QPushButton("Browse…")
        button.clicked.connect(browse)
        self._browse_buttons.append(button)
        row.addWidget(button)
        return row

    def _update_mask_fields(self) -> None:
        one = self.one_mask.isChecked()
        self.mask_edit.setEnabled(one)
        self.mask_dir_edit.setEnabled(not one)

    def _browse_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Folder of Photos", self.folder_edit.text())
        if path:
            self.folder_edit.setText(path)
            if not self.out_edit.text():
                self.out_edit.setText(str(Path(path) / "edited"))

    def _browse_mask(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Mask for Every Photo", self.mask_edit.text(),
                                              MASK_FILTER)
        if path:
            self.mask_edit.setText(path)

    def _browse_mask_dir(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Folder of Masks", self.mask_dir_edit.text())
        if path:
            self.mask_dir_edit.setText(path)

    def _browse_out(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Folder for the Results", self.out_edit.text())
        if path:
            self.out_edit.setText(path)

    # --- running --------------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        """From Start until the dialog has shown how the run ended."""
        return self._task is not None

    def outcomes(self) -> list[FileOutcome]:
        """What became of each photo of the last run, in the order they ended."""
        return [self.outcome_list.item(row).data(Qt.ItemDataRole.UserRole)
                for row in range(self.outcome_list.count())]

    def start(self) -> None:
        """Check the form and start the batch; a problem is shown in the status line instead."""
        if self.running:
            return
        folder, out = self.folder_edit.text().strip(), self.out_edit.text().strip()
        mask = self.mask_edit.text().strip() if self.one_mask.isChecked() else ""
        mask_dir = self.mask_dir_edit.text().strip() if not self.one_mask.isChecked() else ""
        missing = [what for what, text in (("the photo folder", folder), ("the results folder", out),
                                           ("a mask" if self.one_mask.isChecked() else "the mask folder",
                                            mask or mask_dir)) if not text]
        if missing:
            self.status_label.setText(f"Choose {' and '.join(missing)} first.")
            return
        prompt, options = self.prompt_edit.toPlainText(), normalized(self._options)
        try:
            check_options(prompt, options)
        except InvalidRequest as error:
            self.status_label.setText(error.message)
            return
        self.outcome_list.clear()
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setFormat("%v / %m photos")
        self.status_label.setText("Looking at the photos…")
        self._task = self._tasks.start(self._run(
            Path(folder), Path(mask) if mask else None, Path(mask_dir) if mask_dir else None, Path(out),
            prompt, options))
        self._task.add_done_callback(self._run_done)
        self._set_running(True)
        self.batch_started.emit()

    def cancel(self) -> None:
        """Stop the batch: edits in flight are dropped, images already received are kept."""
        if self._task is not None and not self._task.done():
            self.status_label.setText("Cancelling…")
            self._task.cancel()

    async def _run(self, folder: Path, mask: Path | None, mask_dir: Path | None, out: Path,
                   prompt: str, options: EditOptions) -> None:
        try:
            items = await asyncio.to_thread(batch_items, folder, mask=mask, mask_dir=mask_dir, out_dir=out)
            await asyncio.to_thread(out.mkdir, parents=True, exist_ok=True)
        except BatchSetupError as error:
            self.status_label.setText(error.message)
            return
        except OSError as error:
            self.status_label.setText(f"Cannot create the results folder {out}: {error.strerror or error}.")
            return
        self.progress.setRange(0, len(items))
        self._batch = Batch(items, prompt, options, out, functools.partial(self._factory, options),
                            mask_mode=self.mask_mode.currentData(), concurrency=self.concurrency.value(),
                            on_event=self._on_event, padding=self._padding)
        self._show_end(await self._batch.run(), out)

    def _on_event(self, event: BatchEvent) -> None:
        if event.kind == "started":
            self.status_label.setText(f"Editing {event.photo.name}…")
        elif event.kind == "retrying":
            self.status_label.setText(f"{event.photo.name}: {event.message} No new edit starts for "
                                      f"{event.wait_s or 0:.0f} s.")
        elif event.outcome is not None:
            self.progress.setValue(event.finished)
            self._add_outcome(event.outcome)

    def _add_outcome(self, outcome: FileOutcome) -> None:
        item = QListWidgetItem(outcome_text(outcome))
        item.setData(Qt.ItemDataRole.UserRole, outcome)
        item.setToolTip(outcome.message or str(outcome.sidecar or outcome.photo))
        self.outcome_list.addItem(item)
        self.outcome_list.scrollToItem(item)
        self.file_finished.emit(outcome)

    def _show_end(self, summary: BatchSummary, out: Path) -> None:
        for outcome in summary.with_status("interrupted"):
            self._add_outcome(outcome)
        self.status_label.setText(summary_text(summary, out))
        self.batch_finished.emit(summary)

    def _run_done(self, task: asyncio.Task[None]) -> None:
        self._task = None
        self._set_running(False)
        if task.cancelled():
            if self._batch is not None:
                self._show_end(self._batch.summary(), self._batch.out_dir)
            else:
                self.status_label.setText("Cancelled before any photo was sent.")
        elif task.exception() is not None:
            log.error("batch dialog: the batch failed", exc_info=task.exception())
            self.status_label.setText(UNEXPECTED)
        self._batch = None

    def _set_running(self, running: bool) -> None:
        self.start_button.setEnabled(not running)
        self.cancel_button.setEnabled(running)
        for widget in (self.folder_edit, self.one_mask, self.per_photo, self.mask_mode, self.prompt_edit,
                       self.out_edit, self.concurrency, *self._browse_buttons):
            widget.setEnabled(not running)
        if running:
            self.mask_edit.setEnabled(False)
            self.mask_dir_edit.setEnabled(False)
        else:
            self._update_mask_fields()

    def closeEvent(self, event) -> None:
        self.cancel()  # a batch never outlives its dialog unseen
        super().closeEvent(event)

    def reject(self) -> None:
        self.cancel()
        super().reject()
