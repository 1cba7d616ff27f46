"""Running a batch: workers, each with its own backend, sending photos a few at a time, a RateGate
they share for the pauses the service asks for, and each photo's results written as they arrive."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from editor.backends.base import EditBackend, EditError, EditRequest, Progress, QuotaExhausted, ResultImage
from editor.batch.plan import BatchItem
from editor.batch.request import InputError, prepare_request
from editor.batch.resume import find_completed
from editor.batch.summary import BatchEvent, BatchSummary, EventKind, FileOutcome
from editor.job_output import JobWriter

log = logging.getLogger(__package__)  # "editor.batch", as before it became a package

# Besides a used-up quota, answers every later request would get too (key, balance, access, model,
# spend limit): sending the rest would only cost time or money.
STOPPING_STATUSES = (401, 402, 403, 404, 412)
UNEXPECTED_FAILURE = "Something unexpected went wrong with this photo; the log has the details."
BackendFactory = Callable[[], EditBackend]


class RateGate:
    """Holds new requests back until a pause the service asked for has passed; workers share one."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._until = 0.0

    def hold(self, seconds: float) -> None:
        self._until = max(self._until, self._clock() + max(0.0, seconds))

    def remaining(self) -> float:
        return max(0.0, self._until - self._clock())

    async def wait(self) -> None:
        while (left := self.remaining()) > 0:  # another hold may come while waiting
            await asyncio.sleep(left)


class Batch:
    """Edits `items` with `template`'s prompt and options into `out_dir`, `concurrency` at a time.

    Each worker gets its own backend from `backend_factory`, called in a worker thread (an
    EditError from it stops the batch with its message). `on_event` gets a `BatchEvent` per step
    on the loop's thread. Await `run()` for the summary; cancelling its task stops the batch at
    once, keeping every image already received, and `summary()` still tells what happened.
    """

    def __init__(self, items: Sequence[BatchItem], template: EditRequest, out_dir: Path,
                 backend_factory: BackendFactory, *, mask_mode: str = "alpha", concurrency: int = 2,
                 on_event: Callable[[BatchEvent], None] | None = None, context: str = "whole",
                 padding: float = 0.32, custom_sizes: bool = False) -> None:
        if concurrency < 1:
            raise ValueError(f"concurrency must be at least 1, not {concurrency}")
        self.items, self.template, self.out_dir = list(items), template, out_dir
        self.backend_factory, self.mask_mode = backend_factory, mask_mode
        self.concurrency, self.on_event = concurrency, on_event
        # Crop-to-mask, as the window does it ("whole" for the offline backend): see editor.edit_plan.
        self.context, self.padding, self.custom_sizes = context, padding, custom_sizes
        self.gate = RateGate()
        self._outcomes: dict[int, FileOutcome] = {}
        self._pending: list[int] = []
        self._stopped: str | None = None
        self._cancelled = False
        self._started: float | None = None
        self._ended: float | None = None

    def summary(self) -> BatchSummary:
        elapsed = (self._ended or time.monotonic()) - (self._started or time.monotonic())
        outcomes = tuple(self._outcomes[position] for position in sorted(self._outcomes))
        return BatchSummary(len(self.items), outcomes, elapsed, self._stopped, self._cancelled)

    async def run(self) -> BatchSummary:
        self._started = time.monotonic()
        workers: list[asyncio.Task[None]] = []
        try:
            done = await asyncio.to_thread(find_completed, self.out_dir, [item.photo for item in self.items],
                                           self.template.prompt)
            for position, item in enumerate(self.items):
                if item.photo in done:
                    self._finish(position, "skipped", done[item.photo])
                else:
                    self._pending.append(position)
            workers = [asyncio.create_task(self._work()) for _ in range(min(self.concurrency,
                                                                            len(self._pending)))]
            await asyncio.gather(*workers)
        except asyncio.CancelledError:
            self._cancelled = True
            raise
        finally:  # no worker outlives the batch, whatever ended it
            for worker in workers:
                worker.cancel()
            await asyncio.gather(*workers, return_exceptions=True)
            self._ended = time.monotonic()
        return self.summary()

    async def _work(self) -> None:
        try:
            backend = await asyncio.to_thread(_build_backend, self.backend_factory)
        except EditError as error:
            self._stopped = self._stopped or error.message
            return
        try:
            while self._pending and self._stopped is None:
                await self.gate.wait()
                if self._pending and self._stopped is None:
                    await self._edit(backend, self._pending.pop(0))
        finally:
            try:
                await backend.aclose()
            except Exception:
                log.warning("batch: closing a backend failed", exc_info=True)

    async def _edit(self, backend: EditBackend, position: int) -> None:
        from editor.edit_plan import edit_with_retry, write_placed  # numpy and Pillow: not at start-up

        photo, mask, problem = (item := self.items[position]).photo, item.mask, item.problem
        self._emit("started", position)
        job = _PhotoJob()
        try:
            if problem:
                raise InputError(problem)
            request, inputs = await asyncio.to_thread(prepare_request, photo, mask, self.template,
                                                      mask_mode=self.mask_mode)
            request, placement = await asyncio.to_thread(self._crop, request)
            extra = {"context": placement.context.as_record()} if placement is not None else None
            job.writer = JobWriter(self.out_dir, stem=photo.stem, request=request, provider=backend.name,
                                   base_url=getattr(backend, "base_url", None), inputs=inputs,
                                   mask_path=mask, mask_mode=self.mask_mode, extra=extra)
            result, job.writer.request = await edit_with_retry(
                backend, request, lambda step: self._on_progress(position, step, job),
                lambda message: self._emit("retrying", position, message=message, wait_s=0.0))
            for index, image in enumerate(result.images):
                job.save(image, index)
            await job.drain()
            await asyncio.to_thread(job.writer.finish, result=result)
            placed = [] if placement is None else await asyncio.to_thread(write_placed, placement, job.writer)
            tokens = result.usage.total_tokens if result.usage else None
            files = (*job.writer.written, *placed)
            self._finish(position, "done", FileOutcome(photo, "edited", files=files,
                                                       sidecar=job.writer.sidecar_path, tokens=tokens))
        except asyncio.CancelledError:
            files = await job.keep("interrupted")
            self._outcomes[position] = FileOutcome(photo, "interrupted", "Stopped before it finished.",
                                                   files=files)
            raise
        except InputError as error:
            self._fail(position, error.message)
        except EditError as error:
            self._fail(position, str(error), files=await job.keep("failed", error), error=error.details())
            if isinstance(error, QuotaExhausted) or error.status in STOPPING_STATUSES:
                self._stopped = self._stopped or error.message
        except OSError as error:
            self._fail(position, f"The results could not be written into {self.out_dir}: "
                                 f"{error.strerror or error}. Free some space or choose another folder.")
        except Exception:
            log.exception("batch: %s failed unexpectedly", photo)
            self._fail(position, UNEXPECTED_FAILURE, files=await job.keep("failed"))

    def _crop(self, request: EditRequest):
        """The request for the crop around the mask, and where its answers go (None: whole photo)."""
        from editor.edit_plan import crop_to_mask
        from editor.imaging.load import ImageLoadError

        try:
            return crop_to_mask(request, mode=self.context, padding=self.padding,
                                custom_sizes=self.custom_sizes)
        except ImageLoadError as error:
            raise InputError(error.message) from None

    def _on_progress(self, position: int, step: Progress, job: _PhotoJob) -> None:
        if step.kind == "image" and step.image is not None and step.index is not None:
            job.save(step.image, step.index)  # on disk the moment it arrives
        elif step.kind == "retrying":
            self.gate.hold(step.wait_s or 0.0)
            self._emit("retrying", position, message=step.message, wait_s=step.wait_s or 0.0)

    def _fail(self, position: int, message: str, **facts) -> None:
        self._finish(position, "failed", FileOutcome(self.items[position].photo, "failed", message, **facts))

    def _finish(self, position: int, kind: EventKind, outcome: FileOutcome) -> None:
        self._outcomes[position] = outcome
        self._emit(kind, position, message=outcome.message, outcome=outcome)

    def _emit(self, kind: EventKind, position: int, **facts) -> None:
        if self.on_event is None:
            return
        finished = sum(outcome.status != "interrupted" for outcome in self._outcomes.values())
        try:
            self.on_event(BatchEvent(kind, self.items[position].photo, position, len(self.items), finished,
                                     **facts))
        except Exception:  # a broken display must not break the batch
            log.exception("batch: the progress display failed")


def _build_backend(factory: BackendFactory) -> EditBackend:
    backend = factory()
    # Building the HTTP client loads the CA bundle: here, in a worker thread, not on the loop.
    prepare = getattr(backend, "prepare_connection", None)
    if callable(prepare):
        prepare()
    return backend


class _PhotoJob:
    """One photo's writer and image writes: in arrival order, off the loop, each finished once begun."""

    def __init__(self) -> None:
        self.writer: JobWriter | None = None
        self._lock = asyncio.Lock()
        self._writes: list[asyncio.Task[None]] = []
        self._indices: set[int] = set()

    def save(self, image: ResultImage, index: int) -> None:
        if index not in self._indices:
            self._indices.add(index)
            self._writes.append(asyncio.get_running_loop().create_task(self._write(image, index)))

    async def _write(self, image: ResultImage, index: int) -> None:
        async with self._lock:
            assert self.writer is not None
            await asyncio.to_thread(self.writer.add_image, image, index)

    async def drain(self) -> None:
        """Wait for every write; raise the first error (an OSError when the disk failed)."""
        while self._writes:
            pending, self._writes = self._writes, []
            results = await asyncio.gather(*pending, return_exceptions=True)
            errors = [result for result in results if isinstance(result, Exception)]
            if errors:
                raise errors[0]

    async def keep(self, status: str, error: EditError | None = None) -> tuple[Path, ...]:
        """Finish writing what had arrived and close the record with `status`; the files kept."""
        with contextlib.suppress(Exception):
            await self.drain()
        if self.writer is None or not self.writer.images:
            return ()
        try:
            await asyncio.to_thread(self.writer.finish, status=status, error=error)
        except OSError:
            log.warning("batch: the record of %s could not be written", self.writer.stem, exc_info=True)
        return tuple(self.writer.written)
