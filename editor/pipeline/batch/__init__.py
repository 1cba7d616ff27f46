"""Batch edits: every photo of a folder with one prompt, and the per-file request `edit` shares.

`prepare_request` makes the request for a photo file and a mask file, for `maskedit-cli edit` and
batches alike. `Batch` sends (photo, mask) items a few at a time through backends from a factory,
writing each photo's results with `JobWriter` as they arrive. Photos whose results are complete in
the output folder are skipped, so a run stopped by Ctrl+C, a crash or a kill continues where it
stopped. While the service asks for a pause no new request starts; a failure every later request
would meet too (quota used up, key rejected) stops the batch. No Qt, no httpx: the CLI and the GUI
both drive it, and cancelling the task that awaits `Batch.run()` stops it.

The parts: `request` (one photo's request), `plan` (the photos of a folder and their masks),
`resume` (what an earlier run finished), `summary` (progress events and outcomes) and `engine`
(the workers, the pause they share, the batch itself).
"""

from editor.batch.engine import STOPPING_STATUSES, UNEXPECTED_FAILURE, BackendFactory, Batch, RateGate
from editor.batch.plan import PHOTO_SUFFIXES, BatchItem, BatchSetupError, plan_batch
from editor.batch.request import InputError, check_template, prepare_request
from editor.batch.resume import find_completed
from editor.batch.summary import BatchEvent, BatchSummary, EventKind, FileOutcome

__all__ = [
    "PHOTO_SUFFIXES",
    "STOPPING_STATUSES",
    "UNEXPECTED_FAILURE",
    "BackendFactory",
    "Batch",
    "BatchEvent",
    "BatchItem",
    "BatchSetupError",
    "BatchSummary",
    "EventKind",
    "FileOutcome",
    "InputError",
    "RateGate",
    "check_template",
    "find_completed",
    "plan_batch",
    "prepare_request",
]
