"""One edit run, from a frozen snapshot to saved, measured variants: the only way Maskedit edits.

`EditRun.run(backend)` plans (crop-to-mask, output size from the capability table), encodes the
uploads once, sends them, and after a 413 sends them once more, smaller. The job's record (and
the mask it sends) is written just before each request goes out, and again however the run ends,
so a job cancelled, failed or killed once it may be billed is still on disk. Each image is
written to disk atomically the moment it arrives, then decoded once, its spill measured once,
and (when asked) placed back into the whole photo. Every step is reported to `on_event` on the loop's
thread; the run ends with an `Outcome` that says, for a person, what happened. Nothing raised
inside escapes it except cancellation, which first keeps every image that had arrived.

`open_backend(factory)` builds a backend in a worker thread and always closes it, even when the
task is cancelled while the thread is still building it.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from editor.backends.base import (
    EditBackend,
    EditError,
    EditRequest,
    EditResult,
    InvalidRequest,
    Progress,
    ResultImage,
)
from editor.imaging.load import ImageLoadError
from editor.imaging.mask import MaskError
from editor.imaging.prepare import EditContext
from editor.pipeline.events import Event, Outcome, PartialImage, Planned, Stage, VariantReady, report
from editor.pipeline.plan import SMALLER_REFERENCE_SIDE, edit_request, plan_edit, smaller_context
from editor.pipeline.snapshot import EditSnapshot, InputError
from editor.pipeline.writer import JobWriter

if TYPE_CHECKING:
    from editor.imaging.spill import SpillFigures

log = logging.getLogger(__name__)

UNEXPECTED_FAILURE = ("Something unexpected went wrong while generating; nothing was changed. "
                      "Try again, and if it happens again send the log to the developers.")
REFUSED_AGAIN = " A smaller upload was refused too."
BackendFactory = Callable[[], EditBackend]


@asynccontextmanager
async def open_backend(factory: BackendFactory) -> AsyncIterator[EditBackend]:
    """A backend from `factory`, built in a worker thread (building the HTTP client loads the CA
    bundle, 50-130 ms) and closed when the block ends, however it ends. Cancelled while the thread
    is still building, it waits for that backend and closes it before passing the cancellation on:
    no HTTP client is ever left open."""
    building = asyncio.ensure_future(asyncio.to_thread(prepared_backend, factory))
    try:
        backend = await asyncio.shield(building)
    except asyncio.CancelledError:
        await _close_when_built(building)
        raise
    try:
        yield backend
    finally:
        await _close(backend)


async def _close_when_built(building: asyncio.Future[EditBackend]) -> None:
    await _settle(building)
    if not building.cancelled() and building.exception() is None:
        await _close(building.result())


async def _settle(future: asyncio.Future) -> None:
    """Wait until `future` (a worker thread's) is done, whatever cancellations come meanwhile:
    the thread cannot be interrupted, and what it does (build a client, write a file) must not be
    left behind half done."""
    while not future.done():
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.shield(future)


async def _in_thread_to_the_end(func, /, *args, **kwargs):
    """`asyncio.to_thread` for work that writes files: when the caller is cancelled meanwhile, the
    thread is waited for before the cancellation goes on, so no half-written file stays behind and
    no later write races with it."""
    future = asyncio.ensure_future(asyncio.to_thread(func, *args, **kwargs))
    try:
        return await asyncio.shield(future)
    except asyncio.CancelledError:
        await _settle(future)
        raise


async def _close(backend: EditBackend) -> None:
    try:
        await backend.aclose()
    except Exception:
        log.warning("closing the %s backend failed", getattr(backend, "name", "?"), exc_info=True)


def prepared_backend(factory: BackendFactory) -> EditBackend:
    """The factory's backend with its connection prepared (an HTTP backend's client built: the TLS
    bundle loaded); call it off the event loop."""
    backend = factory()
    prepare = getattr(backend, "prepare_connection", None)
    if callable(prepare):
        prepare()
    return backend


class EditRun:
    """Edits `snapshot` and saves its results into `out_dir`, reporting each step to `on_event`.

    `place_back` also writes each answer for a crop placed back into the whole photo (`…-full.*`),
    for the command line and batches; the window composites on screen instead. `record` is added
    to the saved sidecar. After `run()` (or its cancellation) `outcome` says how it ended.
    """

    def __init__(self, snapshot: EditSnapshot, out_dir: Path, *,
                 on_event: Callable[[Event], None] | None = None, place_back: bool = False,
                 feather_px: float = 2.0, harmonize: bool = True, record: dict | None = None) -> None:
        self.snapshot = snapshot
        self.out_dir = out_dir
        self.on_event = on_event
        self.place_back = place_back
        self.feather_px = feather_px
        self.harmonize = harmonize  # a crop placed back: colour and tone matched along the mask's edge
        self.spill: dict[Path, SpillFigures] = {}  # each result's file → its spill figures
        self.record = dict(record or {})
        self.context: EditContext | None = None
        self.writer: JobWriter | None = None
        self.outcome: Outcome | None = None
        self._placed: dict[int, Path] = {}
        # Saving is serialised (FIFO lock) so previews and variants are reported in arrival order.
        self._lock = asyncio.Lock()
        self._saves: list[asyncio.Task[None]] = []
        self._seen: set[int] = set()
        self._photo_rgb: np.ndarray | None = None

    async def run(self, backend: EditBackend) -> Outcome:
        try:
            outcome = await self._run(backend)
        except asyncio.CancelledError:
            sent = self.writer is not None and self.writer.recorded
            files = await self._keep("cancelled")
            kept = f" {_count(len(files))} that had arrived kept." if files else ""
            # Once the request is out the provider may bill it, whatever comes back: say so now,
            # not only when the job is seen again after a restart.
            said = ("Cancelled after the request was sent, so it may have been billed." if sent
                    else "Cancelled before anything was sent.")
            self.outcome = self._outcome("cancelled", f"{said}{kept}", files=files)
            raise
        except (InputError, ImageLoadError, MaskError) as error:
            outcome = Outcome("failed", f"{error.message} Nothing was sent.", sent=False)
        except EditError as error:
            invalid = isinstance(error, InvalidRequest)
            files = await self._keep("failed", error, sent=not invalid)
            outcome = self._outcome("failed", error.message + (" Nothing was sent." if invalid else ""),
                                    error=error, files=files, sent=not invalid)
        except OSError as error:
            log.warning("could not save results into %s: %s", self.out_dir, error)
            message = (f"The results could not be saved into {self.out_dir}: {error.strerror or error}. "
                       "Free some disk space or choose another folder, then try again.")
            outcome = self._outcome("failed", message, files=await self._keep("failed", failure=message))
        except Exception:
            log.exception("an edit of %s failed unexpectedly", self.snapshot.stem)
            outcome = self._outcome("failed", UNEXPECTED_FAILURE,
                                    files=await self._keep("failed", failure=UNEXPECTED_FAILURE))
        self.outcome = outcome
        return outcome

    async def _run(self, backend: EditBackend) -> Outcome:
        snapshot = self.snapshot
        self._emit(Stage("preparing", "Preparing the photo and the mask"))
        extending = await asyncio.to_thread(self._extending)
        if extending is not None:  # an extended canvas: its plan of strips (editor.pipeline.extend_run)
            return await extending.run(backend)
        self.context = context = await asyncio.to_thread(self._plan)
        request = await asyncio.to_thread(self._encode, context, context)
        mask_png = None
        if snapshot.coverage is not None and snapshot.mask_file is None:
            from editor.imaging.mask import coverage_png

            mask_png = await asyncio.to_thread(coverage_png, snapshot.coverage)
        record = {**self.record, "context": context.as_record() if context.cropped else None}
        inputs = list(snapshot.inputs) or ([Path(snapshot.photo_name)] if snapshot.photo_name else [])
        self.writer = JobWriter(self.out_dir, stem=snapshot.stem, request=request,
                                provider=snapshot.options.provider,
                                base_url=getattr(backend, "base_url", None),
                                inputs=inputs, mask_path=snapshot.mask_file, mask_mode=snapshot.mask_mode,
                                mask_png=mask_png, extra=record)
        self._emit(Planned(context, request))
        self._emit(Stage("sending", f"Sending to {backend.description or backend.name}"))
        result, smaller = await self._send(backend, request, context)
        for index, image in enumerate(result.images):
            self._save(index, image)
        await self._drain()
        await _in_thread_to_the_end(self.writer.finish, result=result)
        again = (" (sent again smaller after the provider refused the first upload as too large)"
                 if smaller else "")
        count = len(self.writer.written)
        return self._outcome("completed", f"{_count(count)} in {result.elapsed_s:.1f} s{again}",
                             result=result, smaller=smaller)

    # --- planning and encoding ---------------------------------------------------------------------

    def _extending(self):
        """The ExtendRun for a canvas whose transparent margins the mask covers, else None."""
        snapshot = self.snapshot
        if snapshot.photo.shape[2] != 4 or snapshot.photo_order == "BGRX" or snapshot.coverage is None:
            return None  # no transparent margin: the extension's modules are not even imported
        from editor.imaging.extend import band_of, find_extension
        from editor.pipeline.extend_run import ExtendRun

        extension = find_extension(snapshot.photo[..., 3], snapshot.coverage)
        if extension is None:
            return None
        band = band_of(snapshot.coverage, extension)
        return ExtendRun(snapshot, self.out_dir, extension=extension, band_px=band, on_event=self.on_event,
                         record=self.record)

    def _plan(self) -> EditContext:
        from editor.imaging.mask import bounding_box

        snapshot = self.snapshot
        box = None if snapshot.coverage is None else bounding_box(snapshot.coverage, snapshot.threshold)
        return plan_edit(snapshot.size, box, snapshot.options, padding=snapshot.padding)

    def _encode(self, context: EditContext, planned: EditContext, *, smaller: bool = False) -> EditRequest:
        """The request for `context`'s part of the photo; its size is `planned`'s (the answer's)."""
        from editor.imaging.upload import REFERENCE_LONG_SIDE, prepare_uploads

        snapshot = self.snapshot
        uploads = prepare_uploads(
            snapshot.photo, original=None if smaller else snapshot.photo_bytes, order=snapshot.photo_order,
            coverage=snapshot.coverage, threshold=snapshot.threshold, references=snapshot.references,
            context=context, reference_side=SMALLER_REFERENCE_SIDE if smaller else REFERENCE_LONG_SIDE,
            prefer_jpeg=smaller)
        return edit_request(uploads, snapshot.prompt, snapshot.options, planned)

    # --- sending: the one "413 → smaller upload, once" rule -----------------------------------------

    async def _send(self, backend: EditBackend, request: EditRequest,
                    context: EditContext) -> tuple[EditResult, bool]:
        await self._recording_sent()
        try:
            return await backend.edit(request, self._on_progress), False
        except EditError as error:
            if error.status != 413:
                raise
        smaller = smaller_context(context)
        width, height = smaller.size
        self._emit(Stage("resending", "The provider refused the upload as too large (413); sending it again "
                         f"smaller ({width}×{height}, references at most {SMALLER_REFERENCE_SIDE} px)."))
        request = await asyncio.to_thread(self._encode, smaller, context, smaller=True)
        assert self.writer is not None
        self.writer.request = request  # the record tells what was sent in the end
        await self._recording_sent()
        try:
            return await backend.edit(request, self._on_progress), True
        except EditError as again:
            if again.status == 413:
                again.message += REFUSED_AGAIN
            raise

    async def _recording_sent(self) -> None:
        """Write the record (and the mask) of the request about to go out: from here on the
        provider may bill the job, so it must be found again however the run ends, a kill
        included. Under the save lock, so it never races an image's rewrite of the record."""
        assert self.writer is not None
        async with self._lock:
            await _in_thread_to_the_end(self.writer.sending)

    def _on_progress(self, step: Progress) -> None:
        if step.kind == "sending":
            self._emit(Stage("sending", step.message or "Sending", attempt=step.attempt))
        elif step.kind == "waiting":
            self._emit(Stage("waiting", step.message or "Waiting for the model", attempt=step.attempt))
        elif step.kind == "retrying":
            self._emit(Stage("retrying", step.message, attempt=step.attempt, wait_s=step.wait_s))
        elif step.kind == "partial" and step.image is not None:
            self._emit(Stage("receiving", "Receiving a preview"))
            self._schedule(self._report_partial(step.index or 0, step.image))
        elif step.kind == "image" and step.image is not None and step.index is not None:
            self._emit(Stage("receiving", f"Received variant {step.index + 1}"))
            self._save(step.index, step.image)

    # --- saving: on disk first, then decoded and measured once -------------------------------------

    def _save(self, index: int, image: ResultImage) -> None:
        if index not in self._seen:
            self._seen.add(index)
            self._schedule(self._save_and_report(index, image))

    def _schedule(self, coroutine) -> None:
        # Not part of the run's task: a save that started finishes even when the run is cancelled.
        self._saves.append(asyncio.get_running_loop().create_task(coroutine))

    async def _save_and_report(self, index: int, image: ResultImage) -> None:
        async with self._lock:
            assert self.writer is not None
            path = await _in_thread_to_the_end(self.writer.add_image, image, index)
            if path is None:
                return
            ready = await _in_thread_to_the_end(self._measure, index, image, path)
            self._emit(ready)

    async def _report_partial(self, index: int, image: ResultImage) -> None:
        async with self._lock:
            self._emit(PartialImage(index, image))

    def _measure(self, index: int, image: ResultImage, path: Path) -> VariantReady:
        """Decode the saved result once; measure its spill and place it back (when asked)."""
        from editor.imaging.result_codec import decode_result

        pixels = decode_result(image.data)
        if pixels is None:
            log.warning("result %s could not be decoded; kept as received", path.name)
            return VariantReady(index, image, path)
        spill, placed, placed_sha = self._spill_and_place(pixels, image, path)
        assert self.writer is not None
        self.writer.set_spill(index, spill, placed=placed, placed_sha256=placed_sha)
        if placed is not None:
            self._placed[index] = placed
        return VariantReady(index, image, path, pixels, spill, placed)

    def _spill_and_place(self, pixels: np.ndarray, image: ResultImage,
                         path: Path) -> tuple[float | None, Path | None, str | None]:
        """The spill (its full figures kept in `spill`), and for a crop placed back (`place_back`):
        the whole-photo file, seam-harmonised when `harmonize`, and its sha256, which the sidecar
        records so a rerun knows the file is whole. Every pixel outside the mask stays the photo's."""
        # Imported here: OpenCV stays out of the command line's start.
        from editor.imaging.spill import measure_spill

        snapshot, context = self.snapshot, self.context
        if snapshot.coverage is None or context is None:
            return None, None, None
        x, y, w, h = context.crop
        if not (self.place_back and context.cropped):
            report = measure_spill(self._photo(context.crop), pixels, snapshot.coverage[y:y + h, x:x + w])
            self.spill[path] = report.figures
            return report.share, None, None
        from editor.imaging.composite import composite  # and seam harmonising: only to place back

        photo = self._photo((0, 0, *snapshot.size))
        if pixels.shape[2] == 4 and photo.shape[2] == 3:
            photo = np.dstack((photo, np.full(photo.shape[:2], 255, np.uint8)))
        made = composite(photo, pixels, snapshot.coverage, feather_px=self.feather_px, crop=context.crop,
                         harmonize=self.harmonize)
        if made.report is not None:
            self.spill[path] = made.report.figures
        from editor.disk import write_atomically
        from editor.imaging.result_codec import encode_like

        placed = path.with_name(f"{path.stem}-full{path.suffix}")
        encoded = encode_like(made.pixels, image.content_type)
        write_atomically(placed, encoded)
        return made.spill, placed, hashlib.sha256(encoded).hexdigest()

    def _photo(self, part: tuple[int, int, int, int]) -> np.ndarray:
        """`part` = (x, y, w, h) of the photo as RGB(A), made once per run: the window hands over
        Qt's BGRA memory, and only the part that was sent is converted (not all of a 60 MP photo)."""
        if self._photo_rgb is None:
            from editor.imaging.upload import rgb_pixels

            x, y, w, h = part
            self._photo_rgb = rgb_pixels(self.snapshot.photo[y:y + h, x:x + w], self.snapshot.photo_order)
        return self._photo_rgb

    async def _drain(self) -> None:
        """Wait for every scheduled save; raise the first error (an OSError when the disk failed).

        asyncio.wait, not gather: when the run is cancelled meanwhile, the saves go on (their
        worker threads cannot be stopped anyway) and stay listed, so `_keep` waits for them."""
        while self._saves:
            pending = list(self._saves)
            await asyncio.wait(pending)
            self._saves = [task for task in self._saves if task not in pending]
            errors = [task.exception() for task in pending if not task.cancelled() and task.exception()]
            if errors:
                raise errors[0]

    async def _keep(self, status: str, error: EditError | None = None, *, failure: str | None = None,
                    sent: bool = True) -> tuple[Path, ...]:
        """Finish saving what had arrived and close the record with how the job ended (`sent`
        False: the last request was refused before it left); the files kept."""
        try:
            await self._drain()
            if self.writer is not None:
                if not sent:
                    await _in_thread_to_the_end(self.writer.not_sent)
                await _in_thread_to_the_end(self.writer.finish, status=status, error=error, failure=failure)
        except Exception:  # the run's own outcome matters more than a failed save after it
            log.exception("saving what had arrived failed")
        return tuple(self.writer.written) if self.writer is not None else ()

    # --- reporting ---------------------------------------------------------------------------------

    def _emit(self, event: Event) -> None:
        report(self.on_event, event)

    def _outcome(self, status, message: str, *, files: tuple[Path, ...] | None = None, **facts) -> Outcome:
        writer = self.writer
        if files is None:
            files = tuple(writer.written) if writer is not None else ()
        placed = tuple(self._placed[index] for index in sorted(self._placed))
        sidecar = writer.sidecar_path if writer is not None and writer.recorded else None
        return Outcome(status, message, files=files, placed=placed, sidecar=sidecar, **facts)


def _count(variants: int) -> str:
    return f"{variants} variant{'s' if variants != 1 else ''}"
