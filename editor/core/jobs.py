"""Jobs as records, and the queue that keeps them: bookkeeping and signals, no work.

A `Job` is frozen; every change replaces the record, so views can compare old and new and a
record handed to another thread never changes underneath it. `JobQueue` fires its signals only
on a real change. The runner (editor.core.runner) does the work and reports here.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from editor.pipeline.options import EditOptions

if TYPE_CHECKING:
    import numpy as np


# Decoded results kept for the views (thumbnails, the canvas preview) without decoding again:
# about 50 variants of 1536×1024, or 8 of gpt-image-2's largest.
DECODED_BUDGET_BYTES = 256 * 1024 * 1024


class JobState(Enum):
    QUEUED = "queued"
    PREPARING = "preparing"
    SENDING = "sending"
    WAITING = "waiting"
    RETRYING = "retrying"
    RECEIVING = "receiving"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def finished(self) -> bool:
        return self in (JobState.DONE, JobState.FAILED, JobState.CANCELLED)

    @property
    def label(self) -> str:
        return {
            JobState.QUEUED: "Queued",
            JobState.PREPARING: "Preparing",
            JobState.SENDING: "Sending",
            JobState.WAITING: "Waiting for the model",
            JobState.RETRYING: "Retrying",
            JobState.RECEIVING: "Receiving",
            JobState.DONE: "Done",
            JobState.FAILED: "Failed",
            JobState.CANCELLED: "Cancelled",
        }[self]


@dataclass(frozen=True)
class Variant:
    """One image a job returned (or a streamed preview of it), as received, and where it is saved.

    `data` is the image as received; None once it is only on disk at `path` (a variant read back
    from a project, or one whose decoded pixels gave way to newer ones), so a project of hundreds
    of results holds none of their bytes in memory. `pixels` is the image decoded once by the
    pipeline, (h, w, 3|4) RGB(A), for the views to use instead of decoding again; None for
    previews and for variants read back from disk."""

    index: int
    data: bytes | None = field(repr=False)
    content_type: str
    width: int
    height: int
    path: Path | None = None
    pixels: np.ndarray | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.data is None and self.path is None:
            raise ValueError("a variant needs its bytes or the file that holds them")

    @property
    def source(self) -> np.ndarray | bytes | Path:
        """What the views make pictures from (editor.core.variant_images reads a file in a
        worker): the decoded pixels, else the bytes received, else the file."""
        if self.pixels is not None:
            return self.pixels
        return self.data if self.data is not None else self.path


@dataclass(frozen=True)
class Job:
    """One Generate: what was asked, where it stands, and — when it failed — why, for a person.

    `details` holds the facts for "Copy details" (status, request id, the service's words) as
    (name, value) pairs, so the record stays hashable; it never holds the API key. `usage` holds
    the token counts the service reported, the same way.
    """

    id: str
    number: int
    prompt: str
    options: EditOptions
    provider_label: str
    state: JobState = JobState.QUEUED
    message: str = ""
    details: tuple[tuple[str, object], ...] = ()
    created_at: float = field(default_factory=time.time)
    started_at: float | None = None
    finished_at: float | None = None
    attempts: int = 0
    variant_count: int = 0
    usage: tuple[tuple[str, int | None], ...] = ()
    request_id: str | None = None
    restored: bool = False  # ran in an earlier session (a restored or opened project)

    @property
    def error_details(self) -> dict[str, object]:
        """`details` as a dict, for "Copy details" (never holds the key)."""
        return dict(self.details)

    @property
    def total_tokens(self) -> int | None:
        return dict(self.usage).get("total_tokens")

    def elapsed(self, now: float | None = None) -> float:
        if self.started_at is None:
            return 0.0
        end = self.finished_at if self.finished_at is not None else (now or time.time())
        return max(0.0, end - self.started_at)


@dataclass(frozen=True)
class VariantMarks:
    """What the user and the spill meter said about a variant.

    `spill` is the share (0..1) of the pixels outside the mask the model changed; None until measured.
    """

    starred: bool = False
    discarded: bool = False
    spill: float | None = None


class JobQueue(QObject):
    """Every job of the session, its variants, their marks and each job's latest streamed preview."""

    job_added = Signal(str)
    restoring = Signal(bool)  # True before many jobs are put back at once, False after
    job_changed = Signal(str)
    variant_added = Signal(str, int)
    partial_added = Signal(str, int)
    marks_changed = Signal(str, int)
    # Every job is gone: another photo or project is open, whose results are its own.
    cleared = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._jobs: dict[str, Job] = {}
        self._variants: dict[str, list[Variant]] = {}
        self._partials: dict[str, Variant] = {}
        self._marks: dict[tuple[str, int], VariantMarks] = {}
        # Variants whose decoded pixels are held, oldest first, within `decoded_budget` bytes.
        self._decoded: list[tuple[str, int]] = []
        self.decoded_budget = DECODED_BUDGET_BYTES

    def add(self, job: Job) -> None:
        if job.id in self._jobs:
            raise ValueError(f"job {job.id} already exists")
        self._jobs[job.id] = job
        self._variants[job.id] = []
        self.job_added.emit(job.id)

    def update(self, job_id: str, **changes: object) -> Job:
        """Replace the job's record with these fields changed; signal only if something did."""
        old = self._jobs[job_id]
        new = replace(old, **changes)
        if new != old:
            self._jobs[job_id] = new
            self.job_changed.emit(job_id)
        return new

    def add_variant(self, job_id: str, variant: Variant) -> None:
        variants = self._variants[job_id]
        if any(v.index == variant.index for v in variants):
            return
        variants.append(variant)
        variants.sort(key=lambda v: v.index)
        if variant.pixels is not None:
            self._decoded.append((job_id, variant.index))
            self._keep_decoded_within(self.decoded_budget)
        self.update(job_id, variant_count=len(variants))
        self.variant_added.emit(job_id, variant.index)

    def _keep_decoded_within(self, budget: int) -> None:
        """Drop the decoded pixels of the oldest variants past `budget` bytes, and their encoded
        bytes too when they are saved: the views decode the bytes or the file again when an old
        variant is shown."""
        held = {key: self._pixels_of(*key) for key in self._decoded}
        total = sum(pixels.nbytes for pixels in held.values() if pixels is not None)
        while total > budget and len(self._decoded) > 1:
            job_id, index = self._decoded.pop(0)
            pixels = held[job_id, index]
            if pixels is not None:
                total -= pixels.nbytes
                self._variants[job_id] = [
                    replace(v, pixels=None, data=None if v.path is not None else v.data)
                    if v.index == index else v for v in self._variants[job_id]]

    def _pixels_of(self, job_id: str, index: int):
        return next((v.pixels for v in self._variants[job_id] if v.index == index), None)

    def clear(self) -> None:
        """Forget every job (another photo or project takes the window; its results stay in its
        project folder). Refused while a job is still running: its images have nowhere to go."""
        if self.newest_active() is not None:
            raise RuntimeError("a job is still running")
        if not self._jobs:
            return
        self._jobs.clear()
        self._variants.clear()
        self._partials.clear()
        self._marks.clear()
        self._decoded.clear()
        self.cleared.emit()

    def restore_all(self, jobs: list[tuple[Job, list[Variant], dict[int, VariantMarks]]]) -> None:
        """Put back many jobs at once (an opened project): `restoring` brackets them, so views can
        lay out once instead of once per job."""
        self.restoring.emit(True)
        try:
            for job, variants, marks in jobs:
                self.restore(job, variants, marks)
        finally:
            self.restoring.emit(False)

    def restore(self, job: Job, variants: list[Variant],
                marks: dict[int, VariantMarks] | None = None) -> None:
        """Put back a job that ran before (a restored or opened project), with its variants and
        marks in place when `job_added` tells the views: one signal per job, not three or more
        (a project of hundreds of jobs opens in one pass)."""
        if job.id in self._jobs:
            raise ValueError(f"job {job.id} already exists")
        kept: dict[int, Variant] = {}
        for variant in variants:
            kept.setdefault(variant.index, variant)  # the first of an index, as add_variant keeps it
        for index, mark in (marks or {}).items():
            self._marks[job.id, index] = mark
        self._jobs[job.id] = replace(job, variant_count=len(kept))
        self._variants[job.id] = [kept[index] for index in sorted(kept)]
        decoded = [(job.id, index) for index in sorted(kept) if kept[index].pixels is not None]
        if decoded:
            self._decoded.extend(decoded)
            self._keep_decoded_within(self.decoded_budget)
        self.job_added.emit(job.id)

    def marks(self, job_id: str, index: int) -> VariantMarks:
        return self._marks.get((job_id, index), VariantMarks())

    def mark(self, job_id: str, index: int, **changes: object) -> None:
        """Star, discard or record the spill of a variant; signal only a real change."""
        old = self.marks(job_id, index)
        new = replace(old, **changes)
        if new != old:
            self._marks[job_id, index] = new
            self.marks_changed.emit(job_id, index)

    def set_partial(self, job_id: str, variant: Variant) -> None:
        self._partials[job_id] = variant
        self.partial_added.emit(job_id, variant.index)

    def next_number(self) -> int:
        """The number the next job gets (1, 2, …), what people call it by ("Job 3")."""
        return max((job.number for job in self._jobs.values()), default=0) + 1

    def jobs(self) -> list[Job]:
        return list(self._jobs.values())

    def job(self, job_id: str) -> Job:
        return self._jobs[job_id]

    def __contains__(self, job_id: object) -> bool:
        return job_id in self._jobs

    def variants(self, job_id: str) -> list[Variant]:
        return list(self._variants[job_id])

    def latest_partial(self, job_id: str) -> Variant | None:
        return self._partials.get(job_id)

    def token_totals(self) -> tuple[int, int]:
        """Tokens the service reported: (this session's jobs, the whole project's)."""
        jobs = self._jobs.values()
        session = sum(job.total_tokens or 0 for job in jobs if not job.restored)
        return session, sum(job.total_tokens or 0 for job in jobs)

    def estimate_tokens(self, variants: int) -> int | None:
        """What a job of `variants` images will likely cost, from the tokens per image of the
        project's earlier jobs; None before any job reported its usage."""
        measured = [job for job in self._jobs.values() if job.total_tokens and job.variant_count]
        images = sum(job.variant_count for job in measured)
        if not images:
            return None
        return round(sum(job.total_tokens for job in measured) / images * variants)

    def newest_active(self) -> Job | None:
        active = [job for job in self._jobs.values() if not job.state.finished]
        return max(active, key=lambda job: job.number, default=None)
