"""Runs Generate: each job is one `EditRun` (editor.pipeline), started as a task of the window.

`JobRunner` is the window's thin adapter to the pipeline. It starts one task per job in the
window's TaskOwner (editor.core.tasks), keyed by the job's id, so every job can be cancelled, none
is ever fire-and-forget and all are awaited at shutdown; and it turns the run's events into the
JobQueue's records and signals on the GUI thread (the qasync loop runs there). Every step of the
work itself (building the backend, planning, encoding, sending, saving, decoding, measuring) is
the pipeline's, the same the command line runs.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import asdict, replace
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from editor.backends.base import EditBackend, EditError
from editor.core.job_record import RECORD_KEY
from editor.core.jobs import Job, JobQueue, JobState, Variant
from editor.core.tasks import TaskGroup, TaskOwner
from editor.pipeline.events import Event, Outcome, PartialImage, Planned, Stage, VariantReady
from editor.pipeline.options import EditOptions, normalized, provider_label
from editor.pipeline.run import UNEXPECTED_FAILURE, EditRun, open_backend
from editor.pipeline.snapshot import EditSnapshot

log = logging.getLogger(__name__)

BackendFactory = Callable[[EditOptions], EditBackend]

_STATES = {"preparing": JobState.PREPARING, "sending": JobState.SENDING, "resending": JobState.SENDING,
           "waiting": JobState.WAITING, "retrying": JobState.RETRYING, "receiving": JobState.RECEIVING}


class JobRunner(QObject):
    """Turns snapshots into jobs on `queue` and runs at most `concurrency` of them at a time.

    `backend_factory(options)` builds the backend for one job; it is called in a worker thread
    (building may import heavy modules or read the keychain) and must not touch Qt objects. Each
    job's backend is closed when the job ends. Results go to `results_dir`, each
    image written before `JobQueue.variant_added` announces it, with the job's record (prompt,
    options, usage, timings, request id, the photo's hash and the mask it was sent with).
    `planned(job_id, crop)` says which part of the photo a job sent: (x, y, w, h), or None for all.
    """

    planned = Signal(str, object)

    def __init__(self, queue: JobQueue, *, backend_factory: BackendFactory, results_dir: Path,
                 concurrency: int = 2, mask_threshold: int = 128,
                 loop: asyncio.AbstractEventLoop | None = None, tasks: TaskGroup | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        if concurrency < 1:
            raise ValueError(f"concurrency must be at least 1, not {concurrency}")
        self._queue = queue
        self._factory = backend_factory
        self._results_dir = results_dir
        self._threshold = mask_threshold
        self._slots = asyncio.Semaphore(concurrency)
        # The window's TaskOwner owns the jobs' tasks (keyed by job id) and awaits them at
        # shutdown; each job's own done-callback reports how it ended.
        self._jobs = tasks if tasks is not None else TaskOwner(loop).group("jobs")
        self._jobs.on_error = _reported_by_the_job

    @property
    def queue(self) -> JobQueue:
        return self._queue

    @property
    def results_dir(self) -> Path:
        return self._results_dir

    def configure(self, *, results_dir: Path, mask_threshold: int) -> None:
        """Settings changed: jobs submitted from now on save there and use this threshold."""
        self._results_dir = results_dir
        self._threshold = mask_threshold

    def submit(self, snapshot: EditSnapshot) -> str:
        """Queue a job for `snapshot` and return its id; it starts when a slot is free."""
        options = normalized(snapshot.options)
        number = self._queue.next_number()
        job_id = f"job-{number}-{secrets.token_hex(3)}"
        label = provider_label(options)
        self._queue.add(Job(id=job_id, number=number, prompt=snapshot.prompt, options=options,
                            provider_label=label, message="Queued"))
        record = {"job_id": job_id, "number": number, "provider_label": label, "options": asdict(options),
                  **snapshot.record}
        snapshot = replace(snapshot, options=options, threshold=self._threshold)
        run = EditRun(snapshot, self._results_dir, on_event=functools.partial(self._on_event, job_id),
                      record={RECORD_KEY: record})
        task = self._jobs.start(self._run(job_id, run), key=job_id)
        task.add_done_callback(functools.partial(self._task_done, job_id))
        return job_id

    def cancel(self, job_id: str) -> bool:
        """Stop the job; images that already arrived are kept. False if it is not running."""
        return self._jobs.cancel(job_id)

    def cancel_newest(self) -> bool:
        """Cancel the most recently submitted job that has not finished (the Esc key)."""
        running = [job for job in self._queue.jobs() if self._jobs.busy(job.id) and not job.state.finished]
        newest = max(running, key=lambda job: job.number, default=None)
        return newest is not None and self.cancel(newest.id)

    def active_ids(self) -> list[str]:
        """Jobs whose task has not ended yet (queued or running)."""
        return self._jobs.keys()

    def active_count(self) -> int:
        return len(self._jobs.keys())

    async def shutdown(self) -> None:
        """Cancel every job and wait until each has ended and closed its backend."""
        tasks = self._jobs.tasks()
        self._jobs.cancel()
        if tasks:
            await asyncio.wait(tasks)

    async def _run(self, job_id: str, run: EditRun) -> None:
        async with self._slots:
            self._set(job_id, JobState.PREPARING, "Preparing the photo and the mask", started_at=time.time())
            factory = functools.partial(self._factory, run.snapshot.options)
            try:
                async with open_backend(factory) as backend:
                    outcome = await run.run(backend)
            except asyncio.CancelledError:
                outcome = run.outcome
                self._finish(job_id, JobState.CANCELLED, outcome.message if outcome else "Cancelled.")
                raise
            except EditError as error:  # the backend could not be built (no key, no base URL, …)
                self._finish(job_id, JobState.FAILED, error.message, details=tuple(error.details().items()))
                return
            self._finish_with(job_id, outcome)

    def _finish_with(self, job_id: str, outcome: Outcome) -> None:
        result, error = outcome.result, outcome.error
        if outcome.status == "completed" and result is not None:
            usage = tuple(result.usage.as_dict().items()) if result.usage else ()
            self._finish(job_id, JobState.DONE, outcome.message, attempts=result.attempts,
                         request_id=result.request_id, usage=usage)
        elif error is not None:
            self._finish(job_id, JobState.FAILED, outcome.message, details=tuple(error.details().items()),
                         request_id=error.request_id)
        else:
            self._finish(job_id, JobState.FAILED, outcome.message)

    def _on_event(self, job_id: str, event: Event) -> None:
        if job_id not in self._queue:
            return  # another photo is open; the run still writes into its own project's folder
        if isinstance(event, Stage):
            message, changes = event.message, {}
            if event.name == "retrying":
                wait = f" in {event.wait_s:.0f} s" if event.wait_s else ""
                message = f"{event.message} Attempt {event.attempt}{wait}."
            elif event.attempt is not None:
                changes["attempts"] = event.attempt
            self._set(job_id, _STATES[event.name], message, **changes)
        elif isinstance(event, Planned):
            self.planned.emit(job_id, event.context.crop if event.context.cropped else None)
        elif isinstance(event, PartialImage):
            self._queue.set_partial(job_id, _variant(event.index, event.image, None))
        elif isinstance(event, VariantReady):
            self._queue.add_variant(job_id, _variant(event.index, event.image, event.path, event.pixels))
            if event.spill is not None:
                self._queue.mark(job_id, event.index, spill=event.spill)

    def _set(self, job_id: str, state: JobState, message: str, **changes: object) -> None:
        if job_id in self._queue and not self._queue.job(job_id).state.finished:
            self._queue.update(job_id, state=state, message=message, **changes)

    def _finish(self, job_id: str, state: JobState, message: str, **changes: object) -> None:
        self._set(job_id, state, message, finished_at=time.time(), **changes)

    def _task_done(self, job_id: str, task: asyncio.Task[None]) -> None:
        if job_id not in self._queue:
            return  # the window moved on to another photo; the job's files stay in its project
        job = self._queue.job(job_id)
        if task.cancelled():
            # Cancelled before it started (or while waiting for a slot): nothing ran, nothing to keep.
            if not job.state.finished:
                self._queue.update(job_id, state=JobState.CANCELLED, message="Cancelled before it started.",
                                   finished_at=time.time())
            return
        error = task.exception()
        if error is not None:
            log.error("Job %s ended with an unexpected error", job_id, exc_info=error)
            if not job.state.finished:
                self._queue.update(job_id, state=JobState.FAILED, message=UNEXPECTED_FAILURE,
                                   finished_at=time.time())


def _reported_by_the_job(_error: BaseException) -> None:
    """A job's task failing is reported by its own done-callback (JobRunner._task_done)."""


def _variant(index: int, image, path: Path | None, pixels=None) -> Variant:
    return Variant(index=index, data=image.data, content_type=image.content_type, width=image.width,
                   height=image.height, path=path, pixels=pixels)
