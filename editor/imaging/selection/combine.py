"""How a new selection meets the mask already painted: it replaces it, adds to it (Shift) or is
subtracted from it (Alt), as in every selection tool since Photoshop's."""

from __future__ import annotations

from typing import Literal

import numpy as np

CombineMode = Literal["replace", "add", "subtract"]
COMBINE_MODES: tuple[CombineMode, ...] = ("replace", "add", "subtract")
# The subject of a photo: the box `--subject` selects keeps this share of each side as margin.
SUBJECT_MARGIN = 0.04


def combine(mask: np.ndarray, selection: np.ndarray, mode: CombineMode) -> np.ndarray:
    """The mask after the selection, as a new (H, W) uint8 array."""
    if mode == "replace":
        return selection.copy()
    if mode == "add":
        return np.maximum(mask, selection)
    if mode == "subtract":
        return np.minimum(mask, 255 - selection)
    raise ValueError(f"unknown combine mode {mode!r}")


def changed_rect(before: np.ndarray, after: np.ndarray) -> tuple[int, int, int, int] | None:
    """The tight (x0, y0, x1, y1) around the pixels that differ, or None when none does."""
    differs = before != after
    rows, cols = np.flatnonzero(differs.any(axis=1)), np.flatnonzero(differs.any(axis=0))
    if rows.size == 0:
        return None
    return int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1


def subject_box(width: int, height: int) -> tuple[int, int, int, int]:
    """The box (x, y, w, h) around a centred subject: the whole photo less a small margin."""
    mx, my = max(1, round(width * SUBJECT_MARGIN)), max(1, round(height * SUBJECT_MARGIN))
    return mx, my, max(1, width - 2 * mx), max(1, height - 2 * my)
