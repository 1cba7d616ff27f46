"""The smart selection tools in the real window: keys, modifiers, off-thread work landing on the
mask as one undo step, cancel with Esc, the tool options and the Settings page."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import Qt

from editor.settings.store import UserSettings
from editor.ui.main_window import MainWindow
from tests.imaging.selection_scenes import boundary_f_score, ellipse_scene, iou
from tests.ui.window_driving import open_photo, press_keys, to_widget, write_photo

ALT, SHIFT = Qt.KeyboardModifier.AltModifier, Qt.KeyboardModifier.ShiftModifier
LEFT_BUTTON = Qt.MouseButton.LeftButton


@pytest.fixture
def window(qtbot, loop, errors, tmp_path):
    window = MainWindow(UserSettings(), loop=loop, settings_path=tmp_path / "settings.json",
                        window_state_path=tmp_path / "window.ini")
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def _save(path: Path, pixels: np.ndarray) -> Path:
    Image.fromarray(pixels).save(path)
    return path


def _click(qtbot, window, x, y, modifiers=Qt.KeyboardModifier.NoModifier):
    qtbot.mouseClick(window.canvas, LEFT_BUTTON, modifiers, to_widget(window, x, y))


def _drag(qtbot, window, points, modifiers=Qt.KeyboardModifier.NoModifier):
    canvas = window.canvas
    qtbot.mousePress(canvas, LEFT_BUTTON, modifiers, to_widget(window, *points[0]))
    for point in points[1:]:
        qtbot.mouseMove(canvas, to_widget(window, *point))
    qtbot.mouseRelease(canvas, LEFT_BUTTON, modifiers, to_widget(window, *points[-1]))


def _settled(qtbot, window):
    qtbot.waitUntil(lambda: not window.selection.runner.busy(), timeout=20000)
    qtbot.wait(20)  # the write follows in the same turn; let the repaint pass too


def _mask(window) -> np.ndarray:
    return window.document.mask().array().copy()


def test_w_picks_the_wand_and_shift_adds_and_alt_subtracts(qtbot, window, tmp_path):
    open_photo(qtbot, window, write_photo(tmp_path / "halves.png"))  # red left half, blue right half
    press_keys(qtbot, window, Qt.Key.Key_W)
    assert window.canvas.tool() == "wand" and window.actions["tool.wand"].isChecked()
    assert window.selection.wand_options.isVisible()
    _click(qtbot, window, 50, 50)
    _settled(qtbot, window)
    expected = np.zeros((300, 400), np.uint8)
    expected[:, :200] = 255
    np.testing.assert_array_equal(_mask(window), expected)
    assert window.document.mask().undo_label() == "Magic Wand"
    _click(qtbot, window, 300, 50, SHIFT)
    _settled(qtbot, window)
    assert (_mask(window) == 255).all()
    _click(qtbot, window, 50, 50, ALT)
    _settled(qtbot, window)
    np.testing.assert_array_equal(_mask(window), 255 - expected)
    _click(qtbot, window, 50, 50)  # plain: replaces
    _settled(qtbot, window)
    np.testing.assert_array_equal(_mask(window), expected)
    window.undo_stack.undo()
    np.testing.assert_array_equal(_mask(window), 255 - expected)  # each selection is one step


def test_a_box_selects_the_object_as_one_undo_step(qtbot, window, tmp_path):
    scene = ellipse_scene()
    open_photo(qtbot, window, _save(tmp_path / "ellipse.png", scene.photo))
    press_keys(qtbot, window, Qt.Key.Key_W, SHIFT)
    assert window.canvas.tool() == "select"
    x, y, w, h = scene.box
    _drag(qtbot, window, [(x, y), (x + w / 2, y + h / 2), (x + w, y + h)])
    _settled(qtbot, window)
    assert iou(_mask(window), scene.truth) >= 0.9
    assert window.document.mask().undo_label() == "Object Selection"
    window.undo_stack.undo()
    assert not _mask(window).any()


def test_strokes_on_and_around_the_object_select_it(qtbot, window, tmp_path):
    scene = ellipse_scene()
    open_photo(qtbot, window, _save(tmp_path / "ellipse.png", scene.photo))
    press_keys(qtbot, window, Qt.Key.Key_W, SHIFT)
    qtbot.mouseClick(window.selection.object_options.buttons["strokes"], LEFT_BUTTON)
    _drag(qtbot, window, [(290, 240), (320, 230), (350, 240)])
    _settled(qtbot, window)
    assert iou(_mask(window), scene.truth) >= 0.9
    _drag(qtbot, window, [(30, 30), (600, 30), (610, 450), (30, 450), (30, 40)], ALT)  # not the object
    _settled(qtbot, window)
    # The second stroke selected again from both strokes, replacing the first result, not adding to it.
    assert iou(_mask(window), scene.truth) >= 0.9


def test_esc_cancels_a_selection_and_the_mask_stays(qtbot, window, tmp_path):
    scene = ellipse_scene(2400, 1800)
    open_photo(qtbot, window, _save(tmp_path / "big.png", scene.photo))
    press_keys(qtbot, window, Qt.Key.Key_W, SHIFT)
    x, y, w, h = scene.box
    _drag(qtbot, window, [(x, y), (x + w, y + h)])
    assert window.selection.runner.busy() and window.selection.progress.isVisible()
    press_keys(qtbot, window, Qt.Key.Key_Escape)
    assert not window.selection.runner.busy() and not window.selection.progress.isVisible()
    qtbot.wait(1500)  # long enough for the selection to have finished, had it gone on
    assert not _mask(window).any() and not window.document.mask().can_undo()


def test_refine_edge_brush_moves_the_edge_onto_the_photo(qtbot, window, tmp_path):
    height = width = 400
    yy, xx = np.mgrid[0:height, 0:width]
    distance = np.hypot(xx - 200, yy - 200)
    alpha = np.clip((100 - distance) / 3 + 0.5, 0, 1)
    photo = (alpha[..., None] * np.array([230, 210, 60]) + (1 - alpha[..., None]) * np.array([40, 80, 150]))
    open_photo(qtbot, window, _save(tmp_path / "disc.png", photo.astype(np.uint8)))
    window.document.mask().replace(np.where(distance <= 108, np.uint8(255), np.uint8(0)), "Painted")
    press_keys(qtbot, window, Qt.Key.Key_R)
    assert window.canvas.tool() == "refine" and window.tool_options.size.isVisible()
    window.canvas.set_brush(window.canvas.brush().__class__(40.0, 1.0, 1.0))
    ring = [(200 + 104 * np.cos(a), 200 + 104 * np.sin(a)) for a in np.linspace(0, 2 * np.pi, 60)]
    _drag(qtbot, window, ring)
    _settled(qtbot, window)
    truth = alpha >= 0.5
    assert boundary_f_score(_mask(window) >= 128, truth) >= 0.9
    assert window.document.mask().undo_label() == "Refine Edge"


def test_a_selection_that_finds_nothing_says_why(qtbot, window, tmp_path):
    open_photo(qtbot, window, write_photo(tmp_path / "halves.png"))
    press_keys(qtbot, window, Qt.Key.Key_W, SHIFT)
    qtbot.mouseClick(window.selection.object_options.buttons["strokes"], LEFT_BUTTON)
    _drag(qtbot, window, [(250, 50), (300, 160)], ALT)  # only "not the object"
    _settled(qtbot, window)
    assert "stroke over the object" in window.statusBar().currentMessage()
    assert not _mask(window).any()
    _drag(qtbot, window, [(60, 100), (120, 150)])  # the object: selected with the stroke before
    _settled(qtbot, window)
    assert _mask(window)[:, :200].mean() > 200 and not _mask(window)[:, 220:].any()


def test_wand_options_are_remembered_and_the_model_shows_in_the_options(qtbot, loop, errors, tmp_path):
    model = tmp_path / "model.onnx"
    model.write_bytes(b"stand-in: only its presence is checked before a box uses it")
    window = MainWindow(UserSettings(wand_tolerance=12, wand_contiguous=False, selection_model=str(model)),
                        loop=loop, settings_path=tmp_path / "settings.json")
    qtbot.addWidget(window)
    options = window.selection.wand_options
    assert options.tolerance.value() == 12 and not options.contiguous.isChecked()
    options.tolerance.spin.setValue(20)
    options.contiguous.setChecked(True)
    assert window.settings().wand_tolerance == 20 and window.settings().wand_contiguous
    method = window.selection.object_options.method.text()
    from editor.imaging.selection.model import model_runtime_available

    assert method == ("Model: model.onnx" if model_runtime_available() else "GrabCut")


def test_settings_has_a_selection_page_for_the_model(qtbot, tmp_path):
    from editor.ui.dialogs.settings import SettingsDialog

    dialog = SettingsDialog(UserSettings(), loop=None, env={})
    qtbot.addWidget(dialog)
    page = dialog.selection_page
    assert dialog.tabs.tabText(dialog.tabs.indexOf(page)) == "Selection"
    page.model.setText(str(tmp_path / "missing.onnx"))
    assert "No file is there" in page.status.text()
    assert dialog.settings().selection_model == str(tmp_path / "missing.onnx")


def test_refine_edge_where_the_mask_has_no_edge_says_so(qtbot, window, tmp_path):
    open_photo(qtbot, window, write_photo(tmp_path / "halves.png"))
    press_keys(qtbot, window, Qt.Key.Key_R)
    _drag(qtbot, window, [(60, 60), (120, 80)])
    _settled(qtbot, window)
    assert "no edge to refine" in window.statusBar().currentMessage()
    assert not window.document.mask().can_undo()


def test_opening_another_photo_stops_the_selection_and_leaves_the_new_mask_alone(qtbot, window, tmp_path):
    scene = ellipse_scene(2400, 1800)
    open_photo(qtbot, window, _save(tmp_path / "big.png", scene.photo))
    press_keys(qtbot, window, Qt.Key.Key_W, SHIFT)
    x, y, w, h = scene.box
    _drag(qtbot, window, [(x, y), (x + w, y + h)])
    assert window.selection.runner.busy()
    open_photo(qtbot, window, write_photo(tmp_path / "halves.png"))
    assert not window.selection.runner.busy()
    qtbot.wait(1500)
    assert not _mask(window).any() and not window.document.mask().can_undo()
    # Strokes now start afresh on the new photo, not from the other photo's selection.
    qtbot.mouseClick(window.selection.object_options.buttons["strokes"], LEFT_BUTTON)
    _drag(qtbot, window, [(60, 100), (120, 150)])
    _settled(qtbot, window)
    _drag(qtbot, window, [(260, 100), (320, 150)], ALT)
    _settled(qtbot, window)
    assert _mask(window)[:, :200].mean() > 200 and not _mask(window)[:, 220:].any()


def test_a_box_uses_the_segmentation_model_chosen_in_settings(qtbot, loop, errors, tmp_path):
    pytest.importorskip("onnx")
    pytest.importorskip("onnxruntime")
    from tests.imaging.tiny_models import redness_model

    # A photo GrabCut would take whole (two halves, both inside the box), the model only its red part.
    pixels = np.zeros((300, 400, 3), np.uint8)
    pixels[:] = (30, 90, 220)
    pixels[80:220, 100:200] = (220, 40, 40)
    pixels[80:220, 200:300] = (40, 200, 60)
    model = redness_model(tmp_path / "redness.onnx")
    window = MainWindow(UserSettings(selection_model=str(model)), loop=loop,
                        settings_path=tmp_path / "settings.json")
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    open_photo(qtbot, window, _save(tmp_path / "two.png", pixels))
    assert window.selection.object_options.method.text() == "Model: redness.onnx"
    press_keys(qtbot, window, Qt.Key.Key_W, SHIFT)
    _drag(qtbot, window, [(90, 70), (310, 230)])
    _settled(qtbot, window)
    red = np.zeros((300, 400), bool)
    red[80:220, 100:200] = True
    assert iou(_mask(window), red) >= 0.95
