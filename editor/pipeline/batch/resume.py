"""What is done already: the photos whose results an earlier run left complete in the output
folder, so a run stopped by Ctrl+C, a crash or a kill continues where it stopped."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from pathlib import Path

from editor.disk import open_file
from editor.pipeline.batch.summary import FileOutcome

_SIDECAR_NAME = re.compile(r"(?P<stem>.+)-\d{8}-\d{6}-[0-9a-f]{4}\.json")  # JobWriter's names


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
            intact = [_sha256(path) == entry["sha256"]
                      for path, entry in zip(files, record["results"], strict=True)]
            if (record.get("context") or {}).get("size"):  # a crop: its answers placed back, whole
                intact += [_sha256(out_dir / entry["full"]["file"]) == entry["full"]["sha256"]
                           for entry in record["results"]]
        except (OSError, ValueError, AttributeError, LookupError, TypeError):
            continue  # not a finished record of ours, or its images are gone: done again
        if photo is not None and photo.stem == match["stem"] and files and all(intact):
            found[photo] = FileOutcome(photo, "skipped", "Done before.", files=files, sidecar=sidecar)
    return found


def _sha256(path: Path) -> str:
    with open_file(path) as stream:
        return hashlib.file_digest(stream, "sha256").hexdigest()
