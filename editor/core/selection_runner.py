"""Runs the window's smart selections off the GUI thread and lands each on the mask as one undo
step: the owned task, its progress and cancel, and the check that the mask it started from is
still the mask it lands on. QtCore only."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QObject, Signal

from editor.core.document import Document
from editor.core.generate import photo_pixels
from editor.core.mask_layer import MaskLayer
from editor.core.tasks import TaskGroup
from editor.imaging.selection import CancelFlag, Checkpoint, SelectionCancelled, SelectionError, changed_rect

log = logging.getLogger(__name__)

# (photo (H, W, 3+) uint8 RGB, a copy of the mask as it is, checkpoint) → the whole new mask.
SelectionWork = Callable[[np.ndarray, np.ndarray, Checkpoint], np.ndarray]


@dataclass(frozen=True)
class _Outcome:
    mask: np.ndarray
    rect: tuple[int, int, int, int] | None


class SelectionRunner(QObject):
    """One selection at a time: a newer one replaces (cancels) the one running.

    `run(label, work)` computes the new mask from the photo and a copy of the mask in a worker
    thread; the changed part is written into the mask as one undo step named `label`. If the mask
    was edited meanwhile (undo, invert…), the result is dropped and `failed` says so, rather than
    overwriting that edit.
    """

    busy_changed = Signal(bool)
    progress = Signal(float)  # 0..1, on the GUI thread
    failed = Signal(str)  # a sentence for the status bar
    applied = Signal(str)  # the undo step's label, after the mask changed

    def __init__(self, document: Document, tasks: TaskGroup, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._document, self._tasks = document, tasks
        self._flag: CancelFlag | None = None
        self._busy = False
        document.mask_replaced.connect(lambda _mask: self.cancel())  # another photo: stop selecting

    def busy(self) -> bool:
        return self._busy

    def cancel(self) -> bool:
        """Stop the running selection (Esc); False when none runs."""
        if not self._busy:
            return False
        if self._flag is not None:
            self._flag.cancel()
        self._tasks.cancel("selection")
        self._set_busy(False)
        return True

    def run(self, label: str, work: SelectionWork) -> bool:
        """Start a selection; False when there is no photo to select in."""
        mask, photo = self._document.mask(), self._document.photo()
        if mask is None or photo is None:
            return False
        if self._flag is not None:
            self._flag.cancel()
        loop = asyncio.get_event_loop()
        flag = CancelFlag(lambda fraction: loop.call_soon_threadsafe(self._report, flag, fraction))
        self._flag = flag
        self._tasks.start(self._select(label, work, mask, photo, flag), key="selection")
        self._set_busy(True)
        self.progress.emit(0.0)
        return True

    async def _select(self, label: str, work: SelectionWork, mask: MaskLayer, photo,
                      flag: CancelFlag) -> None:
        serial = mask.undo_serial()
        pixels, owner = photo_pixels(photo)
        try:
            # The worker holds the QImages whose memory `pixels` and the mask's array view until it
            # returns, even when this task is cancelled and another photo replaces them meanwhile.
            outcome = await asyncio.to_thread(_compute, work, pixels, owner, mask.array(), mask.image(),
                                              flag)
        except asyncio.CancelledError:
            flag.cancel()  # the worker stops at its next checkpoint
            raise
        except SelectionCancelled:
            return
        except SelectionError as error:
            self._end(flag)
            self.failed.emit(error.message)
            return
        except MemoryError:
            self._end(flag)
            self.failed.emit("There is not enough memory to select on a photo this large.")
            return
        self._end(flag)
        if mask is not self._document.mask():
            return  # another photo was opened meanwhile
        if mask.undo_serial() != serial:
            # Also what makes the worker's copy of the mask safe to use: had the mask been edited
            # while it was copied, it would have been edited before now.
            self.failed.emit("The mask changed while selecting, so the selection was not applied. "
                             "Select again.")
            return
        if outcome.rect is not None:
            x0, y0, x1, y1 = outcome.rect
            mask.write(x0, y0, outcome.mask[y0:y1, x0:x1], label)
        self.applied.emit(label)

    def _report(self, flag: CancelFlag, fraction: float) -> None:
        if flag is self._flag and self._busy:
            self.progress.emit(fraction)

    def _end(self, flag: CancelFlag) -> None:
        if flag is self._flag:
            self._flag = None
            self._set_busy(False)

    def _set_busy(self, busy: bool) -> None:
        if busy != self._busy:
            self._busy = busy
            self.busy_changed.emit(busy)


def _compute(work: SelectionWork, photo: np.ndarray, photo_owner: object, mask: np.ndarray,
             mask_owner: object, flag: CancelFlag) -> _Outcome:
    """In the worker: a copy of the mask (copied here, not on the GUI thread: 24 MB on a 24 MP
    photo), the new mask from it, and the rect where they differ. The owners are only held, by
    this frame, for as long as their memory is read."""
    before = mask.copy()
    result = work(photo, before, flag)
    flag(1.0)
    return _Outcome(result, changed_rect(before, result))
