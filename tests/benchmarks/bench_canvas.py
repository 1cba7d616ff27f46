"""Canvas benchmarks: a brush stroke on an 8192² photo, and opening a 64 MP PNG to its first frame.

Floors are measured in the same run. The brush's: the same dabs drawn with bare QPainter into an
Alpha8 image, then the widget rect they dirtied redrawn into a screen image (the photo's pixels
blitted, the mask drawn over them), as the canvas figure includes its repaint and as brush_fit's
floor does at fit; the dabs alone are reported beside it. The open figure's: Pillow's bare decode
of the same PNG. Runs alternate with their floor to share the noise, and
the garbage collector is paused while either side of the brush figure is timed (it runs between).
The brush floor is a fraction of a millisecond, so a little noise moves it a lot: both sides are
warmed by an uncounted run first and take the same scroll pattern, and each side's figure is the
p95 over the segments of each segment's best time across the runs (`steady_p95`): a segment
that is slow every time stays slow, a segment that a busy machine preempted once does not count.
The spread of each side's plain p95 across runs is printed beside the figure.
"""

from __future__ import annotations

import gc
import itertools
import math
import os
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

import numpy as np
from PIL import Image
from PySide6.QtCore import QEvent, QObject, QPoint, QPointF, QRect, QRectF
from PySide6.QtGui import QImage, QPainter
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from editor.core.mask_layer import BrushDab, MaskLayer, render_stamp
from editor.core.photo import qimage_from_pil
from editor.ui.canvas import CanvasView
from tests.benchmarks.harness import Figure, gui_app, median, percentile

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # read when the QApplication is created

SIDE = 8192
VIEW_W, VIEW_H = 1600, 1000
SEGMENTS = 200
BRUSH = BrushDab(diameter=120, hardness=0.5, opacity=1.0, spacing=0.15)
RUNS = 5
BRUSH_RUNS = 9  # the brush figure's floor is tiny: more runs steady the median of the p95s


class PaintCounter(QObject):
    """Counts the paint events a widget receives: proof that a repaint really ran paintEvent."""

    def __init__(self, widget) -> None:
        super().__init__()
        self.count = 0
        widget.installEventFilter(self)

    def eventFilter(self, watched, event) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.count += 1
        return False


def _app() -> QApplication:
    return gui_app()


def _photo_pixels(side: int) -> np.ndarray:
    """A photo-like (h, w, 3) image: smooth gradients plus noise, so PNG cannot squeeze it flat."""
    rng = np.random.default_rng(7)
    y = np.linspace(0, 1, side, dtype=np.float32)[:, None]
    x = np.linspace(0, 1, side, dtype=np.float32)[None, :]
    rgb = np.empty((side, side, 3), np.uint8)
    rgb[..., 0] = (230 * x * (1 - 0.5 * y)).astype(np.uint8)
    rgb[..., 1] = (230 * y).astype(np.uint8)
    rgb[..., 2] = (128 + 100 * np.sin(x * 20 + y * 7)).astype(np.uint8)
    rgb += rng.integers(0, 24, rgb.shape, dtype=np.uint8)
    return rgb


def _stroke_points() -> list[QPointF]:
    """A wave across the photo: 200 segments of ~45 px."""
    points = []
    for i in range(SEGMENTS + 1):
        x = 96 + (SIDE - 192) * i / SEGMENTS
        points.append(QPointF(x, SIDE / 2 + 900 * math.sin(2 * math.pi * x / SIDE)))
    return points


def _dab_positions(points: list[QPointF], brush: BrushDab) -> list[list[tuple[float, float]]]:
    """The dab centres MaskLayer.stamp_segment places on each segment (even spacing, carried over)."""
    step = max(1.0, brush.spacing * brush.diameter)
    since_last, per_segment = 0.0, []
    for p0, p1 in itertools.pairwise(points):
        dx, dy = p1.x() - p0.x(), p1.y() - p0.y()
        length = math.hypot(dx, dy)
        at, last, dabs = max(step - since_last, 0.0), None, []
        while at <= length:
            f = at / length if length else 1.0
            dabs.append((p0.x() + dx * f, p0.y() + dy * f))
            last, at = at, at + step
        since_last = since_last + length if last is None else length - last
        per_segment.append(dabs)
    return per_segment


def _follow(view: CanvasView, point: QPointF) -> bool:
    """Scroll the view to keep the stroke in sight (untimed). True when it scrolled."""
    at = view.image_to_widget(point)
    if 150 <= at.x() <= VIEW_W - 150 and 150 <= at.y() <= VIEW_H - 150:
        return False
    view.center_on(point)
    # As in the app: the scroll moves what is on screen and only the exposed strips repaint.
    QApplication.processEvents()
    return True


def _canvas_stroke_run(view: CanvasView, photo: QImage, points: list[QPointF]
                       ) -> tuple[list[float], list[int]]:
    """Per-segment seconds for stamp_segment + the synchronous repaint of its dirty widget rect,
    and the segments before which the view scrolled."""
    mask = MaskLayer(SIDE, SIDE)
    view.set_content(photo, mask)
    view.actual_pixels()
    counter = PaintCounter(view)
    mask.begin_stroke("bench", erase=False)
    mask.stamp_dab(points[0], BRUSH)
    times, scrolled = [], []
    collecting = gc.isenabled()  # off already where the GUI thread collects (harness.gui_app)
    gc.collect()
    gc.disable()
    for index, (p0, p1) in enumerate(itertools.pairwise(points)):
        if _follow(view, p1):  # scrolling along with the stroke is not part of the timing
            scrolled.append(index)
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
    return times, scrolled


def _widget_rect(view: CanvasView, image_rect: QRect) -> QRect:
    top_left = view.image_to_widget(QPointF(image_rect.topLeft()))
    bottom_right = view.image_to_widget(QPointF(image_rect.x() + image_rect.width(),
                                                image_rect.y() + image_rect.height()))
    return QRectF(top_left, bottom_right).toAlignedRect().adjusted(-2, -2, 2, 2)


class BareRun(NamedTuple):
    times: list[float]  # per segment: the dabs and the redraw of the rect they dirtied
    dab_times: list[float]  # per segment: the dabs alone
    scrolled: list[int]


def _bare_painter_run(stamp: QImage, offset: QPoint, dabs: list[list[tuple[float, float]]],
                      view: CanvasView, points: list[QPointF], photo: QImage, screen: QImage) -> BareRun:
    """The floor: per segment, the same dabs by bare QPainter into an Alpha8 mask, then the widget
    rect they dirtied redrawn into `screen` at 100 % (the photo's pixels blitted, the mask drawn
    over them at half opacity): the least any canvas does to show a brush segment.

    Between segments it does the same untimed work as the canvas run (the view following the
    stroke and repainting whole), so both sides are timed with the caches in the same state: a
    full-view repaint evicts the working set, and only timing one side after it would be unfair.
    """
    target = QImage(SIDE, SIDE, QImage.Format.Format_Alpha8)
    target.fill(0)
    view.fit_to_view()  # the same start as the canvas run: set_content fits, then 100 %
    view.actual_pixels()
    times, dab_times, scrolled = [], [], []
    collecting = gc.isenabled()  # off already where the GUI thread collects (harness.gui_app)
    gc.collect()
    gc.disable()
    for index, (segment, point) in enumerate(zip(dabs, points[1:], strict=True)):
        if _follow(view, point):
            scrolled.append(index)
        origin = view.image_to_widget(QPointF(0, 0)).toPoint()  # where image (0, 0) is on screen
        started = time.perf_counter()
        painter = QPainter(target)
        dirty = QRect()
        for x, y in segment:
            at = QPoint(math.floor(x + 0.5), math.floor(y + 0.5)) + offset
            painter.drawImage(at, stamp)
            dirty = dirty.united(QRect(at, stamp.size()))
        painter.end()
        dabbed = time.perf_counter()
        if not dirty.isEmpty():
            shown = dirty.translated(origin).intersected(screen.rect())
            source = shown.translated(-origin)
            painter = QPainter(screen)
            painter.drawImage(shown.topLeft(), photo, source)
            painter.setOpacity(0.5)
            painter.drawImage(shown.topLeft(), target, source)
            painter.end()
        finished = time.perf_counter()
        times.append(finished - started)
        dab_times.append(dabbed - started)
    if collecting:
        gc.enable()
    return BareRun(times, dab_times, scrolled)


def brush_segment_figure() -> Figure:
    _app()
    rgb = _photo_pixels(SIDE)
    photo = QImage(rgb.data, SIDE, SIDE, SIDE * 3, QImage.Format.Format_RGB888).convertToFormat(
        QImage.Format.Format_RGB32)
    del rgb
    view = CanvasView()
    view.resize(VIEW_W, VIEW_H)
    view.show()
    QTest.qWaitForWindowExposed(view)
    points = _stroke_points()
    dabs = _dab_positions(points, BRUSH)
    rendered = render_stamp(BRUSH.diameter, BRUSH.hardness, 0.0, 0.0)
    pixels = np.ascontiguousarray(rendered.pixels)
    stamp = QImage(pixels.data, pixels.shape[1], pixels.shape[0], pixels.strides[0],
                   QImage.Format.Format_Alpha8).copy()
    screen = QImage(VIEW_W, VIEW_H, QImage.Format.Format_ARGB32_Premultiplied)
    screen.fill(0)
    canvas_p95, floor_p95, canvas_mid, floor_mid = [], [], [], []
    canvas_runs, floor_runs, dab_runs = [], [], []
    _canvas_stroke_run(view, photo, points)  # warm-up of both sides, uncounted
    _bare_painter_run(stamp, QPoint(rendered.dx, rendered.dy), dabs, view, points, photo, screen)
    for _ in range(BRUSH_RUNS):
        canvas_times, canvas_scrolls = _canvas_stroke_run(view, photo, points)
        bare = _bare_painter_run(stamp, QPoint(rendered.dx, rendered.dy), dabs, view, points, photo, screen)
        if canvas_scrolls != bare.scrolled:
            raise RuntimeError("the floor did not follow the stroke as the canvas run did")
        canvas_runs.append(canvas_times)
        floor_runs.append(bare.times)
        dab_runs.append(bare.dab_times)
        canvas_p95.append(percentile(canvas_times, 95) * 1000)
        floor_p95.append(percentile(bare.times, 95) * 1000)
        canvas_mid.append(median(canvas_times) * 1000)
        floor_mid.append(median(bare.times) * 1000)
        gc.collect()
    view.close()
    value, floor, dabs_only = steady_p95(canvas_runs), steady_p95(floor_runs), steady_p95(dab_runs)
    return Figure(
        "brush_segment_p95", value, "ms", floor, "bare QPainter: dabs into Alpha8 + the rect redrawn",
        "ratio <= 1.5", value / floor <= 1.5,
        f"{SEGMENTS} segments, {BRUSH.diameter:.0f} px hardness {BRUSH.hardness}, 8192² at 100 % in "
        f"{VIEW_W}×{VIEW_H}, view following the stroke ({len(canvas_scrolls)} untimed scrolls on both "
        f"sides); {spread_note(canvas_p95, floor_p95)}; median segment canvas {median(canvas_mid):.3f} / "
        f"floor {median(floor_mid):.3f} ms; the floor's dabs alone p95 {dabs_only:.3f} ms "
        f"(canvas ÷ dabs alone {value / dabs_only:.2f})",
    )


def _png_path() -> Path:
    folder = Path(tempfile.gettempdir()) / "maskedit-bench"
    folder.mkdir(exist_ok=True)
    path = folder / f"photo-{SIDE}.png"
    if not path.exists():
        partial = path.with_suffix(".part.png")
        Image.fromarray(_photo_pixels(SIDE)).save(partial, compress_level=1)
        partial.replace(path)
    return path


def _open_to_first_paint(path: Path) -> float:
    """A fresh, shown view (the previous document already freed) from file to its first frame."""
    from editor.imaging.load import load_image

    view = CanvasView()
    view.resize(VIEW_W, VIEW_H)
    view.show()
    QTest.qWaitForWindowExposed(view)
    counter = PaintCounter(view)
    started = time.perf_counter()
    image = load_image(path).image
    photo = qimage_from_pil(image)
    mask = MaskLayer(photo.width(), photo.height())
    view.set_content(photo, mask)
    view.repaint()
    elapsed = time.perf_counter() - started
    view.removeEventFilter(counter)
    if counter.count < 1:
        raise RuntimeError("the first frame was not painted")
    QApplication.sendPostedEvents()  # the pyramid build and queued work run after the timing
    view.close()
    view.deleteLater()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    return elapsed


def _bare_decode(path: Path) -> float:
    started = time.perf_counter()
    with Image.open(path) as image:
        image.load()
    return time.perf_counter() - started


def open_figure() -> Figure:
    _app()
    path = _png_path()
    opened, decoded = [], []
    for _ in range(RUNS):
        decoded.append(_bare_decode(path))
        gc.collect()
        opened.append(_open_to_first_paint(path))
        gc.collect()
    value, floor = median(opened), median(decoded)
    return Figure(
        "open_to_first_paint", value * 1000, "ms", floor * 1000, "Pillow Image.open().load()",
        "ratio <= 1.3", value / floor <= 1.3,
        f"8192² RGB PNG ({path.stat().st_size / 1e6:.0f} MB, compress_level=1): load_image → "
        f"qimage_from_pil → MaskLayer → set_content → repaint; runs {_fmt(opened, 1000)} vs "
        f"{_fmt(decoded, 1000)} ms",
    )


def steady_p95(runs: list[list[float]]) -> float:
    """p95, in ms, over the segments of each segment's best time across the runs."""
    return percentile([min(times) for times in zip(*runs, strict=True)], 95) * 1000


def spread_note(value_p95: list[float], floor_p95: list[float]) -> str:
    """Each side's p95 over the runs, as its range and how far apart its ends are."""
    def spread(values: list[float]) -> str:
        return f"{min(values):.2f}–{max(values):.2f} ms (×{max(values) / min(values):.1f})"
    return (f"plain p95 over {len(value_p95)} runs: canvas {spread(value_p95)}, floor {spread(floor_p95)}; "
            f"ratio per run {'/'.join(f'{v / f:.2f}' for v, f in zip(value_p95, floor_p95, strict=True))}")


def _fmt(values: list[float], scale: float = 1.0) -> str:
    return "/".join(f"{v * scale:.2f}" for v in values)


def measure() -> list[Figure]:
    return [brush_segment_figure(), open_figure()]
