"""Paste masks in the project folder: one PNG per mask and one JSON list of them.

    results/paste/pastes.json                      [{job, index, feather, mask, mixes: [...]}, …]
    results/paste/<job>-<index>.png                 the variant's own paste mask (white = variant)
    results/paste/<job>-<index>-mix-<job>-<n>.png   the mask a mixed-in variant is painted through

They live under results/ beside the jobs they belong to, so a project file carries them and an
older Maskedit opens it unchanged (it reads only results/*.json). A project without them is a
project whose variants keep the masks they were sent with. Plain Python: runs in a worker thread.
"""

from __future__ import annotations

import json
import logging
import re

import numpy as np

from editor.core.paste_masks import PasteSnapshot, VariantKey
from editor.core.session import MAX_JSON_BYTES, Project, ProjectError
from editor.disk import write_atomically

log = logging.getLogger(__name__)

FOLDER = "results/paste"
LIST = f"{FOLDER}/pastes.json"


def write_pastes(project: Project, pastes: dict[VariantKey, PasteSnapshot]) -> None:
    """Store these variants' paste masks (others already stored stay listed)."""
    entries = {(entry["job"], entry["index"]): entry for entry in _read_list(project)}
    for (job_id, index), snapshot in pastes.items():
        stem = f"{FOLDER}/{_name(job_id)}-{index}"
        mixes = []
        for (source_job, source_index), coverage in snapshot.mixes:
            relative = f"{stem}-mix-{_name(source_job)}-{source_index}.png"
            project.store_mask(coverage, relative)
            mixes.append({"job": source_job, "index": source_index, "mask": relative})
        project.store_mask(snapshot.own, f"{stem}.png")
        entries[job_id, index] = {"job": job_id, "index": index, "feather": snapshot.feather,
                                  "mask": f"{stem}.png", "mixes": mixes}
    text = json.dumps(list(entries.values()), indent=1) + "\n"
    write_atomically(project.path(LIST), text.encode())


def read_pastes(project: Project, size: tuple[int, int]) -> dict[VariantKey, PasteSnapshot]:
    """Every stored variant's paste masks at the photo's `size` = (width, height); an entry that
    cannot be read is skipped (that variant keeps the mask its job was sent with)."""
    pastes: dict[VariantKey, PasteSnapshot] = {}
    for entry in _read_list(project):
        try:
            key = (str(entry["job"]), int(entry["index"]))
            mixes = tuple(((str(mix["job"]), int(mix["index"])), _mask(project, mix["mask"], size))
                          for mix in entry.get("mixes", ()))
            feather = entry.get("feather")
            pastes[key] = PasteSnapshot(_mask(project, entry["mask"], size), mixes,
                                        None if feather is None else float(feather))
        except (ProjectError, KeyError, TypeError, ValueError) as error:
            log.warning("skipping a paste mask of the project: %s", error)
    return pastes


def _read_list(project: Project) -> list[dict]:
    path = project.path(LIST)
    if not path.is_file():
        return []
    try:
        entries = json.loads(project.read_bytes(LIST, MAX_JSON_BYTES))
    except (ProjectError, ValueError) as error:
        log.warning("the paste masks' list is unreadable: %s", error)
        return []
    return [entry for entry in entries if isinstance(entry, dict)] if isinstance(entries, list) else []


def _mask(project: Project, relative: object, size: tuple[int, int]) -> np.ndarray:
    if not isinstance(relative, str) or not relative.startswith(f"{FOLDER}/"):
        raise ValueError(f"{relative!r} is not a paste mask of the project")
    return project.read_mask(relative, size)


def _name(job_id: str) -> str:
    """A job id as part of a file name: letters, digits, dashes and underscores only."""
    return re.sub(r"[^A-Za-z0-9_-]", "_", job_id)[:80]
