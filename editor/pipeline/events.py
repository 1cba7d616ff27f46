"""What an edit run reports as it goes, and how it ended: frozen records, no Qt.

The window's runner turns these into job states and signals on the GUI thread; the command line
prints them; a batch counts them. Every image is on disk before its `VariantReady` is reported.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np

from editor.backends.base import EditError, EditRequest, EditResult, ResultImage
from editor.imaging.prepare import EditContext

log = logging.getLogger(__name__)

# "resending": the provider refused the upload as too large (413); it goes again, smaller.
StageName = Literal["preparing", "sending", "resending", "waiting", "retrying", "receiving"]


@dataclass(frozen=True)
class Stage:
    """Where the run is; `message` is for a person. `wait_s` is the pause before a retry."""

    name: StageName
    message: str
    attempt: int | None = None
    wait_s: float | None = None


@dataclass(frozen=True)
class Planned:
    """What will be sent: the part of the photo (`context`) and the request itself."""

    context: EditContext
    request: EditRequest = field(repr=False)


@dataclass(frozen=True)
class PartialImage:
    """A streamed preview of result `index`; the final image replaces it."""

    index: int
    image: ResultImage


@dataclass(frozen=True)
class VariantReady:
    """Result `index`, saved at `path` (and placed back into the whole photo at `placed`, when the
    run was asked to). `pixels` is the result decoded once, (h, w, 3|4) RGB(A), for the views; None
    when it could not be decoded (the file is kept all the same). `spill` is the share of the pixels
    outside the mask the model changed."""

    index: int
    image: ResultImage
    path: Path
    pixels: np.ndarray | None = field(default=None, repr=False)
    spill: float | None = None
    placed: Path | None = None


Event = Stage | Planned | PartialImage | VariantReady
Status = Literal["completed", "failed", "cancelled"]


def report(on_event: Callable[[Event], None] | None, event: Event) -> None:
    """Hand `event` to the run's listener, if any: a broken display must not break the edit, so
    what it raises is logged, never passed on."""
    if on_event is None:
        return
    try:
        on_event(event)
    except Exception:
        log.exception("reporting %s failed", type(event).__name__)


@dataclass(frozen=True)
class Outcome:
    """How a run ended. `message` is for a person; `error` carries the service's facts. `sent` is
    False when nothing reached the service (bad input, a request refused before sending). `files`
    are the results as received, `placed` the whole photos made from them, `sidecar` the record."""

    status: Status
    message: str
    error: EditError | None = None
    result: EditResult | None = None
    files: tuple[Path, ...] = ()
    placed: tuple[Path, ...] = ()
    sidecar: Path | None = None
    sent: bool = True
    smaller: bool = False

    @property
    def kept(self) -> int:
        return len(self.files)
