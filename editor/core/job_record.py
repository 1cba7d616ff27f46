"""A job's record in results/, read back: what the runner wrote there as the images arrived.

The record is the job's JobWriter sidecar (its prompt, status, usage and result files) with the
runner's own block under RECORD_KEY. It is written when the request is sent, so it also tells of
jobs that returned nothing: failed, cancelled, or still "running" because Maskedit stopped while
the request was out. Each of those may have been billed, and says so when it is shown again.
Plain Python, no Qt.
"""

from __future__ import annotations

from collections.abc import Container
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from editor.core.project_state import plain_parts

# A job's record in results/ is its JobWriter sidecar; the runner adds this block to it.
RECORD_KEY = "maskedit_job"
# The states of a record whose job never ended: the process stopped while its request was out.
UNFINISHED = ("running", "sending")


@dataclass(frozen=True)
class JobRecord:
    """A job as its record in results/ tells it (what the runner wrote as the images arrived)."""

    job_id: str
    number: int
    prompt: str
    options: dict
    provider_label: str
    status: str
    started_at: float
    elapsed_s: float
    usage: dict | None
    request_id: str | None
    files: tuple[Path, ...]
    mask_file: str | None
    source_photo: str | None
    error: dict | None
    record: dict = field(repr=False, compare=False, default_factory=dict)

    @property
    def interrupted(self) -> bool:
        """The job never ended: Maskedit was closed, crashed or killed with its request out."""
        return self.status in UNFINISHED

    def message(self, variant_count: int) -> str:
        """How the job ended, for a person; a job that ended without its results says that it may
        have been billed all the same, with the request id to ask the provider about."""
        kept = f" The {_images(variant_count)} that had arrived {'is' if variant_count == 1 else 'are'} kept."
        kept = kept if variant_count else ""
        if self.status == "completed":
            return f"{variant_count} variant{'s' if variant_count != 1 else ''} in {self.elapsed_s:.1f} s"
        if self.status == "failed":
            return str((self.error or {}).get("message") or "Failed.") + kept
        billed = f"may have been billed ({self._request()})."
        if self.status == "cancelled":
            return f"Cancelled after the request was sent, so it {billed}{kept}"
        if self.interrupted:
            return f"Interrupted: Maskedit stopped while the request was out, so it {billed}{kept}"
        return f"Ended as \"{self.status[:40]}\", which this Maskedit does not know.{kept}"

    def _request(self) -> str:
        return f"request id {self.request_id}" if self.request_id else "no request id had arrived"


def job_record_from(record: dict, folder: Path, present: Container[str] | None = None) -> JobRecord:
    """The JobRecord a parsed record in `folder` tells; result files no longer there are left out
    (`present`, when given, names the files in `folder`, listed once for many records). A record
    naming a file outside `folder` (or its photo outside the project) is refused with ValueError,
    like one of the wrong shape."""
    extra = record[RECORD_KEY]
    started = datetime.fromisoformat(record["started_at"]).timestamp()
    names = [_plain_name(item["file"]) for item in record.get("results") or ()]
    if present is None:
        files = tuple(path for path in (folder / name for name in names) if path.is_file())
    else:
        files = tuple(folder / name for name in names if name in present)
    mask = record.get("mask") or {}
    mask_file = f"{folder.name}/{_plain_name(mask['file'])}" if isinstance(mask.get("file"), str) else None
    source = extra.get("source_photo")
    if source is not None and plain_parts(source) is None:
        raise ValueError(f"the record names a photo outside the project ({str(source)[:80]})")
    return JobRecord(
        job_id=str(extra["job_id"]), number=int(extra["number"]), prompt=str(record.get("prompt") or ""),
        options=dict(extra.get("options") or {}), provider_label=str(extra.get("provider_label") or ""),
        status=str(record.get("status") or "completed"), started_at=started,
        elapsed_s=float(record.get("elapsed_s") or 0.0), usage=record.get("usage"),
        request_id=record.get("request_id"), files=files, mask_file=mask_file,
        source_photo=source, error=record.get("error"), record=record,
    )


def _images(count: int) -> str:
    return f"{count} image{'s' if count != 1 else ''}"


def _plain_name(name: object) -> str:
    """A file name inside the record's folder: no folder part, nothing that climbs out."""
    parts = plain_parts(name)
    if parts is None or len(parts) != 1:
        raise ValueError(f"the record names a file outside its folder ({str(name)[:80]})")
    return name
