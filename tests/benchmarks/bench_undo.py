"""Undo memory after a working session: 100 long brush strokes across an 8192×8192 mask.

The floor is what a naive history of full-mask copies would hold for the same 100 steps; the
target is the absolute budget the history must stay under.
"""

from __future__ import annotations

import itertools
import math
import os
import time

from tests.benchmarks.harness import Figure

SIZE = 8192
STROKES = 100
SEGMENTS = 200
BUDGET_MB = 64


def _stroke_points(index: int) -> list[tuple[float, float]]:
    """201 points of stroke `index`: diagonals, anti-diagonals and zigzags at shifting offsets."""
    offset = (index * 677) % (SIZE // 2)
    points = []
    for i in range(SEGMENTS + 1):
        t = i / SEGMENTS
        wave = 900 * math.sin(t * 4 * math.pi + index)
        pattern = index % 4
        if pattern == 0:  # diagonal, shifted right
            x, y = offset + t * (SIZE - offset), t * (SIZE - offset)
        elif pattern == 1:  # anti-diagonal, shifted down
            x, y = SIZE - t * (SIZE - offset), offset + t * (SIZE - offset)
        elif pattern == 2:  # horizontal zigzag
            x, y = t * SIZE, 1000 + offset + wave
        else:  # vertical zigzag
            x, y = 1000 + offset + wave, SIZE - t * SIZE
        points.append((x, y))
    return points


def measure() -> list[Figure]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QPointF
    from PySide6.QtGui import QGuiApplication

    from editor.core.mask_layer import BrushDab, MaskLayer

    app = QGuiApplication.instance() or QGuiApplication([])  # noqa: F841 - keeps Qt alive for the run
    brush = BrushDab(diameter=120, hardness=0.5)
    mask = MaskLayer(SIZE, SIZE)
    started = time.perf_counter()
    for index in range(STROKES):
        points = [QPointF(x, y) for x, y in _stroke_points(index)]
        mask.begin_stroke("Brush", erase=False)
        mask.stamp_dab(points[0], brush)
        for p0, p1 in itertools.pairwise(points):
            mask.stamp_segment(p0, p1, brush)
        mask.end_stroke()
    elapsed = time.perf_counter() - started
    history_mb = mask.undo_memory_bytes() / 2**20
    naive_mb = STROKES * SIZE * SIZE / 2**20
    started = time.perf_counter()
    undone = 0
    while mask.undo():
        undone += 1
    undo_all = time.perf_counter() - started
    restored = mask.is_empty()
    return [Figure(
        metric="undo_memory_mb",
        value=history_mb,
        unit="MB",
        floor=naive_mb,
        floor_label=f"{STROKES} full-mask copies of {SIZE}×{SIZE}",
        target=f"value <= {BUDGET_MB}",
        passed=history_mb <= BUDGET_MB and undone == STROKES and restored,
        notes=(f"{STROKES} strokes painted in {elapsed:.1f} s; {undone} undone in {undo_all:.1f} s; "
               f"mask empty after undo all: {restored}"),
    )]
