"""Paste Mask mode: the canvas's tools edit the shown (or applied) variant's paste mask.

While the mode is on, the brush reveals the variant and the eraser (or Alt, or a right-drag)
hides it back to the photo; the shape tools do the same. X swaps the two. The canvas shows the
variant composed through its paste masks, recomposed in a worker only on the rect a stroke
touched (plus the feather's reach), so painting stays fluid on large photos. Choosing another
variant as the source paints that variant in over this one (mix). The edge feather changes the
whole composite after the fact. Every edit is one undo step (editor.core.paste_masks); what the
results panel shows, Apply, Copy, Export and Compare all take the variant through its masks, and
the project keeps them (editor.core.paste_store).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import cv2
import numpy as np
from PySide6.QtCore import QObject, QRect, QTimer, Signal
from PySide6.QtGui import QImage

from editor.core.document import Document
from editor.core.generate import JobContext
from editor.core.jobs import JobQueue
from editor.core.paste_keeping import PasteKeeping
from editor.core.paste_masks import PasteMasks, VariantKey
from editor.core.project import ProjectKeeper
from editor.core.tasks import TaskGroup
from editor.core.variant_paste import (
    LayerCache,
    VariantSource,
    base_photo,
    build_layer,
    compose_variant,
)
from editor.imaging.paste_mask import PasteLayer, compose, compose_region, grown
from editor.ui.canvas import CanvasView
from editor.ui.panels.results import ResultsPanel
from editor.ui.panels.variant_strip import PARTIAL

log = logging.getLogger(__name__)

FEATHER_MAX_PX = 64


class PasteMode(QObject):
    """Whether the canvas edits a variant's paste mask, which variant, and from which source.

    `active_changed(bool)` says the mode went on or off; `target_changed()` that the variant, its
    feather or the sources to mix from changed (the bar shows them again)."""

    active_changed = Signal(bool)
    target_changed = Signal()

    def __init__(self, parent: QObject, *, canvas: CanvasView, document: Document, queue: JobQueue,
                 results: ResultsPanel, pastes: PasteMasks, context: Callable[[str], JobContext | None],
                 keeper: ProjectKeeper, tasks: TaskGroup, say: Callable[[str], None]) -> None:
        super().__init__(parent)
        self._canvas, self._document, self._queue, self._results = canvas, document, queue, results
        self._pastes, self._context, self._keeper = pastes, context, keeper
        self._keeping = PasteKeeping(pastes, queue, keeper, self)
        self._tasks, self._say = tasks, say
        self._cache = LayerCache()
        self._target: VariantKey | None = None
        self._via_applied = False  # the mode edits the applied variant (no variant was shown)
        self._source: VariantKey | None = None  # the variant painted in (mix); None: the target itself
        self._layers: dict[VariantKey, np.ndarray] = {}  # the target's and its mixed variants' layers
        self._photo: np.ndarray | None = None
        self._photo_owner: object = None
        self._buffer: np.ndarray | None = None  # the composite as BGRA, what `_image` shows
        self._image: QImage | None = None
        self._pending: QRect | None = None
        self._composing = False  # a task is composing the pending rects
        self._edited = False  # the target's masks changed since the mode went on
        self._setting_photo = False
        self._settings: tuple[str, float, bool] | None = None  # how variants were composed at entry
        pastes.changed.connect(self._paste_changed)
        queue.variant_added.connect(lambda *_: self.target_changed.emit() if self.active() else None)
        queue.restoring.connect(self._jobs_restoring)
        # Another photo: its project starts empty, the last photo's masks were saved with theirs.
        queue.cleared.connect(lambda: self._tasks.start(self.project_opened(), key="project"))
        results.preview_ready.connect(self._preview_shown)
        results.paste_work = self.work
        document.photo_changed.connect(self._photo_changed)
        document.mask_replaced.connect(lambda _mask: self.leave(restore_canvas=False))

    # --- reading -------------------------------------------------------------------------------

    def active(self) -> bool:
        return self._target is not None

    def target(self) -> VariantKey | None:
        return self._target

    def source(self) -> VariantKey | None:
        return self._source

    def feather(self) -> float:
        default = self._results.composite_settings()[1]
        return default if self._target is None else self._pastes.feather(self._target, default)

    def sources(self) -> list[tuple[VariantKey, str]]:
        """The variants that can be painted in over the target: the same photo size, not discarded."""
        if self._target is None:
            return []
        size = self._size_of(self._target)
        found = []
        for job in sorted(self._queue.jobs(), key=lambda job: -job.number):
            for variant in self._queue.variants(job.id):
                key = (job.id, variant.index)
                if key == self._target or self._queue.marks(*key).discarded or self._size_of(key) != size:
                    continue
                found.append((key, f"Variant {variant.index + 1} of #{job.number}"))
        return found

    # --- going in and out ----------------------------------------------------------------------

    def toggle(self) -> None:
        if self.active():
            self.leave()
        else:
            self.enter()

    def enter(self) -> None:
        """Edit the shown variant's paste mask, or the applied one's when none is shown."""
        shown = self._results.shown()
        key = shown if shown is not None and shown[1] != PARTIAL else self._results.applied()
        refusal = self._refusal(key)
        if refusal is not None:
            self._say(refusal)
            self.active_changed.emit(False)
            return
        self._say("Preparing the paste mask…")
        self._tasks.start(self._enter(key, via_applied=shown is None), key="paste")

    def _refusal(self, key: VariantKey | None) -> str | None:
        if key is None:
            return "Show or apply a variant first: Paste Mask edits where that variant covers the photo."
        if self._results.composite_settings()[0] == "whole":
            return ("Variants are shown whole (Settings → Results), so they have no paste mask. Choose "
                    "“Paste through the mask” there to edit one.")
        photo = self._document.photo()
        size = (photo.width(), photo.height()) if photo is not None else None
        if self._source_of(key) is None or size is None or self._size_of(key) != size:
            return "That variant was made from another photo; open that photo to edit its paste mask."
        return None

    async def _enter(self, key: VariantKey, *, via_applied: bool) -> None:
        source = self._source_of(key)
        assert source is not None
        if key not in self._pastes:
            coverage = await asyncio.to_thread(lambda: np.array(source.context.coverage, copy=True))
            self._pastes.create(key, coverage)
        layer = await self._layer(key)
        if layer is None:
            self._say("That variant could not be read, so its paste mask cannot be edited.")
            self.active_changed.emit(False)
            return
        self._target, self._via_applied, self._source, self._edited = key, via_applied, None, False
        self._settings = self._results.composite_settings()
        self._layers = {key: layer}
        self._photo, self._photo_owner = base_photo(source.context, layer.shape[2])
        paste = self._pastes.paste(key)
        for mixed, _mask in paste.mixes.items():
            mixed_layer = await self._layer(mixed)
            if mixed_layer is not None and mixed_layer.shape == layer.shape:
                self._layers[mixed] = mixed_layer
        photo, layers, feather = self._photo, self._paste_layers(), self.feather()
        bgra = await asyncio.to_thread(lambda: _bgra(compose(photo, layers, feather)))
        if self._target != key:
            return
        self._show(bgra, opaque=layer.shape[2] == 3)
        self._canvas.edit_mask_layer(paste.own, over_preview=True)
        self.active_changed.emit(True)
        self.target_changed.emit()
        self._say("Paste Mask: paint to reveal the variant, erase (Alt, or X to swap) to hide it back "
                  "to the photo; Q leaves.")

    def leave(self, *, restore_canvas: bool = True) -> None:
        if self._target is None:
            return
        key, edited = self._target, self._edited
        self._target, self._source, self._pending = None, None, None
        self._tasks.cancel("paste")
        self._tasks.cancel("recompose")
        self._composing = False
        self._layers, self._photo, self._photo_owner = {}, None, None
        mask = self._document.mask()
        if restore_canvas and mask is not None:
            self._canvas.edit_mask_layer(mask, over_preview=False)
        self._image = self._buffer = None
        self.active_changed.emit(False)
        self.target_changed.emit()
        if restore_canvas:
            self._results.forget_variant(*key)  # shown again as composed now
            if edited and self._results.applied() == key:
                self._tasks.start(self._update_applied(key), key="applied")

    # --- editing -------------------------------------------------------------------------------

    def set_feather(self, feather_px: float) -> None:
        if self._target is not None:
            self._pastes.set_feather(self._target, min(max(float(feather_px), 0.0), FEATHER_MAX_PX))

    def choose_source(self, source: VariantKey | None) -> None:
        """Paint `source` in over the target (mix), or the target itself (None)."""
        if self._target is not None:
            self._tasks.start(self._choose_source(self._target, source), key="paste source")

    async def _choose_source(self, key: VariantKey, source: VariantKey | None) -> None:
        if source is not None and source not in self._layers:
            layer = await self._layer(source)
            if self._target != key:
                return
            if layer is None or layer.shape != self._layers[key].shape:
                self._say("That variant cannot be mixed in: it could not be read, or it is of another size.")
                return
            self._layers[source] = layer
        self._source = source
        edited = self._pastes.mix_layer(key, source) if source is not None else self._pastes.paste(key).own
        self._canvas.edit_mask_layer(edited, over_preview=True)
        self.target_changed.emit()

    def swap(self) -> None:
        """X: the brush reveals ⇄ hides (the eraser), as a layer mask's colours swap."""
        self._canvas.set_tool("eraser" if self._canvas.tool() == "brush" else "brush")

    def show_mask(self, shown: bool) -> None:
        """The paste mask being painted as the coloured overlay over the variant, or not."""
        if shown:
            self._canvas.set_mask_visible(True)
        else:
            self._canvas.rest_overlay()

    # --- composing -----------------------------------------------------------------------------

    def work(self, job_id: str, index: int, mode: str) -> Callable[..., object] | None:
        """For the results panel: how to compose the variant through its paste masks in a worker
        (a snapshot of the masks taken now), or None when it has none (the plain composite)."""
        key = (job_id, index)
        snapshot = self._pastes.snapshot(key) if mode == "strict" else None
        source = self._source_of(key)
        if snapshot is None or source is None:
            return None
        mixes = {mixed: found for mixed, _mask in snapshot.mixes
                 if (found := self._source_of(mixed)) is not None}
        cache = self._cache

        def made(_data, _context, *, mode: str, feather_px: float, harmonize: bool):
            return compose_variant(key, source, snapshot, mixes, cache, feather_px=feather_px,
                                   harmonize=harmonize)
        return made

    def _paste_changed(self, job_id: str, index: int, rect: QRect) -> None:
        key = (job_id, index)
        if key != self._target:
            self._results.forget_variant(job_id, index)
            if self._results.applied() == key and not self._setting_photo and not self._keeping.restoring():
                self._tasks.start(self._update_applied(key), key="applied")
            return
        self._edited = True
        self._results.forget_variant(job_id, index, show=False)
        if self._photo is None:
            return
        whole = QRect(0, 0, self._photo.shape[1], self._photo.shape[0])
        rect = whole if rect.isEmpty() else rect.intersected(whole)
        self._pending = rect if self._pending is None else self._pending.united(rect)
        if not self._composing:
            self._composing = True  # now: the task's own first step may come after the next dab
            self._tasks.start(self._recompose(key), key="recompose")
        if rect == whole:
            self.target_changed.emit()  # the feather, shown on the bar

    async def _recompose(self, key: VariantKey) -> None:
        """Compose the rects painted meanwhile, one batch at a time, until none is left."""
        try:
            while self._pending is not None and self._target == key and self._photo is not None:
                rect, self._pending = self._pending, None
                feather = self.feather()
                size = (self._photo.shape[1], self._photo.shape[0])
                box = grown((rect.x(), rect.y(), rect.right() + 1, rect.bottom() + 1), feather, size)
                photo, layers = self._photo, self._paste_layers()
                pixels = await asyncio.to_thread(compose_region, photo, layers, box, feather)
                if self._target != key or self._buffer is None:
                    return
                x0, y0, x1, y1 = box
                self._buffer[y0:y1, x0:x1] = _bgra(pixels)
                self._canvas.refresh_preview(QRect(x0, y0, x1 - x0, y1 - y0))
        finally:
            self._composing = False

    def _paste_layers(self) -> list[PasteLayer]:
        """The target's layers in paste order over the live masks (a stroke that changes a mask
        while a worker reads it announces its rect again, so the next batch redoes it)."""
        paste = self._pastes.paste(self._target)
        return [PasteLayer(self._layers[key], layer.array())
                for key, layer in ((source or self._target, layer) for source, layer in paste.layers())
                if key in self._layers]

    def _show(self, bgra: np.ndarray, *, opaque: bool) -> None:
        """Show the composite on the canvas from a buffer the recomposed rects are written into."""
        height, width = bgra.shape[:2]
        self._buffer = bgra
        kind = QImage.Format.Format_RGB32 if opaque else QImage.Format.Format_ARGB32
        self._image = QImage(bgra.data, width, height, width * 4, kind)
        self._canvas.set_preview(self._image)

    async def _layer(self, key: VariantKey) -> np.ndarray | None:
        source = self._source_of(key)
        if source is None:
            return None
        harmonize = self._results.composite_settings()[2]
        return await asyncio.to_thread(self._cache.get, key, harmonize,
                                       lambda: build_layer(source, harmonize))

    async def _update_applied(self, key: VariantKey) -> None:
        """The applied variant's masks changed: the working photo follows."""
        made = await self._results.variant_image(*key)
        if made is None or self._results.applied() != key:
            return
        self._setting_photo = True
        try:
            self._document.set_photo(made.image)
            self._keeper.photo_applied(made.image, key)
            self._results.set_photo_origin(key)
        finally:
            self._setting_photo = False

    # --- what else happens ---------------------------------------------------------------------

    def _preview_shown(self, job_id: str, index: int, _image: QImage) -> None:
        """The results panel put something on the canvas: a hover passes, our variant again is
        drawn from our buffer, another variant chosen ends the mode."""
        if self._image is not None and self._results.hovered() is None:
            # After the window has shown what the panel sent (it connected first).
            QTimer.singleShot(0, self._after_preview)

    def _after_preview(self) -> None:
        if self._image is None or self._results.hovered() is not None:
            return
        shown, target = self._results.shown(), self._target
        if shown != target and not (shown is None and self._via_applied):
            self.leave()
        elif self._results.composite_settings() != self._settings:
            # Settings → Results changed how variants are laid over the photo: built again so.
            self.leave()
            self.enter()
        else:
            self._canvas.set_preview(self._image)

    def _photo_changed(self) -> None:
        if not self._setting_photo:
            self.leave()  # another variant applied, or its Apply undone: the photo moved on

    def _size_of(self, key: VariantKey) -> tuple[int, int] | None:
        context = self._context(key[0])
        return None if context is None else (context.photo.width(), context.photo.height())

    def _source_of(self, key: VariantKey) -> VariantSource | None:
        context = self._context(key[0])
        if context is None or key[0] not in self._queue:
            return None
        for variant in self._queue.variants(key[0]):
            if variant.index == key[1]:
                return VariantSource(variant.source, context)
        return None

    # --- the project ---------------------------------------------------------------------------

    def _jobs_restoring(self, starting: bool) -> None:
        """An opened or restored project's jobs are all in: their paste masks follow."""
        if not starting:
            self._tasks.start(self.project_opened(), key="project")

    async def project_opened(self) -> None:
        """Another project is open: its variants' paste masks come back, the last one's go."""
        self.leave(restore_canvas=False)
        self._cache.clear()
        photo = self._document.photo()
        await self._keeping.project_opened((photo.width(), photo.height()) if photo is not None else None)


def _bgra(pixels: np.ndarray) -> np.ndarray:
    """RGB(A) pixels in the byte order of the canvas's 32-bit images."""
    code = cv2.COLOR_RGB2BGRA if pixels.shape[2] == 3 else cv2.COLOR_RGBA2BGRA
    return np.ascontiguousarray(cv2.cvtColor(np.ascontiguousarray(pixels), code))
