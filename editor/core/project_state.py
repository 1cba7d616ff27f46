"""The project's manifest as values: the document, the variants' stars and discards, where it was saved.

Frozen dataclasses and the plain functions that read and change them; `Project` (session.py) writes
them to project.json and reads them back. No files and no Qt here.
"""

from __future__ import annotations

import re
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

    def files(self) -> list[str]:
        """Every file of the project the manifest names (relative to its folder)."""
        document = self.document
        named = [document.photo_file, document.original_photo_file, document.mask_file]
        return [name for name in named if name] + [file for _, file in document.references]


def flag_key(job_id: str, index: int) -> str:
    return f"{job_id}/{index}"


def with_flags(state: ProjectState, job_id: str, index: int, **changes: bool) -> ProjectState:
    """`state` with one variant's flags changed."""
    key = flag_key(job_id, index)
    flags = dict(state.flags)
    flags[key] = replace(flags.get(key, VariantFlags()), **changes)
    return replace(state, flags=flags)


_DRIVE = re.compile(r"^[A-Za-z]:")
_CONTROL = re.compile(r"[\x00-\x1f]")


def plain_parts(relative: object) -> tuple[str, ...] | None:
    """The parts of a relative file name in a project ("photos/a.png" → ("photos", "a.png")), or
    None when it could reach outside its folder on any system: absolute, empty or "."/".." parts,
    a backslash, a Windows drive ("C:"), control characters. Other characters a user's photo name
    may carry (":", "?", "*" on Linux and macOS) are kept: results are named after the photo."""
    if not isinstance(relative, str) or not relative:
        return None
    parts = tuple(relative.split("/"))
    for part in parts:
        if part in ("", ".", "..") or "\\" in part or len(part) > 200 or _CONTROL.search(part):
            return None
    return None if _DRIVE.match(parts[0]) else parts


_TEXT_FIELDS = ("photo_file", "original_photo_file", "photo_name", "photo_path", "mask_file")


def state_from_manifest(manifest: dict) -> ProjectState:
    """The state a parsed project.json describes; unknown document fields are ignored. Raises
    ValueError or TypeError for a value of the wrong type (a damaged or hostile manifest)."""
    document = manifest.get("document")
    document = {} if document is None else document
    _expect(document, dict, "document")
    known = {name for name in DocumentState.__dataclass_fields__}
    document = {key: value for key, value in document.items() if key in known}
    for name in _TEXT_FIELDS:
        _expect(document.get(name), str | None, name)
    _expect(document.get("prompt", ""), str, "prompt")
    _expect(document.get("options", {}), dict, "options")
    references = document.get("references")
    references = () if references is None else references
    _expect(references, list | tuple, "references")
    pairs = []
    for pair in references:
        _expect(pair, list | tuple, "a reference")
        name, file = pair  # exactly two
        _expect(name, str, "a reference's name")
        _expect(file, str, "a reference's file")
        pairs.append((name, file))
    document["references"] = tuple(pairs)
    if document.get("photo_from"):
        _expect(document["photo_from"], list | tuple, "photo_from")
        job, index = document["photo_from"]
        _expect(job, str, "photo_from's job")
        _expect(index, int, "photo_from's variant")
        document["photo_from"] = (job, index)
    variants = manifest.get("variants")
    variants = {} if variants is None else variants
    _expect(variants, dict, "variants")
    flags = {str(key): VariantFlags(value.get("starred") is True, value.get("discarded") is True)
             for key, value in variants.items() if isinstance(value, dict)}
    saved_to, created, modified = (manifest.get(name) for name in ("saved_to", "created", "modified"))
    _expect(saved_to, str | None, "saved_to")
    _expect(created, int | float | None, "created")
    _expect(modified, int | float | None, "modified")
    return ProjectState(document=DocumentState(**document), flags=flags, saved_to=saved_to,
                        created=float(created or time.time()), modified=float(modified or time.time()))


def _expect(value: object, kind, name: str) -> None:
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise TypeError(f"{name} is {type(value).__name__}")
