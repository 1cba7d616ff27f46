"""CompareView: an edit result ("variant") against the original photo, in four ways of looking.

Split (a before/after divider with a handle to drag), side by side (two panes, one shared zoom),
difference (the amplified change) and A/B (two variants toggled in place). Every mode zooms at the
wheel and pans with Space/middle drag like the canvas, and paints only the exposed rect, from a
pyramid level of each photo once zoomed out, magnified as the canvas is (`set_show_pixels`).
"""

from __future__ import annotations

import asyncio
import logging

import cv2
from PySide6.QtCore import QPoint, QPointF, QRect, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QImage, QPainter
from PySide6.QtWidgets import QWidget

from editor.ui.canvas.render import PhotoLayer, background, sample_pad, smooth_at
from editor.ui.canvas.transform import ViewTransform, next_zoom_step
from editor.ui.compare.difference import difference_image
from editor.ui.compare.divider import paint_divider, swept_rect
from editor.ui.compare.input_events import CompareInput

log = logging.getLogger(__name__)

MODES = ("split", "side_by_side", "difference", "ab")
PANE_GAP_PX = 2
_DIMMED = 0.35
# Behind images with transparency, as on the canvas.
_CHECKER = QBrush(QColor(200, 200, 200), Qt.BrushStyle.Dense4Pattern)
_LABEL_FILL = QColor(0, 0, 0, 160)


def _cancel(tasks: set[asyncio.Task]) -> None:
    for task in tasks:
        task.cancel()
    tasks.clear()


class CompareView(CompareInput, QWidget):
    """Shows a variant against the original photo in split, side-by-side, difference or A/B mode.

    All images share one size and one ViewTransform (in side by side, applied to each pane from
    its own top-left), so switching modes keeps what the user zoomed into. The difference image is
    computed on a worker thread when `loop` is given, otherwise at once; keys: T toggles A/B,
    ←/→ ask for the previous/next variant, Esc asks to close.
    """

    mode_changed = Signal(str)
    split_changed = Signal(float)
    ab_changed = Signal(str)  # "a" or "b"
    transform_changed = Signal(object)  # ViewTransform
    close_requested = Signal()
    step_requested = Signal(int)  # -1 previous variant, +1 next

    def __init__(self, *, loop: asyncio.AbstractEventLoop | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setMouseTracking(True)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._loop = loop
        self._images: tuple[QImage, QImage, QImage | None] | None = None
        self._labels = ("Original", "A", "B")
        self._layers: dict[int, PhotoLayer] = {}  # one per distinct image, by cacheKey
        self._difference = PhotoLayer()
        # The owned difference job (at most one), in a set the `destroyed` hook can hold without self.
        self._difference_jobs: set[asyncio.Task] = set()
        jobs = self._difference_jobs
        self.destroyed.connect(lambda *_: _cancel(jobs))
        self._mode, self._split, self._showing = "split", 0.5, "a"
        self._transform = ViewTransform()
        self._fitted = True  # refits on resize until the user zooms or pans
        self._space_held, self._dragging_divider, self._levels_scheduled = False, False, False
        self._divider_grab = 0.0  # while dragging: the pointer's distance from the divider at the press
        self._divider_hot = False  # the pointer is over the handle (drawn in the accent)
        self._show_pixels = False
        self._pan_from: QPointF | None = None
        self._wheel_rest = 0.0  # angle not yet worth a zoom step

    # --- content ---------------------------------------------------------------------------

    def set_images(self, original: QImage, a: QImage, b: QImage | None = None, *,
                   labels: tuple[str, str, str] = ("Original", "A", "B")) -> None:
        """Compare `a` (and, in A/B mode, `b`) with `original`; all share one size or ValueError.

        The transform is kept when the size is unchanged (stepping through variants), else fitted.
        """
        for name, image in (("A", a), ("B", b)):
            if image is not None and image.size() != original.size():
                raise ValueError(f"variant {name} is {image.width()}×{image.height()}, the original "
                                 f"{original.width()}×{original.height()}: compared images share a size")
        same_size = self._images is not None and self._images[0].size() == original.size()
        self._images, self._labels = (original, a, b), labels
        # Layers of images still shown are kept, with their pyramids: stepping variants is cheap.
        old, self._layers = self._layers, {}
        for image in (original, a, b):
            if image is not None and image.cacheKey() not in self._layers:
                layer = self._layers[image.cacheKey()] = old.get(image.cacheKey(), PhotoLayer())
                if layer.photo() is None:
                    layer.set_photo(image)
        _cancel(self._difference_jobs)
        self._difference.set_photo(None)
        if b is None and self._showing == "b":
            self._set_showing("a")
        self._start_difference()
        if same_size:
            self.update()
        else:
            self.fit_to_view()

    def difference(self) -> QImage | None:
        """The difference image once computed (in difference mode), else None."""
        return self._difference.photo()

    def _layer(self, image: QImage) -> PhotoLayer:
        return self._layers[image.cacheKey()]

    def _image_size(self) -> tuple[int, int]:
        return (self._images[0].width(), self._images[0].height()) if self._images else (0, 0)

    # --- modes -----------------------------------------------------------------------------

    def mode(self) -> str:
        return self._mode

    def set_mode(self, mode: str) -> None:
        if mode not in MODES:
            raise ValueError(f"unknown compare mode {mode!r}; expected one of {MODES}")
        if mode == self._mode:
            return
        fitted, self._mode = self._fitted, mode
        # Side by side halves the room: a fitted view refits, a zoomed one keeps its transform.
        if fitted:
            self.fit_to_view()
        else:
            self._apply_transform(self._constrain(self._transform), fitted=False)
        self._start_difference()
        self._show_divider_hover(None)
        self.update()
        self.mode_changed.emit(mode)

    def split(self) -> float:
        return self._split

    def set_split(self, fraction: float) -> None:
        fraction = min(1.0, max(0.0, float(fraction)))
        if fraction == self._split:
            return
        old_x, self._split = self._divider_x(), fraction
        if self._mode == "split":
            # Only the strip the divider swept changes (labels sit inside it when it crosses them).
            self.update(swept_rect(old_x, self._divider_x(), self.height()))
        self.split_changed.emit(fraction)

    def _set_divider_hot(self, hot: bool) -> None:
        if hot != self._divider_hot:
            self._divider_hot = hot
            if self._mode == "split":
                x = self._divider_x()
                self.update(swept_rect(x, x, self.height()))

    def set_show_pixels(self, show: bool) -> None:
        """Above 100 %: hard-edged pixels (True) or smooth magnification (False), as on the canvas."""
        if bool(show) != self._show_pixels:
            self._show_pixels = bool(show)
            self.update()

    def show_pixels(self) -> bool:
        return self._show_pixels

    def toggle_ab(self) -> None:
        if self._images is not None and self._images[2] is not None:
            self._set_showing("b" if self._showing == "a" else "a")

    def showing(self) -> str:
        return self._showing  # "a" or "b"

    def _set_showing(self, which: str) -> None:
        if which != self._showing:
            self._showing = which
            self.update()
            self.ab_changed.emit(which)

    def _divider_x(self) -> int:
        return round(self._split * self.width())

    # --- difference job --------------------------------------------------------------------

    def _start_difference(self) -> None:
        """Compute the difference when it is shown and neither known nor being computed."""
        busy = any(not job.done() for job in self._difference_jobs)
        if self._mode != "difference" or self._images is None or self.difference() is not None or busy:
            return
        original, a, _ = self._images
        if self._loop is None:
            self._difference.set_photo(difference_image(original, a))
            self.update()
            return
        job = self._loop.create_task(self._compute_difference(original, a))
        self._difference_jobs.add(job)
        job.add_done_callback(self._difference_jobs.discard)

    async def _compute_difference(self, original: QImage, variant: QImage) -> None:
        try:
            image = await asyncio.to_thread(difference_image, original, variant)
        except (ValueError, MemoryError, cv2.error) as error:
            log.error("compare: the difference could not be computed: %s", error)
            return
        self._difference.set_photo(image)
        self.update()

    # --- zoom and pan ----------------------------------------------------------------------

    def transform(self) -> ViewTransform:
        return self._transform

    def fitted(self) -> bool:
        """True until the user zooms or pans: the view refits the images on resize."""
        return self._fitted

    def set_transform(self, t: ViewTransform) -> None:
        self._apply_transform(t, fitted=False)

    def fit_to_view(self) -> None:
        pane = self._panes()[0]
        fitted = ViewTransform.fit(*self._image_size(), pane.width(), pane.height())
        self._apply_transform(fitted, fitted=True)

    def _panes(self) -> list[QRect]:
        """Widget rects the transform applies in, each from its own top-left."""
        if self._mode != "side_by_side":
            return [self.rect()]
        left = max(1, (self.width() - PANE_GAP_PX) // 2)
        right = max(1, self.width() - PANE_GAP_PX - left)
        return [QRect(0, 0, left, self.height()), QRect(left + PANE_GAP_PX, 0, right, self.height())]

    def _pane_point(self, pos: QPointF) -> QPointF:
        """A widget point relative to the origin of the pane it is in."""
        pane = next((p for p in reversed(self._panes()) if pos.x() >= p.left()), self._panes()[0])
        return pos - QPointF(pane.topLeft())

    def _constrain(self, t: ViewTransform) -> ViewTransform:
        pane = self._panes()[0]
        return t.constrained(pane.width(), pane.height(), *self._image_size())

    def _apply_transform(self, t: ViewTransform, *, fitted: bool) -> None:
        self._fitted = fitted
        if t == self._transform:
            return
        self._transform = t
        self.update()
        self.transform_changed.emit(t)

    def _zoom_steps(self, steps: int, anchor: QPointF) -> None:
        scale = self._transform.scale
        for _ in range(abs(steps)):
            scale = next_zoom_step(scale, steps)
        self._apply_transform(self._constrain(self._transform.zoomed(scale, anchor)), fitted=False)

    # --- painting --------------------------------------------------------------------------

    def paintEvent(self, event) -> None:
        exposed = event.region().boundingRect()
        painter = QPainter(self)
        if self._images is None:
            painter.fillRect(exposed, background())
        else:
            self._paint_mode(painter, exposed)
        painter.end()
        self._schedule_levels()

    def _paint_mode(self, painter: QPainter, exposed: QRect) -> None:
        original, a, b = self._images
        labels, whole = self._labels, self.rect()
        if self._mode == "split":
            x = self._divider_x()
            before, after = QRect(0, 0, x, self.height()), QRect(x, 0, self.width() - x, self.height())
            self._paint_image(painter, self._layer(a), whole, exposed.intersected(after))
            self._paint_image(painter, self._layer(original), whole, exposed.intersected(before))
            self._paint_label(painter, labels[0], before, right=False)
            self._paint_label(painter, labels[1], after, right=True)
            hot = self._divider_hot or self._dragging_divider
            paint_divider(painter, x, self.height(), hot=hot)
        elif self._mode == "side_by_side":
            gap = QRect(self._panes()[0].right() + 1, 0, PANE_GAP_PX, self.height())
            painter.fillRect(gap, background().darker(150))
            for pane, image, label in zip(self._panes(), (original, a), labels, strict=False):
                self._paint_image(painter, self._layer(image), pane, exposed)
                self._paint_label(painter, label, pane, right=False)
        elif self._mode == "difference":
            self._paint_difference(painter, exposed, labels)
        else:
            shown, label = (b, f"B: {labels[2]}") if self._showing == "b" else (a, f"A: {labels[1]}")
            self._paint_image(painter, self._layer(shown), whole, exposed)
            self._paint_label(painter, label, whole, right=False)

    def _paint_difference(self, painter: QPainter, exposed: QRect, labels: tuple[str, str, str]) -> None:
        whole = self.rect()
        if self.difference() is not None:
            self._paint_image(painter, self._difference, whole, exposed)
            self._paint_label(painter, f"Difference: {labels[0]} ↔ {labels[1]}", whole, right=False)
            return
        self._paint_image(painter, self._layer(self._images[0]), whole, exposed, opacity=_DIMMED)
        painter.setPen(QColor(255, 255, 255))
        painter.drawText(whole, Qt.AlignmentFlag.AlignCenter, "Computing the difference…")

    def _paint_image(self, painter: QPainter, layer: PhotoLayer, pane: QRect, exposed: QRect,
                     opacity: float = 1.0) -> None:
        """The image pixels behind `exposed`, with the shared transform applied from the pane's origin."""
        area, photo = exposed.intersected(pane), layer.photo()
        if area.isEmpty() or photo is None:
            return
        painter.save()
        painter.setClipRect(area)
        painter.translate(pane.topLeft())
        local, t = area.translated(-pane.topLeft()), self._transform
        painter.fillRect(local, background())
        smooth = smooth_at(t.scale, self._show_pixels)
        # With the neighbours of the edge pixels when smoothing: the clip keeps the drawing to `area`.
        src = t.image_rect_of(local, photo.width(), photo.height(), sample_pad(smooth))
        if not src.isEmpty():
            target = t.rect_to_widget(QRectF(src))
            if photo.hasAlphaChannel():
                painter.fillRect(target, _CHECKER)
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, smooth)
            painter.setOpacity(opacity)
            layer.paint(painter, src, target, t.scale)
        painter.restore()

    def _paint_label(self, painter: QPainter, text: str, side: QRect, *, right: bool) -> None:
        """A small rounded box at the top corner of `side`, clipped to it."""
        painter.save()
        painter.setClipRect(side)
        font = QFont(painter.font())
        font.setPointSizeF(max(7.0, font.pointSizeF() * 0.9))
        painter.setFont(font)
        box = painter.fontMetrics().boundingRect(text).adjusted(-6, -3, 6, 3)
        x = side.right() - 8 - box.width() if right else side.left() + 8
        box.moveTopLeft(QPoint(x, side.top() + 8))
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(_LABEL_FILL)
        painter.drawRoundedRect(box, 4, 4)
        painter.setPen(QColor(255, 255, 255))
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)
        painter.restore()

    def _schedule_levels(self) -> None:
        layers = (*self._layers.values(), self._difference)
        if not self._levels_scheduled and any(layer.wants_levels() for layer in layers):
            # After the first frame, as on the canvas: the images show first, the pyramids follow.
            self._levels_scheduled = True
            QTimer.singleShot(0, self._build_levels)

    def _build_levels(self) -> None:
        self._levels_scheduled = False
        for layer in (*self._layers.values(), self._difference):
            layer.build_levels()
        self.update()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self._fitted:
            self.fit_to_view()
        else:
            self._apply_transform(self._constrain(self._transform), fitted=False)
