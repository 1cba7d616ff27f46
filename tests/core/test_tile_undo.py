"""TileUndo on plain numpy arrays: exact round trips, tile bookkeeping, the memory cap."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from editor.core.tile_undo import DirtyRect, PackedTile, TileGrid, TileUndo, coalesce

TILE_BYTES = 256 * 256


def _noise(rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    return rng.integers(0, 256, size=shape, dtype=np.uint8)


def _write(history: TileUndo, pixels: np.ndarray, rect: DirtyRect, value) -> None:
    history.touch(*rect)
    pixels[max(rect.y0, 0):max(rect.y1, 0), max(rect.x0, 0):max(rect.x1, 0)] = value


def _step(history: TileUndo, pixels: np.ndarray, label: str, rect: DirtyRect, value) -> bool:
    history.begin(label)
    _write(history, pixels, rect, value)
    return history.commit()


def test_undo_and_redo_restore_exact_bytes():
    rng = np.random.default_rng(1)
    pixels = _noise(rng, (600, 700))  # edge tiles are narrower than 256
    original = pixels.copy()
    history = TileUndo(pixels)
    assert _step(history, pixels, "noise", DirtyRect(100, 200, 650, 590), _noise(rng, (390, 550)))
    after = pixels.copy()
    assert history.undo()
    assert np.array_equal(pixels, original)
    assert history.redo()
    assert np.array_equal(pixels, after)


def test_step_that_changes_nothing_is_dropped():
    pixels = np.zeros((300, 300), np.uint8)
    history = TileUndo(pixels)
    assert not _step(history, pixels, "nothing", DirtyRect(0, 0, 300, 300), 0)
    assert not history.can_undo()
    assert history.undo() == []
    assert history.memory_bytes == 0


def test_only_tiles_that_changed_are_stored_and_reported():
    pixels = np.zeros((1024, 1024), np.uint8)
    history = TileUndo(pixels)
    history.begin("one tile")
    history.touch(0, 0, 1024, 1024)  # snapshots all 16 tiles
    assert history.memory_bytes == 16 * TILE_BYTES
    pixels[300:310, 600:610] = 9  # inside tile (2, 1)
    assert history.commit()
    assert history.memory_bytes < 1024  # one packed tile, not 16 raw ones
    assert history.undo() == [DirtyRect(512, 256, 768, 512)]


def test_new_step_clears_redo_and_labels_follow():
    pixels = np.zeros((256, 256), np.uint8)
    history = TileUndo(pixels)
    _step(history, pixels, "first", DirtyRect(0, 0, 10, 10), 1)
    _step(history, pixels, "second", DirtyRect(0, 0, 10, 10), 2)
    assert (history.undo_label(), history.redo_label()) == ("second", None)
    history.undo()
    assert (history.undo_label(), history.redo_label()) == ("first", "second")
    assert history.depths == (1, 1)
    _step(history, pixels, "third", DirtyRect(0, 0, 10, 10), 3)
    assert not history.can_redo()
    assert history.depths == (2, 0)
    assert history.redo() == []


def test_cap_evicts_oldest_first_and_the_rest_still_undo():
    rng = np.random.default_rng(2)
    pixels = _noise(rng, (256, 1024))
    history = TileUndo(pixels, cap_bytes=10 * TILE_BYTES)
    states = [pixels.copy()]
    for i in range(4):  # each step stores one incompressible tile (~64 KiB)
        tile = DirtyRect(256 * i, 0, 256 * (i + 1), 256)
        _step(history, pixels, f"step {i}", tile, _noise(rng, (256, 256)))
        states.append(pixels.copy())
    assert history.depths == (4, 0)
    history.set_cap(int(2.5 * TILE_BYTES))
    assert history.depths == (2, 0)
    assert history.memory_bytes <= 2.5 * TILE_BYTES
    assert history.undo_label() == "step 3"
    history.undo()
    assert np.array_equal(pixels, states[3])
    history.undo()
    assert np.array_equal(pixels, states[2])
    assert not history.can_undo()


def test_newest_step_is_kept_even_above_the_cap():
    rng = np.random.default_rng(3)
    pixels = np.zeros((512, 512), np.uint8)
    history = TileUndo(pixels, cap_bytes=1000)
    before = pixels.copy()
    _step(history, pixels, "big", DirtyRect(0, 0, 512, 512), _noise(rng, (512, 512)))
    assert history.depths == (1, 0)
    _step(history, pixels, "bigger", DirtyRect(0, 0, 512, 512), _noise(rng, (512, 512)))
    assert history.depths == (1, 0)
    assert history.undo_label() == "bigger"
    history.undo()
    assert not np.array_equal(pixels, before)  # the evicted step's state cannot come back


def test_recording_rules_are_enforced():
    pixels = np.zeros((10, 10), np.uint8)
    history = TileUndo(pixels)
    with pytest.raises(RuntimeError):
        history.touch(0, 0, 1, 1)
    with pytest.raises(RuntimeError):
        history.commit()
    history.begin("open")
    with pytest.raises(RuntimeError):
        history.begin("again")
    with pytest.raises(RuntimeError):
        history.undo()
    with pytest.raises(ValueError):
        TileUndo(np.zeros((4, 4, 3), np.uint8))


def test_touch_clips_to_the_image():
    pixels = np.zeros((300, 300), np.uint8)
    history = TileUndo(pixels)
    history.begin("outside")
    history.touch(-500, -500, -10, -10)
    history.touch(290, 290, 900, 900)
    assert history.memory_bytes == 44 * 44  # only the 44×44 corner tile


@pytest.mark.parametrize("shape", [(256, 256), (17, 200)])
def test_packed_tile_round_trip(shape):
    rng = np.random.default_rng(4)
    noisy = _noise(rng, shape)
    assert np.array_equal(PackedTile.pack(noisy).unpack(), noisy)
    flat = np.full(shape, 77, np.uint8)
    packed = PackedTile.pack(flat)
    assert packed.fill == 77 and packed.payload == b""
    assert np.array_equal(packed.unpack(), flat)


def test_packed_tile_accepts_strided_views():
    big = np.arange(600 * 600, dtype=np.uint32).astype(np.uint8).reshape(600, 600)
    view = big[10:266, 300:556]
    assert np.array_equal(PackedTile.pack(view).unpack(), view)


def test_grid_and_coalesce():
    grid = TileGrid(600, 300)
    assert (grid.columns, grid.rows) == (3, 2)
    assert list(grid.keys_in(250, 10, 260, 20)) == [(0, 0), (1, 0)]
    assert list(grid.keys_in(600, 0, 700, 10)) == []
    assert grid.rect((2, 1)) == DirtyRect(512, 256, 600, 300)
    merged = coalesce(grid.rect(key) for key in grid.all_keys())
    assert merged == [DirtyRect(0, 0, 600, 300)]
    diagonal = coalesce([grid.rect((0, 0)), grid.rect((1, 1))])
    assert sorted(diagonal) == [DirtyRect(0, 0, 256, 256), DirtyRect(256, 256, 512, 300)]


_rects = st.tuples(st.integers(-50, 650), st.integers(-50, 350), st.integers(1, 400), st.integers(1, 300))
_ops = st.lists(st.one_of(
    st.tuples(st.just("write"), _rects, st.integers(0, 255)),
    st.tuples(st.just("undo")),
    st.tuples(st.just("redo")),
), max_size=25)


@settings(max_examples=60, deadline=None)
@given(_ops)
def test_random_steps_match_a_snapshot_model(ops):
    """Every undo/redo must give back exactly the state a full-copy history would."""
    pixels = np.zeros((300, 600), np.uint8)
    history = TileUndo(pixels)
    past, future = [pixels.copy()], []
    for op in ops:
        if op[0] == "write":
            x, y, w, h = op[1]
            rect = DirtyRect(x, y, x + w, y + h)
            if _step(history, pixels, "write", rect, op[2]):
                past.append(pixels.copy())
                future.clear()
        elif op[0] == "undo" and history.undo():
            future.append(past.pop())
        elif op[0] == "redo" and history.redo():
            past.append(future.pop())
        assert np.array_equal(pixels, past[-1])
        assert history.depths == (len(past) - 1, len(future))
    newest = future[0] if future else past[-1]  # redo all also redoes what the ops left undone
    while history.undo():
        pass
    assert not pixels.any()
    while history.redo():
        pass
    assert np.array_equal(pixels, newest)
