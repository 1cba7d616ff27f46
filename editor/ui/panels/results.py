"""The results: per job a strip of its variants (thumbnails, star, spill), with its state, prompt,
time and usage. Clicking a variant shows it on the canvas as applying it would make the photo
(editor.imaging.composite: strict through the job's mask, or the whole output); "Original" goes
back. ←/→ step through the variants. Star, Discard, Compare, Apply and the rest are asked of the
window through `command`, which owns undo, files and dialogs.

Decoding and compositing run in worker threads as tasks owned by the panel; the panel only reads
the JobQueue and reports what to show through `preview_ready`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from PySide6.QtCore import QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QButtonGroup, QHBoxLayout, QMenu, QPushButton, QToolButton, QVBoxLayout, QWidget

from editor.core.generate import JobContext
from editor.core.jobs import JobQueue
from editor.core.tasks import TaskGroup, TaskOwner
from editor.core.variant_images import (
    Encoded,
    VariantImage,
    composite_variant,
    measure_spill,
    spill_text,
    thumbnail,
)
from editor.ui.panels import quiet_label, scrolling_column
from editor.ui.panels.variant_strip import PARTIAL, THUMB, JobStrip

log = logging.getLogger(__name__)

__all__ = ["PARTIAL", "THUMB", "ResultsPanel", "composite_variant", "thumbnail"]

# What `command` asks of the window, with the menu text for each.
MORE_COMMANDS = (("export", "Export…\tCtrl+Shift+E"), ("copy", "Copy Image"),
                 ("reuse", "Reuse These Settings"), ("reveal", "Show in Folder"))
VARIANT_COMMANDS = (("apply", "Apply"), ("compare", "Compare…"), ("star", "Star"), ("discard", "Discard"),
                    *MORE_COMMANDS)


class ResultsPanel(QWidget):
    """Every job's variants, newest job on top, and which one the canvas shows.

    `context(job_id)` gives the photo and mask a job was made from. Until the user picks
    something, the newest arrival is shown (it is only shown: nothing is applied).
    `preview_ready(job_id, index, image)` carries what the canvas should show; an empty job id
    and a null image mean the original photo. `command(name, job_id, index)` asks the window to
    apply, compare, star, discard, export, copy, reuse or reveal a variant.
    """

    preview_ready = Signal(str, int, QImage)
    command = Signal(str, str, int)

    def __init__(self, queue: JobQueue, *, loop: asyncio.AbstractEventLoop,
                 context: Callable[[str], JobContext | None], commands: bool = False,
                 tasks: TaskGroup | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self._commands = commands  # the variant buttons and menu, for a window that handles `command`
        self._budget = 0  # the project's token budget, 0 for none
        self._usage_pending = False
        self._restoring = False  # many jobs are being put back at once (see _restore_many)
        self._queue, self._loop, self._context = queue, loop, context
        self._strips: dict[str, JobStrip] = {}
        # Decoding and compositing, owned by the window's TaskOwner when it gives a group.
        self._tasks = tasks if tasks is not None else TaskOwner(loop).group("results")
        self._tasks.on_error = _log_failure
        self._shown: tuple[str, int] | None = None
        self._made: tuple[tuple[str, int, str, float], VariantImage] | None = None
        self._mode, self._feather = "strict", 2.0
        self.following = True
        self._group = QButtonGroup(self)
        self._group.setExclusive(True)
        self.original = QPushButton("Original")
        self.original.setCheckable(True)
        self.original.setChecked(True)
        self.original.setToolTip("Show the photo as it is (hold \\ on the canvas to peek at it)")
        self.original.clicked.connect(self.show_original)
        self._group.addButton(self.original)
        self._photo_text = "Showing the original photo"
        self.viewing = quiet_label(self._photo_text)
        self.viewing.setWordWrap(True)
        self.usage = quiet_label()
        self.usage.setWordWrap(True)
        self.empty = quiet_label("Variants appear here as they arrive.")
        self.empty.setWordWrap(True)
        top = QHBoxLayout()
        top.addWidget(self.viewing, 1)
        top.addWidget(self.original)
        self._column, scroll = scrolling_column(spacing=6)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        actions = self._build_actions()
        if commands:
            layout.addLayout(actions)
        else:
            for button in self.actions.values():
                button.hide()
        layout.addWidget(self.usage)
        layout.addWidget(self.empty)
        layout.addWidget(scroll, 1)
        queue.job_added.connect(self._add)
        queue.restoring.connect(self._restore_many)
        queue.job_changed.connect(self._change)
        queue.variant_added.connect(self._variant_added)
        queue.partial_added.connect(self._partial_added)
        queue.marks_changed.connect(self._marks_changed)
        self._show_actions()

    def _build_actions(self) -> QHBoxLayout:
        row = QHBoxLayout()
        row.setSpacing(4)
        self.actions: dict[str, QToolButton] = {}
        tips = {"star": "Mark this variant as a keeper (it is starred in the history too)",
                "discard": "Hide this variant from the strip (Ctrl+Z brings it back)",
                "compare": "Before/after: split slider, side by side, difference, A/B",
                "apply": "Make this variant the working photo (Ctrl+Z undoes it; the original is kept)"}
        labels = (("star", "Star"), ("discard", "Discard"), ("compare", "Compare…"), ("apply", "Apply"))
        for name, text in labels:
            # Tool buttons are as narrow as their words: the dock stays as narrow as it was.
            button = QToolButton()
            button.setText(text)
            button.setToolTip(tips[name])
            button.clicked.connect(lambda _=False, n=name: self._ask(n))
            row.addWidget(button)
            self.actions[name] = button
        more = QToolButton()
        more.setText("More")
        more.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(more)
        for name, text in MORE_COMMANDS:
            menu.addAction(text).triggered.connect(lambda _=False, n=name: self._ask(n))
        more.setMenu(menu)
        row.addWidget(more)
        row.addStretch(1)
        self.actions["more"] = more
        return row

    # --- reading -------------------------------------------------------------------------------

    def strip(self, job_id: str) -> JobStrip:
        return self._strips[job_id]

    def shown(self) -> tuple[str, int] | None:
        """(job id, variant index) on the canvas now; None for the original photo."""
        return self._shown

    def busy(self) -> bool:
        return self._tasks.busy()

    def variant_order(self) -> list[tuple[str, int]]:
        """Every variant shown in the strips, top to bottom: newest job first, variants in order."""
        jobs = sorted(self._strips, key=lambda job_id: -self._queue.job(job_id).number)
        return [(job_id, index) for job_id in jobs for index in self._strips[job_id].visible_indices()]

    # --- compositing ---------------------------------------------------------------------------

    def set_composite(self, mode: str, feather_px: float) -> None:
        """How variants are laid over the photo (Settings → Results); the shown one is redone."""
        if (mode, feather_px) == (self._mode, self._feather):
            return
        self._mode, self._feather = mode, feather_px
        if self._shown is not None:
            self._show(*self._shown)

    async def variant_image(self, job_id: str, index: int) -> VariantImage | None:
        """The variant at the photo's size as it would be applied (the shown one is not redone)."""
        key = (job_id, index, self._mode, self._feather)
        if self._made is not None and self._made[0] == key:
            return self._made[1]
        context, data = self._context(job_id), self._data(job_id, index)
        if context is None or data is None:
            return None
        made = await asyncio.to_thread(composite_variant, data, context, mode=self._mode,
                                       feather_px=self._feather)
        if made is not None:
            self._made = (key, made)
        return made

    # --- choosing ------------------------------------------------------------------------------

    def choose(self, job_id: str, index: int) -> None:
        """Show this variant (or, with PARTIAL, the job's latest streamed preview) on the canvas."""
        self.following = False
        self._show(job_id, index)

    def step(self, delta: int) -> bool:
        """Show the next (+1) or previous (-1) variant in the strips' order; False at either end."""
        order = self.variant_order()
        if not order:
            return False
        if self._shown in order:
            position = order.index(self._shown) + delta
        else:
            position = 0 if delta > 0 else len(order) - 1
        if not 0 <= position < len(order):
            return False
        self.choose(*order[position])
        return True

    def show_original(self) -> None:
        self.following = False
        self._show_original()

    def follow_newest(self) -> None:
        """A new Generate: show its images as they come, until the user picks something else."""
        self.following = True

    def forget_previews(self) -> None:
        """Another photo is on the canvas: nothing is selected."""
        self._tasks.cancel("preview")
        self._shown = None
        self._made = None
        self.original.setChecked(True)
        self.viewing.setText(self._photo_text)
        self._show_actions()

    def _show_original(self) -> None:
        self.forget_previews()
        self.preview_ready.emit("", 0, QImage())

    def _show(self, job_id: str, index: int) -> None:
        strip = self._strips.get(job_id)
        button = strip.buttons.get(index) if strip is not None else None
        context = self._context(job_id)
        data = self._data(job_id, index)
        if button is None or context is None or data is None:
            return
        button.setChecked(True)
        self._shown = (job_id, index)
        job = self._queue.job(job_id)
        what = "the preview" if index == PARTIAL else f"variant {index + 1}"
        spill = spill_text(self._queue.marks(job_id, index).spill) if index != PARTIAL else ""
        suffix = f"; {spill}" if spill else ""
        self.viewing.setText(f"Showing {what} of #{job.number} — not applied{suffix}")
        self._show_actions()
        self._tasks.start(self._build_preview(job_id, index), key="preview")

    async def _build_preview(self, job_id: str, index: int) -> None:
        made = await self.variant_image(job_id, index)
        if self._shown != (job_id, index):
            return
        if made is None:
            self.viewing.setText("This image could not be read.")
            return
        self.preview_ready.emit(job_id, index, made.image)

    def _data(self, job_id: str, index: int) -> Encoded | None:
        """The variant's pixels as the pipeline decoded them, else its bytes (a preview, or a
        variant read back from disk)."""
        if index == PARTIAL:
            partial = self._queue.latest_partial(job_id)
            return partial.data if partial is not None else None
        for variant in self._queue.variants(job_id):
            if variant.index == index:
                return variant.pixels if variant.pixels is not None else variant.data
        return None

    def _show_actions(self) -> None:
        final = self._shown is not None and self._shown[1] != PARTIAL
        for button in self.actions.values():
            button.setEnabled(final)
        if final:
            starred = self._queue.marks(*self._shown).starred
            self.actions["star"].setText("Unstar" if starred else "Star")

    def _ask(self, name: str) -> None:
        if self._shown is not None and self._shown[1] != PARTIAL:
            self.command.emit(name, *self._shown)

    def _menu(self, job_id: str, index: int, at: QPoint) -> None:
        if index == PARTIAL or not self._commands:
            return
        menu = QMenu(self)
        starred = self._queue.marks(job_id, index).starred
        for name, text in VARIANT_COMMANDS:
            text = "Unstar" if name == "star" and starred else text
            action = menu.addAction(text)
            action.triggered.connect(lambda _=False, n=name: self.command.emit(n, job_id, index))
        menu.exec(at)

    def keyPressEvent(self, event) -> None:
        if event.key() in (Qt.Key.Key_Left, Qt.Key.Key_Right):
            self.step(-1 if event.key() == Qt.Key.Key_Left else 1)
        else:
            super().keyPressEvent(event)

    # --- the queue's news ----------------------------------------------------------------------

    def _restore_many(self, starting: bool) -> None:
        """Many jobs at once (an opened project): their strips are laid out and shown in one pass
        when the last is in, not one by one (hundreds of jobs took seconds that way)."""
        self._restoring = starting
        content = self._column.parentWidget()
        if starting:
            content.hide()
        else:
            content.show()

    def _add(self, job_id: str) -> None:
        strip = JobStrip(self._queue.job(job_id), self._group)
        strip.chosen.connect(self.choose)
        strip.menu_requested.connect(self._menu)
        self._strips[job_id] = strip
        self._column.insertWidget(0, strip)
        if not self._restoring:
            strip.show()  # now, not when the layout gets to it
        self.empty.hide()
        self._show_usage_soon()

    def _change(self, job_id: str) -> None:
        strip = self._strips.get(job_id)
        if strip is None:
            return
        had_partial = PARTIAL in strip.buttons
        strip.show_job(self._queue.job(job_id))
        if had_partial and PARTIAL not in strip.buttons and self._shown == (job_id, PARTIAL):
            self._shown = None  # the preview gave way to the final images
        self._show_usage_soon()

    def _marks_changed(self, job_id: str, index: int) -> None:
        strip = self._strips.get(job_id)
        if strip is None:
            return
        marks = self._queue.marks(job_id, index)
        strip.show_marks(index, marks)
        if self._shown == (job_id, index):
            if marks.discarded:
                self._show_original()
            else:
                self._show_actions()
                spill = spill_text(marks.spill)
                if spill and "outside" not in self.viewing.text():
                    self.viewing.setText(f"{self.viewing.text()}; {spill}")

    def _variant_added(self, job_id: str, index: int) -> None:
        variant = next(v for v in self._queue.variants(job_id) if v.index == index)
        tip = f"Variant {index + 1} · {variant.width} × {variant.height}"
        if variant.path is not None:
            tip += f"\nSaved as {variant.path}"
        picture = variant.pixels if variant.pixels is not None else variant.data
        self._own(self._add_thumbnail(job_id, index, picture, tip, show=self._should_follow(job_id)))

    def _partial_added(self, job_id: str, index: int) -> None:
        partial = self._queue.latest_partial(job_id)
        if partial is None:
            return
        following = self._should_follow(job_id) and not self._queue.variants(job_id)
        show = self._shown == (job_id, PARTIAL) or following
        self._own(self._add_thumbnail(job_id, PARTIAL, partial.data, "Streamed preview — the final image "
                                      "replaces it", show=show))

    def _should_follow(self, job_id: str) -> bool:
        """While following, a newer job's images take over the canvas; an older one's never do."""
        if not self.following:
            return False
        if self._shown is None:
            return True
        number, shown = self._queue.job(job_id).number, self._queue.job(self._shown[0]).number
        return number > shown or (number == shown and self._shown[1] == PARTIAL)

    async def _add_thumbnail(self, job_id: str, index: int, data: Encoded, tip: str, *, show: bool) -> None:
        image = await asyncio.to_thread(thumbnail, data, THUMB)
        strip = self._strips.get(job_id)
        if strip is None or image.isNull():
            return
        if index != PARTIAL and self._queue.job(job_id).state.finished and PARTIAL in strip.buttons:
            strip.remove(PARTIAL)
        strip.set_image(index, image, tip)
        marks = self._queue.marks(job_id, index)
        strip.show_marks(index, marks)
        if show and not marks.discarded:
            self._show(job_id, index)
        context = self._context(job_id)
        if index != PARTIAL and context is not None and marks.spill is None:
            spill = await asyncio.to_thread(measure_spill, data, context)
            if spill is not None:
                self._queue.mark(job_id, index, spill=spill)

    def set_photo_origin(self, applied: tuple[str, int] | None) -> None:
        """Say what the working photo is: the original, or the variant applied to it."""
        if applied is None or applied[0] not in self._strips:
            self._photo_text = "Showing the original photo"
        else:
            job_id, index = applied
            self._photo_text = (f"Showing the working photo: variant {index + 1} of "
                                f"#{self._queue.job(job_id).number} applied")
        if self._shown is None:
            self.viewing.setText(self._photo_text)

    def set_budget(self, tokens: int) -> None:
        """The project's token budget (0: none), shown beside the totals."""
        self._budget = tokens
        self._show_usage()

    def _show_usage_soon(self) -> None:
        """Once per turn of the event loop, however many jobs changed (a restore adds hundreds)."""
        if not self._usage_pending:
            self._usage_pending = True
            QTimer.singleShot(0, self._show_usage)

    def _show_usage(self) -> None:
        self._usage_pending = False
        session, project = self._queue.token_totals()
        budget = self._budget
        parts = [f"Tokens this session: {session:,}"] if session != project else []
        parts.append(f"project: {project:,}" if parts else f"Tokens this project: {project:,}")
        if budget:
            parts.append(f"budget: {budget:,}")
        self.usage.setText(" · ".join(parts) if project or budget else "")
        self.usage.setVisible(bool(project or budget))

    # --- tasks ---------------------------------------------------------------------------------

    def _own(self, coroutine) -> asyncio.Task:
        return self._tasks.start(coroutine)

    def shutdown(self) -> None:
        self._tasks.cancel()


def _log_failure(error: BaseException) -> None:
    log.error("results panel: %s", error, exc_info=error)
