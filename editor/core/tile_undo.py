"""Stroke-grouped undo of a uint8 (h, w) pixel array, stored as touched 256×256 tiles.

A step snapshots a tile the first time the step touches it; on commit the unchanged tiles are
dropped and the rest are packed (uniform tiles as one byte, others zlib level 1). Each step holds
ONE version of its tiles: the before-bytes while it can be undone, the after-bytes while it can be
redone. Undo and redo swap them with the live pixels, so no step ever keeps both copies.
"""

from __future__ import annotations

import itertools
import logging
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

log = logging.getLogger(__name__)

TILE_SIZE = 256
DEFAULT_CAP_BYTES = 512 * 1024 * 1024
# What a stored tile costs beyond its payload (Python objects, dict slot); keeps the accounting honest
# for steps made of many tiny uniform tiles.
_TILE_OVERHEAD_BYTES = 120
# Spare snapshot buffers kept mapped between strokes (16 MiB = 256 tiles), and mapped up front.
_SPARE_BYTES = 16 * 1024 * 1024
_PREFAULT_BYTES = 4 * 1024 * 1024

TileKey = tuple[int, int]  # (tile column, tile row)


class DirtyRect(NamedTuple):
    """A half-open pixel rectangle [x0, x1) × [y0, y1) whose pixels changed."""

    x0: int
    y0: int
    x1: int
    y1: int

    def united(self, other: DirtyRect) -> DirtyRect:
        return DirtyRect(min(self.x0, other.x0), min(self.y0, other.y0),
                         max(self.x1, other.x1), max(self.y1, other.y1))


@dataclass(frozen=True, slots=True)
class PackedTile:
    """One tile's pixels at rest: a single value when uniform, otherwise zlib level 1 bytes.

    Mask tiles are mostly flat 0 or 255 with soft edges, so level 1 already shrinks them many times
    over at a fraction of the cost of higher levels.
    """

    height: int
    width: int
    fill: int | None
    payload: bytes = b""

    @classmethod
    def pack(cls, pixels: np.ndarray) -> PackedTile:
        height, width = pixels.shape
        first = int(pixels[0, 0])
        if (pixels == first).all():
            return cls(height, width, first)
        return cls(height, width, None, zlib.compress(np.ascontiguousarray(pixels), 1))

    def unpack(self) -> np.ndarray:
        if self.fill is not None:
            return np.full((self.height, self.width), self.fill, dtype=np.uint8)
        raw = zlib.decompress(self.payload)
        return np.frombuffer(raw, dtype=np.uint8).reshape(self.height, self.width)

    @property
    def nbytes(self) -> int:
        return len(self.payload) + _TILE_OVERHEAD_BYTES


@dataclass(slots=True)
class _Step:
    label: str
    tiles: dict[TileKey, PackedTile]
    nbytes: int = 0
    serial: int = 0  # unique and increasing per history: says which step is which across undo/redo

    def recount(self) -> None:
        self.nbytes = sum(tile.nbytes for tile in self.tiles.values())


class TileGrid:
    """The 256×256 tiling of an image of a given size: which tiles a rect covers, and their rects."""

    def __init__(self, width: int, height: int, tile_size: int = TILE_SIZE) -> None:
        self.width = width
        self.height = height
        self.tile_size = tile_size
        self.columns = -(-width // tile_size)
        self.rows = -(-height // tile_size)

    def keys_in(self, x0: int, y0: int, x1: int, y1: int) -> Iterator[TileKey]:
        """Keys of the tiles a half-open rect overlaps (the rect is clipped to the image)."""
        x0, y0 = max(x0, 0), max(y0, 0)
        x1, y1 = min(x1, self.width), min(y1, self.height)
        if x0 >= x1 or y0 >= y1:
            return
        size = self.tile_size
        for row in range(y0 // size, (y1 - 1) // size + 1):
            for column in range(x0 // size, (x1 - 1) // size + 1):
                yield column, row

    def rect(self, key: TileKey) -> DirtyRect:
        column, row = key
        x0, y0 = column * self.tile_size, row * self.tile_size
        return DirtyRect(x0, y0, min(x0 + self.tile_size, self.width), min(y0 + self.tile_size, self.height))

    def all_keys(self) -> Iterator[TileKey]:
        for row in range(self.rows):
            for column in range(self.columns):
                yield column, row


def coalesce(rects: Iterable[DirtyRect]) -> list[DirtyRect]:
    """Merge tile rects into few larger ones: runs along each tile row, then equal runs stacked.

    A repaint per tile would be hundreds of calls after an invert; one union rect would repaint
    the whole image after a diagonal stroke. Runs are the middle ground.
    """
    runs: list[DirtyRect] = []
    for rect in sorted(rects, key=lambda r: (r.y0, r.x0)):
        last = runs[-1] if runs else None
        if last and last.y0 == rect.y0 and last.y1 == rect.y1 and last.x1 == rect.x0:
            runs[-1] = last._replace(x1=rect.x1)
        else:
            runs.append(rect)
    merged: list[DirtyRect] = []
    open_by_span: dict[tuple[int, int], int] = {}
    for run in runs:
        index = open_by_span.get((run.x0, run.x1))
        if index is not None and merged[index].y1 == run.y0:
            merged[index] = merged[index]._replace(y1=run.y1)
        else:
            open_by_span[(run.x0, run.x1)] = len(merged)
            merged.append(run)
    return merged


class SpareTiles:
    """Tile-sized buffers for the raw snapshots of the open step, recycled after each commit.

    A fresh 64 KiB allocation costs ~16 page faults (tens of µs), which would land on the brush
    segment that first touches a tile; recycled buffers are already mapped. At most `keep` spares
    are held, and `prefault` of them are mapped up front, enough for a long stroke.
    """

    def __init__(self, tile_size: int, *, keep: int, prefault: int) -> None:
        self._tile_size = tile_size
        self._keep = keep
        # np.ones writes every page, so the spares are mapped now rather than mid-stroke.
        self._free = [np.ones((tile_size, tile_size), np.uint8) for _ in range(prefault)]

    def take(self) -> np.ndarray:
        """An uninitialised tile buffer: a recycled spare when one is free."""
        free = self._free
        return free.pop() if free else np.empty((self._tile_size, self._tile_size), np.uint8)

    def give_back(self, tiles: list[np.ndarray]) -> None:
        self._free.extend(tiles[:max(0, self._keep - len(self._free))])


_SPARES: dict[int, SpareTiles] = {}


def _spare_tiles(tile_size: int) -> SpareTiles:
    """One pool per tile size for the whole process: every mask's strokes share the mapped spares."""
    spares = _SPARES.get(tile_size)
    if spares is None:
        spares = _SPARES[tile_size] = SpareTiles(
            tile_size, keep=_SPARE_BYTES // tile_size**2, prefault=_PREFAULT_BYTES // tile_size**2)
    return spares


class TileUndo:
    """Undo/redo of a live (h, w) uint8 array, one step per stroke or operation, memory-capped.

    Usage per step: `begin(label)`, `touch(rect)` before writing any pixels of that rect, then
    `commit()`. The oldest steps are evicted first when the stored bytes pass the cap; the newest
    step is always kept so the last action can be undone even when it alone exceeds the cap.
    """

    def __init__(self, pixels: np.ndarray, *, tile_size: int = TILE_SIZE,
                 cap_bytes: int = DEFAULT_CAP_BYTES) -> None:
        if pixels.ndim != 2 or pixels.dtype != np.uint8:
            raise ValueError("TileUndo needs a 2-D uint8 array")
        self._pixels = pixels
        self.grid = TileGrid(pixels.shape[1], pixels.shape[0], tile_size)
        self._cap = cap_bytes
        self._undo: list[_Step] = []
        self._redo: list[_Step] = []  # the next step to redo is last
        self._stored_bytes = 0
        self._pending: dict[TileKey, np.ndarray] | None = None
        self._pending_label = ""
        self._spares = _spare_tiles(tile_size)
        self._taken: list[np.ndarray] = []  # spare buffers holding the open step's snapshots
        self._serials = itertools.count(1)

    # --- recording ---------------------------------------------------------------------

    @property
    def recording(self) -> bool:
        return self._pending is not None

    def begin(self, label: str) -> None:
        if self._pending is not None:
            raise RuntimeError(f"undo step {self._pending_label!r} is still open")
        self._pending = {}
        self._pending_label = label

    def touch(self, x0: int, y0: int, x1: int, y1: int) -> None:
        """Snapshot the tiles of this rect not yet saved in the open step. Call BEFORE writing."""
        pending = self._pending
        if pending is None:
            raise RuntimeError("touch() outside an undo step")
        grid = self.grid
        size = grid.tile_size
        x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, grid.width), min(y1, grid.height)
        # Called for every brush segment: plain loops, most of whose tiles are already saved.
        for row in range(y0 // size, (y1 - 1) // size + 1):
            for column in range(x0 // size, (x1 - 1) // size + 1):
                if (column, row) not in pending:
                    pending[column, row] = self._snapshot((column, row))

    def commit(self) -> bool:
        """Close the open step; keep it only if some touched tile really changed."""
        if self._pending is None:
            raise RuntimeError("commit() without begin()")
        pending, self._pending = self._pending, None
        tiles = {key: PackedTile.pack(before) for key, before in pending.items()
                 if not np.array_equal(before, self._view(key))}
        self._spares.give_back(self._taken)
        self._taken = []
        if not tiles:
            return False
        step = _Step(self._pending_label, tiles, serial=next(self._serials))
        step.recount()
        self._stored_bytes -= sum(s.nbytes for s in self._redo)
        self._redo.clear()
        self._undo.append(step)
        self._stored_bytes += step.nbytes
        self._enforce_cap()
        return True

    def _snapshot(self, key: TileKey) -> np.ndarray:
        view = self._view(key)
        tile = self._spares.take()
        self._taken.append(tile)
        snapshot = tile[:view.shape[0], :view.shape[1]]
        np.copyto(snapshot, view)
        return snapshot

    # --- undo / redo -------------------------------------------------------------------

    def undo(self) -> list[DirtyRect]:
        """Restore the newest step's before-bytes; returns the rects to repaint ([] if none)."""
        return self._move(self._undo, self._redo)

    def redo(self) -> list[DirtyRect]:
        return self._move(self._redo, self._undo)

    def _move(self, source: list[_Step], target: list[_Step]) -> list[DirtyRect]:
        if self._pending is not None:
            raise RuntimeError("undo/redo while a step is open")
        if not source:
            return []
        step = source.pop()
        self._stored_bytes -= step.nbytes
        for key, stored in step.tiles.items():
            view = self._view(key)
            current = PackedTile.pack(view)
            view[...] = stored.unpack()
            step.tiles[key] = current
        step.recount()
        target.append(step)
        self._stored_bytes += step.nbytes
        self._enforce_cap()
        return coalesce(self.grid.rect(key) for key in step.tiles)

    # --- queries and the cap -----------------------------------------------------------

    def can_undo(self) -> bool:
        return bool(self._undo)

    def can_redo(self) -> bool:
        return bool(self._redo)

    def undo_label(self) -> str | None:
        return self._undo[-1].label if self._undo else None

    def redo_label(self) -> str | None:
        return self._redo[-1].label if self._redo else None

    def undo_serial(self) -> int:
        """The serial of the step undo would revert (0 when there is none). A step keeps its serial
        through undo and redo, and a new step always gets a larger one."""
        return self._undo[-1].serial if self._undo else 0

    def drop_redo(self) -> None:
        """Forget the steps redo would reapply (another kind of edit followed their undo)."""
        self._stored_bytes -= sum(step.nbytes for step in self._redo)
        self._redo.clear()

    @property
    def depths(self) -> tuple[int, int]:
        """(steps that can be undone, steps that can be redone)."""
        return len(self._undo), len(self._redo)

    @property
    def memory_bytes(self) -> int:
        """Bytes held: packed steps plus the raw snapshots of the step being recorded."""
        pending = sum(tile.nbytes for tile in self._pending.values()) if self._pending else 0
        return self._stored_bytes + pending

    @property
    def cap_bytes(self) -> int:
        return self._cap

    def set_cap(self, cap_bytes: int) -> None:
        self._cap = max(0, cap_bytes)
        self._enforce_cap()

    def _enforce_cap(self) -> None:
        evicted = 0
        while self._stored_bytes > self._cap and len(self._undo) + len(self._redo) > 1:
            # Oldest undo steps go first; the redo steps furthest from now only after them.
            step = self._undo.pop(0) if len(self._undo) > 1 or not self._redo else self._redo.pop(0)
            self._stored_bytes -= step.nbytes
            evicted += 1
        if evicted:
            log.debug("undo cap %d B: evicted %d step(s), %d B kept", self._cap, evicted, self._stored_bytes)

    def _view(self, key: TileKey) -> np.ndarray:
        x0, y0, x1, y1 = self.grid.rect(key)
        return self._pixels[y0:y1, x0:x1]
