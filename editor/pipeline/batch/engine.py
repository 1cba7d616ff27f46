"""Running a batch: workers, each with its own backend, sending photos a few at a time, a RateGate
they share for the pauses the service asks for, and each photo's results written as they arrive."""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from editor.backends.base import EditBackend, EditError, QuotaExhausted
from editor.pipeline.batch.items import BatchItem
from editor.pipeline.batch.resume import find_completed
from editor.pipeline.batch.summary import BatchEvent, BatchSummary, EventKind, FileOutcome
from editor.pipeline.events import Event, Outcome, Stage
from editor.pipeline.extend_input import ExtendSpec, extension_snapshot
from editor.pipeline.extend_run import ExtendRun
from editor.pipeline.options import EditOptions
from editor.pipeline.plan import DEFAULT_PADDING
from editor.pipeline.run import EditRun, open_backend
from editor.pipeline.snapshot import InputError, snapshot_from_files

if TYPE_CHECKING:
    from editor.imaging.spill import SpillFigures
    from editor.pipeline.selection import SelectionRequest

log = logging.getLogger(__package__)  # "editor.pipeline.batch", as before it became a package

# Besides a used-up quota, answers every later request would get too (key, balance, access, model,
# spend limit): sending the rest would only cost time or money.
STOPPING_STATUSES = (401, 402, 403, 404, 412)
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
    """Edits `items` with `prompt` and `options` into `out_dir`, `concurrency` at a time.

    Each worker gets its own backend from `backend_factory`, built in a worker thread (an
    EditError from it stops the batch with its message). Each photo is one `EditRun`
    (editor.pipeline), the same the window runs, with its answers placed back into the whole
    photo when a crop was sent, seam-harmonised when `harmonize`; each edited
    photo's outcome has its results' spill figures. With `selection`, each photo's mask is selected
    on it (editor.pipeline.selection) instead of read from a file. `on_event` gets a `BatchEvent`
    per step on the loop's thread.
    Await `run()` for the summary; cancelling its task stops the batch at once, keeping every image
    already received, and `summary()` still tells what happened.
    """

    def __init__(self, items: Sequence[BatchItem], prompt: str, options: EditOptions, out_dir: Path,
                 backend_factory: BackendFactory, *, mask_mode: str = "alpha", concurrency: int = 2,
                 on_event: Callable[[BatchEvent], None] | None = None,
                 padding: float = DEFAULT_PADDING, harmonize: bool = True,
                 selection: SelectionRequest | None = None, extend: ExtendSpec | None = None) -> None:
        if concurrency < 1:
            raise ValueError(f"concurrency must be at least 1, not {concurrency}")
        self.items, self.prompt, self.options, self.out_dir = list(items), prompt, options, out_dir
        self.backend_factory, self.mask_mode = backend_factory, mask_mode
        self.concurrency, self.on_event, self.padding = concurrency, on_event, padding
        self.harmonize, self.selection = harmonize, selection
        self.extend = extend  # extend each photo's canvas (per photo, for an aspect) instead of a mask edit
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
                                           self.prompt)
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
            async with open_backend(self.backend_factory) as backend:
                while self._pending and self._stopped is None:
                    await self.gate.wait()
                    if self._pending and self._stopped is None:
                        await self._edit(backend, self._pending.pop(0))
        except EditError as error:  # the backend could not be built
            self._stopped = self._stopped or error.message

    async def _edit(self, backend: EditBackend, position: int) -> None:
        item = self.items[position]
        self._emit("started", position)
        try:
            if item.problem:
                raise InputError(item.problem)
            run = await asyncio.to_thread(self._make_run, position)
        except InputError as error:
            self._fail(position, error.message)
            return
        try:
            outcome = await run.run(backend)
        except asyncio.CancelledError:
            files = run.outcome.files if run.outcome is not None else ()
            self._outcomes[position] = FileOutcome(item.photo, "interrupted", "Stopped before it finished.",
                                                   files=files)
            raise
        self._record(position, outcome, run.spill)

    def _make_run(self, position: int) -> EditRun | ExtendRun:
        """The run for one photo: an extension of its canvas, or an edit through its mask."""
        item = self.items[position]
        on_event = functools.partial(self._on_run_event, position)
        if self.extend is not None:
            snapshot, extension = extension_snapshot(item.photo, item.mask, self.extend, prompt=self.prompt,
                                                     options=self.options, mask_mode=self.mask_mode)
            return ExtendRun(snapshot, self.out_dir, extension=extension, band_px=self.extend.band_px,
                             on_event=on_event)
        snapshot = snapshot_from_files(item.photo, item.mask, prompt=self.prompt, options=self.options,
                                       mask_mode=self.mask_mode, padding=self.padding,
                                       selection=self.selection)
        return EditRun(snapshot, self.out_dir, place_back=True, harmonize=self.harmonize, on_event=on_event)

    def _record(self, position: int, outcome: Outcome, spill: dict[Path, SpillFigures]) -> None:
        photo, error = self.items[position].photo, outcome.error
        if outcome.status == "completed":
            tokens = outcome.result.usage.total_tokens if outcome.result and outcome.result.usage else None
            files = (*outcome.files, *outcome.placed)
            figures = tuple(spill.get(path) for path in outcome.files)
            self._finish(position, "done", FileOutcome(photo, "edited", files=files, sidecar=outcome.sidecar,
                                                       tokens=tokens, spill=figures))
            return
        message = str(error) if error is not None and outcome.sent else outcome.message
        self._fail(position, message, files=outcome.files, error=error.details() if error else None)
        if error is not None and (isinstance(error, QuotaExhausted) or error.status in STOPPING_STATUSES):
            self._stopped = self._stopped or error.message

    def _on_run_event(self, position: int, event: Event) -> None:
        if isinstance(event, Stage) and event.name == "retrying":
            self.gate.hold(event.wait_s or 0.0)
            self._emit("retrying", position, message=event.message, wait_s=event.wait_s or 0.0)
        elif isinstance(event, Stage) and event.name == "resending":
            self._emit("retrying", position, message=event.message, wait_s=0.0)

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
