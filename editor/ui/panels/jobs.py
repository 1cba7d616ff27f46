"""The job queue as a list: each job's state and running time, Cancel while it runs, and for a
failed job the reason in words plus "Copy details" (status, request id, the service's message —
never the key). Every row is one line, whatever the reason says (elided; the whole of it in the
tooltip and in Copy details), so a failure never pushes the results out of view. A view of
JobQueue only: cancelling is asked for through a signal.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication, QPainter, QPalette
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from editor.core.jobs import Job, JobQueue, JobState
from editor.ui import theme
from editor.ui.panels import quiet_label, scrolling_column

TICK_MS = 200
DETAIL_LABELS = (
    ("status", "HTTP status"), ("request_id", "Request id"), ("error", "Error"), ("code", "Code"),
    ("server_message", "Service message"),
)
# The theme's colour for a job's state (editor.ui.theme names it).
STATE_COLOURS = {JobState.FAILED: "danger", JobState.DONE: "ok", JobState.CANCELLED: None}


def format_elapsed(seconds: float) -> str:
    """0.0 s … 59.9 s, then 1:05, as a running clock reads."""
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(int(seconds), 60)
    return f"{minutes}:{rest:02d}"


def details_text(job: Job) -> str:
    """What "Copy details" puts on the clipboard: the facts a support request needs."""
    facts = dict(job.details)
    if job.request_id and not facts.get("request_id"):
        facts["request_id"] = job.request_id
    lines = [f"Job #{job.number} · {job.provider_label} · {job.options.model or 'default model'}",
             f"State: {job.state.label}", f"Message: {job.message}"]
    for key, label in DETAIL_LABELS:
        value = facts.get(key)
        if value not in (None, ""):
            lines.append(f"{label}: {value}")
    lines.append(f"Attempts: {job.attempts}")
    return "\n".join(lines)


class ElidedLabel(QLabel):
    """One line of plain text that ends in "…" when the panel is narrower than the text."""

    def __init__(self, text: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self._full = ""
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.set_full_text(text)

    def set_full_text(self, text: str) -> None:
        self._full = text
        self._elide()

    def full_text(self) -> str:
        return self._full

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        shown = self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideRight, max(self.width(), 40))
        if shown != self.text():
            self.setText(shown)


class ElidedPainting(QLabel):
    """One line of plain text painted with "…" where it does not fit; unlike ElidedLabel, `text()`
    stays the whole text, for a sentence that is read whole elsewhere (a job's reason in Copy
    details, the results panel's "Showing …" line in its tooltip)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)

    def minimumSizeHint(self) -> QSize:
        return QSize(0, super().minimumSizeHint().height())

    def paintEvent(self, event) -> None:
        rect = self.contentsRect()
        shown = self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideRight, rect.width())
        painter = QPainter(self)
        self.style().drawItemText(painter, rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                                  self.palette(), self.isEnabled(), shown, self.foregroundRole())
        painter.end()


class JobRow(QFrame):
    """One job on one line: number, the prompt (or, once there is one, the reason: why it failed,
    what it is retrying), state, elapsed time, and Cancel while it runs or Copy details once failed."""

    cancel_requested = Signal(str)

    def __init__(self, job: Job, parent: QWidget | None = None):
        super().__init__(parent)
        self.job_id = job.id
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.number = QLabel()
        self.title = ElidedLabel()
        self.state = QLabel()
        self.elapsed = quiet_label()
        self.elapsed.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.cancel = QPushButton("Cancel")
        self.cancel.setToolTip("Stop this job (Esc stops the newest one)")
        self.cancel.clicked.connect(lambda: self.cancel_requested.emit(self.job_id))
        self.message = ElidedPainting()
        self.copy = QPushButton("Copy details")
        self.copy.setToolTip("Copy the status, request id and the service's message (never the key)")
        self.copy.clicked.connect(self.copy_details)
        line = QHBoxLayout(self)
        line.setContentsMargins(8, 4, 8, 4)
        line.setSpacing(8)
        line.addWidget(self.number)
        line.addWidget(self.title, 1)
        line.addWidget(self.message, 1)
        line.addWidget(self.state)
        line.addWidget(self.elapsed)
        line.addWidget(self.cancel)
        line.addWidget(self.copy)
        self._job = job
        self.show_job(job)

    def show_job(self, job: Job) -> None:
        self._job = job
        self.number.setText(f"<b>#{job.number}</b>")
        self.title.set_full_text(" ".join(job.prompt.split()) or "(no prompt)")
        self.title.setToolTip(job.prompt)
        self.state.setText(job.state.label)
        name = STATE_COLOURS.get(job.state)
        colour = getattr(theme.current(), name) if name else None
        self.state.setStyleSheet(f"color: {colour}; font-weight: 600;" if colour else "")
        self.cancel.setVisible(not job.state.finished)
        failed = job.state is JobState.FAILED
        show_message = failed or job.state in (JobState.RETRYING, JobState.CANCELLED)
        self.message.setText(job.message)
        self.message.setToolTip(f"{job.message}\n\nPrompt: {job.prompt.strip() or '(no prompt)'}")
        reason = show_message and bool(job.message)
        self.message.setVisible(reason)
        self.title.setVisible(not reason)  # the line is the reason's; the prompt is in its tooltip
        if failed:
            self.message.setStyleSheet(f"color: {theme.current().danger};")
        else:
            self.message.setStyleSheet("")
            self.message.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.copy.setVisible(failed)
        self.tick()

    def tick(self, now: float | None = None) -> None:
        self.elapsed.setText(format_elapsed(self._job.elapsed(now)) if self._job.started_at else "")

    def job(self) -> Job:
        return self._job

    def copy_details(self) -> None:
        QGuiApplication.clipboard().setText(details_text(self._job))


class JobsPanel(QWidget):
    """The jobs that need the user: running or waiting ones (ticking, with Cancel) and failed ones
    (the reason and Copy details), newest on top. A finished job's row steps aside, since its
    strip in the Results panel already shows all of it; `attention_changed` says whether any row
    is left to show, so the window can give the room back."""

    cancel_requested = Signal(str)
    attention_changed = Signal(bool)

    def __init__(self, queue: JobQueue, parent: QWidget | None = None):
        super().__init__(parent)
        self._queue = queue
        self._rows: dict[str, JobRow] = {}
        self._shown: set[str] = set()  # the rows on show: running, waiting or failed jobs
        self._column, scroll = scrolling_column(spacing=4)
        self.empty = quiet_label("No jobs yet. Paint a mask, write a prompt, press Ctrl+Enter.")
        self.empty.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.empty)
        layout.addWidget(scroll, 1)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding)
        self._clock = QTimer(self, interval=TICK_MS)
        self._clock.timeout.connect(self._tick)
        self._attention = False
        queue.job_added.connect(self._add)
        queue.job_changed.connect(self._change)
        queue.cleared.connect(self._clear)
        for job in queue.jobs():
            self._add(job.id)

    def needs_attention(self) -> bool:
        """True while some row is shown: a job running or waiting, or one that failed."""
        return self._attention

    def row(self, job_id: str) -> JobRow:
        return self._rows[job_id]

    def rows(self) -> list[JobRow]:
        """Newest first, as shown."""
        return sorted(self._rows.values(), key=lambda row: -row.job().number)

    def _add(self, job_id: str) -> None:
        self._change(job_id)

    def _clear(self) -> None:
        for row in self._rows.values():
            row.hide()
            row.setParent(None)
            row.deleteLater()
        self._rows.clear()
        self._shown.clear()
        self._update_clock()
        self.empty.show()
        if self._attention:
            self._attention = False
            self.attention_changed.emit(False)

    def _change(self, job_id: str) -> None:
        job = self._queue.job(job_id)
        shown = not job.state.finished or job.state is JobState.FAILED
        row = self._rows.get(job_id)
        if row is None and shown:  # a job that arrives done (a restored project) never needs a row
            row = JobRow(job)
            row.cancel_requested.connect(self.cancel_requested)
            self._rows[job_id] = row
            self._column.insertWidget(0, row)
            self.empty.hide()
        if row is not None:
            row.show_job(job)
            # Now, not when the layout gets to it: views and tests read it at once.
            row.setVisible(shown)
        if shown:
            self._shown.add(job_id)
        else:
            self._shown.discard(job_id)
        self._update_clock()
        attention = bool(self._shown)
        if attention != self._attention:
            self._attention = attention
            self.attention_changed.emit(attention)

    def _update_clock(self) -> None:
        running = any(not self._rows[job_id].job().state.finished for job_id in self._shown)
        if running and not self._clock.isActive():
            self._clock.start()
        elif not running:
            self._clock.stop()

    def _tick(self) -> None:
        now = time.time()
        for row in self._rows.values():
            if not row.job().state.finished:
                row.tick(now)
