"""Object selection by a box and/or foreground/background strokes: GrabCut on a copy of about half
a megapixel, carried back to full resolution by the fast guided filter.

GrabCut's cost grows with the pixels it labels, so it runs on the box (plus a margin of context)
downscaled to WORK_PIXELS; the guided filter then puts the edge where the full-resolution photo
has it, which recovers the detail the small copy lost.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from editor.imaging.selection.guided import as_guide, guided_upsample
from editor.imaging.selection.steps import Checkpoint, SelectionError, no_checkpoint

WORK_PIXELS = 500_000
ITERATIONS = 5
# Context around the box that GrabCut learns the background from, as a share of the box's size.
_MARGIN = 0.15
# The guided filter's window (pixels of the working copy) and regulariser (colour variance).
_GUIDED_RADIUS = 3
_GUIDED_EPS = 1e-3
# GrabCut has converged when an iteration changes fewer pixels than this (parts per million).
_SETTLED_SHARE = 500
# Islands of the object smaller than this share of the working copy are specks, not parts of it.
_SPECK_SHARE = 0.0005


@dataclass(frozen=True)
class Stroke:
    """A stroke of the selection brush: points (x, y) in photo pixels, its width, and whether it
    marks the object (foreground) or what is not the object (background)."""

    points: tuple[tuple[float, float], ...]
    width: float
    foreground: bool


@dataclass(frozen=True)
class ObjectHints:
    """What the user told about the object: a box (x, y, w, h) around it, strokes, or both."""

    box: tuple[int, int, int, int] | None = None
    strokes: tuple[Stroke, ...] = field(default=())

    def region(self, width: int, height: int) -> tuple[int, int, int, int]:
        """The part of the photo GrabCut looks at (x0, y0, x1, y1): the box plus context, or the
        whole photo when only strokes are given (the object may lie anywhere)."""
        if self.box is None:
            return 0, 0, width, height
        x, y, w, h = self.box
        mx, my = round(w * _MARGIN) + 8, round(h * _MARGIN) + 8
        return max(0, x - mx), max(0, y - my), min(width, x + w + mx), min(height, y + h + my)


def select_object(photo: np.ndarray, hints: ObjectHints, *, iterations: int = ITERATIONS,
                  checkpoint: Checkpoint = no_checkpoint) -> np.ndarray:
    """The object's coverage (H, W) uint8, 255 = selected, with soft edges along the photo's.

    Raises SelectionError for hints that select nothing (a box outside the photo or too small, no
    foreground stroke without a box), SelectionCancelled when `checkpoint` does.
    """
    work = working_copy(photo, hints)
    checkpoint(0.05)
    found = _without_specks(_grabcut(work.small, work.labels, iterations, checkpoint), work.labels)
    checkpoint(0.9)
    coverage = carry_to_full(photo, work, found, hints.box)
    if not (coverage >= 128).any():
        raise SelectionError("Nothing stands out as an object there; draw the box closer around it, "
                             "or mark it with strokes.")
    checkpoint(1.0)
    return coverage


def carry_to_full(photo: np.ndarray, work: WorkingCopy, found: np.ndarray,
                  box: tuple[int, int, int, int] | None) -> np.ndarray:
    """The object found on the working copy (float32 0..1, its size) as full-resolution coverage
    whose edge follows the photo's; nothing outside `box`, when there is one."""
    height, width = photo.shape[:2]
    x0, y0, x1, y1 = work.region
    coverage = np.zeros((height, width), np.uint8)
    coverage[y0:y1, x0:x1] = guided_upsample(photo[y0:y1, x0:x1], as_guide(work.small), found,
                                             _GUIDED_RADIUS, _GUIDED_EPS)
    if box is not None:  # nothing outside the box is the object (GrabCut's own rule)
        bx, by, bw, bh = box
        inside = coverage[max(0, by):max(0, by + bh), max(0, bx):max(0, bx + bw)].copy()
        coverage[y0:y1, x0:x1] = 0
        coverage[max(0, by):max(0, by + bh), max(0, bx):max(0, bx + bw)] = inside
    return coverage


@dataclass(frozen=True)
class WorkingCopy:
    """What GrabCut works on: the region (x0, y0, x1, y1) of the photo it looks at, that region
    shrunk to about WORK_PIXELS (RGB), and the starting labels on it."""

    region: tuple[int, int, int, int]
    small: np.ndarray
    labels: np.ndarray


def working_copy(photo: np.ndarray, hints: ObjectHints) -> WorkingCopy:
    """Raises SelectionError for hints that select nothing."""
    height, width = photo.shape[:2]
    _check(hints, width, height)
    x0, y0, x1, y1 = hints.region(width, height)
    crop = photo[y0:y1, x0:x1, :3]
    scale = min(1.0, (WORK_PIXELS / crop.shape[0] / crop.shape[1]) ** 0.5)
    small = _shrink(np.ascontiguousarray(crop), scale)
    return WorkingCopy((x0, y0, x1, y1), small, _initial_labels(small.shape[:2], hints, (x0, y0), scale))


def _check(hints: ObjectHints, width: int, height: int) -> None:
    if hints.box is not None:
        x, y, w, h = hints.box
        visible_w, visible_h = min(width, x + w) - max(0, x), min(height, y + h) - max(0, y)
        if visible_w < 4 or visible_h < 4:
            raise SelectionError("Draw a box at least 4 pixels wide and high over the photo, around the "
                                 "object to select.")
    elif not any(stroke.foreground for stroke in hints.strokes):
        raise SelectionError("Paint at least one stroke over the object to select.")


def _shrink(crop: np.ndarray, scale: float) -> np.ndarray:
    if scale >= 1.0:
        return crop
    size = (max(1, round(crop.shape[1] * scale)), max(1, round(crop.shape[0] * scale)))
    return cv2.resize(crop, size, interpolation=cv2.INTER_AREA)


def _initial_labels(shape: tuple[int, int], hints: ObjectHints, origin: tuple[int, int],
                    scale: float) -> np.ndarray:
    """GrabCut's starting labels on the working copy: the box is probably the object, the margin
    surely not; strokes are sure. With strokes only, everything is probably background and the
    photo's border surely is, unless a stroke says otherwise."""
    labels = np.full(shape, cv2.GC_PR_BGD, np.uint8)
    if hints.box is not None:
        labels[:] = cv2.GC_BGD
        x, y, w, h = hints.box
        c0, r0 = _to_small(x, y, origin, scale)
        c1, r1 = _to_small(x + w, y + h, origin, scale)
        labels[max(0, r0):max(0, r1), max(0, c0):max(0, c1)] = cv2.GC_PR_FGD
    elif not any(not stroke.foreground for stroke in hints.strokes):
        labels[[0, -1], :] = cv2.GC_BGD
        labels[:, [0, -1]] = cv2.GC_BGD
    for stroke in hints.strokes:
        points = np.array([_to_small(px, py, origin, scale) for px, py in stroke.points], np.int32)
        thickness = max(1, round(stroke.width * scale))
        value = cv2.GC_FGD if stroke.foreground else cv2.GC_BGD
        cv2.polylines(labels, [points.reshape(-1, 1, 2)], False, value, thickness)
        for point in points:  # a click is a stroke of one point
            cv2.circle(labels, (int(point[0]), int(point[1])), max(1, thickness // 2), value, -1)
    return labels


def _to_small(x: float, y: float, origin: tuple[int, int], scale: float) -> tuple[int, int]:
    return round((x - origin[0]) * scale), round((y - origin[1]) * scale)


def _grabcut(small: np.ndarray, labels: np.ndarray, iterations: int, checkpoint: Checkpoint) -> np.ndarray:
    """GrabCut one iteration at a time (so it can stop between them); the object as float32 0/1.
    `labels` is updated in place."""
    if not (labels == cv2.GC_PR_FGD).any() and not (labels == cv2.GC_FGD).any():
        raise SelectionError("The box is too thin to hold an object; draw it around the object.")
    bgd, fgd = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
    image = cv2.cvtColor(small, cv2.COLOR_RGB2BGR)
    if _single_label(labels):  # GrabCut needs both kinds of sample to learn its colour models
        raise SelectionError("Mark both the object and some of what surrounds it.")
    object_now = None
    for step in range(max(1, iterations)):
        mode = cv2.GC_INIT_WITH_MASK if step == 0 else cv2.GC_EVAL
        cv2.grabCut(image, labels, None, bgd, fgd, 1, mode)
        checkpoint(0.05 + 0.85 * (step + 1) / max(1, iterations))
        object_before, object_now = object_now, (labels == cv2.GC_FGD) | (labels == cv2.GC_PR_FGD)
        if object_before is not None and np.count_nonzero(object_before != object_now) <= _settled(labels):
            break  # converged: further iterations would move a few pixels the guided filter redraws
    assert object_now is not None
    return object_now.astype(np.float32)


def _without_specks(found: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """The object without the stray islands GrabCut leaves where the background's colour comes
    close to the object's (a speck of reflection on a table): pieces smaller than _SPECK_SHARE
    of the working copy, unless a foreground stroke touches them."""
    _count, pieces, stats, _ = cv2.connectedComponentsWithStats(found.astype(np.uint8), connectivity=8)
    small = stats[:, cv2.CC_STAT_AREA] < found.size * _SPECK_SHARE
    small[0] = False  # the background
    if not small.any():
        return found
    small[np.unique(pieces[labels == cv2.GC_FGD])] = False
    return np.where(small[pieces], np.float32(0), found)


def _settled(labels: np.ndarray) -> int:
    return labels.size * _SETTLED_SHARE // 1_000_000


def _single_label(labels: np.ndarray) -> bool:
    background = (labels == cv2.GC_BGD) | (labels == cv2.GC_PR_BGD)
    return bool(background.all() or not background.any())
