"""The results: per job a strip of its variants (thumbnails), with its state, prompt, time and
usage. Clicking a variant shows it on the canvas, laid over the photo through the job's mask;
"Original" goes back. Streamed previews appear in the strip as they arrive.

Decoding and compositing run in worker threads as tasks owned by the panel; the panel only
reads the JobQueue and reports what to show through `preview_ready`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from PySide6.QtCore import QRect, QSize, Qt, Signal
from PySide6.QtGui import QIcon, QImage, QPainter, QPixmap
from PySide6.QtWidgets import (
    QButtonGroup,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from editor.core.jobs import Job, JobQueue, JobState
from editor.ui.generate import JobContext
from editor.ui.panels import quiet_label, scrolling_column
from editor.ui.panels.jobs import format_elapsed

log = logging.getLogger(__name__)

THUMB = 88
PARTIAL = -1  # the index a strip's streamed preview is shown under


def thumbnail(data: bytes, size: int = THUMB) -> QImage:
    """A small copy of an encoded image for the strip. Runs on a worker thread."""
    image = QImage.fromData(data)
    if image.isNull():
        return image
    return image.scaled(size, size, Qt.AspectRatioMode.KeepAspectRatio,
                        Qt.TransformationMode.SmoothTransformation)


def composite_variant(data: bytes, context: JobContext) -> QImage:
    """The variant scaled to the photo and laid over it through the job's mask coverage, so the
    preview shows exactly what applying it would change. Runs on a worker thread."""
    variant = QImage.fromData(data)
    photo = context.photo
    if variant.isNull():
        return variant
    width, height = photo.width(), photo.height()
    layer = QImage(width, height, QImage.Format.Format_ARGB32_Premultiplied)
    layer.fill(Qt.GlobalColor.transparent)
    coverage = context.coverage
    alpha = QImage(coverage.data, width, height, coverage.strides[0], QImage.Format.Format_Alpha8)
    painter = QPainter(layer)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    painter.drawImage(QRect(0, 0, width, height), variant)
    painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_DestinationIn)
    painter.drawImage(0, 0, alpha)
    painter.end()
    out = photo.convertToFormat(QImage.Format.Format_ARGB32_Premultiplied if photo.hasAlphaChannel()
                                else QImage.Format.Format_RGB32)
    if out.cacheKey() == photo.cacheKey():
        out = out.copy()  # never paint into the document's photo
    painter = QPainter(out)
    painter.drawImage(0, 0, layer)
    painter.end()
    return out


class JobStrip(QFrame):
    """One job's header line and its variant thumbnails."""

    chosen = Signal(str, int)  # job id, variant index (PARTIAL for the streamed preview)

    def __init__(self, job: Job, group: QButtonGroup, parent: QWidget | None = None):
        super().__init__(parent)
        self.job_id = job.id
        self._group = group
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.title = QLabel()
        self.title.setWordWrap(True)
        self.facts = quiet_label()
        self.facts.setWordWrap(True)
        self.buttons: dict[int, QToolButton] = {}
        self._grid = QGridLayout()
        self._grid.setSpacing(4)
        self._grid.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self._columns = 0
        self.waiting = quiet_label()
        self.waiting.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 8)
        layout.setSpacing(4)
        layout.addWidget(self.title)
        layout.addWidget(self.facts)
        layout.addLayout(self._grid)
        layout.addWidget(self.waiting)
        self.show_job(job)

    def show_job(self, job: Job) -> None:
        prompt = job.prompt.strip() or "(no prompt)"
        short = prompt if len(prompt) <= 90 else prompt[:89] + "…"
        self.title.setText(f"<b>#{job.number}</b>&nbsp; {_escape(short)}")
        self.title.setToolTip(job.prompt)
        facts = [job.state.label, job.provider_label.split(" (")[0]]
        if job.started_at is not None:
            facts.append(format_elapsed(job.elapsed()))
        if job.total_tokens is not None:
            facts.append(f"{job.total_tokens:,} tokens")
        self.facts.setText(" · ".join(facts))
        has_variants = any(index != PARTIAL for index in self.buttons)
        if job.state is JobState.FAILED:
            self.waiting.setText(job.message if not has_variants else "")
        elif job.state is JobState.CANCELLED and not has_variants:
            self.waiting.setText("Cancelled before any image arrived.")
        elif not job.state.finished and not self.buttons:
            self.waiting.setText("Waiting for the first image…")
        else:
            self.waiting.setText("")
        self.waiting.setVisible(bool(self.waiting.text()))
        if job.state.finished and PARTIAL in self.buttons and has_variants:
            self._remove(PARTIAL)

    def set_image(self, index: int, image: QImage, tip: str) -> None:
        button = self.buttons.get(index)
        if button is None:
            button = QToolButton()
            button.setCheckable(True)
            button.setAutoRaise(True)
            button.setIconSize(QSize(THUMB, THUMB))
            button.setCursor(Qt.CursorShape.PointingHandCursor)
            button.clicked.connect(lambda _=False, i=index: self.chosen.emit(self.job_id, i))
            self._group.addButton(button)
            self.buttons[index] = button
            self._place_buttons(force=True)
        button.setIcon(QIcon(QPixmap.fromImage(image)))
        button.setToolTip(tip)
        self.waiting.hide()

    def _remove(self, index: int) -> None:
        button = self.buttons.pop(index)
        self._group.removeButton(button)
        self._grid.removeWidget(button)
        button.deleteLater()
        self._place_buttons(force=True)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._place_buttons()

    def _place_buttons(self, force: bool = False) -> None:
        """Thumbnails in rows that fit the panel's width: variants in order, the preview last."""
        margins = self.contentsMargins().left() + self.contentsMargins().right() + 16
        columns = max(1, (self.width() - margins) // (THUMB + 12))
        if columns == self._columns and not force:
            return
        self._columns = columns
        order = sorted(i for i in self.buttons if i != PARTIAL)
        order += [PARTIAL] if PARTIAL in self.buttons else []
        for button in self.buttons.values():
            self._grid.removeWidget(button)
        for position, index in enumerate(order):
            self._grid.addWidget(self.buttons[index], position // columns, position % columns)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class ResultsPanel(QWidget):
    """Every job's variants, newest job on top, and which one the canvas shows.

    `context(job_id)` gives the photo and mask a job was made from. Until the user picks
    something, the newest arrival is shown (it is only shown: nothing is applied).
    `preview_ready(job_id, index, image)` carries what the canvas should show; an empty
    job id and a null image mean the original photo.
    """

    preview_ready = Signal(str, int, QImage)

    def __init__(self, queue: JobQueue, *, loop: asyncio.AbstractEventLoop,
                 context: Callable[[str], JobContext | None], parent: QWidget | None = None):
        super().__init__(parent)
        self._queue = queue
        self._loop = loop
        self._context = context
        self._strips: dict[str, JobStrip] = {}
        self._tasks: set[asyncio.Task] = set()
        self._preview: asyncio.Task | None = None
        self._shown: tuple[str, int] | None = None
        self.following = True
        self._group = QButtonGroup(self)
        self._group.setExclusive(True)
        self.original = QPushButton("Original")
        self.original.setCheckable(True)
        self.original.setChecked(True)
        self.original.setToolTip("Show the photo as it is (hold \\ on the canvas to peek at it)")
        self.original.clicked.connect(self.show_original)
        self._group.addButton(self.original)
        self.viewing = quiet_label("Showing the original photo")
        self.viewing.setWordWrap(True)
        self.empty = quiet_label("Variants appear here as they arrive.")
        self.empty.setWordWrap(True)
        top = QHBoxLayout()
        top.addWidget(self.viewing, 1)
        top.addWidget(self.original)
        self._column, scroll = scrolling_column(spacing=6)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.empty)
        layout.addWidget(scroll, 1)
        queue.job_added.connect(self._add)
        queue.job_changed.connect(self._change)
        queue.variant_added.connect(self._variant_added)
        queue.partial_added.connect(self._partial_added)

    # --- reading -------------------------------------------------------------------------------

    def strip(self, job_id: str) -> JobStrip:
        return self._strips[job_id]

    def shown(self) -> tuple[str, int] | None:
        """(job id, variant index) on the canvas now; None for the original photo."""
        return self._shown

    def busy(self) -> bool:
        return any(not task.done() for task in self._tasks)

    # --- choosing ------------------------------------------------------------------------------

    def choose(self, job_id: str, index: int) -> None:
        """Show this variant (or, with PARTIAL, the job's latest streamed preview) on the canvas."""
        self.following = False
        self._show(job_id, index)

    def show_original(self) -> None:
        self.following = False
        self._show_original()

    def follow_newest(self) -> None:
        """A new Generate: show its images as they come, until the user picks something else."""
        self.following = True

    def forget_previews(self) -> None:
        """Another photo was opened: the canvas shows it, and nothing is selected."""
        self._cancel_preview()
        self._shown = None
        self.original.setChecked(True)
        self.viewing.setText("Showing the original photo")

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
        self.viewing.setText(f"Showing {what} of #{job.number} — not applied")
        self._cancel_preview()
        self._preview = self._own(self._build_preview(job_id, index, data, context))

    async def _build_preview(self, job_id: str, index: int, data: bytes, context: JobContext) -> None:
        image = await asyncio.to_thread(composite_variant, data, context)
        if self._shown != (job_id, index):
            return
        if image.isNull():
            self.viewing.setText("This image could not be read.")
            return
        self.preview_ready.emit(job_id, index, image)

    def _data(self, job_id: str, index: int) -> bytes | None:
        if index == PARTIAL:
            partial = self._queue.latest_partial(job_id)
            return partial.data if partial is not None else None
        for variant in self._queue.variants(job_id):
            if variant.index == index:
                return variant.data
        return None

    # --- the queue's news ----------------------------------------------------------------------

    def _add(self, job_id: str) -> None:
        strip = JobStrip(self._queue.job(job_id), self._group)
        strip.chosen.connect(self.choose)
        self._strips[job_id] = strip
        self._column.insertWidget(0, strip)
        strip.show()  # now, not when the layout gets to it
        self.empty.hide()

    def _change(self, job_id: str) -> None:
        strip = self._strips.get(job_id)
        if strip is None:
            return
        job = self._queue.job(job_id)
        had_partial = PARTIAL in strip.buttons
        strip.show_job(job)
        if had_partial and PARTIAL not in strip.buttons and self._shown == (job_id, PARTIAL):
            self._shown = None  # the preview gave way to the final images

    def _variant_added(self, job_id: str, index: int) -> None:
        variant = next(v for v in self._queue.variants(job_id) if v.index == index)
        tip = f"Variant {index + 1} · {variant.width} × {variant.height}"
        if variant.path is not None:
            tip += f"\nSaved as {variant.path}"
        self._own(self._add_thumbnail(job_id, index, variant.data, tip, show=self._should_follow(job_id)))

    def _partial_added(self, job_id: str, index: int) -> None:
        partial = self._queue.latest_partial(job_id)
        if partial is None:
            return
        following = self._should_follow(job_id) and not self._has_final(job_id)
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

    def _has_final(self, job_id: str) -> bool:
        return bool(self._queue.variants(job_id))

    async def _add_thumbnail(self, job_id: str, index: int, data: bytes, tip: str, *, show: bool) -> None:
        image = await asyncio.to_thread(thumbnail, data)
        strip = self._strips.get(job_id)
        if strip is None or image.isNull():
            return
        if index != PARTIAL and self._queue.job(job_id).state.finished and PARTIAL in strip.buttons:
            strip._remove(PARTIAL)
        strip.set_image(index, image, tip)
        if show:
            self._show(job_id, index)

    # --- tasks ---------------------------------------------------------------------------------

    def _own(self, coroutine) -> asyncio.Task:
        task = self._loop.create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("results panel: %s", task.exception(), exc_info=task.exception())

    def _cancel_preview(self) -> None:
        if self._preview is not None and not self._preview.done():
            self._preview.cancel()
        self._preview = None

    def shutdown(self) -> None:
        for task in list(self._tasks):
            task.cancel()
