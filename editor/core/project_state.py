"""The project's manifest as values: the document, the variants' stars and discards, where it was saved.

Frozen dataclasses and the plain functions that read and change them; `Project` (session.py) writes
them to project.json and reads them back. No files and no Qt here.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace


@dataclass(frozen=True)
class VariantFlags:
    starred: bool = False
    discarded: bool = False


@dataclass(frozen=True)
class DocumentState:
    """What the window shows, as files of the project (paths relative to its folder)."""

    photo_file: str | None = None
    original_photo_file: str | None = None
    photo_name: str | None = None
    photo_path: str | None = None
    mask_file: str | None = None
    prompt: str = ""
    options: dict = field(default_factory=dict)
    references: tuple[tuple[str, str], ...] = ()  # (name, file)
    photo_from: tuple[str, int] | None = None  # (job id, variant index) the photo was applied from


@dataclass(frozen=True)
class ProjectState:
    """The manifest: the document, the variants' flags (by "job-id/index"), and where it was saved."""

    document: DocumentState = field(default_factory=DocumentState)
    flags: dict[str, VariantFlags] = field(default_factory=dict)
    saved_to: str | None = None
    created: float = field(default_factory=time.time)
    modified: float = field(default_factory=time.time)


def flag_key(job_id: str, index: int) -> str:
    return f"{job_id}/{index}"


def with_flags(state: ProjectState, job_id: str, index: int, **changes: bool) -> ProjectState:
    """`state` with one variant's flags changed."""
    key = flag_key(job_id, index)
    flags = dict(state.flags)
    flags[key] = replace(flags.get(key, VariantFlags()), **changes)
    return replace(state, flags=flags)


def state_from_manifest(manifest: dict) -> ProjectState:
    """The state a parsed project.json describes; unknown document fields are ignored."""
    document = dict(manifest.get("document") or {})
    known = {name for name in DocumentState.__dataclass_fields__}
    document = {key: value for key, value in document.items() if key in known}
    document["references"] = tuple((str(name), str(file)) for name, file in document.get("references") or ())
    if document.get("photo_from"):
        job, index = document["photo_from"]
        document["photo_from"] = (str(job), int(index))
    flags = {str(key): VariantFlags(bool(value.get("starred")), bool(value.get("discarded")))
             for key, value in (manifest.get("variants") or {}).items() if isinstance(value, dict)}
    return ProjectState(document=DocumentState(**document), flags=flags, saved_to=manifest.get("saved_to"),
                        created=float(manifest.get("created") or time.time()),
                        modified=float(manifest.get("modified") or time.time()))
