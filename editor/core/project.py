"""Keeps the window's work in its project folder (editor.core.session) as it changes.

The document — photo, mask, prompt, options, references — is saved a few seconds after a change
and at every job start; the runner writes each result and its record there before it is shown.
Saving snapshots what it needs on the GUI thread (a mask copy, references) and writes in a worker
thread, one save at a time. A window that dies leaves its project locked; the next start finds
it (`interrupted()`) and `restore()` brings everything back, every result included.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QImage

from editor.core.document import Document
from editor.core.generate import JobContext, photo_pixels
from editor.core.job_record import RECORD_KEY, JobRecord
from editor.core.jobs import Job, JobQueue, JobState, Variant, VariantMarks
from editor.core.project_state import ProjectState, VariantFlags, flag_key
from editor.core.session import Project, ProjectError, interrupted_projects
from editor.core.tasks import TaskGroup, TaskOwner
from editor.disk import open_file
from editor.imaging.load import DEFAULT_MAX_PIXELS
from editor.imaging.prepare import EditContext
from editor.pipeline.options import options_from_record

if TYPE_CHECKING:
    from editor.core.photo import DecodedPhoto

log = logging.getLogger(__name__)

AUTOSAVE_MS = 2000
RUNNING_JOB = ("A job is still running for this photo. Let it finish or cancel it (Esc) first: "
               "its results belong to this photo's project.")
_STATES = {"completed": JobState.DONE, "cancelled": JobState.CANCELLED, "failed": JobState.FAILED}
_MAX_SIDE = 65_535  # no image format the models answer with is wider or taller
_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".webp": "image/webp"}

# (image, path shown for it, the file's bytes when the pixels are exactly that file)
PhotoOpener = Callable[[QImage, Path | None, bytes | None], None]


class ProjectKeeper(QObject):
    """The window's project: autosave, save/open as a .maskedit file, restore after a crash.

    `open_photo(image, path, original)` puts a restored photo into the window;
    `original_bytes()` gives the open photo's file bytes when its pixels are exactly that file;
    `add_context(job_id, context)` tells Generate what a restored job was made from.
    """

    saved = Signal()
    failed = Signal(str)  # a sentence for the status bar
    # Whether the project holds work its .maskedit file does not (or, never saved to one, any
    # work at all): the window title's modified mark.
    modified_changed = Signal(bool)

    def __init__(self, document: Document, queue: JobQueue, *, projects_dir: Path,
                 loop: asyncio.AbstractEventLoop, open_photo: PhotoOpener,
                 original_bytes: Callable[[], bytes | None],
                 add_context: Callable[[str, JobContext], None], tasks: TaskGroup | None = None,
                 max_pixels: Callable[[], int] = lambda: DEFAULT_MAX_PIXELS,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._document, self._queue = document, queue
        self._projects_dir = projects_dir
        self._open_photo, self._original_bytes, self._add_context = open_photo, original_bytes, add_context
        self._max_pixels = max_pixels  # the photo size limit of Settings, for restored photos too
        self.problem: str | None = None  # why the data folder could not be used, for the window to say
        try:
            self.project = Project.create(projects_dir)
            self.project.lock()
        except OSError as error:
            # A read-only, missing or full data folder: the window still works, the project lives
            # in a temporary folder, and the user is told where to choose another.
            fallback = Path(tempfile.gettempdir()) / "maskedit-projects"
            self.problem = (f"Your data folder {projects_dir.parent} cannot be written "
                            f"({error.strerror or error}); results are kept in {fallback} until you "
                            "choose another data folder in Settings.")
            log.warning("%s", self.problem)
            self._projects_dir = fallback
            self.project = Project.create(fallback)
            self.project.lock()
        self.state = ProjectState()
        self._photo_files: dict[int, str] = {}  # photo cacheKey → its file in the project
        self._reserved: dict[int, str] = {}  # photo cacheKey → the name a job's record gave it
        self._mask_dirty = False
        self._modified = False
        self._write_lock = asyncio.Lock()
        # Saving and restoring, owned by the window's TaskOwner when it gives a group.
        self._tasks = tasks if tasks is not None else TaskOwner(loop).group("project")
        self._restoring = False
        # What other owners keep in the project folder (the variants' paste masks): each is asked on
        # the GUI thread at every save and gives what to write in the worker, or None.
        self.extra_writers: list[Callable[[], Callable[[Project], None] | None]] = []
        self._timer = QTimer(self, singleShot=True, interval=AUTOSAVE_MS)
        self._timer.timeout.connect(self.save_soon)
        document.photo_changed.connect(self._photo_changed)
        document.mask_replaced.connect(self._mask_replaced)
        for signal in (document.prompt_changed, document.references_changed, queue.job_added):
            signal.connect(self.touch)
        document.options_changed.connect(self._autosave)  # kept, but not work of their own
        queue.marks_changed.connect(self._marks_changed)

    # --- reading -------------------------------------------------------------------------------

    @property
    def results_dir(self) -> Path:
        return self.project.results_dir

    @property
    def projects_dir(self) -> Path:
        """The folder every project (and draft) of this data folder lives in."""
        return self._projects_dir

    def saved_to(self) -> Path | None:
        return Path(self.state.saved_to) if self.state.saved_to else None

    def job_record(self) -> dict:
        """What a new job's record says about the project: the photo file it was made from. A photo
        not stored yet gets its name now; the save at every job start stores it under that name."""
        photo = self._document.photo()
        return {"source_photo": self._photo_name(photo) if photo is not None else None,
                "project": self.project.id}

    def _photo_name(self, photo: QImage) -> str:
        key = photo.cacheKey()
        name = self._photo_files.get(key) or self._reserved.get(key)
        if name is None:
            original = self._original_bytes()
            suffix = Path(self._document.display_name() or "").suffix if original is not None else ""
            name = self._reserved[key] = Project.photo_name(suffix or ".png")
        return name

    def busy(self) -> bool:
        return self._tasks.busy()

    # --- autosave ------------------------------------------------------------------------------

    def modified(self) -> bool:
        return self._modified

    def _set_modified(self, modified: bool) -> None:
        if modified != self._modified:
            self._modified = modified
            self.modified_changed.emit(modified)

    def touch(self, *_args) -> None:
        """The user's work changed: save within a few seconds (not later, however long the changes
        go on); the project now holds work its file does not."""
        if not self._restoring:
            self._set_modified(self.state.saved_to is not None or self._holds_work())
        self._autosave()

    def _holds_work(self) -> bool:
        """Whether there is anything to lose: a job, a painted mask, a prompt, a reference. A
        photo just opened (its prompt emptied for it) is not work yet."""
        document, mask = self._document, self._document.mask()
        return bool(self._queue.jobs() or document.prompt().strip() or document.references()
                    or (mask is not None and not mask.is_empty()))

    def _autosave(self, *_args) -> None:
        if not self._restoring and not self._timer.isActive():
            self._timer.start()

    def save_soon(self) -> asyncio.Task:
        """Save the document now, off the GUI thread (a job start calls this)."""
        self._timer.stop()
        return self._own(self._save())

    async def _save(self) -> None:
        state, mask = self._snapshot()
        photo, extras = self._photo_to_store(state), self._extras()
        try:
            async with self._write_lock:
                state = await asyncio.to_thread(self._write, state, mask, photo, self._original_bytes(),
                                                extras)
                self.state = replace(state, flags=self.state.flags)
        except (OSError, ProjectError) as error:
            message = getattr(error, "message", None) or getattr(error, "strerror", None) or str(error)
            log.warning("autosave failed: %s", message)
            self.failed.emit(f"Your work could not be saved into {self.project.root}: {message}")
            return
        self.saved.emit()

    def _snapshot(self) -> tuple[ProjectState, np.ndarray | None]:
        document = self._document
        mask = None
        if self._mask_dirty and document.mask() is not None:
            mask = np.array(document.mask().array(), copy=True)
            self._mask_dirty = False
        photo = document.photo()
        references = tuple(document.references())
        state = replace(self.state, document=replace(
            self.state.document, prompt=document.prompt(), options=_plain(document.options()),
            photo_name=document.display_name() or None,
            photo_path=str(document.path()) if document.path() else None,
            photo_file=self._photo_files.get(photo.cacheKey()) if photo is not None else None))
        return replace(state, document=replace(state.document, references=references)), mask

    def _extras(self) -> list[Callable[[Project], None]]:
        return [write for write in (take() for take in self.extra_writers) if write is not None]

    def _photo_to_store(self, state: ProjectState) -> tuple[int, np.ndarray] | None:
        """(cacheKey, RGB(A) copy) of a photo not yet in the project. Copied here, on the GUI thread:
        the worker never touches a QImage the window may replace or free meanwhile."""
        photo = self._document.photo()
        if photo is None or state.document.photo_file is not None:
            return None
        pixels, _owner = photo_pixels(photo)
        return photo.cacheKey(), np.array(pixels, copy=True)

    def _write(self, state: ProjectState, mask: np.ndarray | None, photo: tuple[int, np.ndarray] | None,
               original: bytes | None, extras: list[Callable[[Project], None]] = ()) -> ProjectState:
        """Worker thread: store what changed, then the manifest."""
        project, document = self.project, state.document
        for write in extras:
            write(project)
        if photo is not None and document.photo_file is None:
            document = replace(document, photo_file=self._store_photo(photo, original, document.photo_name))
        if document.original_photo_file is None:
            document = replace(document, original_photo_file=document.photo_file)
        if mask is not None:
            document = replace(document, mask_file=project.store_mask(mask))
        stored = tuple((name, project.store_reference(name, data) if isinstance(data, bytes) else data)
                       for name, data in document.references)
        state = replace(state, document=replace(document, references=stored))
        project.save_state(state)
        return state

    def _store_photo(self, photo: tuple[int, np.ndarray], original: bytes | None, name: str | None) -> str:
        key, pixels = photo
        reserved = self._reserved.get(key)
        if original is not None:
            suffix = Path(name or "photo.png").suffix or ".png"
            relative = self.project.store_photo(original, suffix, reserved)
        else:
            relative = self.project.store_photo_pixels(pixels, reserved)
        self._photo_files[key] = relative
        return relative

    def _photo_changed(self) -> None:
        photo = self._document.photo()
        if photo is not None and photo.cacheKey() not in self._photo_files and not self._restoring:
            self._autosave()  # a photo opened is not yet work; an applied one says so itself

    def _mask_replaced(self, mask) -> None:
        self._mask_dirty = True
        if mask is not None:
            mask.changed.connect(self._mask_changed)
        if mask is not None and not mask.is_empty():
            self.touch()
        else:
            self._autosave()

    def _mask_changed(self, *_args) -> None:
        self._mask_dirty = True
        self.touch()

    def _marks_changed(self, job_id: str, index: int) -> None:
        marks = self._queue.marks(job_id, index)
        key, new = flag_key(job_id, index), VariantFlags(marks.starred, marks.discarded)
        if self.state.flags.get(key, VariantFlags()) == new:
            return  # the spill measured, say: nothing the user did, nothing the project keeps
        self.state = replace(self.state, flags={**self.state.flags, key: new})
        self.touch()

    def photo_applied(self, photo: QImage, source: tuple[str, int] | None) -> None:
        """The working photo is now an applied variant (or back to an earlier one)."""
        self.state = replace(self.state, document=replace(self.state.document, photo_from=source))
        self.touch()

    # --- project files -------------------------------------------------------------------------

    async def save_as(self, destination: Path) -> None:
        """Save everything, then zip the project into `destination` (a .maskedit file)."""
        self.state = replace(self.state, saved_to=str(destination))
        await self._save()
        async with self._write_lock:
            await asyncio.to_thread(self.project.save_as, destination)
        self._set_modified(False)

    async def open_file(self, source: Path) -> int:
        """Open a .maskedit file in place of the current project; returns how many jobs came back.
        The current project is untouched until the new one has loaded (a broken file changes
        nothing)."""
        staged = await asyncio.to_thread(Project.open_file, source, self._projects_dir)
        try:
            return await self.restore(staged, saved_to=source)
        finally:
            if staged.root.exists() and staged.root != self.project.root:
                await asyncio.to_thread(staged.remove)  # it did not load; nothing of it is kept

    async def start_fresh(self) -> None:
        """Another photo takes the window: it gets a project of its own. The old one is saved one
        last time and kept as a draft when it holds results (or is kept in its .maskedit file),
        so nothing paid for goes with it; one that held neither is removed."""
        await self._save_before_leaving()
        async with self._write_lock:
            fresh = await asyncio.to_thread(Project.create, self._projects_dir)
            await asyncio.to_thread(self._switch_to, fresh)
        self.state = ProjectState()
        self._forget_files()
        self._set_modified(False)

    async def _save_before_leaving(self) -> None:
        """The last save of the project the window leaves, when it is kept (it holds results or
        has a file): the draft then holds the mask and prompt as they were at the very end."""
        self._timer.stop()
        state, mask = self._snapshot()
        photo, original, extras = self._photo_to_store(state), self._original_bytes(), self._extras()
        async with self._write_lock:
            old = self.project
            if state.saved_to is None and not await asyncio.to_thread(old.has_results):
                return
            try:
                await asyncio.to_thread(self._write, state, mask, photo, original, extras)
            except (OSError, ProjectError) as error:
                # The draft keeps its results and last autosave; only this last touch is lost.
                log.warning("the last save of %s failed: %s", old.root, error)

    def _forget_files(self) -> None:
        """The photos and mask written for the project left behind are not this one's."""
        self._photo_files.clear()
        self._reserved.clear()
        self._mask_dirty = False

    def interrupted(self) -> Project | None:
        """The newest project whose window died without closing it, if any."""
        for project in interrupted_projects(self._projects_dir):
            if project.root == self.project.root:
                continue
            if _holds_work(project):
                return project
            with contextlib.suppress(OSError):
                project.remove()  # a window that died before holding anything: nothing to offer
        return None

    async def restore(self, project: Project, *, saved_to: Path | None = None) -> int:
        """Make `project` this window's project and bring back its document and jobs. Everything
        is read and decoded first; only then does the window switch to it, so a project that
        cannot be loaded leaves the current one (and its unsaved work) as it was."""
        if project.root != self.project.root and await asyncio.to_thread(project.held_elsewhere):
            raise ProjectError("That project is open in another Maskedit window; close it there first.")
        if self._queue.newest_active() is not None:
            raise ProjectError(RUNNING_JOB)
        state = await asyncio.to_thread(project.load_state)
        if saved_to is not None:
            state = replace(state, saved_to=str(saved_to))
        loaded = await asyncio.to_thread(self._load_document, project, state)
        project = await asyncio.to_thread(project.settle)  # a staged file moves into its folder
        records = await asyncio.to_thread(project.job_records)
        if project.root != self.project.root:
            await self._save_before_leaving()
            self._forget_files()
        self._switch_to(project)
        self._restoring = True
        try:
            self._queue.clear()  # the results shown are the opened project's alone
            self._show_document(state, loaded)
            photo = self._document.photo()
            current = (self._photo_files.get(photo.cacheKey()), photo) if photo is not None else None
            # Every job read in one worker call, then put back without yielding to the event loop:
            # the panels lay out once, not once per job (which grew with the square of the jobs).
            jobs = await asyncio.to_thread(self._read_jobs, project, records, current)
            for record, _variants, context in jobs:
                if context is not None:
                    self._add_context(record.job_id, context)
            self._queue.restore_all([
                (_job(record, len(variants)), variants,
                 {variant.index: _marks(state.flags.get(flag_key(record.job_id, variant.index)),
                                        _recorded_spill(record, variant))
                  for variant in variants})
                for record, variants, _context in jobs])
        finally:
            self._restoring = False
        self.state = state
        self._mask_dirty = False
        # An opened file holds all it shows; work brought back after a crash is in no file yet.
        self._set_modified(saved_to is None)
        return len(records)

    def _switch_to(self, project: Project) -> None:
        old = self.project
        self.project = project
        project.lock()
        if old.root == project.root:
            return  # the same project again: it keeps its lock
        old.unlock()
        if not old.has_results():
            old.remove()

    def _load_document(self, project: Project, state: ProjectState) -> _LoadedDocument:
        """Worker thread: the document's photo decoded (within the photo size limit), its mask and
        references read. Raises ProjectError when the project cannot be shown."""
        from editor.core.photo import decode_photo
        from editor.imaging.load import ImageLoadError

        document = state.document
        if document.photo_file is None:
            raise ProjectError("This project holds no photo, so there is nothing to open.")
        references = []
        for name, file in document.references:
            with contextlib.suppress(ProjectError):
                references.append((name, project.read_bytes(file)))
        data = project.read_bytes(document.photo_file)
        try:
            decoded = decode_photo(data, self._max_pixels(), document.photo_name)
        except ImageLoadError as error:
            raise ProjectError(f"The project's photo cannot be opened: {error.message}") from None
        mask = None
        if document.mask_file:
            mask = project.read_mask(document.mask_file, (decoded.image.width(), decoded.image.height()))
        return _LoadedDocument(decoded, mask, references)

    def _show_document(self, state: ProjectState, loaded: _LoadedDocument) -> None:
        document = state.document
        self._document.set_prompt(document.prompt)
        if document.options:
            self._document.set_options(options_from_record(document.options))
        self._document.set_references(loaded.references)
        decoded = loaded.photo
        self._photo_files[decoded.image.cacheKey()] = document.photo_file
        path = Path(document.photo_path) if document.photo_path else None
        self._open_photo(decoded.image, path, decoded.original)
        if loaded.mask is not None and self._document.mask() is not None:
            self._document.mask().replace(loaded.mask, "Restore the mask")

    def _read_jobs(self, project: Project, records: list[JobRecord], current: tuple[str | None, QImage] | None
                   ) -> list[tuple[JobRecord, list[Variant], JobContext | None]]:
        """Worker thread: each job's variants and what it was made from. Each earlier photo is
        decoded once for all its jobs; each job's mask stays on disk until a variant is shown."""
        photos: dict[str, QImage | None] = {}
        return [(record, _read_variants(record), self._context_for(project, record, current, photos))
                for record in records]

    def _context_for(self, project: Project, record: JobRecord, current: tuple[str | None, QImage] | None,
                     photos: dict[str, QImage | None]) -> JobContext | None:
        from editor.core.photo import decode_photo

        photo = current[1] if current is not None else None
        if record.source_photo and (current is None or record.source_photo != current[0]):
            if record.source_photo not in photos:
                try:
                    data = project.read_bytes(record.source_photo)
                    photos[record.source_photo] = decode_photo(data, self._max_pixels(), None).image
                except Exception:  # an unreadable old photo only costs its jobs their previews
                    log.warning("job %s: its photo could not be read", record.job_id, exc_info=True)
                    photos[record.source_photo] = None
            photo = photos[record.source_photo]
        if photo is None:
            return None
        size = (photo.width(), photo.height())
        # The pipeline writes the plan at the top of the record; records from 0.1 kept it in the
        # runner's block.
        planned = record.record.get("context") or record.record.get(RECORD_KEY, {}).get("context")
        context = EditContext.from_record(planned, size)
        return JobContext(photo, _MaskOnDisk(project, record.mask_file, size),
                          context.crop if context.cropped else None)

    # --- closing -------------------------------------------------------------------------------

    def close(self) -> None:
        """The window closes normally: a last save, then the project is no longer locked. A
        project with no results that was never saved as a file held nothing worth keeping."""
        self._timer.stop()
        self._tasks.cancel()
        if not self.project.has_results() and self.state.saved_to is None:
            self.project.unlock()
            self.project.remove()
            return
        try:
            state, mask = self._snapshot()
            self._write(state, mask, self._photo_to_store(state), self._original_bytes(), self._extras())
        except (OSError, ProjectError) as error:
            log.warning("the last save failed: %s", error)
        self.project.unlock()

    def _own(self, coroutine) -> asyncio.Task:
        return self._tasks.start(coroutine)


def _plain(options) -> dict:
    from dataclasses import asdict

    return asdict(options)


def _marks(flags: VariantFlags | None, spill: float | None = None) -> VariantMarks:
    flags = flags or VariantFlags()
    return VariantMarks(starred=flags.starred, discarded=flags.discarded, spill=spill)


def _recorded_spill(record: JobRecord, variant: Variant) -> float | None:
    """The spill the run measured when the variant arrived (its record keeps it), so an opened
    project shows it without decoding the variant again; None when the record has none or it is
    not a share (0..1), and the results panel measures it then."""
    if variant.path is None:
        return None
    spill = _recorded_results(record).get(variant.path.name, {}).get("spill_outside_mask")
    if isinstance(spill, int | float) and not isinstance(spill, bool) and 0.0 <= spill <= 1.0:
        return float(spill)
    return None


def _recorded_results(record: JobRecord) -> dict[str, dict]:
    """What the run wrote beside each result it saved, by file name (the first entry of a name)."""
    entries: dict[str, dict] = {}
    for item in record.record.get("results") or ():
        if isinstance(item, dict) and isinstance(item.get("file"), str):
            entries.setdefault(item["file"], item)
    return entries


def _job(record: JobRecord, variant_count: int) -> Job:
    """The queue's job for a record: its state and message as the record ended (a record left
    "running" by a stopped Maskedit is a failed job that says it was interrupted), and the facts
    for "Copy details"."""
    state = _STATES.get(record.status, JobState.FAILED)
    details = {name: value for name, value in (record.error or {}).items()
               if isinstance(value, str | int | float | None)}  # a Job stays hashable
    if record.status not in _STATES:
        details = {"status": "interrupted" if record.interrupted else record.status, **details}
    if record.request_id:
        details.setdefault("request_id", record.request_id)
    usage = tuple((record.usage or {}).items())
    return Job(id=record.job_id, number=record.number, prompt=record.prompt,
               options=options_from_record(record.options), provider_label=record.provider_label,
               state=state, message=record.message(variant_count),
               details=tuple(details.items()) if state is not JobState.DONE else (),
               created_at=record.started_at, started_at=record.started_at,
               finished_at=record.started_at + record.elapsed_s, variant_count=variant_count,
               usage=tuple((k, v) for k, v in usage if isinstance(v, int | None)),
               request_id=record.request_id, restored=True)


@dataclass(frozen=True)
class _MaskOnDisk:
    """A restored job's mask, read when one of its variants is shown (everything, without one)."""

    project: Project
    file: str | None
    size: tuple[int, int]

    def __call__(self) -> np.ndarray:
        coverage = None
        if self.file:
            with contextlib.suppress(ProjectError):
                coverage = self.project.read_mask(self.file, self.size)
        if coverage is None:
            coverage = np.full((self.size[1], self.size[0]), 255, np.uint8)
        coverage.flags.writeable = False
        return coverage


@dataclass(frozen=True)
class _LoadedDocument:
    """What a project's document needs, read and decoded before the window switches to it."""

    photo: DecodedPhoto
    mask: np.ndarray | None
    references: list[tuple[str, bytes]]


def _read_variants(record: JobRecord) -> list[Variant]:
    """Worker thread: the job's images as files on disk (their bytes are read when one is shown),
    with the sizes the record kept, else read from the file's header."""
    sizes = _recorded_sizes(record)
    variants = []
    for index, path in enumerate(record.files):
        size = sizes.get(path.name)
        if size is None:
            try:
                size = _header_size(path)
            except OSError as error:
                log.warning("job %s: %s cannot be read: %s", record.job_id, path.name, error)
                continue
        number = _index_from_name(path, index)
        kind = _TYPES.get(path.suffix.lower(), "image/png")
        variants.append(Variant(index=number, data=None, content_type=kind, width=size[0], height=size[1],
                                path=path))
    return variants


def _recorded_sizes(record: JobRecord) -> dict[str, tuple[int, int]]:
    """The width and height the run wrote beside each result it saved (whole numbers in range)."""
    sizes = {}
    for name, item in _recorded_results(record).items():
        width, height = item.get("width"), item.get("height")
        if all(type(side) is int and 0 < side <= _MAX_SIDE for side in (width, height)):
            sizes[name] = (width, height)
    return sizes


def _header_size(path: Path) -> tuple[int, int]:
    """An image file's size from its header (nothing else of it is read or decoded)."""
    from PIL import Image, UnidentifiedImageError

    try:
        with open_file(path) as stream, Image.open(stream) as image:
            return image.size
    except (UnidentifiedImageError, ValueError, Image.DecompressionBombError) as error:
        raise OSError(f"not an image ({error})") from None


def _index_from_name(path: Path, fallback: int) -> int:
    """JobWriter names images `<stem>-<job>-<k>.<ext>` with k counted from 1."""
    try:
        return int(path.stem.rsplit("-", 1)[1]) - 1
    except (IndexError, ValueError):
        return fallback


def _holds_work(project: Project) -> bool:
    """A photo or a result: something a restore would bring back."""
    if project.has_results():
        return True
    try:
        return project.load_state().document.photo_file is not None
    except ProjectError:  # a damaged manifest: keep the folder if any photo made it to disk
        return any(project.path("photos").glob("*"))
