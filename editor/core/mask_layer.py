"""The photo's mask: a full-resolution Alpha8 coverage image painted by dabs, shapes and regions.

All pixel writes go through one zero-copy numpy view of the QImage and only ever touch the dirty
rect, so painting on a 60-megapixel photo costs what the brush covers, not what the photo holds.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from PySide6.QtCore import QObject, QPointF, QRect, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPainterPath

from editor.core.history import DEFAULT_CAP_BYTES, TILE_SIZE, DirtyRect, TileHistory

_STAMP_CACHE_BYTES = 32 * 1024 * 1024
# Diameters are rendered on a 1/64-octave grid (steps of ~1.1 %), so pressure-driven sizes reuse
# stamps instead of rendering one per dab; the error is under 0.7 px at 120 px.
_DIAMETER_STEPS_PER_OCTAVE = 64


@dataclass(frozen=True)
class BrushDab:
    """Brush parameters in image pixels."""

    diameter: float = 60.0  # 1..1000 px
    hardness: float = 0.8  # 0..1 (1 = hard edge, 0 = soft gaussian-like falloff to the rim)
    opacity: float = 1.0  # 0..1, the max coverage a stroke reaches (max-blend, no build-up)
    spacing: float = 0.15  # distance between dabs as a fraction of the diameter


@dataclass(frozen=True, slots=True)
class DabStamp:
    """One rendered dab: coverage at full strength, placed relative to the anchor pixel."""

    pixels: np.ndarray  # uint8 coverage at full strength, cropped to its non-zero box
    dx: int  # column of pixels[:, 0] relative to the anchor pixel
    dy: int


def _phases_for(diameter: float) -> int:
    """Sub-pixel positions per axis: quarter pixels for small brushes, where a 1 px step shows."""
    return 4 if diameter < 64 else 2 if diameter < 256 else 1


def render_stamp(diameter: float, hardness: float, fx: float, fy: float) -> DabStamp:
    """A dab centred at (anchor + fx, anchor + fy), fx/fy in [0, 1): flat core, cosine falloff, AA rim."""
    radius = max(diameter, 1.0) / 2
    reach = math.ceil(radius) + 2
    offsets = np.arange(-reach, reach + 1, dtype=np.float32) + 0.5  # pixel centres from the anchor
    dist = np.hypot((offsets - fy)[:, None], (offsets - fx)[None, :])
    coverage = np.clip(radius + 0.5 - dist, 0.0, 1.0)  # one-pixel antialiased rim
    if hardness < 1.0:
        t = np.clip((dist / radius - hardness) / (1.0 - hardness), 0.0, 1.0)
        coverage *= 0.5 + 0.5 * np.cos(np.pi * t)
    pixels = np.rint(coverage * 255).astype(np.uint8)
    rows, cols = np.flatnonzero(pixels.any(axis=1)), np.flatnonzero(pixels.any(axis=0))
    if rows.size == 0:
        return DabStamp(np.zeros((0, 0), np.uint8), 0, 0)
    cropped = np.ascontiguousarray(pixels[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1])
    return DabStamp(cropped, int(cols[0]) - reach, int(rows[0]) - reach)


class DabStamps:
    """Rendered dab stamps by (diameter, hardness, sub-pixel phase); least recently used go first."""

    def __init__(self, budget_bytes: int = _STAMP_CACHE_BYTES) -> None:
        self._budget = budget_bytes
        self._bytes = 0
        self._stamps: OrderedDict[tuple, DabStamp] = OrderedDict()

    def get(self, diameter: float, hardness: float, phase_x: int, phase_y: int, phases: int) -> DabStamp:
        step = round(math.log2(max(diameter, 1.0)) * _DIAMETER_STEPS_PER_OCTAVE)
        shade = round(min(max(hardness, 0.0), 1.0) * 100)
        key = (step, shade, phase_x, phase_y, phases)
        stamp = self._stamps.get(key)
        if stamp is not None:
            self._stamps.move_to_end(key)
            return stamp
        stamp = render_stamp(2 ** (step / _DIAMETER_STEPS_PER_OCTAVE), shade / 100,
                             phase_x / phases, phase_y / phases)
        self._stamps[key] = stamp
        self._bytes += stamp.pixels.nbytes
        while self._bytes > self._budget and len(self._stamps) > 1:
            _, dropped = self._stamps.popitem(last=False)
            self._bytes -= dropped.pixels.nbytes
        return stamp


@lru_cache(maxsize=512)
def _strength_lut(level: int, erase: bool) -> np.ndarray:
    """Stamp value → what max (paint) or min (erase) blends in at this strength (0..255)."""
    scaled = (np.arange(256, dtype=np.uint32) * level + 127) // 255
    return (255 - scaled if erase else scaled).astype(np.uint8)


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
    one undo step of touched tiles (see `editor.core.history`).
    """

    changed = Signal(QRect)  # image-coordinate rect whose pixels changed (clipped to the image)
    history_changed = Signal()  # can_undo()/can_redo()/labels/depths changed

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
        self._history = TileHistory(self._pixels, cap_bytes=undo_cap_bytes)
        self._stamps = DabStamps()
        self._stroke: _Stroke | None = None
        grid = self._history.grid
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
        self._history.begin(label)
        self._stroke = _Stroke(erase)

    def stamp_dab(self, pos: QPointF, brush: BrushDab, pressure: float = 1.0) -> QRect:
        stroke = self._open_stroke()
        stroke.since_last_dab = 0.0
        rect = self._dab(pos.x(), pos.y(), brush, pressure, stroke.erase)
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
        union: DirtyRect | None = None
        while at <= length:
            f = at / length if length else 1.0
            pressure = pressure0 + (pressure1 - pressure0) * f
            rect = self._dab(x0 + dx * f, y0 + dy * f, brush, pressure, stroke.erase)
            if rect is not None:
                union = rect if union is None else union.united(rect)
            last = at
            at += step
        stroke.since_last_dab = stroke.since_last_dab + length if last is None else length - last
        return QRect() if union is None else self._report(union)

    def end_stroke(self) -> None:
        """Close the stroke's undo step; a stroke that changed nothing leaves no step."""
        if self._stroke is None:
            return
        self._stroke = None
        with self._history_watch():
            self._history.commit()

    def _open_stroke(self) -> _Stroke:
        if self._stroke is None:
            raise RuntimeError("begin_stroke() must come before stamping dabs")
        return self._stroke

    def _dab(self, x: float, y: float, brush: BrushDab, pressure: float, erase: bool) -> DirtyRect | None:
        level = round(255 * min(max(brush.opacity * pressure, 0.0), 1.0))
        if level == 0:
            return None
        phases = _phases_for(brush.diameter)
        anchor_x, phase_x = divmod(math.floor(x * phases + 0.5), phases)
        anchor_y, phase_y = divmod(math.floor(y * phases + 0.5), phases)
        stamp = self._stamps.get(brush.diameter, brush.hardness, phase_x, phase_y, phases)
        x0, y0 = anchor_x + stamp.dx, anchor_y + stamp.dy
        height, width = stamp.pixels.shape
        cx0, cy0 = max(x0, 0), max(y0, 0)
        cx1, cy1 = min(x0 + width, self._pixels.shape[1]), min(y0 + height, self._pixels.shape[0])
        if cx0 >= cx1 or cy0 >= cy1:
            return None
        source = stamp.pixels[cy0 - y0:cy1 - y0, cx0 - x0:cx1 - x0]
        if erase or level < 255:
            source = _strength_lut(level, erase)[source]
        target = self._pixels[cy0:cy1, cx0:cx1]
        # One read pass to learn whether anything changes, then the blend in place: no temporary.
        if not (np.less(source, target) if erase else np.greater(source, target)).any():
            return None
        self._history.touch(cx0, cy0, cx1, cy1)
        if erase:
            np.minimum(target, source, out=target)
        else:
            np.maximum(target, source, out=target)
        return DirtyRect(cx0, cy0, cx1, cy1)

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
            self._history.touch(*rect)
            target[r0:r1, c0:c1] = blended[r0:r1, c0:c1]
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
        grid = self._history.grid
        changed: list[DirtyRect] = []
        with self._step(label):
            for key in grid.all_keys():
                rect = grid.rect(key)
                tile = self._pixels[rect.y0:rect.y1, rect.x0:rect.x1]
                replacement = new_tile(rect, tile)
                if replacement is not tile and not np.array_equal(replacement, tile):
                    self._history.touch(*rect)
                    tile[...] = replacement
                    changed.append(rect)
        self._announce(changed)

    # --- undo ---------------------------------------------------------------------------

    def undo(self) -> bool:
        self.end_stroke()
        with self._history_watch():
            rects = self._history.undo()
        self._announce(rects)
        return bool(rects)

    def redo(self) -> bool:
        self.end_stroke()
        with self._history_watch():
            rects = self._history.redo()
        self._announce(rects)
        return bool(rects)

    def can_undo(self) -> bool:
        return self._history.can_undo()

    def can_redo(self) -> bool:
        return self._history.can_redo()

    def undo_label(self) -> str | None:
        return self._history.undo_label()

    def redo_label(self) -> str | None:
        return self._history.redo_label()

    def undo_memory_bytes(self) -> int:
        return self._history.memory_bytes

    def set_undo_cap(self, cap_bytes: int) -> None:
        with self._history_watch():
            self._history.set_cap(cap_bytes)

    @contextmanager
    def _step(self, label: str) -> Iterator[None]:
        self.end_stroke()
        with self._history_watch():
            self._history.begin(label)
            try:
                yield
            finally:
                self._history.commit()

    @contextmanager
    def _history_watch(self) -> Iterator[None]:
        """Emit history_changed once, and only if what the undo menu shows really changed."""
        history = self._history
        before = (history.depths, history.undo_label(), history.redo_label())
        yield
        if (history.depths, history.undo_label(), history.redo_label()) != before:
            self.history_changed.emit()

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
        grid = self._history.grid
        for row, column in zip(*np.nonzero(self._stale_tiles), strict=True):
            rect = grid.rect((int(column), int(row)))
            self._tile_counts[row, column] = np.count_nonzero(self._pixels[rect.y0:rect.y1, rect.x0:rect.x1])
        self._stale_tiles[:] = False
        return self._tile_counts
