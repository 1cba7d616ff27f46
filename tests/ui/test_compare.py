"""CompareView, CompareBar and difference_image: offscreen, through real input events and renders."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QImage, QMouseEvent, QWheelEvent
from PySide6.QtWidgets import QApplication, QToolButton

from editor.ui.canvas.render import PhotoLayer
from editor.ui.canvas.transform import ViewTransform
from editor.ui.compare import CompareBar, CompareView, difference_image

RED, BLUE, GREEN = QColor(255, 0, 0), QColor(0, 0, 255), QColor(0, 200, 0)


def solid(color: QColor, width: int = 400, height: int = 300) -> QImage:
    image = QImage(width, height, QImage.Format.Format_RGB32)
    image.fill(color)
    return image


def gradient(blue: int, width: int = 400, height: int = 300) -> QImage:
    """Red grows with x and green with y, so a colour tells which image pixel it came from."""
    pixels = np.zeros((height, width, 4), np.uint8)
    pixels[:, :, 2] = (np.arange(width) * 255 // (width - 1))[np.newaxis, :]
    pixels[:, :, 1] = (np.arange(height) * 255 // (height - 1))[:, np.newaxis]
    pixels[:, :, 0] = blue
    pixels[:, :, 3] = 255
    return QImage(pixels.data, width, height, width * 4, QImage.Format.Format_RGB32).copy()


def rgb(image: QImage, x: int, y: int) -> tuple[int, int, int]:
    color = image.pixelColor(x, y)
    return color.red(), color.green(), color.blue()


@pytest.fixture
def view(qtbot) -> CompareView:
    widget = CompareView()
    qtbot.addWidget(widget)
    widget.resize(400, 300)
    return widget


def wheel(widget, pos: QPointF, notches: int = 1) -> None:
    event = QWheelEvent(pos, widget.mapToGlobal(pos), QPoint(0, 0), QPoint(0, 120 * notches),
                        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier,
                        Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(widget, event)


def hover(widget, pos: QPointF) -> None:
    """A move with no button held (QTest's mouseMove moves the system cursor, unseen offscreen)."""
    event = QMouseEvent(QEvent.Type.MouseMove, pos, widget.mapToGlobal(pos), Qt.MouseButton.NoButton,
                        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, event)


# --- split ---------------------------------------------------------------------------------------

def test_dragging_the_divider_follows_the_mouse(qtbot, view):
    view.set_images(solid(RED), solid(BLUE))
    seen: list[float] = []
    view.split_changed.connect(seen.append)
    assert view.split() == 0.5
    qtbot.mousePress(view, Qt.MouseButton.LeftButton, pos=QPoint(200, 150))
    qtbot.mouseMove(view, QPoint(300, 150))
    qtbot.mouseRelease(view, Qt.MouseButton.LeftButton, pos=QPoint(300, 150))
    assert view.split() == pytest.approx(0.75)
    assert seen and seen[-1] == pytest.approx(0.75)


def test_a_click_away_from_the_divider_does_not_move_it(qtbot, view):
    view.set_images(solid(RED), solid(BLUE))
    qtbot.mousePress(view, Qt.MouseButton.LeftButton, pos=QPoint(80, 150))
    qtbot.mouseRelease(view, Qt.MouseButton.LeftButton, pos=QPoint(80, 150))
    assert view.split() == 0.5
    view.set_split(3.0)
    assert view.split() == 1.0


def test_split_render_shows_the_original_left_and_the_variant_right(view):
    view.set_images(solid(RED), solid(BLUE))
    frame = view.grab().toImage()
    assert rgb(frame, 100, 150) == (255, 0, 0)
    assert rgb(frame, 300, 150) == (0, 0, 255)
    view.set_split(0.25)
    frame = view.grab().toImage()
    assert rgb(frame, 150, 150) == (0, 0, 255)
    assert rgb(frame, 60, 150) == (255, 0, 0)


def test_near_the_divider_the_cursor_is_a_split_cursor(qtbot, view):
    view.set_images(solid(RED), solid(BLUE))
    hover(view, QPointF(204, 150))
    assert view.cursor().shape() == Qt.CursorShape.SplitHCursor
    hover(view, QPointF(50, 150))
    assert view.cursor().shape() != Qt.CursorShape.SplitHCursor


# --- side by side ---------------------------------------------------------------------------------

def assert_panes_match(frame: QImage, t: ViewTransform, right_origin: int) -> None:
    """Both panes show the same image pixels: equal red/green at the same pane-local points."""
    for x, y in ((60, 60), (150, 100), (250, 200), (330, 260)):
        left, right = rgb(frame, x, y), rgb(frame, right_origin + x, y)
        assert left[:2] == right[:2], (x, y)
        assert (left[2], right[2]) == (0, 255)
        # ...and the pixels the shared transform says are there.
        image_point = t.to_image(QPointF(x + 0.5, y + 0.5))
        assert left[0] == pytest.approx(int(image_point.x()) * 255 // 399, abs=2)
        assert left[1] == pytest.approx(int(image_point.y()) * 255 // 299, abs=2)


def test_side_by_side_zooms_both_panes_from_the_wheel_in_the_left_one(qtbot, view):
    view.resize(810, 300)
    view.set_images(gradient(0), gradient(255))
    view.set_mode("side_by_side")
    fitted = view.transform()
    assert fitted == ViewTransform.fit(400, 300, 404, 300)
    changes: list[ViewTransform] = []
    view.transform_changed.connect(changes.append)
    wheel(view, QPointF(100, 100), notches=2)
    zoomed = view.transform()
    assert zoomed.scale > fitted.scale and changes == [zoomed]
    # The image point under the cursor stays under it.
    assert zoomed.to_image(QPointF(100, 100)).x() == pytest.approx(fitted.to_image(QPointF(100, 100)).x())
    assert_panes_match(view.grab().toImage(), zoomed, right_origin=406)


def test_side_by_side_pans_both_panes_from_a_drag_in_the_right_one(qtbot, view):
    view.resize(810, 300)
    view.set_images(gradient(0), gradient(255))
    view.set_mode("side_by_side")
    wheel(view, QPointF(600, 150), notches=3)
    before = view.transform()
    qtbot.mousePress(view, Qt.MouseButton.LeftButton, pos=QPoint(600, 150))
    qtbot.mouseMove(view, QPoint(640, 170))
    qtbot.mouseRelease(view, Qt.MouseButton.LeftButton, pos=QPoint(640, 170))
    after = view.transform()
    assert (after.dx - before.dx, after.dy - before.dy) == pytest.approx((40, 20))
    assert_panes_match(view.grab().toImage(), after, right_origin=406)


# --- difference -----------------------------------------------------------------------------------

def pixels(image: QImage) -> np.ndarray:
    """A copy of the image's (h, w, 4) bytes: a view would dangle once a temporary image is freed."""
    data = np.frombuffer(image.constBits(), np.uint8, count=image.bytesPerLine() * image.height())
    return data.reshape(image.height(), image.bytesPerLine())[:, : image.width() * 4].reshape(
        image.height(), image.width(), 4).copy()


def test_difference_of_identical_images_is_black():
    result = difference_image(gradient(30), gradient(30))
    assert result.format() == QImage.Format.Format_RGB32
    assert not pixels(result)[:, :, :3].any()


def test_difference_is_bright_only_where_the_variant_changed():
    original = gradient(100)
    variant = original.copy()
    for y in range(100, 150):
        for x in range(200, 250):
            color = variant.pixelColor(x, y)
            variant.setPixelColor(x, y, QColor(color.red(), color.green(), 140))
    level = pixels(difference_image(original, variant, gain=4.0))[:, :, 0]
    square = np.zeros(level.shape, bool)
    square[100:150, 200:250] = True
    assert (level[square] == 160).all()  # 40 of difference, amplified four times
    assert not level[~square].any()


def test_difference_converts_other_formats_and_rejects_other_sizes():
    variant = solid(RED).convertToFormat(QImage.Format.Format_RGB888)
    assert (pixels(difference_image(solid(BLUE), variant))[:, :, :3] == 255).all()
    with pytest.raises(ValueError):
        difference_image(solid(RED), solid(RED, 10, 10))


def test_difference_mode_without_a_loop_draws_at_once(view):
    view.set_images(solid(RED), solid(RED))
    view.set_mode("difference")
    assert view.difference() is not None
    assert rgb(view.grab().toImage(), 200, 150) == (0, 0, 0)


def test_difference_mode_computes_on_the_loop_and_shows_the_original_until_then(qtbot, loop):
    view = CompareView(loop=loop)
    qtbot.addWidget(view)
    view.resize(400, 300)
    view.set_images(solid(RED), solid(BLUE))
    view.set_mode("difference")
    assert view.difference() is None
    dimmed = rgb(view.grab().toImage(), 60, 60)
    assert 0 < dimmed[0] < 255 and dimmed[2] < dimmed[0]
    qtbot.waitUntil(lambda: view.difference() is not None, timeout=5000)
    assert rgb(view.grab().toImage(), 60, 250) == (255, 255, 255)


def test_new_images_cancel_the_difference_being_computed(qtbot, loop):
    view = CompareView(loop=loop)
    qtbot.addWidget(view)
    view.set_images(solid(RED), solid(BLUE))
    view.set_mode("difference")
    view.set_images(solid(RED), solid(RED))
    qtbot.waitUntil(lambda: view.difference() is not None, timeout=5000)
    qtbot.wait(50)
    assert not pixels(view.difference())[:, :, :3].any()


# --- A/B, keys, modes -----------------------------------------------------------------------------

def test_t_toggles_between_a_and_b(qtbot, view):
    view.set_images(solid(RED), solid(GREEN), solid(BLUE), labels=("Original", "warm", "cool"))
    view.set_mode("ab")
    assert rgb(view.grab().toImage(), 200, 150) == (0, 200, 0)
    with qtbot.waitSignal(view.ab_changed) as shown:
        qtbot.keyClick(view, Qt.Key.Key_T)
    assert shown.args == ["b"]
    assert rgb(view.grab().toImage(), 200, 150) == (0, 0, 255)
    qtbot.keyClick(view, Qt.Key.Key_T)
    assert view.showing() == "a"


def test_toggle_without_b_does_nothing(qtbot, view):
    view.set_images(solid(RED), solid(GREEN))
    view.set_mode("ab")
    with qtbot.assertNotEmitted(view.ab_changed):
        view.toggle_ab()
    assert rgb(view.grab().toImage(), 200, 150) == (0, 200, 0)


def test_escape_and_arrows_ask_the_window(qtbot, view):
    view.set_images(solid(RED), solid(BLUE))
    with qtbot.waitSignal(view.close_requested):
        qtbot.keyClick(view, Qt.Key.Key_Escape)
    steps: list[int] = []
    view.step_requested.connect(steps.append)
    qtbot.keyClick(view, Qt.Key.Key_Left)
    qtbot.keyClick(view, Qt.Key.Key_Right)
    assert steps == [-1, 1]


def test_mismatched_sizes_are_refused(view):
    with pytest.raises(ValueError):
        view.set_images(solid(RED), solid(BLUE, 40, 30))
    with pytest.raises(ValueError):
        view.set_images(solid(RED), solid(BLUE), solid(GREEN, 40, 30))


def test_mode_changed_fires_only_on_a_real_change(qtbot, view):
    seen: list[str] = []
    view.mode_changed.connect(seen.append)
    view.set_mode("split")
    view.set_mode("ab")
    view.set_mode("ab")
    assert seen == ["ab"] and view.mode() == "ab"
    with pytest.raises(ValueError):
        view.set_mode("overlay")


def test_same_size_images_keep_the_transform_and_new_sizes_fit(view):
    view.set_images(solid(RED), solid(BLUE))
    zoomed = ViewTransform(2.0, -100.0, -50.0)
    view.set_transform(zoomed)
    view.set_images(solid(GREEN), solid(BLUE))
    assert view.transform() == zoomed
    view.set_images(solid(RED, 800, 600), solid(BLUE, 800, 600))
    assert view.transform() == ViewTransform.fit(800, 600, 400, 300)


def test_space_drag_pans_in_split_mode_without_moving_the_divider(qtbot, view):
    view.set_images(solid(RED), solid(BLUE))
    before = view.transform()
    qtbot.keyPress(view, Qt.Key.Key_Space)
    qtbot.mousePress(view, Qt.MouseButton.LeftButton, pos=QPoint(100, 100))
    qtbot.mouseMove(view, QPoint(130, 110))
    qtbot.mouseRelease(view, Qt.MouseButton.LeftButton, pos=QPoint(130, 110))
    qtbot.keyRelease(view, Qt.Key.Key_Space)
    assert view.split() == 0.5
    assert (view.transform().dx - before.dx, view.transform().dy - before.dy) == pytest.approx((30, 10))


def test_pyramids_are_built_once_after_the_first_paint_for_each_distinct_image(qtbot, view, monkeypatch):
    built: list[int] = []
    build = PhotoLayer.build_levels

    def counting_build(layer: PhotoLayer) -> None:
        if layer.wants_levels():
            built.append(layer.photo().cacheKey())
        build(layer)

    monkeypatch.setattr(PhotoLayer, "build_levels", counting_build)
    original, variant = solid(RED, 3000, 2000), solid(BLUE, 3000, 2000)
    view.set_images(original, variant, variant)
    qtbot.wait(20)
    assert built == []  # nothing before the first frame
    view.grab()
    qtbot.waitUntil(lambda: len(built) == 2)
    assert sorted(built) == sorted([original.cacheKey(), variant.cacheKey()])
    view.set_mode("ab")
    view.grab()
    qtbot.wait(20)
    assert len(built) == 2
    assert rgb(view.grab().toImage(), 200, 150) == (0, 0, 255)


# --- the bar --------------------------------------------------------------------------------------

def test_bar_mode_buttons_emit_and_show_mode_does_not(qtbot):
    bar = CompareBar()
    qtbot.addWidget(bar)
    buttons = {button.text(): button for button in bar.findChildren(QToolButton)}
    with qtbot.waitSignal(bar.mode_chosen) as chosen:
        qtbot.mouseClick(buttons["Difference"], Qt.MouseButton.LeftButton)
    assert chosen.args == ["difference"] and bar.mode() == "difference"
    with qtbot.assertNotEmitted(bar.mode_chosen):
        bar.show_mode("ab")
    assert bar.mode() == "ab" and buttons["A/B"].isChecked() and not buttons["Difference"].isChecked()
    assert bar.b_combo.isEnabled()
    assert "T toggles" in buttons["A/B"].toolTip() and "Esc" in buttons["Split"].toolTip()


def test_bar_variant_combos_report_keys(qtbot):
    bar = CompareBar()
    qtbot.addWidget(bar)
    first, second = object(), object()
    with qtbot.assertNotEmitted(bar.a_chosen):
        bar.set_variants([("Variant 1", first), ("Variant 2", second)], first, second)
    assert bar.a_combo.currentText() == "Variant 1" and bar.b_combo.currentText() == "Variant 2"
    with qtbot.waitSignal(bar.a_chosen) as chosen:
        bar.a_combo.setCurrentIndex(1)
    assert chosen.args[0] is second
    with qtbot.waitSignal(bar.done):
        qtbot.mouseClick(bar.done_button, Qt.MouseButton.LeftButton)
