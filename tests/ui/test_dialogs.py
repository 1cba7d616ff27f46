"""Mask adjust (live preview on the canvas), preferences, and the small standard dialogs."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor, QImage, QPainterPath
from PySide6.QtWidgets import QDialog, QDialogButtonBox

from editor.core.mask_layer import MaskLayer
from editor.imaging import mask as mask_ops
from editor.settings.store import UserSettings
from editor.ui import dialogs
from editor.ui.canvas import CanvasView
from editor.ui.dialogs import preferences
from editor.ui.dialogs.mask_adjust import ADJUSTMENTS, MaskAdjustDialog, adjusted_coverage
from editor.ui.dialogs.preferences import PreferencesDialog


@pytest.fixture
def canvas_with_mask(qtbot):
    """A real canvas showing a 300×200 photo with a painted 40×30 rectangle."""
    photo = QImage(300, 200, QImage.Format.Format_RGB32)
    photo.fill(QColor("#808080"))
    mask = MaskLayer(300, 200)
    path = QPainterPath()
    path.addRect(QRectF(100, 80, 40, 30))
    mask.fill_path(path, erase=False, label="Rectangle")
    canvas = CanvasView()
    qtbot.addWidget(canvas)
    canvas.resize(600, 400)
    canvas.set_content(photo, mask)
    return canvas, mask


def painted_box(mask: MaskLayer):
    box = mask.bounding_rect()
    return box.x(), box.y(), box.width(), box.height()


class PreviewSpy:
    """Wraps canvas.set_mask_preview, remembering each call."""

    def __init__(self, canvas: CanvasView):
        self.calls: list[np.ndarray | None] = []
        self._canvas = canvas

    def __call__(self, coverage):
        self.calls.append(None if coverage is None else coverage.copy())
        self._canvas.set_mask_preview(coverage)


def canvas_pixel_is_tinted(canvas: CanvasView, x: float, y: float) -> bool:
    from PySide6.QtCore import QPointF

    point = canvas.image_to_widget(QPointF(x, y)).toPoint()
    colour = canvas.grab().toImage().pixelColor(point)
    return colour.red() > colour.blue() + 30  # grey photo, red overlay


def test_the_preview_shows_on_the_canvas_and_cancel_leaves_the_mask(qtbot, canvas_with_mask):
    canvas, mask = canvas_with_mask
    before = mask.array().copy()
    spy = PreviewSpy(canvas)
    dialog = MaskAdjustDialog("grow", mask.array(), painted_box(mask), spy, initial_px=10)
    qtbot.addWidget(dialog)
    assert spy.calls and spy.calls[-1] is not None
    assert np.count_nonzero(spy.calls[-1]) > np.count_nonzero(before)
    assert canvas_pixel_is_tinted(canvas, 95, 95)  # 5 px outside the painted box: grown preview
    dialog.spin.setValue(20)
    qtbot.waitUntil(lambda: spy.calls[-1] is not None and spy.calls[-1][80, 85] == 255)
    dialog.reject()
    assert spy.calls[-1] is None
    assert np.array_equal(mask.array(), before) and mask.undo_label() == "Rectangle"
    assert not canvas_pixel_is_tinted(canvas, 95, 95)


def test_ok_returns_the_grown_mask_for_one_undo_step(qtbot, canvas_with_mask):
    canvas, mask = canvas_with_mask
    before = mask.array().copy()
    dialog = MaskAdjustDialog("grow", mask.array(), painted_box(mask), canvas.set_mask_preview)
    qtbot.addWidget(dialog)
    dialog.spin.setValue(6)
    dialog.accept()
    mask.replace(dialog.adjusted(), dialog.label())
    assert np.array_equal(mask.array(), mask_ops.grow(before, 6))
    assert mask.undo_label() == "Grow mask 6 px"
    mask.undo()
    assert np.array_equal(mask.array(), before)


def test_turning_the_preview_off_shows_the_mask_again(qtbot, canvas_with_mask):
    _canvas, mask = canvas_with_mask
    calls = []
    dialog = MaskAdjustDialog("feather", mask.array(), painted_box(mask), calls.append)
    qtbot.addWidget(dialog)
    dialog.show_preview.setChecked(False)
    assert calls[-1] is None
    dialog.show_preview.setChecked(True)
    assert calls[-1] is not None


@pytest.mark.parametrize("kind", ["grow", "shrink", "feather"])
@pytest.mark.parametrize("px", [1, 7, 30])
def test_working_around_the_painted_box_equals_the_whole_mask_operation(kind, px):
    rng = np.random.default_rng(px)
    coverage = np.zeros((240, 320), np.uint8)
    coverage[90:150, 120:200] = 255
    coverage[100:110, 130:140] = rng.integers(0, 255, (10, 10), dtype=np.uint8)
    coverage[0:20, 0:30] = 255  # touching the image edge
    adjustment = ADJUSTMENTS[kind]
    ys, xs = np.nonzero(coverage)
    box = (xs.min(), ys.min(), xs.max() - xs.min() + 1, ys.max() - ys.min() + 1)
    expected = adjustment.operation(coverage, px)
    got = adjusted_coverage(adjustment, coverage, px, box)
    # A wide feather blurs a downscaled copy whose pixel grid follows the cropped size: ±a few levels.
    tolerance = 4 if kind == "feather" and px > 16 else 1
    assert np.abs(got.astype(int) - expected.astype(int)).max() <= tolerance


def test_an_empty_mask_stays_empty():
    coverage = np.zeros((50, 60), np.uint8)
    assert not adjusted_coverage(ADJUSTMENTS["grow"], coverage, 5, None).any()


# --- preferences ---------------------------------------------------------------------------------


def test_preferences_round_trip_unchanged(qtbot):
    settings = UserSettings(overlay_color="#00aaff", overlay_opacity=0.35, overlay_hatch=True,
                            mask_threshold=99, fill_tolerance=12, pressure_mode="both", undo_cap_mb=1024,
                            max_megapixels=120, recent_files=("/a.png",), brush_diameter=33.0)
    dialog = PreferencesDialog(settings)
    qtbot.addWidget(dialog)
    assert dialog.settings() == settings


def test_preferences_edits_come_back_and_other_settings_are_kept(qtbot, monkeypatch):
    settings = UserSettings(recent_files=("/a.png",), provider="requesty")
    monkeypatch.setattr(preferences, "choose_colour", lambda _parent, _current: QColor("#12ab34"))
    dialog = PreferencesDialog(settings)
    qtbot.addWidget(dialog)
    dialog.colour_button.click()
    dialog.opacity_slider.setValue(65)
    dialog.hatch.setChecked(True)
    dialog.threshold.setValue(200)
    dialog.fill_tolerance.setValue(5)
    dialog.pressure.setCurrentIndex(dialog.pressure.findData("opacity"))
    dialog.undo_cap.setValue(2048)
    dialog.max_megapixels.setValue(40)
    edited = dialog.settings()
    assert (edited.overlay_color, edited.overlay_opacity, edited.overlay_hatch) == ("#12ab34", 0.65, True)
    assert (edited.mask_threshold, edited.fill_tolerance, edited.pressure_mode) == (200, 5, "opacity")
    assert (edited.undo_cap_mb, edited.max_megapixels) == (2048, 40)
    assert edited.recent_files == ("/a.png",) and edited.provider == "requesty"


def test_preferences_restore_defaults(qtbot):
    dialog = PreferencesDialog(UserSettings(overlay_opacity=0.2, undo_cap_mb=64))
    qtbot.addWidget(dialog)
    dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.RestoreDefaults).click()
    assert dialog.settings().overlay_opacity == 0.5 and dialog.settings().undo_cap_mb == 512


def test_a_cancelled_colour_choice_keeps_the_colour(qtbot, monkeypatch):
    monkeypatch.setattr(preferences, "choose_colour", lambda _parent, _current: None)
    dialog = PreferencesDialog(UserSettings(overlay_color="#ff0000"))
    qtbot.addWidget(dialog)
    dialog.colour_button.click()
    assert dialog.settings().overlay_color == "#ff0000"
    assert dialog.result() == QDialog.DialogCode.Rejected  # nothing accepted yet


# --- small dialogs ----------------------------------------------------------------------------------


def test_mask_convention_choices_map_to_the_loader_names(monkeypatch):
    from PySide6.QtWidgets import QInputDialog

    for key, label in dialogs.MASK_CONVENTIONS:
        monkeypatch.setattr(QInputDialog, "getItem", lambda *_args, label=label: (label, True))
        assert dialogs.ask_mask_convention(None) == key
    assert {key for key, _ in dialogs.MASK_CONVENTIONS} == set(mask_ops.MASK_CONVENTIONS)
    monkeypatch.setattr(QInputDialog, "getItem", lambda *_args: ("", False))
    assert dialogs.ask_mask_convention(None) is None


def test_an_export_name_always_ends_in_png(monkeypatch, tmp_path):
    from PySide6.QtWidgets import QFileDialog

    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *_args: (str(tmp_path / "mask"), ""))
    assert dialogs.ask_export_path(None, "x.png") == tmp_path / "mask.png"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *_args: ("", ""))
    assert dialogs.ask_export_path(None, "x.png") is None
