"""Magnification above 100 %: smooth by default on the canvas and in the comparison, hard-edged
pixels with View ▸ Show Pixels When Zoomed In, and partial repaints that match whole ones."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QObject, QPointF, QRect, QRectF
from PySide6.QtGui import QColor, QImage, QPainter, QPainterPath, QRegion

from editor.settings.store import UserSettings, load_settings
from editor.ui.canvas.render import CanvasRenderer
from editor.ui.canvas.transform import ViewTransform
from editor.ui.compare import CompareView
from tests.ui import CanvasDriver, photo_from_array

BLACK, WHITE = (0, 0, 0), (255, 255, 255)


def halves_photo(width: int = 200, height: int = 150) -> QImage:
    """Black left of x = 100, white right of it: one hard edge."""
    rgb = np.zeros((height, width, 3), np.uint8)
    rgb[:, width // 2:] = 255
    return photo_from_array(rgb)


def noise_photo(width: int = 40, height: int = 30) -> QImage:
    return photo_from_array(np.random.default_rng(3).integers(0, 256, (height, width, 3), np.uint8))


def row(image: QImage, y: int, xs: range) -> list[tuple[int, int, int]]:
    return [image.pixelColor(x, y).getRgb()[:3] for x in xs]


def levels_across_the_edge(canvas: CanvasDriver) -> set[tuple[int, int, int]]:
    """The colours shown across the photo's black/white edge, at 400 % around it."""
    left = canvas.view.image_to_widget(QPointF(97, 75))
    right = canvas.view.image_to_widget(QPointF(103, 75))
    frame = canvas.view.grab().toImage()
    return set(row(frame, round(left.y()), range(round(left.x()), round(right.x()))))


@pytest.fixture
def zoomed(qtbot) -> CanvasDriver:
    canvas = CanvasDriver(qtbot, halves_photo(), size=(400, 300))
    canvas.view.set_zoom(4.0)
    canvas.view.center_on(QPointF(100.3, 75.3))
    return canvas


def test_zoomed_in_the_photo_is_magnified_smoothly_by_default(zoomed):
    assert not zoomed.view.show_pixels()
    levels = levels_across_the_edge(zoomed)
    between = {level for level in levels if level not in (BLACK, WHITE)}
    assert len(between) >= 3  # a ramp of greys across the edge, not a step


def test_show_pixels_draws_hard_edged_pixels(zoomed):
    changes: list[bool] = []
    zoomed.view.show_pixels_changed.connect(changes.append)
    zoomed.view.set_show_pixels(True)
    zoomed.view.set_show_pixels(True)
    assert levels_across_the_edge(zoomed) == {BLACK, WHITE}
    zoomed.view.set_show_pixels(False)
    assert len(levels_across_the_edge(zoomed)) > 2
    assert changes == [True, False]


def test_the_mask_overlay_is_magnified_as_the_photo_is(qtbot):
    canvas = CanvasDriver(qtbot, size=(400, 300))
    path = QPainterPath()
    path.addRect(QRectF(0, 0, 100, 150))
    canvas.mask.fill_path(path, erase=False, label="left half")
    canvas.view.set_overlay(QColor(0, 0, 255), 1.0)
    canvas.view.set_zoom(4.0)
    canvas.view.center_on(QPointF(100.3, 75.3))
    photo, tint = canvas.photo.pixelColor(0, 0).getRgb()[:3], (0, 0, 255)
    assert len(levels_across_the_edge(canvas) - {photo, tint}) >= 3
    canvas.view.set_show_pixels(True)
    assert levels_across_the_edge(canvas) == {photo, tint}


def test_at_100_percent_every_pixel_is_shown_as_it_is(qtbot):
    canvas = CanvasDriver(qtbot, halves_photo())
    assert canvas.view.zoom() == 1.0
    frame = canvas.view.grab().toImage()
    y = round(canvas.view.image_to_widget(QPointF(0, 75)).y())
    start = round(canvas.view.image_to_widget(QPointF(95, 75)).x())
    assert row(frame, y, range(start, start + 10)) == [BLACK] * 5 + [WHITE] * 5


@pytest.mark.parametrize("show_pixels", [False, True])
def test_a_partial_repaint_shows_what_a_whole_one_does(qapp, show_pixels):
    """Smoothing samples each pixel's neighbours: a repaint of part of the view (a dab, a scrolled
    strip) must blend with the pixels outside it too, or seams show where repaints meet."""
    renderer = CanvasRenderer()
    renderer.photo.set_photo(noise_photo())
    renderer.layers.show_pixels = show_pixels
    t = ViewTransform(4.0, 3.3, 2.7)

    def render(rect: QRect) -> np.ndarray:
        image = QImage(200, 150, QImage.Format.Format_RGB32)
        image.fill(0)
        painter = QPainter(image)
        painter.setClipRect(rect)  # as Qt clips a widget's painter to the region it repaints
        renderer.paint(painter, QRegion(rect), t)
        painter.end()
        return np.frombuffer(image.constBits(), np.uint8).reshape(150, 200, 4).copy()

    whole = render(QRect(0, 0, 200, 150))
    assert (len(np.unique(whole[75, 20:180, 0])) > 40) != show_pixels  # smooth: many more levels
    for rect in (QRect(37, 21, 50, 40), QRect(10, 10, 13, 17), QRect(101, 55, 31, 29)):
        inside = np.s_[rect.top():rect.bottom() + 1, rect.left():rect.right() + 1]
        assert (render(rect)[inside] == whole[inside]).all(), rect


class PaintSpy(QObject):
    def __init__(self, view) -> None:
        super().__init__()
        self.region = QRegion()
        view.installEventFilter(self)

    def eventFilter(self, watched, event) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.region = self.region.united(event.region())
        return False


def test_a_mask_change_repaints_the_pixels_its_smoothing_reaches(qtbot, zoomed):
    view = zoomed.view
    qtbot.wait(20)
    spy = PaintSpy(view)
    changed: list[QRect] = []
    zoomed.mask.changed.connect(changed.append)
    path = QPainterPath()
    path.addRect(QRectF(96, 70, 6, 6))
    zoomed.mask.fill_path(path, erase=False, label="probe")
    qtbot.waitUntil(lambda: not spy.region.isEmpty())
    (rect,) = changed
    t, _ = view.view_transform()
    # Blended with its neighbours, each changed pixel tints one image pixel (4 widget px) around it.
    reach = t.rect_to_widget(QRectF(rect.adjusted(-1, -1, 1, 1))).toAlignedRect().intersected(view.rect())
    assert spy.region.intersected(reach) == QRegion(reach)


def test_the_comparison_is_smooth_by_default_and_shows_pixels_when_asked(qtbot):
    view = CompareView()
    qtbot.addWidget(view)
    view.resize(400, 300)
    view.set_images(halves_photo(), halves_photo())
    view.set_mode("ab")
    view.set_transform(ViewTransform(4.0, 200 - 100.3 * 4, 150 - 75.3 * 4))

    def levels() -> set[tuple[int, int, int]]:
        return set(row(view.grab().toImage(), 150, range(186, 214)))

    assert len(levels() - {BLACK, WHITE}) >= 3
    view.set_show_pixels(True)
    assert view.show_pixels() and levels() == {BLACK, WHITE}


# --- the window: the View menu's toggle, its shortcut, the comparison and the settings ---------

@pytest.fixture
def window(qtbot, tmp_path, loop):
    """A window whose loop runs: the settings are saved by a worker."""
    from editor.settings.store import UserSettings
    from editor.ui.main_window import MainWindow

    window = MainWindow(UserSettings(), loop=loop, settings_path=tmp_path / "settings.json")
    qtbot.addWidget(window)
    return window


def test_the_view_menu_toggle_switches_both_views_and_is_remembered(qtbot, window, tmp_path):
    from PySide6.QtGui import QKeySequence

    action = window.actions["view.show_pixels"]
    assert action.isCheckable() and not action.isChecked() and action.isEnabled()
    assert action.shortcut() == QKeySequence("Ctrl+Shift+P")
    assert action in window.menuBar().actions()[5].menu().actions()  # View
    assert not window.canvas.show_pixels() and not window.comparison.page.view.show_pixels()
    action.trigger()
    assert action.isChecked()
    assert window.canvas.show_pixels() and window.comparison.page.view.show_pixels()
    qtbot.waitUntil(lambda: load_settings(tmp_path / "settings.json").show_pixels)


def test_a_window_opened_with_the_setting_on_shows_pixels(qtbot, tmp_path):
    import qasync

    from editor.ui.main_window import MainWindow

    loop = qasync.QEventLoop()
    window = MainWindow(UserSettings(show_pixels=True), loop=loop, settings_path=tmp_path / "settings.json")
    qtbot.addWidget(window)
    try:
        assert window.actions["view.show_pixels"].isChecked()
        assert window.canvas.show_pixels() and window.comparison.page.view.show_pixels()
    finally:
        loop.close()
