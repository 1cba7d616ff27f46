"""The photo's mask: a full-resolution Alpha8 coverage image painted by dabs, shapes and regions.

All pixel writes go through one zero-copy numpy view of the QImage and only ever touch the dirty
rect, so painting on a 60-megapixel photo costs what the brush covers, not what the photo holds.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QObject, QPointF, QRect, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPainterPath

from editor.core.brush_stamps import SHARED_STAMPS, BrushDab, PlacedDab, render_stamp
from editor.core.tile_undo import DEFAULT_CAP_BYTES, TILE_SIZE, DirtyRect, TileUndo

__all__ = ["BrushDab", "MaskLayer", "render_stamp"]

@dataclass(slots=True)
class _Stroke:
    erase: bool
    since_last_dab: float = 0.0  # distance travelled since the last dab, carried across segments


def _qrect(rect: DirtyRect) -> QRect:
    return QRect(rect.x0, rect.y0, rect.x1 - rect.x0, rect.y1 - rect.y0)


class MaskLayer(QObject):
    """Full-resolution 8-bit coverage of the photo (QImage.Format_Alpha8): 0 = keep, 255 = edit.

    Painting is max-blend: a paint stroke raises each pixel to at least the stroke's coverage and
    never above `opacity`; an erase stroke lowers each pixel to at most 255 minus it. Overlapping
    dabs of one stroke therefore never build up rings. `pressure` scales opacity only; a view that
    maps pressure to size passes a BrushDab with the adjusted diameter. Every stroke or operation is
    one undo step of touched tiles (see `editor.core.tile_undo`).
    """

    changed = Signal(QRect)  # image-coordinate rect whose pixels changed (clipped to the image)
    undo_changed = Signal()  # can_undo()/can_redo()/labels/depths changed

    def __init__(self, width: int, height: int, *, undo_cap_bytes: int = DEFAULT_CAP_BYTES,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        if width <= 0 or height <= 0:
            raise ValueError(f"mask size must be positive, got {width}×{height}")
        self._image = QImage(width, height, QImage.Format.Format_Alpha8)
        self._image.fill(0)
        # The view is taken once; the image is never handed to a detaching Qt call afterwards, so
        # the buffer stays the same for the layer's whole life.
        rows = np.frombuffer(self._image.bits(), dtype=np.uint8)
        self._pixels = rows[: height * self._image.bytesPerLine()].reshape(height, -1)[:, :width]
        self._readonly = self._pixels.view()
        self._readonly.flags.writeable = False
        self._undo = TileUndo(self._pixels, cap_bytes=undo_cap_bytes)
        self._stamps = SHARED_STAMPS
        self._width, self._height = width, height
        self._stroke: _Stroke | None = None
        grid = self._undo.grid
        self._tile_counts = np.zeros((grid.rows, grid.columns), dtype=np.int64)  # non-zero pixels
        self._stale_tiles = np.zeros((grid.rows, grid.columns), dtype=bool)

    @property
    def width(self) -> int:
        return self._image.width()

    @property
    def height(self) -> int:
        return self._image.height()

    def image(self) -> QImage:
        """The live Alpha8 image; read it only, and `copy()` it for a snapshot (writes share it)."""
        return self._image

    def array(self) -> np.ndarray:
        """(h, w) uint8 read-only zero-copy view of image()."""
        return self._readonly

    # --- strokes ------------------------------------------------------------------------

    def begin_stroke(self, label: str, *, erase: bool) -> None:
        self.end_stroke()
        self._undo.begin(label)
        self._stroke = _Stroke(erase)

    def stamp_dab(self, pos: QPointF, brush: BrushDab, pressure: float = 1.0) -> QRect:
        stroke = self._open_stroke()
        stroke.since_last_dab = 0.0
        placed = self._dab(pos.x(), pos.y(), brush, pressure, stroke.erase)
        rect = None if placed is None else self._blend_dabs([placed], stroke.erase, None)
        return QRect() if rect is None else self._report(rect)

    def stamp_segment(self, p0: QPointF, p1: QPointF, brush: BrushDab, pressure0: float = 1.0,
                      pressure1: float = 1.0) -> QRect:
        """Dabs every `spacing × diameter` (≥ 1 px) from p0 (exclusive) to p1; one changed signal."""
        stroke = self._open_stroke()
        step = max(1.0, brush.spacing * brush.diameter)
        x0, y0 = p0.x(), p0.y()
        dx, dy = p1.x() - x0, p1.y() - y0
        length = math.hypot(dx, dy)
        at = max(step - stroke.since_last_dab, 0.0)
        last = None
        placed: list[PlacedDab] = []
        while at <= length:
            f = at / length if length else 1.0
            dab = self._dab(x0 + dx * f, y0 + dy * f, brush, pressure0 + (pressure1 - pressure0) * f,
                            stroke.erase)
            if dab is not None:
                placed.append(dab)
            last = at
            at += step
        stroke.since_last_dab = stroke.since_last_dab + length if last is None else length - last
        if not placed:
            return QRect()
        # Half a radius ahead of the newest dab: where a moving brush reaches new pixels.
        ahead = brush.diameter / 4 / length if length else 0.0
        rect = self._blend_dabs(placed, stroke.erase, (round(dx * ahead), round(dy * ahead)))
        return QRect() if rect is None else self._report(rect)

    def end_stroke(self) -> None:
        """Close the stroke's undo step; a stroke that changed nothing leaves no step."""
        if self._stroke is None:
            return
        self._stroke = None
        with self._undo_watch():
            self._undo.commit()

    def _open_stroke(self) -> _Stroke:
        if self._stroke is None:
            raise RuntimeError("begin_stroke() must come before stamping dabs")
        return self._stroke

    def _dab(self, x: float, y: float, brush: BrushDab, pressure: float, erase: bool) -> PlacedDab | None:
        level = round(255 * min(max(brush.opacity * pressure, 0.0), 1.0))
        if level == 0:
            return None
        return self._stamps.place(x, y, brush, level, erase, self._width, self._height)

    def _blend_dabs(self, dabs: list[PlacedDab], erase: bool,
                    ahead: tuple[int, int] | None) -> DirtyRect | None:
        """Blend placed dabs into the mask after the undo snapshot; their rect, or None if no change."""
        if not self._changes_any(dabs, erase, ahead):
            return None
        x0, y0, x1, y1, area = dabs[0].x0, dabs[0].y0, dabs[0].x1, dabs[0].y1, 0
        for dab in dabs:
            x0, y0, x1, y1 = min(x0, dab.x0), min(y0, dab.y0), max(x1, dab.x1), max(y1, dab.y1)
            area += (dab.x1 - dab.x0) * (dab.y1 - dab.y0)
        touch = self._undo.touch
        if (x1 - x0) * (y1 - y0) <= area:
            touch(x0, y0, x1, y1)  # overlapping dabs: one look-up for their tiles
        else:
            for dab in dabs:  # a long diagonal: only the tiles the dabs really cover
                touch(dab.x0, dab.y0, dab.x1, dab.y1)
        pixels, blend = self._pixels, np.minimum if erase else np.maximum
        for dab in dabs:
            part = pixels[dab.y0:dab.y1, dab.x0:dab.x1]
            blend(part, dab.source, out=part)
        return DirtyRect(x0, y0, x1, y1)

    def _changes_any(self, dabs: list[PlacedDab], erase: bool, ahead: tuple[int, int] | None) -> bool:
        """Whether blending the dabs would change a pixel (strokes over finished work stay silent).

        One pixel ahead of the newest dab usually proves it at once; otherwise the dabs are compared
        in full, newest first, since a moving brush reaches new pixels at its front.
        """
        pixels = self._pixels
        newest = dabs[-1]
        if ahead is not None:
            x, y = newest.anchor_x + ahead[0], newest.anchor_y + ahead[1]
            if newest.x0 <= x < newest.x1 and newest.y0 <= y < newest.y1:
                value, current = newest.source[y - newest.y0, x - newest.x0], pixels[y, x]
                if value < current if erase else value > current:
                    return True
        exceeds = np.less if erase else np.greater
        return any(exceeds(dab.source, pixels[dab.y0:dab.y1, dab.x0:dab.x1]).any() for dab in reversed(dabs))

    # --- single operations, one undo step each -------------------------------------------

    def fill_path(self, path: QPainterPath, *, erase: bool, label: str) -> QRect:
        """Antialiased fill of a closed shape given in image coordinates."""
        bounds = path.boundingRect().toAlignedRect().adjusted(-1, -1, 1, 1)
        bounds = bounds.intersected(QRect(0, 0, self.width, self.height))
        if bounds.isEmpty():
            return QRect()
        # The shape is rendered into a scratch image the size of its bounds, never the whole mask.
        scratch = QImage(bounds.width(), bounds.height(), QImage.Format.Format_Alpha8)
        scratch.fill(0)
        painter = QPainter(scratch)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.translate(-bounds.x(), -bounds.y())
        painter.fillPath(path, QColor(0, 0, 0, 255))
        painter.end()
        coverage = np.frombuffer(scratch.constBits(), dtype=np.uint8)
        coverage = coverage.reshape(bounds.height(), -1)[:, :bounds.width()]
        return self._blend_in(bounds.x(), bounds.y(), coverage, erase, label)

    def fill_region(self, region: np.ndarray, origin: tuple[int, int], *, erase: bool, label: str) -> QRect:
        """Coverage 255 (0 if erase) wherever `region` is true; region's (0, 0) lands on origin (x, y)."""
        if region.ndim != 2:
            raise ValueError("region must be a 2-D (h, w) array")
        coverage = np.where(region.astype(bool, copy=False), np.uint8(255), np.uint8(0))
        return self._blend_in(origin[0], origin[1], coverage, erase, label)

    def _blend_in(self, x: int, y: int, coverage: np.ndarray, erase: bool, label: str) -> QRect:
        """Max-blend (or erase) a coverage patch at (x, y); returns the tight rect that changed."""
        height, width = coverage.shape
        cx0, cy0 = max(x, 0), max(y, 0)
        cx1, cy1 = min(x + width, self.width), min(y + height, self.height)
        if cx0 >= cx1 or cy0 >= cy1:
            return QRect()
        source = coverage[cy0 - y:cy1 - y, cx0 - x:cx1 - x]
        target = self._pixels[cy0:cy1, cx0:cx1]
        blended = np.minimum(target, 255 - source) if erase else np.maximum(target, source)
        differs = blended != target
        rows, cols = np.flatnonzero(differs.any(axis=1)), np.flatnonzero(differs.any(axis=0))
        if rows.size == 0:
            return QRect()
        r0, r1, c0, c1 = int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1
        rect = DirtyRect(cx0 + c0, cy0 + r0, cx0 + c1, cy0 + r1)
        with self._step(label):
            self._undo.touch(*rect)
            target[r0:r1, c0:c1] = blended[r0:r1, c0:c1]
        return self._report(rect)

    def write(self, x: int, y: int, coverage: np.ndarray, label: str) -> QRect:
        """Set a patch at (x, y) to `coverage` exactly (a selection's outcome), as one undo step;
        only the patch's tiles are stored."""
        height, width = coverage.shape
        if coverage.dtype != np.uint8 or x < 0 or y < 0 or x + width > self.width or y + height > self.height:
            raise ValueError(f"a uint8 patch inside the mask is needed, got {coverage.dtype} "
                             f"{width}×{height} at ({x}, {y})")
        if width == 0 or height == 0:
            return QRect()
        rect = DirtyRect(x, y, x + width, y + height)
        with self._step(label):
            self._undo.touch(*rect)
            self._pixels[y:y + height, x:x + width] = coverage
        return self._report(rect)

    def replace(self, coverage: np.ndarray, label: str) -> None:
        """Whole-mask operations (invert, grow, feather, import): only differing tiles are stored."""
        if coverage.shape != self._pixels.shape or coverage.dtype != np.uint8:
            raise ValueError(f"coverage must be uint8 of shape {self._pixels.shape}, "
                             f"got {coverage.dtype} {coverage.shape}")
        self._rewrite_tiles(label, lambda rect, _tile: coverage[rect.y0:rect.y1, rect.x0:rect.x1])

    def clear(self) -> None:
        self._rewrite_tiles("Clear mask", lambda _rect, tile: tile if not tile.any() else np.zeros_like(tile))

    def invert(self) -> None:
        self._rewrite_tiles("Invert mask", lambda _rect, tile: 255 - tile)

    def _rewrite_tiles(self, label: str, new_tile: Callable[[DirtyRect, np.ndarray], np.ndarray]) -> None:
        """One undo step that sets every tile to `new_tile(rect, tile)` (the tile itself = unchanged)."""
        grid = self._undo.grid
        changed: list[DirtyRect] = []
        with self._step(label):
            for key in grid.all_keys():
                rect = grid.rect(key)
                tile = self._pixels[rect.y0:rect.y1, rect.x0:rect.x1]
                replacement = new_tile(rect, tile)
                if replacement is not tile and not np.array_equal(replacement, tile):
                    self._undo.touch(*rect)
                    tile[...] = replacement
                    changed.append(rect)
        self._announce(changed)

    # --- undo ---------------------------------------------------------------------------

    def undo(self) -> bool:
        self.end_stroke()
        with self._undo_watch():
            rects = self._undo.undo()
        self._announce(rects)
        return bool(rects)

    def redo(self) -> bool:
        self.end_stroke()
        with self._undo_watch():
            rects = self._undo.redo()
        self._announce(rects)
        return bool(rects)

    def can_undo(self) -> bool:
        return self._undo.can_undo()

    def can_redo(self) -> bool:
        return self._undo.can_redo()

    def undo_label(self) -> str | None:
        return self._undo.undo_label()

    def redo_label(self) -> str | None:
        return self._undo.redo_label()

    def undo_serial(self) -> int:
        """Which step undo would revert (see TileUndo.undo_serial); 0 when none."""
        return self._undo.undo_serial()

    def drop_redo(self) -> None:
        """Forget what redo would reapply: an edit outside the mask followed the undo."""
        with self._undo_watch():
            self._undo.drop_redo()

    def undo_memory_bytes(self) -> int:
        return self._undo.memory_bytes

    def set_undo_cap(self, cap_bytes: int) -> None:
        with self._undo_watch():
            self._undo.set_cap(cap_bytes)

    @contextmanager
    def _step(self, label: str) -> Iterator[None]:
        self.end_stroke()
        with self._undo_watch():
            self._undo.begin(label)
            try:
                yield
            finally:
                self._undo.commit()

    @contextmanager
    def _undo_watch(self) -> Iterator[None]:
        """Emit undo_changed once, and only if what the undo menu shows really changed."""
        history = self._undo
        before = (history.depths, history.undo_label(), history.redo_label())
        yield
        if (history.depths, history.undo_label(), history.redo_label()) != before:
            self.undo_changed.emit()

    def _announce(self, rects: list[DirtyRect]) -> None:
        for rect in rects:
            self._report(rect)

    def _report(self, rect: DirtyRect) -> QRect:
        """Bookkeeping after pixels in `rect` changed: statistics go stale, views hear of it."""
        self._mark_stale(rect)
        changed = _qrect(rect)
        self.changed.emit(changed)
        return changed

    # --- statistics, kept per tile so a query rescans only what changed -------------------

    def coverage_percent(self) -> float:
        """Share of pixels with coverage > 0, 0..100."""
        return 100.0 * int(self._counts().sum()) / (self.width * self.height)

    def is_empty(self) -> bool:
        return not self._counts().any()

    def bounding_rect(self) -> QRect:
        """Tight box of the pixels with coverage > 0; an empty QRect if nothing is painted."""
        occupied = self._counts() > 0
        tile_rows, tile_cols = np.flatnonzero(occupied.any(axis=1)), np.flatnonzero(occupied.any(axis=0))
        if tile_rows.size == 0:
            return QRect()
        size = TILE_SIZE
        top_band = self._pixels[tile_rows[0] * size:(tile_rows[0] + 1) * size]
        bottom_band = self._pixels[tile_rows[-1] * size:(tile_rows[-1] + 1) * size]
        left_band = self._pixels[:, tile_cols[0] * size:(tile_cols[0] + 1) * size]
        right_band = self._pixels[:, tile_cols[-1] * size:(tile_cols[-1] + 1) * size]
        y0 = tile_rows[0] * size + int(np.argmax(top_band.any(axis=1)))
        y1 = tile_rows[-1] * size + int(np.flatnonzero(bottom_band.any(axis=1))[-1]) + 1
        x0 = tile_cols[0] * size + int(np.argmax(left_band.any(axis=0)))
        x1 = tile_cols[-1] * size + int(np.flatnonzero(right_band.any(axis=0))[-1]) + 1
        return QRect(int(x0), int(y0), int(x1 - x0), int(y1 - y0))

    def _mark_stale(self, rect: DirtyRect) -> None:
        size = TILE_SIZE
        self._stale_tiles[rect.y0 // size:(rect.y1 - 1) // size + 1,
                          rect.x0 // size:(rect.x1 - 1) // size + 1] = True

    def _counts(self) -> np.ndarray:
        grid = self._undo.grid
        for row, column in zip(*np.nonzero(self._stale_tiles), strict=True):
            rect = grid.rect((int(column), int(row)))
            self._tile_counts[row, column] = np.count_nonzero(self._pixels[rect.y0:rect.y1, rect.x0:rect.x1])
        self._stale_tiles[:] = False
        return self._tile_counts
