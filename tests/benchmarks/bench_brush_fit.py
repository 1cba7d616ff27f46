"""brush_fit_p95: painting at fit zoom on a 67 MP photo, what users do most.

A stroke across the whole view at fit (10000×6700 in 1600×1000, about 15 %) with a brush 60 px
wide on screen (400 image px): per segment, MaskLayer.stamp_segment and the synchronous repaint of
the widget rect it dirtied (photo from its pyramid, mask overlay, as the app paints).

The floor is the least any canvas does for the same segment at that zoom, by bare QPainter: the
same dabs into an Alpha8 mask, then the same widget rect redrawn from a photo already scaled to
the zoom with that mask drawn scaled over it. Runs alternate with the floor after a warm-up run of
each; each side's figure is the p95 over the segments of each segment's best time across the runs
(bench_canvas.steady_p95), and the spread of each side's plain p95 is reported beside it.
"""

from __future__ import annotations

import gc
import itertools
import math
import time

import numpy as np
from PySide6.QtCore import QPoint, QPointF, QRect, QRectF, Qt
from PySide6.QtGui import QImage, QPainter
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from editor.core.mask_layer import BrushDab, MaskLayer, render_stamp
from editor.ui.canvas import CanvasView
from tests.benchmarks.bench_canvas import PaintCounter, _dab_positions, _widget_rect, spread_note, steady_p95
from tests.benchmarks.harness import Figure, gui_app, percentile

WIDTH, HEIGHT = 10_000, 6_700  # 67 MP
VIEW_W, VIEW_H = 1600, 1000
SEGMENTS = 200
BRUSH = BrushDab(diameter=400, hardness=0.5, opacity=1.0, spacing=0.15)
RUNS = 5
GOAL = 1.5


def _photo() -> QImage:
    """Photo-like RGB32 pixels (gradients and grain), built in bands to keep memory flat."""
    image = QImage(WIDTH, HEIGHT, QImage.Format.Format_RGB32)
    pixels = np.frombuffer(image.bits(), np.uint8).reshape(HEIGHT, image.bytesPerLine())
    rng = np.random.default_rng(11)
    x = np.linspace(0, 1, WIDTH, dtype=np.float32)[None, :]
    for top in range(0, HEIGHT, 500):
        rows = slice(top, min(top + 500, HEIGHT))
        y = np.linspace(top / HEIGHT, rows.stop / HEIGHT, rows.stop - top, dtype=np.float32)[:, None]
        band = pixels[rows, : WIDTH * 4].reshape(-1, WIDTH, 4)
        band[..., 2] = (220 * x * (1 - 0.4 * y)).astype(np.uint8)
        band[..., 1] = np.broadcast_to(220 * y, band.shape[:2]).astype(np.uint8)
        band[..., 0] = (128 + 100 * np.sin(x * 20 + y * 7)).astype(np.uint8)
        band[..., :3] += rng.integers(0, 24, band[..., :3].shape, dtype=np.uint8)
        band[..., 3] = 255
    return image


def _stroke() -> list[QPointF]:
    """A wave across the photo, margin to margin: at fit, every point is in view."""
    points = []
    for i in range(SEGMENTS + 1):
        x = 300 + (WIDTH - 600) * i / SEGMENTS
        points.append(QPointF(x, HEIGHT / 2 + HEIGHT * 0.3 * math.sin(2 * math.pi * x / WIDTH)))
    return points


def _canvas_run(view: CanvasView, photo: QImage, points: list[QPointF]) -> list[float]:
    mask = MaskLayer(WIDTH, HEIGHT)
    view.set_content(photo, mask)  # fits the photo in the view
    for _ in range(3):  # the pyramid is built on a zero timer after set_content, as in the app
        QApplication.processEvents()
    view.repaint()
    counter = PaintCounter(view)
    mask.begin_stroke("bench", erase=False)
    mask.stamp_dab(points[0], BRUSH)
    times = []
    collecting = gc.isenabled()
    gc.collect()
    gc.disable()
    for p0, p1 in itertools.pairwise(points):
        painted = counter.count
        started = time.perf_counter()
        dirty = mask.stamp_segment(p0, p1, BRUSH)
        view.repaint(_widget_rect(view, dirty))
        times.append(time.perf_counter() - started)
        if counter.count != painted + 1:
            raise RuntimeError(f"repaint() ran paintEvent {counter.count - painted} times, not once")
    if collecting:
        gc.enable()
    mask.end_stroke()
    view.removeEventFilter(counter)
    return times


class FloorCanvas:
    """The bare minimum at this zoom: a mask, a photo scaled to the zoom once, a screen image."""

    def __init__(self, photo: QImage, view: CanvasView, points: list[QPointF]) -> None:
        self.scale = view.image_to_widget(QPointF(1, 0)).x() - view.image_to_widget(QPointF(0, 0)).x()
        self.origin = view.image_to_widget(QPointF(0, 0))
        self.scaled = photo.scaled(round(WIDTH * self.scale), round(HEIGHT * self.scale),
                                   Qt.AspectRatioMode.IgnoreAspectRatio,
                                   Qt.TransformationMode.SmoothTransformation)
        self.screen = QImage(VIEW_W, VIEW_H, QImage.Format.Format_ARGB32_Premultiplied)
        self.rendered = render_stamp(BRUSH.diameter, BRUSH.hardness, 0.0, 0.0)
        pixels = np.ascontiguousarray(self.rendered.pixels)
        self.stamp = QImage(pixels.data, pixels.shape[1], pixels.shape[0], pixels.strides[0],
                            QImage.Format.Format_Alpha8).copy()
        self.dabs = _dab_positions(points, BRUSH)

    def run(self) -> list[float]:
        mask = QImage(WIDTH, HEIGHT, QImage.Format.Format_Alpha8)
        mask.fill(0)
        offset = QPoint(self.rendered.dx, self.rendered.dy)
        times = []
        collecting = gc.isenabled()
        gc.collect()
        gc.disable()
        for segment in self.dabs:
            started = time.perf_counter()
            painter = QPainter(mask)
            dirty = QRect()
            for x, y in segment:
                at = QPoint(math.floor(x + 0.5), math.floor(y + 0.5)) + offset
                painter.drawImage(at, self.stamp)
                dirty = dirty.united(QRect(at, self.stamp.size()))
            painter.end()
            if not dirty.isEmpty():
                self._redraw(mask, dirty.adjusted(-1, -1, 1, 1))
            times.append(time.perf_counter() - started)
        if collecting:
            gc.enable()
        return times

    def _redraw(self, mask: QImage, dirty: QRect) -> None:
        target = QRectF(self.origin.x() + dirty.x() * self.scale, self.origin.y() + dirty.y() * self.scale,
                        dirty.width() * self.scale, dirty.height() * self.scale).toAlignedRect()
        painter = QPainter(self.screen)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.drawImage(target, self.scaled, target.translated(-self.origin.toPoint()))
        painter.setOpacity(0.5)
        painter.drawImage(QRectF(target), mask, QRectF(dirty))
        painter.end()


def measure() -> list[Figure]:
    gui_app()
    photo = _photo()
    view = CanvasView()
    view.resize(VIEW_W, VIEW_H)
    view.show()
    QTest.qWaitForWindowExposed(view)
    points = _stroke()
    view.set_content(photo, MaskLayer(WIDTH, HEIGHT))
    floor_canvas = FloorCanvas(photo, view, points)
    _canvas_run(view, photo, points)  # warm-up of both sides, uncounted
    floor_canvas.run()
    canvas_runs, floor_runs = [], []
    for _ in range(RUNS):
        canvas_runs.append(_canvas_run(view, photo, points))
        floor_runs.append(floor_canvas.run())
        gc.collect()
    view.close()
    value, floor = steady_p95(canvas_runs), steady_p95(floor_runs)
    canvas_p95 = [percentile(times, 95) * 1000 for times in canvas_runs]
    floor_p95 = [percentile(times, 95) * 1000 for times in floor_runs]
    return [Figure(
        "brush_fit_p95", value, "ms", floor, "bare QPainter: dabs into Alpha8 + the rect redrawn at the zoom",
        f"ratio <= {GOAL:g}", value / floor <= GOAL,
        f"{SEGMENTS} segments across {WIDTH}×{HEIGHT} at fit ({floor_canvas.scale * 100:.1f} %) in "
        f"{VIEW_W}×{VIEW_H}, {BRUSH.diameter:.0f} px brush; {spread_note(canvas_p95, floor_p95)}",
    )]
