"""A variant is looked at as it is: no mask overlay over it while it is shown, and none over the
photo it became after Apply until the next stroke (issue: a pure (230,40,40) result showed as
(234,34,72), and after Apply as (243,20,148))."""

from __future__ import annotations

from PySide6.QtGui import QColor, QImage

from tests.ui import CanvasDriver

RESULT = QColor(230, 40, 40)


def _variant_of(photo: QImage) -> QImage:
    variant = photo.copy()
    variant.fill(RESULT)
    return variant


def test_a_shown_variant_is_drawn_with_its_own_pixels_inside_the_mask(qtbot):
    canvas = CanvasDriver(qtbot)
    canvas.drag([(20, 50), (120, 50)])
    assert canvas.widget_pixel(70, 50) != canvas.photo.pixelColor(70, 50)  # the overlay is on
    canvas.view.set_preview(_variant_of(canvas.photo))
    assert canvas.widget_pixel(70, 50) == RESULT
    assert canvas.view.mask_visible() and not canvas.view.overlay_shown()
    canvas.view.set_preview(None)
    assert canvas.widget_pixel(70, 50) != canvas.photo.pixelColor(70, 50)  # back with the mask


def test_after_apply_the_overlay_waits_for_the_next_stroke(qtbot):
    canvas = CanvasDriver(qtbot)
    canvas.drag([(20, 50), (120, 50)])
    applied = _variant_of(canvas.photo)
    canvas.view.set_photo(applied)  # what the window does on Apply
    canvas.view.rest_overlay()
    assert canvas.widget_pixel(70, 50) == RESULT
    canvas.drag([(20, 120), (60, 120)])  # painting again: the mask is what is looked at
    assert canvas.view.overlay_shown()
    assert canvas.widget_pixel(70, 50) != RESULT


def test_the_overlay_key_still_shows_the_resting_overlay_on_demand(qtbot):
    canvas = CanvasDriver(qtbot)
    canvas.drag([(20, 50), (120, 50)])
    canvas.view.set_photo(_variant_of(canvas.photo))
    canvas.view.rest_overlay()
    canvas.view.set_mask_visible(True)  # H pressed twice, or the toolbar's eye
    assert canvas.widget_pixel(70, 50) != RESULT


def test_in_the_window_the_shown_and_the_applied_variant_are_seen_untinted(qtbot, loop, errors, tmp_path,
                                                                           service_env):
    from tests.ui.test_end_to_end import painted_window
    from tests.ui.test_window_results import finished_job
    from tests.ui.window_driving import paint_stroke, to_widget

    window = painted_window(qtbot, loop, tmp_path)
    inside = to_widget(window, 150, 110)  # on the painted stroke
    job = finished_job(qtbot, window)
    qtbot.waitUntil(lambda: window.canvas.preview() is not None)
    shown = window.canvas.grab().toImage().pixelColor(inside)
    variant = window.canvas.preview().pixelColor(150, 110)
    assert not window.canvas.overlay_shown()
    assert max(abs(shown.red() - variant.red()), abs(shown.green() - variant.green()),
               abs(shown.blue() - variant.blue())) <= 2  # the view's own resampling, no tint

    before = window.document.photo()
    window.results.actions["apply"].click()
    qtbot.waitUntil(lambda: window.document.photo() is not before)
    assert not window.canvas.overlay_shown()
    paint_stroke(qtbot, window, [(300, 250), (320, 260)])
    assert window.canvas.overlay_shown() and job.number == 1
