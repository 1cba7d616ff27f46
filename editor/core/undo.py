"""The window's undo stack: mask strokes and document steps (apply a variant, discard one)
in the order they were made.

The mask keeps its own tile undo (editor.core.tile_undo); a document step remembers which mask
step was on top when it was made (`undo_serial`), so Undo reverts whichever of the two came last
and Redo reapplies them in their original order. History stays linear: a new document step drops
the mask's redo steps, and a new mask stroke drops the document's.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal

from editor.core.mask_layer import MaskLayer

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DocumentStep:
    """A change outside the mask's pixels, already made: `undo()` reverts it, `redo()` makes it again.

    `mask_before` / `mask_after` are the mask's undo serials just before and after the step (they
    differ when the step also changed the mask, e.g. Apply clearing it: that mask step belongs to
    this one and is undone and redone with it).
    """

    label: str
    undo: Callable[[], None]
    redo: Callable[[], None]
    mask_before: int
    mask_after: int


class UndoStack(QObject):
    """Undo/redo over the current mask and the document steps made since it was opened.

    Reads like a mask for the menus: can_undo/can_redo/undo_label/redo_label. `changed` fires when
    any of those may have changed. Opening another photo (a new mask) starts a new history.
    """

    changed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._mask: MaskLayer | None = None
        self._undo: list[DocumentStep] = []
        self._redo: list[DocumentStep] = []
        self._newest_mask_serial = 0
        self._replaying = False
        self._keeping = False

    @contextlib.contextmanager
    def keeping_history(self):
        """While a step swaps the document's mask for another of its own (a canvas of another
        size, and back), the history stays: each step compares the serials of the mask then
        current, and the step that swapped remembers both."""
        self._keeping = True
        try:
            yield
        finally:
            self._keeping = False

    def set_mask(self, mask: MaskLayer | None) -> None:
        if self._mask is not None:
            with contextlib.suppress(RuntimeError, TypeError):  # the old mask may be deleted already
                self._mask.undo_changed.disconnect(self._mask_undo_changed)
        self._mask = mask
        if self._keeping and mask is not None:
            mask.undo_changed.connect(self._mask_undo_changed)
            self._newest_mask_serial = max(self._newest_mask_serial, mask.undo_serial())
            self.changed.emit()
            return
        self._undo.clear()
        self._redo.clear()
        self._newest_mask_serial = mask.undo_serial() if mask is not None else 0
        if mask is not None:
            mask.undo_changed.connect(self._mask_undo_changed)
        self.changed.emit()

    def mask_serial(self) -> int:
        return self._mask.undo_serial() if self._mask is not None else 0

    def push(self, label: str, undo: Callable[[], None], redo: Callable[[], None], *,
             mask_before: int | None = None) -> None:
        """Record a step that was just made. `mask_before` is the mask's serial before the step when
        the step changed the mask too (take it with `mask_serial()` before making the change)."""
        after = self.mask_serial()
        before = after if mask_before is None else mask_before
        self._undo.append(DocumentStep(label, undo, redo, before, after))
        self._redo.clear()
        self._newest_mask_serial = max(self._newest_mask_serial, after)
        if self._mask is not None:
            self._mask.drop_redo()
        self.changed.emit()

    # --- undo / redo ---------------------------------------------------------------------------

    def undo(self) -> bool:
        step = self._undo[-1] if self._undo else None
        if step is not None and step.mask_after == self.mask_serial():
            self._replay(step.undo)
            self._redo.append(self._undo.pop())
            self.changed.emit()
            return True
        return self._mask is not None and self._mask.undo()

    def redo(self) -> bool:
        step = self._redo[-1] if self._redo else None
        if step is not None and step.mask_before == self.mask_serial():
            self._replay(step.redo)
            self._undo.append(self._redo.pop())
            self.changed.emit()
            return True
        return self._mask is not None and self._mask.redo()

    def _replay(self, action: Callable[[], None]) -> None:
        self._replaying = True
        try:
            action()
        finally:
            self._replaying = False

    # --- what the menus show -------------------------------------------------------------------

    def can_undo(self) -> bool:
        return self.undo_label() is not None

    def can_redo(self) -> bool:
        return self.redo_label() is not None

    def undo_label(self) -> str | None:
        step = self._undo[-1] if self._undo else None
        if step is not None and step.mask_after == self.mask_serial():
            return step.label
        return self._mask.undo_label() if self._mask is not None and self._mask.can_undo() else None

    def redo_label(self) -> str | None:
        step = self._redo[-1] if self._redo else None
        if step is not None and step.mask_before == self.mask_serial():
            return step.label
        return self._mask.redo_label() if self._mask is not None and self._mask.can_redo() else None

    def _mask_undo_changed(self) -> None:
        serial = self.mask_serial()
        if serial > self._newest_mask_serial:
            self._newest_mask_serial = serial
            if not self._replaying and self._redo:
                # A new stroke after undoing a document step: that step can no longer be redone.
                self._redo.clear()
        self.changed.emit()
