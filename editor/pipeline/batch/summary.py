"""Progress and the end of a batch: each photo's outcome, the events of a run, its summary."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from editor.imaging.spill import SpillFigures

EventKind = Literal["started", "retrying", "done", "failed", "skipped"]


@dataclass(frozen=True)
class FileOutcome:
    """How one photo ended: "edited", "skipped" (done before), "failed" or "interrupted".

    `message` says why it failed, for a person; `error` holds the service's facts (status,
    request id, its own words); `tokens` are this run's, so a skipped photo has none. `spill` has
    the spill figures of each result in `files` (None where one could not be measured); a skipped
    photo has none.
    """

    photo: Path
    status: Literal["edited", "skipped", "failed", "interrupted"]
    message: str = ""
    files: tuple[Path, ...] = ()
    sidecar: Path | None = None
    tokens: int | None = None
    error: dict | None = None
    spill: tuple[SpillFigures | None, ...] = ()

    def as_dict(self) -> dict:
        return {"photo": str(self.photo), "status": self.status, "message": self.message or None,
                "files": [str(path) for path in self.files], "tokens": self.tokens,
                "sidecar": str(self.sidecar) if self.sidecar else None, "error": self.error,
                "spill": [figures.as_dict() if figures else None for figures in self.spill]}


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
