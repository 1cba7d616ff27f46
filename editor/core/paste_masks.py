"""Each variant's paste masks: the mask it is pasted through, the masks of the variants mixed into
it, and its edge feather, all editable after the result arrived and all undoable.

A variant's own paste mask starts as the mask its job was sent with; the canvas's tools paint it
like the edit mask (paint reveals the variant, erase hides it back to the photo). Mixing paints
another variant in over it through a mask of its own, created empty the first time. Every mask is
a `MaskLayer`, so a stroke is one tile-undo step; each committed step is also put on the window's
`UndoStack` as a document step, so Ctrl+Z walks strokes on the edit mask, strokes on paste masks,
feather changes and Apply in the one order they were made.

`changed(job_id, index, rect)` says the composite of a variant changed on `rect` (image pixels,
before the feather's reach); an empty rect means everywhere (a feather change, a restore).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from PySide6.QtCore import QObject, QRect, Signal

from editor.core.mask_layer import MaskLayer
from editor.core.undo import UndoStack

VariantKey = tuple[str, int]  # (job id, variant index)

# Undo memory for each paste mask's strokes: a paste mask is edited in fewer, larger strokes than
# the edit mask, and a window may hold several.
PASTE_UNDO_CAP_BYTES = 64 * 1024 * 1024


@dataclass
class VariantPaste:
    """One variant's paste masks: `own` (the variant itself), `mixes` (other variants painted in
    over it, in the order they were first painted) and `feather` (None: the window's setting)."""

    own: MaskLayer
    mixes: dict[VariantKey, MaskLayer] = field(default_factory=dict)
    feather: float | None = None

    def layers(self) -> list[tuple[VariantKey | None, MaskLayer]]:
        """The masks in paste order: the variant's own (None) first, then each mixed variant."""
        return [(None, self.own), *self.mixes.items()]


@dataclass(frozen=True)
class PasteSnapshot:
    """A variant's paste masks copied on the GUI thread, for composing or saving in a worker."""

    own: np.ndarray
    mixes: tuple[tuple[VariantKey, np.ndarray], ...]
    feather: float | None


class PasteMasks(QObject):
    """The paste masks of every variant that has been shown or applied since the project opened."""

    changed = Signal(str, int, QRect)

    def __init__(self, undo_stack: UndoStack | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._undo_stack = undo_stack
        self._pastes: dict[VariantKey, VariantPaste] = {}
        self._newest: dict[int, int] = {}  # id(layer) → the newest undo serial it announced
        self._replaying = False

    # --- reading -------------------------------------------------------------------------------

    def __contains__(self, key: object) -> bool:
        return key in self._pastes

    def paste(self, key: VariantKey) -> VariantPaste | None:
        return self._pastes.get(key)

    def keys(self) -> list[VariantKey]:
        return list(self._pastes)

    def feather(self, key: VariantKey, default: float) -> float:
        paste = self._pastes.get(key)
        return default if paste is None or paste.feather is None else paste.feather

    def snapshot(self, key: VariantKey) -> PasteSnapshot | None:
        paste = self._pastes.get(key)
        if paste is None:
            return None
        mixes = tuple((source, np.array(layer.array(), copy=True)) for source, layer in paste.mixes.items())
        return PasteSnapshot(np.array(paste.own.array(), copy=True), mixes, paste.feather)

    # --- making --------------------------------------------------------------------------------

    def create(self, key: VariantKey, coverage: np.ndarray) -> VariantPaste:
        """The variant's paste masks, its own starting as `coverage` (the job's mask); an existing
        one is returned as it is. Starting is no edit: it leaves no undo step."""
        paste = self._pastes.get(key)
        if paste is None:
            height, width = coverage.shape
            own = self._new_layer(key, width, height)
            paste = self._pastes[key] = VariantPaste(own)
            self._set_up(own, coverage)
        return paste

    def mix_layer(self, key: VariantKey, source: VariantKey) -> MaskLayer:
        """The mask through which `source` is painted in over the variant (empty at first)."""
        paste = self._pastes[key]
        if source == key:
            return paste.own
        layer = paste.mixes.get(source)
        if layer is None:
            layer = paste.mixes[source] = self._new_layer(key, paste.own.width, paste.own.height)
        return layer

    def restore(self, key: VariantKey, snapshot: PasteSnapshot) -> None:
        """Put back a variant's paste masks read from the project (no undo step)."""
        paste = self._pastes.get(key)
        if paste is None:
            paste = self.create(key, snapshot.own)
        else:
            self._set_up(paste.own, snapshot.own)
        for source, coverage in snapshot.mixes:
            self._set_up(self.mix_layer(key, source), coverage)
        paste.feather = snapshot.feather
        self.changed.emit(*key, QRect())

    def clear(self) -> None:
        """Another project: its variants have paste masks of their own."""
        for paste in self._pastes.values():
            for _source, layer in paste.layers():
                layer.setParent(None)  # freed with its last reference, on the GUI thread
        self._pastes.clear()
        self._newest.clear()

    # --- editing -------------------------------------------------------------------------------

    def set_feather(self, key: VariantKey, feather_px: float) -> None:
        """Soften (or sharpen) the variant's paste edge: one undo step."""
        paste = self._pastes[key]
        before, after = paste.feather, float(feather_px)
        if before == after:
            return

        def put(value: float | None) -> None:
            paste.feather = value
            self.changed.emit(*key, QRect())

        put(after)
        if self._undo_stack is not None:
            self._undo_stack.push(f"Paste Edge {after:g} px", lambda: put(before), lambda: put(after))

    def _new_layer(self, key: VariantKey, width: int, height: int) -> MaskLayer:
        layer = MaskLayer(width, height, undo_cap_bytes=PASTE_UNDO_CAP_BYTES, parent=self)
        layer.changed.connect(lambda rect, k=key: self.changed.emit(*k, rect))
        layer.undo_changed.connect(lambda k=key, m=layer: self._layer_history(k, m))
        self._newest[id(layer)] = layer.undo_serial()
        return layer

    def _set_up(self, layer: MaskLayer, coverage: np.ndarray) -> None:
        """Fill a new layer: its own tile history keeps that step, but the window's undo stack never
        reaches it (setting a mask up is not an edit the user can undo)."""
        self._replaying = True
        layer.blockSignals(True)  # nothing shown changes by it; `restore` says so itself
        try:
            layer.replace(np.ascontiguousarray(coverage, np.uint8), "Paste mask")
        finally:
            layer.blockSignals(False)
            self._replaying = False
        self._newest[id(layer)] = layer.undo_serial()

    def _layer_history(self, key: VariantKey, layer: MaskLayer) -> None:
        """A stroke or shape on a paste mask was committed: one step on the window's undo stack."""
        serial = layer.undo_serial()
        if self._replaying or serial <= self._newest.get(id(layer), 0):
            return
        self._newest[id(layer)] = serial
        if self._undo_stack is None:
            return
        what = "Mix" if layer is not self._pastes[key].own else "Paste Mask"
        self._undo_stack.push(f"{what}: {layer.undo_label()}", lambda: self._replay(layer.undo),
                              lambda: self._replay(layer.redo))

    def _replay(self, action) -> None:
        self._replaying = True
        try:
            action()
        finally:
            self._replaying = False
