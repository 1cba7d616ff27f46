"""MaskLayer without widgets: dabs, spacing, edges, shapes, regions, whole-mask ops, undo, signals."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PySide6.QtCore import QPointF, QRect, QRectF
from PySide6.QtGui import QPainterPath, QPolygonF

from editor.core.mask_layer import BrushDab, MaskLayer, render_stamp


@pytest.fixture(autouse=True)
def _qt(qapp):
    """QPainter on QImage wants a QGuiApplication; pytest-qt's qapp provides one."""


class Recorder:
    """Collects a MaskLayer's signals."""

    def __init__(self, layer: MaskLayer) -> None:
        self.rects: list[QRect] = []
        self.history = 0
        layer.changed.connect(self.rects.append)
        layer.undo_changed.connect(self._on_history)

    def _on_history(self) -> None:
        self.history += 1


def _stroke(layer: MaskLayer, points, brush: BrushDab, *, erase: bool = False, label: str = "Brush") -> None:
    points = [QPointF(*p) for p in points]
    layer.begin_stroke(label, erase=erase)
    layer.stamp_dab(points[0], brush)
    for p0, p1 in itertools.pairwise(points):
        layer.stamp_segment(p0, p1, brush)
    layer.end_stroke()


def _rect_path(x: float, y: float, w: float, h: float) -> QPainterPath:
    path = QPainterPath()
    path.addRect(QRectF(x, y, w, h))
    return path


def _changed_box(before: np.ndarray, after: np.ndarray) -> QRect:
    rows, cols = np.flatnonzero((before != after).any(axis=1)), np.flatnonzero((before != after).any(axis=0))
    return QRect(int(cols[0]), int(rows[0]), int(cols[-1] - cols[0] + 1), int(rows[-1] - rows[0] + 1))


# --- dabs ----------------------------------------------------------------------------------


def test_dab_is_full_at_the_centre_and_zero_outside_the_rim():
    layer = MaskLayer(200, 200)
    layer.begin_stroke("Brush", erase=False)
    layer.stamp_dab(QPointF(100.5, 100.5), BrushDab(diameter=40, hardness=0.5))
    pixels = layer.array()
    assert pixels[100, 100] == 255
    assert pixels[100, 100 + 22] == 0 and pixels[100 - 22, 100] == 0
    assert pixels[100, 118] > 0  # inside the rim


def test_falloff_follows_hardness():
    hard, soft = render_stamp(60, 1.0, 0.5, 0.5), render_stamp(60, 0.0, 0.5, 0.5)

    def profile(stamp):  # values from the centre outwards along the middle row
        row = stamp.pixels[-stamp.dy]
        return row[-stamp.dx:].astype(int)

    hard_row, soft_row = profile(hard), profile(soft)
    assert hard_row[0] == soft_row[0] == 255
    assert np.all(np.diff(soft_row) <= 0) and np.all(np.diff(hard_row) <= 0)
    assert hard_row[25] == 255  # a hard brush is flat up to its rim
    assert 100 < soft_row[15] < 160  # a soft one is about half way down at half the radius
    assert np.all(hard_row[:30] >= soft_row[:30])


def test_subpixel_position_moves_the_dab():
    layer = MaskLayer(100, 100)
    brush = BrushDab(diameter=6, hardness=1.0)
    layer.begin_stroke("Brush", erase=False)
    layer.stamp_dab(QPointF(50.0, 50.5), brush)
    left = layer.array().copy()
    layer.end_stroke()
    layer.undo()
    layer.begin_stroke("Brush", erase=False)
    layer.stamp_dab(QPointF(50.25, 50.5), brush)
    right = layer.array()

    def centroid(pixels):  # of row 50, in image coordinates (pixel centres at +0.5)
        row = pixels[50].astype(float)
        return float((row * (np.arange(100) + 0.5)).sum() / row.sum())

    assert centroid(left) == pytest.approx(50.0, abs=0.02)
    assert centroid(right) == pytest.approx(50.25, abs=0.05)


def test_opacity_caps_a_stroke_and_repeated_strokes():
    layer = MaskLayer(300, 100)
    brush = BrushDab(diameter=30, hardness=0.3, opacity=0.5, spacing=0.05)  # heavily overlapping dabs
    for _ in range(3):
        _stroke(layer, [(20, 50), (280, 50), (20, 52)], brush)
    assert layer.array().max() == round(0.5 * 255)


def test_pressure_scales_opacity_only():
    layer = MaskLayer(100, 100)
    layer.begin_stroke("Brush", erase=False)
    rect = layer.stamp_dab(QPointF(50.5, 50.5), BrushDab(diameter=20, hardness=1.0), pressure=0.5)
    assert layer.array()[50, 50] == 128
    full = MaskLayer(100, 100)
    full.begin_stroke("Brush", erase=False)
    assert full.stamp_dab(QPointF(50.5, 50.5), BrushDab(diameter=20, hardness=1.0)) == rect


def test_erase_lowers_and_honours_opacity():
    layer = MaskLayer(100, 100)
    layer.fill_region(np.ones((100, 100), bool), (0, 0), erase=False, label="Fill")
    layer.begin_stroke("Eraser", erase=True)
    layer.stamp_dab(QPointF(30.5, 50.5), BrushDab(diameter=20, hardness=1.0))
    layer.stamp_dab(QPointF(70.5, 50.5), BrushDab(diameter=20, hardness=1.0, opacity=0.5))
    layer.end_stroke()
    pixels = layer.array()
    assert pixels[50, 30] == 0
    assert pixels[50, 70] == 255 - 128
    assert pixels[5, 5] == 255
    assert int(pixels.max()) == 255 and np.all(pixels <= 255)


# --- spacing -------------------------------------------------------------------------------


def test_fast_segment_leaves_no_gaps():
    layer = MaskLayer(1200, 40)
    brush = BrushDab(diameter=6, hardness=0.8, spacing=0.5)
    layer.begin_stroke("Brush", erase=False)
    layer.stamp_dab(QPointF(10.5, 20.5), brush)
    layer.stamp_segment(QPointF(10.5, 20.5), QPointF(1190.5, 20.5), brush)
    assert np.all(layer.array()[20, 10:1191] == 255)


def test_slow_drag_does_not_pile_dabs(monkeypatch):
    layer = MaskLayer(200, 40)
    brush = BrushDab(diameter=10, spacing=0.2)  # a dab every 2 px
    calls = []
    real = layer._dab
    monkeypatch.setattr(layer, "_dab", lambda *a: calls.append(a[0]) or real(*a))
    layer.begin_stroke("Brush", erase=False)
    for i in range(200):  # 200 moves of 0.25 px = 50 px
        layer.stamp_segment(QPointF(20 + i * 0.25, 20), QPointF(20 + (i + 1) * 0.25, 20), brush)
    assert len(calls) == 25
    assert np.allclose(np.diff(calls), 2.0)


def test_spacing_remainder_carries_across_segments():
    brush = BrushDab(diameter=60, hardness=0.5, spacing=0.15)  # a dab every 9 px
    whole, pieces = MaskLayer(400, 100), MaskLayer(400, 100)
    _stroke(whole, [(10, 50), (310, 50)], brush)
    _stroke(pieces, [(10, 50), (47, 50), (51, 50), (200, 50), (310, 50)], brush)
    assert np.array_equal(whole.array(), pieces.array())


# --- edges and dirty rects -----------------------------------------------------------------


def test_stroke_leaving_and_reentering_the_image_paints_both_parts():
    layer = MaskLayer(200, 200)
    brush = BrushDab(diameter=20, hardness=1.0)
    _stroke(layer, [(50, 50), (-300, 50), (-300, 150), (50, 150)], brush)
    pixels = layer.array()
    assert pixels[50, 5] == 255 and pixels[150, 5] == 255
    assert pixels[100, 5] == 0
    layer.begin_stroke("Brush", erase=False)
    assert layer.stamp_segment(QPointF(-500, -500), QPointF(-100, -400), brush) == QRect()


def test_dirty_rects_are_clipped_and_cover_every_changed_pixel():
    layer = MaskLayer(150, 120)
    spy = Recorder(layer)
    brush = BrushDab(diameter=50, hardness=0.5)
    layer.begin_stroke("Brush", erase=False)
    before = layer.array().copy()
    rect = layer.stamp_segment(QPointF(140, 5), QPointF(149, 115), brush)
    assert spy.rects == [rect]
    assert QRect(0, 0, 150, 120).contains(rect)
    assert rect.contains(_changed_box(before, layer.array()))
    before = layer.array().copy()
    corner = layer.stamp_dab(QPointF(-3, -3), brush)
    assert corner.topLeft() == QRect(0, 0, 1, 1).topLeft()
    assert corner.contains(_changed_box(before, layer.array()))


# --- shapes and regions --------------------------------------------------------------------


def test_fill_path_rect_is_exact():
    layer = MaskLayer(300, 200)
    rect = layer.fill_path(_rect_path(10, 20, 100, 50), erase=False, label="Rectangle")
    assert rect == QRect(10, 20, 100, 50)
    assert int(layer.array().sum()) == 100 * 50 * 255


def test_fill_path_ellipse_and_polygon_areas():
    layer = MaskLayer(400, 400)
    ellipse = QPainterPath()
    ellipse.addEllipse(QRectF(50, 60, 200, 100))
    layer.fill_path(ellipse, erase=False, label="Ellipse")
    area = layer.array().sum() / 255
    assert area == pytest.approx(math.pi * 100 * 50, rel=0.01)
    layer.clear()
    triangle = QPainterPath()
    triangle.addPolygon(QPolygonF([QPointF(10, 10), QPointF(310, 10), QPointF(10, 210)]))
    triangle.closeSubpath()
    layer.fill_path(triangle, erase=False, label="Polygon")
    assert layer.array().sum() / 255 == pytest.approx(300 * 200 / 2, rel=0.01)


def test_fill_path_erase_and_outside():
    layer = MaskLayer(100, 100)
    layer.invert()
    layer.fill_path(_rect_path(-50, -50, 100, 100), erase=True, label="Rectangle")
    assert layer.array()[:50, :50].max() == 0 and layer.array()[50:, :].min() == 255
    assert layer.fill_path(_rect_path(200, 200, 10, 10), erase=False, label="Rectangle") == QRect()


def test_fill_region_places_clips_and_erases():
    layer = MaskLayer(100, 80)
    region = np.zeros((30, 40), bool)
    region[5:25, 10:30] = True
    assert layer.fill_region(region, (-15, 70), erase=False, label="Fill") == QRect(0, 75, 15, 5)
    assert int(layer.array().sum()) == 15 * 5 * 255
    layer.fill_region(region.astype(np.uint8) * 7, (50, 10), erase=False, label="Fill")
    assert layer.array()[15:35, 60:80].min() == 255
    layer.fill_region(np.ones((5, 5), np.uint8), (62, 17), erase=True, label="Fill")
    assert layer.array()[17:22, 62:67].max() == 0
    assert layer.coverage_percent() == pytest.approx(100 * (75 + 400 - 25) / 8000)


# --- whole-mask operations -----------------------------------------------------------------


def test_replace_stores_only_the_tiles_that_differ():
    layer = MaskLayer(1024, 1024)
    spy = Recorder(layer)
    coverage = np.zeros((1024, 1024), np.uint8)
    coverage[600:700, 300:400] = np.arange(100, dtype=np.uint8)  # inside tile (1, 2)
    layer.replace(coverage, "Import")
    assert spy.rects == [QRect(256, 512, 256, 256)]
    assert layer.undo_memory_bytes() < 2048
    assert np.array_equal(layer.array(), coverage)
    with pytest.raises(ValueError):
        layer.replace(np.zeros((10, 10), np.uint8), "Import")
    with pytest.raises(ValueError):
        layer.replace(coverage.astype(float), "Import")


def test_invert_and_clear():
    layer = MaskLayer(300, 300)
    layer.invert()
    assert layer.array().min() == 255 and layer.coverage_percent() == 100.0
    assert layer.undo_label() == "Invert mask"
    layer.clear()
    assert layer.is_empty() and layer.undo_label() == "Clear mask"
    spy = Recorder(layer)
    layer.clear()
    assert spy.rects == [] and spy.history == 0


def test_statistics():
    layer = MaskLayer(1000, 600)
    assert layer.is_empty() and layer.bounding_rect().isEmpty() and layer.coverage_percent() == 0.0
    layer.fill_path(_rect_path(300, 100, 400, 50), erase=False, label="Rectangle")
    layer.fill_region(np.ones((1, 1), bool), (999, 599), erase=False, label="Fill")
    assert layer.bounding_rect() == QRect(300, 100, 700, 500)
    assert layer.coverage_percent() == pytest.approx(100 * (20000 + 1) / 600000)
    layer.undo()
    assert layer.bounding_rect() == QRect(300, 100, 400, 50)
    _stroke(layer, [(10.5, 500.5), (900.5, 500.5)], BrushDab(diameter=20, hardness=1.0, spacing=0.5))
    assert layer.bounding_rect() == QRect(0, 100, 911, 411)  # the stroke spans four tiles
    _assert_statistics_match(layer)


def test_array_is_a_read_only_view_of_the_image():
    layer = MaskLayer(101, 7)  # odd width: rows are padded in the QImage
    layer.fill_region(np.ones((1, 1), bool), (100, 6), erase=False, label="Fill")
    assert layer.image().pixelColor(100, 6).alpha() == 255
    assert layer.array().shape == (7, 101)
    assert np.shares_memory(layer.array(), np.frombuffer(layer.image().constBits(), np.uint8))
    with pytest.raises(ValueError):
        layer.array()[0, 0] = 1


# --- undo and signals ----------------------------------------------------------------------


def test_mixed_undo_redo_round_trip_restores_exact_bytes():
    layer = MaskLayer(700, 500)
    brush = BrushDab(diameter=45, hardness=0.4, opacity=0.8)
    states = [layer.array().copy()]
    _stroke(layer, [(10, 10), (690, 490)], brush)
    states.append(layer.array().copy())
    layer.fill_path(_rect_path(100, 50, 300, 200), erase=False, label="Rectangle")
    states.append(layer.array().copy())
    layer.replace(np.roll(layer.array(), 37, axis=1), "Shift")
    states.append(layer.array().copy())
    _stroke(layer, [(600, 20), (20, 480)], brush, erase=True, label="Eraser")
    states.append(layer.array().copy())
    for expected in reversed(states[:-1]):
        assert layer.undo()
        assert np.array_equal(layer.array(), expected)
    assert not layer.undo()
    for expected in states[1:3]:
        assert layer.redo()
        assert np.array_equal(layer.array(), expected)
    layer.invert()  # a new step drops the two redoable ones
    assert not layer.can_redo()
    layer.undo()
    assert np.array_equal(layer.array(), states[2])


def test_undo_closes_an_open_stroke_first():
    layer = MaskLayer(100, 100)
    layer.begin_stroke("Brush", erase=False)
    layer.stamp_dab(QPointF(50, 50), BrushDab())
    assert layer.undo()
    assert layer.is_empty() and layer.redo_label() == "Brush"


def test_memory_cap_evicts_oldest_and_the_rest_undo():
    rng = np.random.default_rng(5)
    layer = MaskLayer(512, 512)
    states = [layer.array().copy()]
    for _ in range(4):
        layer.replace(rng.integers(0, 256, (512, 512), dtype=np.uint8), "Noise")
        states.append(layer.array().copy())
    spy = Recorder(layer)
    layer.set_undo_cap(int(2.5 * 512 * 512))
    assert spy.history == 1
    assert layer.undo_memory_bytes() <= 2.5 * 512 * 512
    assert layer.undo() and np.array_equal(layer.array(), states[3])
    assert layer.undo() and np.array_equal(layer.array(), states[2])
    assert not layer.can_undo()


def test_stamping_needs_an_open_stroke():
    layer = MaskLayer(10, 10)
    with pytest.raises(RuntimeError):
        layer.stamp_dab(QPointF(5, 5), BrushDab())
    layer.end_stroke()  # harmless without a stroke


def test_signals_fire_on_change_only():
    layer = MaskLayer(200, 200)
    spy = Recorder(layer)
    brush = BrushDab(diameter=30)
    layer.begin_stroke("Brush", erase=False)
    rect = layer.stamp_segment(QPointF(20, 20), QPointF(180, 20), brush)
    assert spy.rects == [rect] and spy.history == 0
    layer.end_stroke()
    assert spy.history == 1 and layer.can_undo()
    spy.rects.clear()
    # No-ops: nothing to erase, zero opacity, outside the image, an empty region, nothing to redo.
    _stroke(layer, [(100, 150), (150, 150)], brush, erase=True)
    _stroke(layer, [(100, 150), (150, 150)], BrushDab(opacity=0.0))
    _stroke(layer, [(-100, -100), (-50, -150)], brush)
    layer.fill_region(np.zeros((5, 5), bool), (3, 3), erase=False, label="Fill")
    assert not layer.redo()
    assert spy.rects == [] and spy.history == 1
    assert layer.undo()
    assert spy.history == 2 and spy.rects and layer.is_empty()
    assert not layer.undo()
    assert spy.history == 2


# --- random sequences ----------------------------------------------------------------------

_points = st.tuples(st.floats(-60, 360), st.floats(-60, 300))
_brushes = st.builds(BrushDab, diameter=st.floats(1, 90), hardness=st.floats(0, 1), opacity=st.floats(0, 1),
                     spacing=st.floats(0.05, 1.0))
_ops = st.lists(st.one_of(
    st.tuples(st.just("stroke"), st.lists(_points, min_size=1, max_size=5), _brushes, st.booleans()),
    st.tuples(st.just("rect"), _points, _points, st.booleans()),
    st.tuples(st.just("region"), _points, st.integers(1, 200), st.booleans()),
    st.tuples(st.just("invert")),
    st.tuples(st.just("undo")),
    st.tuples(st.just("redo")),
), max_size=12)


def _assert_statistics_match(layer: MaskLayer) -> None:
    """The per-tile bookkeeping must agree with a full scan of the pixels."""
    pixels = layer.array()
    assert layer.coverage_percent() == pytest.approx(100 * np.count_nonzero(pixels) / pixels.size)
    assert layer.is_empty() == (not pixels.any())
    assert layer.bounding_rect() == (_changed_box(np.zeros_like(pixels), pixels) if pixels.any() else QRect())


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(_ops)
def test_random_edits_undo_to_empty_and_redo_to_the_same_bytes(ops):
    layer = MaskLayer(300, 240)
    for op in ops:
        kind = op[0]
        if kind == "stroke":
            _stroke(layer, op[1], op[2], erase=op[3])
        elif kind == "rect":
            (x0, y0), (x1, y1) = op[1], op[2]
            layer.fill_path(_rect_path(min(x0, x1), min(y0, y1), abs(x1 - x0), abs(y1 - y0)),
                            erase=op[3], label="Rectangle")
        elif kind == "region":
            side = op[2]
            origin = (int(op[1][0]), int(op[1][1]))
            layer.fill_region(np.eye(side, dtype=bool), origin, erase=op[3], label="Fill")
        elif kind == "invert":
            layer.invert()
        else:
            getattr(layer, kind)()
    _assert_statistics_match(layer)
    while layer.redo():
        pass
    newest = layer.array().copy()
    while layer.undo():
        pass
    assert layer.is_empty() and not layer.array().any()
    while layer.redo():
        pass
    assert np.array_equal(layer.array(), newest)
    _assert_statistics_match(layer)
