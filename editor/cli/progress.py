"""What a batch prints as it goes (a bar on a terminal, lines elsewhere) and its summary for a person,
and the spill lines `edit` prints too.

The batch engine is imported only for its types: `edit` imports this module and never runs a batch.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from editor.imaging.spill import SpillFigures
    from editor.pipeline.batch import BatchEvent, BatchSummary


class BatchProgress:
    """The batch's progress on a stream: a bar redrawn in place on a terminal, else a line per photo.

    Failures, retries and the service's pauses get lines of their own, so they stay readable.
    """

    WIDTH = 20

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.live = stream.isatty()
        self._bar = ""

    def __call__(self, event: BatchEvent) -> None:
        name = event.photo.name
        if event.kind == "retrying":
            self._line(f"{name}: {event.message} Waiting {event.wait_s or 0:.1f} s; no new request "
                       "starts before then.")
            return
        if event.kind == "started" and not self.live:
            return
        filled = round(self.WIDTH * event.finished / max(event.total, 1))
        head = f"[{'#' * filled}{'-' * (self.WIDTH - filled)}] {event.finished}/{event.total} {name}"
        what = {"started": "…", "done": "edited", "skipped": "skipped (done before)",
                "failed": f"failed: {event.message}"}[event.kind]
        if not self.live or event.kind == "failed":
            self._line(f"{head} {what}")
        if self.live:
            self._bar = f"{head} {'failed' if event.kind == 'failed' else what}"
            self.stream.write(f"\r\033[K{self._bar}")
            self.stream.flush()

    def _line(self, text: str) -> None:
        """A line that stays; on a terminal the bar is drawn again below it."""
        self.stream.write(f"\r\033[K{text}\n{self._bar}" if self.live else f"{text}\n")
        self.stream.flush()

    def close(self) -> None:
        if self.live and self._bar:
            self.stream.write("\n")
            self.stream.flush()


def describe_batch(summary: BatchSummary, out: Path) -> str:
    """The summary for a person: counts, tokens, time, the spill figures of each result edited now,
    each failure with its reason, why it stopped."""
    failed = summary.with_status("failed")
    lines = [f"Edited {len(summary.with_status('edited'))}, skipped {len(summary.with_status('skipped'))} "
             f"(done before), failed {len(failed)}"
             + (f", not started {summary.not_started}" if summary.not_started else "")
             + f" of {summary.total} photos; {summary.tokens:,} tokens; {summary.elapsed_s:.1f} s."]
    lines += [f"  {line}" for outcome in summary.with_status("edited")
              for line in spill_lines(outcome.files, outcome.spill)]
    lines += [f"  {outcome.photo.name}: {outcome.message}" for outcome in failed]
    if summary.stopped:
        lines.append(f"Stopped early: {summary.stopped}")
    if summary.cancelled:
        lines.append(f"Interrupted; every image received is kept in {out}. Run the same command again "
                     "to continue.")
    elif failed or summary.not_started:
        lines.append("Run the same command again to retry what did not finish.")
    return "\n".join(lines)


def spill_lines(files: Sequence[Path], spill: Sequence[SpillFigures | None]) -> list[str]:
    """A line per result with its spill figures, such as "x-1.png: the model changed 83 % of the
    photo outside the mask slightly (mean change 2.1 of 255)." (None: not measured, no line)."""
    from editor.imaging.spill import describe_spill  # OpenCV stays out of the command line's start

    return [f"{path.name}: the model {describe_spill(figures)}."
            for path, figures in zip(files, spill, strict=False) if figures is not None]
