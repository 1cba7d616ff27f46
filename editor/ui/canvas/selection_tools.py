"""The smart selection tools: Object Selection (a box, or strokes on the object and around it),
the Magic Wand, and the Refine Edge brush.

Each gathers what the pointer says and hands the work to the window's SelectionRunner, which runs
it off the GUI thread and writes the result into the mask as one undo step. Modifiers follow
every selection tool since Photoshop's: plain replaces the mask, Shift adds, Alt subtracts. With
the Strokes mode of Object Selection, Alt (or the right button) marks what is *not* the object,
and each stroke selects again from the box and every stroke so far.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QPainterPath, QPainterPathStroker

from editor.imaging.selection import CombineMode, ObjectHints, Stroke, combine
from editor.ui.canvas.geometry import drag_rect, polygon_path, rect_path
from editor.ui.canvas.tool_base import CanvasTool, Pointer

if TYPE_CHECKING:
    from editor.core.mask_layer import MaskLayer
    from editor.core.selection_runner import SelectionRunner

SELECTION_TOOL_NAMES = ("select", "wand", "refine")
OBJECT_MODES = ("box", "strokes")
_MIN_BOX_PX = 4.0  # screen pixels: a smaller drag is a click, not a box
_MARK_WIDTH_PX = 10.0  # screen pixels: how wide an object / background stroke marks


def combine_mode(pointer: Pointer) -> CombineMode:
    if pointer.subtract:
        return "subtract"
    return "add" if pointer.constrain else "replace"


def _stroke_outline(points: list[QPointF], width: float) -> QPainterPath | None:
    if not points:
        return None
    path = polygon_path(points, closed=False) if len(points) > 1 else QPainterPath(points[0])
    if len(points) == 1:
        path.lineTo(points[0] + QPointF(0.01, 0))
    stroker = QPainterPathStroker()
    stroker.setWidth(width)
    stroker.setCapStyle(Qt.PenCapStyle.RoundCap)
    stroker.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    return stroker.createStroke(path).simplified()


class _SelectionTool(CanvasTool):
    """What the selection tools share: the runner they hand work to, and Esc cancelling it."""

    def __init__(self, host) -> None:
        super().__init__(host)
        self.runner: SelectionRunner | None = None

    def attach(self, runner: SelectionRunner) -> None:
        self.runner = runner

    def cancel(self) -> bool:
        return self.runner is not None and self.runner.cancel()


class WandTool(_SelectionTool):
    """Click a colour: the similar colours (within the tolerance, in Lab) touching it, or
    everywhere in the photo when not contiguous."""

    name = "wand"
    cursor = Qt.CursorShape.PointingHandCursor

    def __init__(self, host) -> None:
        super().__init__(host)
        self.tolerance = 32
        self.contiguous = True

    def press(self, pointer: Pointer) -> None:
        if self.runner is None:
            return
        from editor.imaging.selection import magic_wand

        seed = (int(np.floor(pointer.pos.x())), int(np.floor(pointer.pos.y())))
        tolerance, contiguous, mode = self.tolerance, self.contiguous, combine_mode(pointer)

        def work(photo, base, checkpoint):
            found = magic_wand(photo, seed, tolerance, contiguous=contiguous, checkpoint=checkpoint)
            return combine(base, found, mode)

        self.runner.run(_label("Magic Wand", mode), work)


@dataclass
class _Session:
    """An object being selected: the mask before it, its box, its strokes, and how it combines."""

    mask: MaskLayer
    box: tuple[int, int, int, int] | None
    mode: CombineMode
    serial: int  # the mask's undo serial when this session last changed it (or began)
    strokes: list[Stroke] = field(default_factory=list)
    base: np.ndarray | None = None  # the mask before it, copied by the first run's worker


class ObjectSelectTool(_SelectionTool):
    """Drag a box around an object (Box mode), or paint over it and Alt-paint around it (Strokes
    mode): GrabCut (or the user's segmentation model, for a box) finds its edges."""

    name = "select"

    def __init__(self, host) -> None:
        super().__init__(host)
        self.mode = "box"
        self.model_path: Path | None = None
        self._anchor: QPointF | None = None
        self._current: QPointF | None = None
        self._points: list[QPointF] = []
        self._pressed: Pointer | None = None
        self._session: _Session | None = None
        self._models = _ModelCache()

    def attach(self, runner: SelectionRunner) -> None:
        super().attach(runner)
        runner.applied.connect(self._applied)

    def press(self, pointer: Pointer) -> None:
        self._pressed = pointer
        if self.mode == "box":
            self._anchor = self._current = pointer.pos
        else:
            self._points = [pointer.pos]

    def move(self, pointer: Pointer) -> None:
        if self._anchor is not None:
            self._current = pointer.pos
        elif self._points and pointer.screen_distance(self._points[-1]) >= 1.5:
            self._points.append(pointer.pos)

    def release(self, pointer: Pointer) -> None:
        pressed, self._pressed = self._pressed, None
        if pressed is None or self.runner is None or self.host.mask_layer() is None:
            self.cancel_drag()
            return
        self.move(pointer)
        if self._anchor is not None:
            rect = self._box_rect()
            self.cancel_drag()
            smallest = _MIN_BOX_PX * pointer.image_px_per_widget_px
            if rect is not None and min(rect.width(), rect.height()) >= smallest:
                self._start_box(rect, combine_mode(pressed))
        elif self._points:
            points, self._points = self._points, []
            width = _MARK_WIDTH_PX * pointer.image_px_per_widget_px
            self._add_stroke(Stroke(tuple((p.x(), p.y()) for p in points), width, not pressed.subtract),
                             "add" if pressed.constrain else "replace")

    def cancel_drag(self) -> bool:
        active = self._anchor is not None or bool(self._points)
        self._anchor = self._current = None
        self._points = []
        return active

    def cancel(self) -> bool:
        dragging = self.cancel_drag()
        return super().cancel() or dragging

    def busy(self) -> bool:
        return self._anchor is not None or bool(self._points)

    def preview_path(self) -> QPainterPath | None:
        rect = self._box_rect()
        if rect is not None:
            return rect_path(rect)
        return _stroke_outline(self._points, _MARK_WIDTH_PX * (self._pressed.image_px_per_widget_px
                                                                if self._pressed else 1.0))

    def _box_rect(self) -> QRectF | None:
        if self._anchor is None or self._current is None:
            return None
        return drag_rect(self._anchor, self._current, square=False)

    def _start_box(self, rect: QRectF, mode: CombineMode) -> None:
        box = (round(rect.x()), round(rect.y()), round(rect.width()), round(rect.height()))
        mask = self.host.mask_layer()
        self._session = _Session(mask, box, mode, mask.undo_serial())
        self._select()

    def _add_stroke(self, stroke: Stroke, first_mode: CombineMode) -> None:
        mask = self.host.mask_layer()
        session = self._session
        if session is None or session.mask is not mask or session.serial != mask.undo_serial():
            session = self._session = _Session(mask, None, first_mode, mask.undo_serial())
        session.strokes.append(stroke)
        self._select()

    def _select(self) -> None:
        session = self._session
        assert session is not None and self.runner is not None
        hints = ObjectHints(box=session.box, strokes=tuple(session.strokes))
        model = self.model_path if hints.box is not None and not hints.strokes else None
        models, mode = self._models, session.mode

        def work(photo, mask_now, checkpoint):
            if session.base is None:  # the session's first run: the mask now is the mask before it
                session.base = mask_now
            if model is not None:
                found = models.get(model).select(photo, hints.box, checkpoint=checkpoint)
            else:
                from editor.imaging.selection import select_object

                found = select_object(photo, hints, checkpoint=checkpoint)
            return combine(session.base, found, mode)

        self.runner.run(_label("Object Selection", mode), work)

    def _applied(self, label: str) -> None:
        mask = self.host.mask_layer()
        if self._session is not None and label.startswith("Object Selection") and mask is not None:
            self._session.serial = mask.undo_serial()


class _ModelCache:
    """The user's segmentation model, loaded once (in a worker) and kept while its path stays."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loaded: tuple[Path, object] | None = None

    def get(self, path: Path):
        from editor.imaging.selection.model import SegmentationModel

        with self._lock:
            if self._loaded is None or self._loaded[0] != path:
                self._loaded = (path, SegmentationModel(path))
            return self._loaded[1]


class RefineEdgeTool(_SelectionTool):
    """Brush along an edge (hair, fur, foliage): inside the brushed band the mask's edge is
    redrawn from the photo; elsewhere nothing changes."""

    name = "refine"
    cursor = Qt.CursorShape.BlankCursor
    shows_brush = True

    def __init__(self, host) -> None:
        super().__init__(host)
        self._points: list[QPointF] = []
        self._width = 1.0

    def press(self, pointer: Pointer) -> None:
        self._points = [pointer.pos]
        self._width = self.host.stroke_brush(1.0)[0].diameter

    def move(self, pointer: Pointer) -> None:
        if self._points and pointer.screen_distance(self._points[-1]) >= 1.5:
            self._points.append(pointer.pos)

    def release(self, pointer: Pointer) -> None:
        if not self._points:
            return
        self.move(pointer)
        points, self._points = [(p.x(), p.y()) for p in self._points], []
        if self.runner is None:
            return
        width = self._width

        def work(photo, base, checkpoint):
            from editor.imaging.selection import refine_edge

            return refine_edge(photo, base, _band(base.shape, points, width), checkpoint=checkpoint)

        self.runner.run("Refine Edge", work)

    def cancel(self) -> bool:
        dragging = bool(self._points)
        self._points = []
        return super().cancel() or dragging

    def busy(self) -> bool:
        return bool(self._points)

    def preview_path(self) -> QPainterPath | None:
        return _stroke_outline(self._points, self._width)


def _band(shape: tuple[int, int], points: list[tuple[float, float]], width: float) -> np.ndarray:
    import cv2

    band = np.zeros(shape, np.uint8)
    line = np.round(np.array(points)).astype(np.int32).reshape(-1, 1, 2)
    thickness = max(1, round(width))
    cv2.polylines(band, [line], False, 1, thickness, lineType=cv2.LINE_8)
    for x, y in line[[0, -1], 0]:
        cv2.circle(band, (int(x), int(y)), max(1, thickness // 2), 1, -1)
    return band.astype(bool)


def _label(name: str, mode: CombineMode) -> str:
    return {"replace": name, "add": f"{name} (add)", "subtract": f"{name} (subtract)"}[mode]


def make_selection_tools(host) -> list[CanvasTool]:
    return [ObjectSelectTool(host), WandTool(host), RefineEdgeTool(host)]
