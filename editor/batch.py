"""Batch edits: every photo of a folder with one prompt, and the per-file request `edit` shares.

`prepare_request` makes the request for a photo file and a mask file, for `maskedit-cli edit` and
batches alike. `Batch` sends (photo, mask) items a few at a time through backends from a factory,
writing each photo's results with `JobWriter` as they arrive. Photos whose results are complete in
the output folder are skipped, so a run stopped by Ctrl+C, a crash or a kill continues where it
stopped. While the service asks for a pause no new request starts; a failure every later request
would meet too (quota used up, key rejected) stops the batch. No Qt, no httpx: the CLI and the GUI
both drive it, and cancelling the task that awaits `Batch.run()` stops it.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

from editor.backends.base import (
    EditBackend,
    EditError,
    EditRequest,
    ImagePart,
    Progress,
    QuotaExhausted,
    ResultImage,
)
from editor.imaging.load import DEFAULT_MAX_PIXELS
from editor.imaging.passthrough import EncodedImage, pass_through
from editor.job_output import JobWriter

log = logging.getLogger(__name__)

PHOTO_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".tif", ".tiff", ".bmp", ".gif")
# Besides a used-up quota, answers every later request would get too (key, balance, access, model,
# spend limit): sending the rest would only cost time or money.
STOPPING_STATUSES = (401, 402, 403, 404, 412)
UNEXPECTED_FAILURE = "Something unexpected went wrong with this photo; the log has the details."
EventKind = Literal["started", "retrying", "done", "failed", "skipped"]
BackendFactory = Callable[[], EditBackend]
_SIDECAR_NAME = re.compile(r"(?P<stem>.+)-\d{8}-\d{6}-[0-9a-f]{4}\.json")  # JobWriter's names


class InputError(Exception):
    """A photo or mask that cannot be used, with `message` for a person; nothing was sent."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BatchSetupError(InputError):
    """The batch as a whole cannot start: no such folder, no photos, no mask or both kinds given."""


# --- One request ----------------------------------------------------------------------------------


def check_template(template: EditRequest) -> None:
    """Raise InvalidRequest when `template`'s options would fail every request, before any is sent."""
    probe = ImagePart(b"", "probe.png", "image/png", 1, 1)
    replace(template, images=(probe,)).validate(allow_custom_size=True)


def prepare_request(photo: Path, mask: Path | None, template: EditRequest, *, mask_mode: str = "alpha",
                    references: Sequence[Path] = ()) -> tuple[EditRequest, list[Path]]:
    """`template` (prompt and options; its images are ignored) with `photo`, `references` and
    `mask` read in, and the input paths in request order. Raises InputError for a file that
    cannot be read or a mask of another size than the photo.

    Files the API takes as they are go out byte for byte, like the official SDK sends them; only
    the others are decoded and converted (which also explains what is wrong with them).
    """
    inputs = [photo, *references]
    parts = []
    for index, path in enumerate(inputs):
        encoded = _upload_form(path, _read_input(path))
        ext = encoded.content_type.split("/")[1].replace("jpeg", "jpg")
        parts.append(ImagePart(encoded.data, f"image-{index + 1}.{ext}", encoded.content_type,
                               encoded.width, encoded.height))
    mask_part = None if mask is None else _mask_part(mask, mask_mode, parts[0])
    return replace(template, images=tuple(parts), mask=mask_part), inputs


def _upload_form(path: Path, source: bytes) -> EncodedImage:
    encoded = pass_through(source, max_pixels=DEFAULT_MAX_PIXELS)
    if encoded is not None:
        return encoded
    from editor.imaging.load import ImageLoadError, load_image
    from editor.imaging.prepare import encode_for_api

    try:
        return encode_for_api(load_image(source, name=path.name), source)
    except ImageLoadError as exc:
        raise InputError(exc.message) from None


def _mask_part(path: Path, mode: str, first: ImagePart) -> ImagePart:
    """The mask in the API's form: a PNG with alpha 0 where the edit goes, sized like `first`."""
    if mode == "alpha":
        encoded = pass_through(_read_input(path), max_pixels=DEFAULT_MAX_PIXELS, modes=("RGBA", "LA"))
        if encoded and encoded.content_type == "image/png" and \
                (encoded.width, encoded.height) == (first.width, first.height):
            return ImagePart(encoded.data, "mask.png", "image/png", first.width, first.height)
    from editor.imaging.mask import MaskError, coverage_to_api_png, load_mask

    try:
        coverage = load_mask(path, mode, expected_size=(first.width, first.height))
    except MaskError as exc:
        raise InputError(exc.message) from None
    return ImagePart(coverage_to_api_png(coverage), "mask.png", "image/png", first.width, first.height)


def _read_input(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file.") from None
    except IsADirectoryError:
        raise InputError(f"{path} is a folder, not an image.") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror or exc}).") from None


# --- What a batch is made of, and what is done already --------------------------------------------


@dataclass(frozen=True)
class BatchItem:
    """One photo of a batch and the mask it is edited with; a `problem` fails it without sending."""

    photo: Path
    mask: Path | None
    problem: str | None = None


def plan_batch(folder: Path, *, mask: Path | None = None, mask_dir: Path | None = None,
               out_dir: Path | None = None) -> list[BatchItem]:
    """Each photo directly in `folder` (sorted by name) with `mask`, one for all, or with the
    image of the same stem in `mask_dir` (a PNG first). Raises BatchSetupError."""
    if (mask is None) == (mask_dir is None):
        raise BatchSetupError("Give either one mask for every photo or a folder of masks"
                              + (", not both." if mask is not None else "."))
    if out_dir is not None and out_dir.resolve() == folder.resolve():
        raise BatchSetupError(f"Choose an output folder other than {folder}: the next run would take "
                              "the results for photos.")
    photos = sorted(_images_in(folder), key=lambda path: (path.name.casefold(), path.name))
    if not photos:
        raise BatchSetupError(f"{folder} has no photos ({', '.join(s[1:] for s in PHOTO_SUFFIXES)}).")
    if mask is not None:
        if not mask.is_file():
            raise BatchSetupError(f"{mask} is not a file." if mask.exists() else f"{mask}: no such file.")
        return [BatchItem(photo, mask) for photo in photos]
    masks: dict[str, Path] = {}
    for path in sorted(_images_in(mask_dir), key=lambda path: (path.suffix.lower() != ".png", path.name)):
        masks.setdefault(path.stem, path)
    return [BatchItem(photo, masks.get(photo.stem), None if photo.stem in masks else
                      f"No mask for {photo.name}: {mask_dir} has no {photo.stem}.png "
                      f"(nor another image named {photo.stem}).") for photo in photos]


def _images_in(folder: Path | None) -> list[Path]:
    if folder is None or not folder.is_dir():
        raise BatchSetupError(f"{folder} is not a folder." if folder and folder.exists()
                              else f"{folder}: no such folder.")
    try:
        return [path for path in folder.iterdir() if path.suffix.lower() in PHOTO_SUFFIXES
                and not path.name.startswith(".") and path.is_file()]
    except OSError as exc:
        raise BatchSetupError(f"{folder} cannot be read ({exc.strerror or exc}).") from None


@dataclass(frozen=True)
class FileOutcome:
    """How one photo ended: "edited", "skipped" (done before), "failed" or "interrupted".

    `message` says why it failed, for a person; `error` holds the service's facts (status,
    request id, its own words); `tokens` are this run's, so a skipped photo has none.
    """

    photo: Path
    status: Literal["edited", "skipped", "failed", "interrupted"]
    message: str = ""
    files: tuple[Path, ...] = ()
    sidecar: Path | None = None
    tokens: int | None = None
    error: dict | None = None

    def as_dict(self) -> dict:
        return {"photo": str(self.photo), "status": self.status, "message": self.message or None,
                "files": [str(path) for path in self.files], "tokens": self.tokens,
                "sidecar": str(self.sidecar) if self.sidecar else None, "error": self.error}


def find_completed(out_dir: Path, photos: Sequence[Path], prompt: str) -> dict[Path, FileOutcome]:
    """The photos with complete results for `prompt` in `out_dir`: JobWriter's sidecar says
    "completed", names the photo, and every image it lists is there with the same sha256 (and, for
    a crop, put back into the full photo)."""
    by_name = {photo.name: photo for photo in photos}
    found: dict[Path, FileOutcome] = {}
    for sidecar in sorted(out_dir.glob("*.json")) if out_dir.is_dir() else ():
        match = _SIDECAR_NAME.fullmatch(sidecar.name)
        if match is None:
            continue
        try:
            record = json.loads(sidecar.read_text(encoding="utf-8"))
            if record.get("status") != "completed" or record.get("prompt") != prompt:
                continue
            photo = by_name.get(Path(record["inputs"][0]["path"]).name)
            files = tuple(out_dir / entry["file"] for entry in record["results"])
            intact = [hashlib.sha256(path.read_bytes()).hexdigest() == entry["sha256"]
                      for path, entry in zip(files, record["results"], strict=True)]
            if (record.get("context") or {}).get("size"):  # a crop: its answers placed back too
                intact += [path.with_name(f"{path.stem}-full{path.suffix}").is_file() for path in files]
        except (OSError, ValueError, AttributeError, LookupError, TypeError):
            continue  # not a finished record of ours, or its images are gone: done again
        if photo is not None and photo.stem == match["stem"] and files and all(intact):
            found[photo] = FileOutcome(photo, "skipped", "Done before.", files=files, sidecar=sidecar)
    return found


# --- Progress and the end -------------------------------------------------------------------------


@dataclass(frozen=True)
class BatchEvent:
    """A step of a batch, for progress displays: "started" (the photo is prepared and sent),
    "retrying" (the service asked for a pause of `wait_s` s, `message` says why; no new request
    starts before it has passed), then "done", "failed" or "skipped" with the photo's `outcome`.
    `finished` counts the photos that ended so far, out of `total`."""

    kind: EventKind
    photo: Path
    position: int
    total: int
    finished: int
    message: str = ""
    wait_s: float | None = None
    outcome: FileOutcome | None = None


@dataclass(frozen=True)
class BatchSummary:
    """The end of a batch: outcomes in photo order, why it stopped early, whether it was cancelled."""

    total: int
    outcomes: tuple[FileOutcome, ...]
    elapsed_s: float
    stopped: str | None = None
    cancelled: bool = False

    def with_status(self, status: str) -> list[FileOutcome]:
        return [outcome for outcome in self.outcomes if outcome.status == status]

    @property
    def not_started(self) -> int:
        return self.total - len(self.outcomes)

    @property
    def tokens(self) -> int:
        return sum(outcome.tokens or 0 for outcome in self.outcomes)

    @property
    def status(self) -> str:
        if self.cancelled:
            return "interrupted"
        return "stopped" if self.stopped else "failed" if self.with_status("failed") else "completed"

    def as_dict(self) -> dict:
        counts = {status: len(self.with_status(status)) for status in ("edited", "skipped", "failed",
                                                                        "interrupted")}
        return {"status": self.status, "total": self.total, **counts, "not_started": self.not_started,
                "tokens": self.tokens, "elapsed_s": round(self.elapsed_s, 3), "stopped": self.stopped,
                "files": [outcome.as_dict() for outcome in self.outcomes]}


# --- Running --------------------------------------------------------------------------------------


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
