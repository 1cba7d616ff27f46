"""Generate: the document as it is now becomes one job for the runner.

The controller knows why Generate cannot run yet (no photo, nothing painted, no prompt, no key)
and, when it can, snapshots the document — the photo by reference (zero-copy), the mask as a
copy, the prompt, options and references — and submits it. The user keeps painting meanwhile;
each press is one more job.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QImage

from editor.backends.providers import PROFILES
from editor.core.document import Document
from editor.core.runner import JobRunner
from editor.imaging.prepare import EditContext
from editor.pipeline.options import EditOptions, capabilities, normalized
from editor.pipeline.plan import DEFAULT_PADDING, plan_edit
from editor.pipeline.snapshot import EditSnapshot
from editor.settings.environment import ENV_MODEL, choose_provider, forced_provider

log = logging.getLogger(__name__)

# A mask edit may fire `changed` for every dab: look again a moment after the last one.
RECHECK_MS = 120

# How the photo's channels sit in memory, as a view onto RGB(A) order (little-endian QImage).
_BGRA_FORMATS = (QImage.Format.Format_RGB32, QImage.Format.Format_ARGB32)
_RGBA_FORMATS = (QImage.Format.Format_RGBA8888, QImage.Format.Format_RGBX8888)


def photo_pixels(image: QImage) -> tuple[np.ndarray, QImage]:
    """The photo as an (h, w, 3|4) RGB(A) uint8 array without copying its pixels when it can,
    and the QImage that owns the memory (keep it alive as long as the array is used)."""
    opaque = not image.hasAlphaChannel()
    if image.format() not in _BGRA_FORMATS + _RGBA_FORMATS:
        # Premultiplied or exotic formats: one conversion (pasted images with transparency).
        image = image.convertToFormat(
            QImage.Format.Format_RGB32 if opaque else QImage.Format.Format_RGBA8888
        )
    width, height, stride = image.width(), image.height(), image.bytesPerLine()
    raw = np.frombuffer(image.constBits(), np.uint8, count=stride * height)
    rows = raw.reshape(height, stride)[:, : width * 4].reshape(height, width, 4)
    if image.format() in _BGRA_FORMATS:
        pixels = rows[:, :, 2::-1] if opaque else rows[:, :, [2, 1, 0, 3]]
    else:
        pixels = rows[:, :, :3] if opaque else rows
    pixels.flags.writeable = False
    return pixels, image


def forced_options(options: EditOptions, env: Mapping[str, str]) -> EditOptions:
    """`options` with the provider and model the environment asks for (if any)."""
    if forced_provider(env) is None and not env.get(ENV_MODEL, "").strip():
        return options
    choice = choose_provider(env, remembered=(options.provider, options.model))
    return replace(options, provider=choice.profile.name, model=choice.model or "")


@dataclass(frozen=True)
class JobContext:
    """What a job was made from, kept for showing its variants over the photo it edited. `mask` is
    the coverage it was sent with, or (a restored job) how to read it from the project when a
    variant is first shown: hundreds of restored jobs do not hold hundreds of full-size masks."""

    photo: QImage
    mask: np.ndarray | Callable[[], np.ndarray]
    crop: tuple[int, int, int, int] | None = None  # the part of the photo sent (crop-to-mask)

    @property
    def coverage(self) -> np.ndarray:
        """The (h, w) uint8 coverage, read now if it was left on disk (call off the GUI thread)."""
        return self.mask() if callable(self.mask) else self.mask


def key_blocker(provider: str, has_key: Callable[[str], bool], base_url: Callable[[str], str | None]
                ) -> str | None:
    """Why an HTTP provider cannot be used yet (no key, no base URL), or None."""
    profile = PROFILES.get(provider)
    if profile is None or not profile.needs_key:
        return None
    if not (base_url(provider) or profile.base_url):
        return f"No base URL for the {profile.label} provider — open Settings"
    if not has_key(provider):
        return f"No API key for {profile.label.split(' (')[0]} — open Settings"
    return None


class GenerateController(QObject):
    """Turns the document into jobs for the runner and says when (and why) it cannot.

    `has_key(provider)` and `base_url(provider)` come from the window (they read the settings,
    environment and keychain); `original_bytes()` gives the photo file's bytes when the pixels
    are still exactly that file.
    """

    availability_changed = Signal()

    def __init__(self, document: Document, runner: JobRunner, *, has_key: Callable[[str], bool],
                 base_url: Callable[[str], str | None], original_bytes: Callable[[], bytes | None],
                 job_record: Callable[[], dict] = dict,
                 context_padding: Callable[[], float] = lambda: DEFAULT_PADDING,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._document = document
        self._runner = runner
        self._has_key = has_key
        self._base_url = base_url
        self._original_bytes = original_bytes
        self._contexts: dict[str, JobContext] = {}
        # What each job's saved record says beyond the job itself (the project's photo file), and
        # the padding around the mask's box in crop-to-mask, a share of the box (Settings).
        self._job_record, self._context_padding = job_record, context_padding
        self._blocker: str | None = None
        self._watched_mask = None
        self._recheck = QTimer(self, singleShot=True, interval=RECHECK_MS)
        self._recheck.timeout.connect(self.refresh)
        document.mask_replaced.connect(self._watch_mask)
        document.prompt_changed.connect(self.refresh)
        document.options_changed.connect(self.refresh)
        self._watch_mask(document.mask())
        runner.planned.connect(self._planned)

    # --- why not -------------------------------------------------------------------------------

    def blocker(self) -> str | None:
        """A sentence saying why Generate cannot run now, or None when it can."""
        return self._blocker

    def refresh(self) -> None:
        """Look again (the key may have been added in Settings, the mask painted, …)."""
        blocker = self._find_blocker()
        if blocker != self._blocker:
            self._blocker = blocker
            self.availability_changed.emit()

    def _find_blocker(self) -> str | None:
        document = self._document
        mask = document.mask()
        if not document.is_open() or mask is None:
            return "Open a photo first"
        if mask.is_empty():
            return "Paint the area to change first — the mask is empty"
        options = self.options()
        if capabilities(options.provider, options.model).uses_prompt and not self.prompt().strip():
            return "Write a prompt describing the change"
        return key_blocker(options.provider, self._has_key, self._base_url)

    def _watch_mask(self, mask) -> None:
        if self._watched_mask is not None:
            with contextlib.suppress(RuntimeError, TypeError):  # the old mask may be gone already
                self._watched_mask.changed.disconnect(self._schedule)
        self._watched_mask = mask
        if mask is not None:
            mask.changed.connect(self._schedule)
        self.refresh()

    def _schedule(self, *_args) -> None:
        # Painting turns "empty" into "painted" on the first dab: no need to wait for that one.
        if self._blocker is not None and self._blocker.startswith("Paint"):
            self.refresh()
        elif not self._recheck.isActive():
            self._recheck.start()

    # --- the document's prompt side ------------------------------------------------------------

    def prompt(self) -> str:
        return self._document.prompt()

    def options(self) -> EditOptions:
        return normalized(self._document.options())

    def references(self) -> tuple[tuple[str, bytes], ...]:
        return tuple(self._document.references())

    # --- go ------------------------------------------------------------------------------------

    def generate(self) -> str | None:
        """Submit the document as it is now; the job id, or None when Generate is blocked."""
        self.refresh()
        if self._blocker is not None:
            return None
        document = self._document
        pixels, owner = photo_pixels(document.photo())
        coverage = document.mask().array().copy()
        coverage.flags.writeable = False
        original = self._original_bytes() if owner is document.photo() else None
        snapshot = EditSnapshot(
            photo=pixels, photo_name=document.display_name() or "photo", coverage=coverage,
            prompt=self.prompt(), options=self.options(), photo_bytes=original,
            references=self.references(), record=self._job_record(), padding=self._context_padding(),
        )
        job_id = self._runner.submit(snapshot)
        # The crop is the pipeline's to plan; it is filled in when the run reports its plan.
        self._contexts[job_id] = JobContext(owner, coverage)
        log.info("job %s submitted (%s)", job_id, snapshot.options.provider)
        return job_id

    def _planned(self, job_id: str, crop: tuple[int, int, int, int] | None) -> None:
        context = self._contexts.get(job_id)
        if context is not None:
            self._contexts[job_id] = replace(context, crop=crop)

    def edit_context(self) -> EditContext | None:
        """The part of the photo a Generate now would send (crop-to-mask), None with no photo."""
        document = self._document
        photo, mask = document.photo(), document.mask()
        if photo is None or mask is None:
            return None
        rect = mask.bounding_rect()
        box = None if rect.isEmpty() else (rect.left(), rect.top(), rect.right() + 1, rect.bottom() + 1)
        size = (photo.width(), photo.height())
        return plan_edit(size, box, self.options(), padding=self._context_padding())

    def context(self, job_id: str) -> JobContext | None:
        return self._contexts.get(job_id)

    def add_context(self, job_id: str, context: JobContext) -> None:
        """What a job that ran before (a restored project) was made from."""
        self._contexts[job_id] = context

    def forget_contexts(self) -> None:
        """The jobs are gone (another photo or project): so are the photos they were made from."""
        self._contexts.clear()
