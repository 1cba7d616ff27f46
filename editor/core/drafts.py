"""The projects kept in the data folder, listed for File ▸ Projects and Drafts and the start page.

Every project that ever received a result stays in `projects/` when its window closes or moves on
to another photo, saved to a .maskedit file or not: a *draft* until the user deletes it. This
module lists them (newest first) with what a person needs to recognise one — the photo's name,
when it was last worked on, its jobs and results, the file it was saved to — and a small picture
of its newest result (or its photo), cached in `projects/.thumbnails/`. Plain Python, no Qt: it
runs in a worker thread.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from editor.core.session import MANIFEST, RESULTS, Project, ProjectError
from editor.disk import write_atomically

log = logging.getLogger(__name__)

THUMBNAILS = ".thumbnails"
THUMB_SIDE = 192
# A picture bigger than this is not decoded for a thumbnail (a hostile file cannot blow up memory).
THUMB_MAX_PIXELS = 120_000_000
_PICTURES = (".png", ".jpg", ".jpeg", ".webp")


@dataclass(frozen=True)
class Draft:
    """One project in the data folder, as the list shows it."""

    root: Path
    title: str  # the photo's name
    modified: float  # when it was last written (seconds since the epoch)
    jobs: int
    results: int  # result images on disk
    unfinished: int  # jobs that ended without all their results (may have been billed)
    saved_to: Path | None  # the .maskedit file it was last saved to, if any
    interrupted: bool  # its window died without closing it
    thumbnail: Path | None

    @property
    def saved(self) -> bool:
        """Whether its file still exists (it may hold less than the draft: work after the save)."""
        return self.saved_to is not None and self.saved_to.is_file()

    def summary(self) -> str:
        """'3 jobs · 5 results · 1 cancelled, failed or interrupted', for the list's second line."""
        parts = [f"{self.jobs} job{'s' * (self.jobs != 1)}",
                 f"{self.results} result{'s' * (self.results != 1)}"]
        if self.unfinished:
            parts.append(f"{self.unfinished} cancelled, failed or interrupted")
        return " · ".join(parts)


def list_drafts(projects_dir: Path, *, exclude: Path | None = None) -> list[Draft]:
    """The kept projects in `projects_dir`, newest first: those holding a job's record or saved to
    a file, not open in a live window, and not `exclude` (the window's own project)."""
    folder = Path(projects_dir)
    if not folder.is_dir():
        return []
    drafts = []
    for root in folder.iterdir():
        if root.name.startswith(".") or not root.is_dir() or root == exclude:
            continue
        try:
            draft = _read(Project(root), folder / THUMBNAILS)
        except (OSError, ProjectError, ValueError) as error:
            log.warning("skipping the project %s: %s", root.name, error)
            continue
        if draft is not None:
            drafts.append(draft)
    return sorted(drafts, key=lambda draft: draft.modified, reverse=True)


def delete_draft(draft: Draft) -> None:
    """Remove the project's folder (its results with it) and its cached picture. A file it was
    saved to is not touched."""
    Project(draft.root).remove()
    with contextlib.suppress(OSError):
        (draft.root.parent / THUMBNAILS / f"{draft.root.name}.png").unlink()


def _read(project: Project, thumbnails: Path) -> Draft | None:
    if project.held_elsewhere():
        return None  # open in a live window: it is that window's
    state = project.load_state()
    records = project.job_records()
    if not records and state.saved_to is None:
        return None  # nothing was ever sent from it and it has no file: nothing to keep
    results = [path for record in records for path in record.files]
    newest = max(results, key=_mtime, default=None)
    picture = newest or (project.path(state.document.photo_file) if state.document.photo_file else None)
    saved_to = Path(state.saved_to) if state.saved_to else None
    return Draft(
        root=project.root, title=state.document.photo_name or "Untitled",
        modified=max(_mtime(project.root / MANIFEST), _mtime(project.root / RESULTS),
                     max((_mtime(path) for path in results), default=0.0)),
        jobs=len(records), results=len(results),
        unfinished=sum(1 for record in records if record.status != "completed"),
        saved_to=saved_to, interrupted=project.was_interrupted(),
        thumbnail=_thumbnail(picture, thumbnails / f"{project.id}.png") if picture else None)


def _thumbnail(source: Path, cached: Path) -> Path | None:
    """A small PNG of `source`, made once (again when the source is newer); None if unreadable."""
    if source.suffix.lower() not in _PICTURES or not source.is_file():
        return None
    if cached.is_file() and _mtime(cached) >= _mtime(source):
        return cached
    try:
        with Image.open(source) as image:
            if image.width * image.height > THUMB_MAX_PIXELS:
                return None
            image.draft("RGB", (THUMB_SIDE, THUMB_SIDE))  # JPEG decodes at a fraction of its size
            image.thumbnail((THUMB_SIDE, THUMB_SIDE))
            picture = image.convert("RGBA" if "A" in image.getbands() else "RGB")
        write_atomically(cached, lambda stream: picture.save(stream, "PNG"))
        return cached
    except (OSError, ValueError, Image.DecompressionBombError) as error:
        log.warning("no thumbnail for %s: %s", source, error)
        return None


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0
