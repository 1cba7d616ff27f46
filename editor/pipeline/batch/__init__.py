"""Batch edits: every photo of a folder with one prompt, each one `EditRun` (editor.pipeline).

`Batch` sends (photo, mask) items a few at a time through backends from a factory, each photo's
results written as they arrive. Photos whose results are complete in the output folder are
skipped, so a run stopped by Ctrl+C, a crash or a kill continues where it stopped. While the
service asks for a pause no new request starts; a failure every later request would meet too
(quota used up, key rejected) stops the batch. No Qt, no httpx: the CLI and the window both drive
it, and cancelling the task that awaits `Batch.run()` stops it.

The parts: `items` (the photos of a folder and their masks), `resume` (what an earlier run
finished), `summary` (progress events and outcomes, with each result's spill figures) and `engine` (the
workers, the pause they share, the batch itself). Each photo's `EditRun` places its answers back
into the whole photo, seam-harmonised unless asked not to.
"""

from editor.pipeline.batch.engine import STOPPING_STATUSES, BackendFactory, Batch, RateGate
from editor.pipeline.batch.items import PHOTO_SUFFIXES, BatchItem, BatchSetupError, batch_items
from editor.pipeline.batch.resume import find_completed
from editor.pipeline.batch.summary import BatchEvent, BatchSummary, EventKind, FileOutcome

__all__ = [
    "PHOTO_SUFFIXES",
    "STOPPING_STATUSES",
    "BackendFactory",
    "Batch",
    "BatchEvent",
    "BatchItem",
    "BatchSetupError",
    "BatchSummary",
    "EventKind",
    "FileOutcome",
    "RateGate",
    "batch_items",
    "find_completed",
]
