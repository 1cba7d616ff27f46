"""Runs Generate: a job snapshot becomes uploads, a request, a backend call and saved variants.

`JobRunner` owns one asyncio task per job, kept under the job's id until it ends, so every job
can be cancelled and none is ever fire-and-forget. The pixel work (encoding the photo, the mask
PNG, the references), building the backend (which may import httpx or OpenCV and read the
keychain) and writing results all run in worker threads: the loop runs on the GUI thread, which
only hands over snapshots and records progress. Every outcome is a job state with a sentence for
a person; nothing raised in a job escapes it. The document and earlier results are never touched.
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

from PySide6.QtCore import QObject

from editor.backends.base import (
    EditBackend,
    EditError,
    EditRequest,
    EditResult,
    InvalidRequest,
    Progress,
    ResultImage,
)
from editor.core.jobs import Job, JobQueue, JobState, Variant
from editor.core.options import EditOptions, normalized
from editor.core.session import RECORD_KEY
from editor.imaging.load import ImageLoadError
from editor.imaging.mask import MaskError, coverage_png
from editor.imaging.prepare import EditContext
from editor.imaging.upload import prepare_uploads
from editor.job_output import JobWriter

# The snapshot and the request building live in editor.job_request; re-exported for the callers that
# import them from here.
from editor.job_request import OFFLINE_PROMPT, JobSnapshot, edit_request, provider_label

log = logging.getLogger(__name__)

__all__ = [
    "OFFLINE_PROMPT", "SMALLER_REFERENCE_SIDE", "SMALLER_SIDE", "UNEXPECTED_FAILURE", "BackendFactory",
    "JobRunner", "JobSnapshot", "edit_request", "provider_label",
]

BackendFactory = Callable[[EditOptions], EditBackend]

# After a 413 (payload too large), the one retry sends the photo and references this small at most.
SMALLER_SIDE = 1536
SMALLER_REFERENCE_SIDE = 1024
UNEXPECTED_FAILURE = ("Something unexpected went wrong while generating; nothing was changed. "
                      "Try again, and if it happens again send the log to the developers.")


class JobRunner(QObject):
    """Turns snapshots into jobs on `queue` and runs at most `concurrency` of them at a time.

    `backend_factory(options)` builds the backend for one job; it is called in a worker thread
    (building may import heavy modules or read the keychain) and must not touch Qt objects. Each
    job's backend is closed when the job ends. Results go to `results_dir`, each
    image written before `JobQueue.variant_added` announces it, with the job's record (prompt,
    options, usage, timings, request id, the photo's hash and the mask it was sent with).
    """

    def __init__(self, queue: JobQueue, *, backend_factory: BackendFactory, results_dir: Path,
                 concurrency: int = 2, mask_threshold: int = 128,
                 loop: asyncio.AbstractEventLoop | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        if concurrency < 1:
            raise ValueError(f"concurrency must be at least 1, not {concurrency}")
        self._queue = queue
        self._factory = backend_factory
        self._results_dir = results_dir
        self._threshold = mask_threshold
        self._loop = loop
        self._slots = asyncio.Semaphore(concurrency)
        self._tasks: dict[str, asyncio.Task[None]] = {}

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

    def submit(self, snapshot: JobSnapshot) -> str:
        """Queue a job for `snapshot` and return its id; it starts when a slot is free."""
        options = normalized(snapshot.options)
        number = self._queue.next_number()
        job_id = f"job-{number}-{secrets.token_hex(3)}"
        label = provider_label(options)
        self._queue.add(Job(id=job_id, number=number, prompt=snapshot.prompt, options=options,
                            provider_label=label, message="Queued"))
        record = {"job_id": job_id, "number": number, "provider_label": label, "options": asdict(options),
                  "context": snapshot.context.as_record() if snapshot.context is not None else None,
                  **snapshot.record}
        run = _Run(self._queue, job_id, replace(snapshot, options=options), factory=self._factory,
                   out_dir=self._results_dir, threshold=self._threshold, record={RECORD_KEY: record})
        task = self._event_loop().create_task(self._run(run), name=f"maskedit {job_id}")
        self._tasks[job_id] = task
        task.add_done_callback(functools.partial(self._task_done, job_id))
        return job_id

    def cancel(self, job_id: str) -> bool:
        """Stop the job; images that already arrived are kept. False if it is not running."""
        task = self._tasks.get(job_id)
        if task is None or task.done():
            return False
        task.cancel()
        return True

    def cancel_newest(self) -> bool:
        """Cancel the most recently submitted job that has not finished (the Esc key)."""
        running = [job for job in self._queue.jobs() if job.id in self._tasks and not job.state.finished]
        newest = max(running, key=lambda job: job.number, default=None)
        return newest is not None and self.cancel(newest.id)

    def active_ids(self) -> list[str]:
        """Jobs whose task has not ended yet (queued or running)."""
        return list(self._tasks)

    def active_count(self) -> int:
        return len(self._tasks)

    async def shutdown(self) -> None:
        """Cancel every job and wait until each has ended and closed its backend."""
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _run(self, run: _Run) -> None:
        async with self._slots:
            await run.perform()

    def _task_done(self, job_id: str, task: asyncio.Task[None]) -> None:
        if self._tasks.get(job_id) is task:
            del self._tasks[job_id]
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

    def _event_loop(self) -> asyncio.AbstractEventLoop:
        if self._loop is not None:
            return self._loop
        try:
            return asyncio.get_running_loop()
        except RuntimeError:
            return asyncio.get_event_loop()


class _Run:
    """One job from preparation to its last saved image; reports every step to the queue."""

    def __init__(self, queue: JobQueue, job_id: str, snapshot: JobSnapshot, *, factory: BackendFactory,
                 out_dir: Path, threshold: int, record: dict) -> None:
        self.queue = queue
        self.job_id = job_id
        self.snapshot = snapshot
        self.factory = factory
        self.out_dir = out_dir
        self.threshold = threshold
        self.record = record
        self.backend: EditBackend | None = None
        self.writer: JobWriter | None = None
        # Saving is serialised (FIFO lock) so previews and variants are announced in arrival order.
        self._save_lock = asyncio.Lock()
        self._saves: list[asyncio.Task[None]] = []
        self._announced: set[int] = set()

    async def perform(self) -> None:
        self._set(JobState.PREPARING, "Preparing the photo and the mask", started_at=time.time())
        try:
            await self._generate()
        except asyncio.CancelledError:
            kept = await self._keep_what_arrived("cancelled")
            self._finish(JobState.CANCELLED, "Cancelled." + (f" {_count(kept)} that had arrived kept."
                                                             if kept else ""))
            raise
        except EditError as error:
            await self._keep_what_arrived("failed", error)
            sent = "" if not isinstance(error, InvalidRequest) else " Nothing was sent."
            self._finish(JobState.FAILED, error.message + sent, details=tuple(error.details().items()),
                         request_id=error.request_id)
        except (ImageLoadError, MaskError) as error:
            self._finish(JobState.FAILED, f"{error.message} Nothing was sent.")
        except OSError as error:
            log.warning("Job %s: could not save results: %s", self.job_id, error)
            self._finish(JobState.FAILED, f"The results could not be saved into {self.out_dir}: "
                         f"{error.strerror or error}. Free some disk space and try again.")
        except Exception:
            log.exception("Job %s failed unexpectedly", self.job_id)
            await self._keep_what_arrived("failed")
            self._finish(JobState.FAILED, UNEXPECTED_FAILURE)
        finally:
            await self._close_backend()

    async def _generate(self) -> None:
        snapshot, options = self.snapshot, self.snapshot.options
        self.backend = await asyncio.to_thread(_build_backend, self.factory, options)
        context = snapshot.context
        if context is not None and context.cropped:  # the model answers at the crop's size
            options = replace(options, size=f"{context.size[0]}x{context.size[1]}")
        uploads = await asyncio.to_thread(
            prepare_uploads, snapshot.photo, original=snapshot.photo_bytes, order=snapshot.photo_order,
            coverage=snapshot.coverage, threshold=self.threshold, references=snapshot.references,
            context=context)
        request = edit_request(uploads, snapshot.prompt, options)
        inputs = [Path(snapshot.photo_name)] if snapshot.photo_name else []
        mask_png = None
        if snapshot.coverage is not None:
            mask_png = await asyncio.to_thread(coverage_png, snapshot.coverage)
        self.writer = JobWriter(self.out_dir, stem=snapshot.stem, request=request, provider=options.provider,
                                base_url=getattr(self.backend, "base_url", None), inputs=inputs,
                                mask_png=mask_png, extra=self.record)
        self._set(JobState.SENDING, f"Sending to {self.backend.description or self.backend.name}")
        smaller = ""
        try:
            result = await self.backend.edit(request, self._on_progress)
        except EditError as error:
            if error.status != 413:
                raise
            request = await self._smaller(request, options)
            self.writer.request = request  # the record tells what was sent in the end
            smaller = " (sent again smaller after the provider refused the first upload as too large)"
            try:
                result = await self.backend.edit(request, self._on_progress)
            except EditError as again:
                if again.status == 413:
                    again.message = f"{again.message} A smaller upload was refused too."
                raise
        for index, image in enumerate(result.images):
            self._save_variant(index, image)
        await self._drain()
        await asyncio.to_thread(self.writer.finish, result=result)
        count = len(self.queue.variants(self.job_id))
        self._finish(JobState.DONE, f"{_count(count)} in {result.elapsed_s:.1f} s{smaller}",
                     attempts=result.attempts, request_id=result.request_id, usage=_usage(result))

    async def _smaller(self, request: EditRequest, options: EditOptions) -> EditRequest:
        """After a 413, the one retry's request: the photo (or its crop) at most SMALLER_SIDE px on its
        long side, as JPEG when it is opaque, and the references at most SMALLER_REFERENCE_SIDE. The
        mask follows the photo."""
        snapshot = self.snapshot
        rows, columns = snapshot.photo.shape[:2]
        context = snapshot.context or EditContext((0, 0, columns, rows))
        sent = context.size or context.crop[2:]
        scale = min(1.0, SMALLER_SIDE / max(sent))
        smaller = EditContext(context.crop, (max(1, round(sent[0] * scale)), max(1, round(sent[1] * scale))))
        width, height = smaller.size
        self._set(JobState.SENDING, "The provider refused the upload as too large (413); sending it again "
                  f"smaller ({width}×{height}, references at most {SMALLER_REFERENCE_SIDE} px).")
        uploads = await asyncio.to_thread(
            prepare_uploads, snapshot.photo, order=snapshot.photo_order, coverage=snapshot.coverage,
            threshold=self.threshold, references=snapshot.references, context=smaller,
            reference_side=SMALLER_REFERENCE_SIDE, prefer_jpeg=True)
        return edit_request(uploads, snapshot.prompt, options)

    def _on_progress(self, step: Progress) -> None:
        if step.kind == "sending":
            self._set(JobState.SENDING, step.message or "Sending", attempts=step.attempt)
        elif step.kind == "waiting":
            self._set(JobState.WAITING, step.message or "Waiting for the model", attempts=step.attempt)
        elif step.kind == "retrying":
            wait = f" in {step.wait_s:.0f} s" if step.wait_s else ""
            self._set(JobState.RETRYING, f"{step.message} Attempt {step.attempt}{wait}.")
        elif step.kind == "partial" and step.image is not None:
            self._set(JobState.RECEIVING, "Receiving a preview")
            self._schedule(self._announce_partial(step.index or 0, step.image))
        elif step.kind == "image" and step.image is not None and step.index is not None:
            self._set(JobState.RECEIVING, f"Received variant {step.index + 1}")
            self._save_variant(step.index, step.image)

    def _save_variant(self, index: int, image: ResultImage) -> None:
        if index not in self._announced:
            self._announced.add(index)
            self._schedule(self._save_and_announce(index, image))

    def _schedule(self, coroutine) -> None:
        # Not part of the job's task: a save that started finishes even when the job is cancelled.
        self._saves.append(asyncio.get_running_loop().create_task(coroutine))

    async def _save_and_announce(self, index: int, image: ResultImage) -> None:
        async with self._save_lock:
            assert self.writer is not None
            path = await asyncio.to_thread(self.writer.add_image, image, index)
            self.queue.add_variant(self.job_id, _variant(index, image, path))

    async def _announce_partial(self, index: int, image: ResultImage) -> None:
        async with self._save_lock:
            self.queue.set_partial(self.job_id, _variant(index, image, None))

    async def _drain(self) -> None:
        """Wait for every scheduled save; raise the first error (an OSError when the disk failed)."""
        while self._saves:
            pending, self._saves = self._saves, []
            results = await asyncio.gather(*pending, return_exceptions=True)
            errors = [result for result in results if isinstance(result, BaseException)]
            if errors:
                raise errors[0]

    async def _keep_what_arrived(self, status: str, error: EditError | None = None) -> int:
        """Finish saving what had arrived and close the sidecar; returns how many images are kept."""
        try:
            await self._drain()
            if self.writer is not None and self.writer.images:
                await asyncio.to_thread(self.writer.finish, status=status, error=error)
        except Exception:  # the job's own outcome matters more than a failed save after it
            log.exception("Job %s: saving what had arrived failed", self.job_id)
        return len(self.queue.variants(self.job_id))

    async def _close_backend(self) -> None:
        backend, self.backend = self.backend, None
        if backend is None:
            return
        try:
            await backend.aclose()
        except Exception:
            log.warning("Job %s: closing the backend failed", self.job_id, exc_info=True)

    def _set(self, state: JobState, message: str, **changes: object) -> None:
        if not self.queue.job(self.job_id).state.finished:
            self.queue.update(self.job_id, state=state, message=message, **changes)

    def _finish(self, state: JobState, message: str, **changes: object) -> None:
        self._set(state, message, finished_at=time.time(), **changes)


def _build_backend(factory: BackendFactory, options: EditOptions) -> EditBackend:
    backend = factory(options)
    # Building the HTTP client loads the CA bundle (50-130 ms): on the loop that is a visible
    # freeze, so it happens here, in the worker thread. The offline backend has nothing to build.
    prepare = getattr(backend, "prepare_connection", None)
    if callable(prepare):
        prepare()
    return backend


def _variant(index: int, image: ResultImage, path: Path | None) -> Variant:
    return Variant(index=index, data=image.data, content_type=image.content_type, width=image.width,
                   height=image.height, path=path)


def _usage(result: EditResult) -> tuple[tuple[str, int | None], ...]:
    return tuple(result.usage.as_dict().items()) if result.usage else ()


def _count(variants: int) -> str:
    return f"{variants} variant{'s' if variants != 1 else ''}"
