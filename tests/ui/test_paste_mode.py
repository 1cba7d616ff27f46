"""Paste Mask mode in the window, against the loopback fake: hide and reveal a variant with the
brush on the canvas, undo and redo each stroke, change the edge feather after the fact, mix in
another variant, and get exactly the composite back from Apply, Copy and a saved project."""

from __future__ import annotations

import numpy as np
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFileDialog

from editor.core.generate import photo_pixels
from editor.core.session import PROJECT_SUFFIX
from editor.core.variant_paste import VariantSource, build_layer
from editor.imaging.mask import feather
from tests.ui.test_end_to_end import painted_window, start
from tests.ui.test_window_results import finished_job, wait_task
from tests.ui.window_driving import paint_stroke, press_keys, to_widget, wait_idle

ON_STROKE = (150, 110)  # on the stroke the job was sent with
BESIDE = (205, 95)  # outside that stroke and its feather, inside the part of the photo sent


def pixels(image) -> np.ndarray:
    data, _owner = photo_pixels(image)
    return np.array(data[..., :3], copy=True)


def at(image, point: tuple[int, int]) -> tuple[int, int, int]:
    return tuple(int(v) for v in pixels(image)[point[1], point[0]])


def enter(qtbot, window) -> tuple[str, int]:
    press_keys(qtbot, window, Qt.Key.Key_Q)
    qtbot.waitUntil(window.paste_mode.active, timeout=15000)
    return window.paste_mode.target()


def settle(qtbot, window) -> None:
    qtbot.waitUntil(lambda: not window.paste_mode._tasks.busy(), timeout=15000)


def layer_of(window, key: tuple[str, int]) -> np.ndarray:
    """The variant at the photo's size, built independently of the mode."""
    variant = next(v for v in window.queue.variants(key[0]) if v.index == key[1])
    return build_layer(VariantSource(variant.source, window.generator.context(key[0])), True)[..., :3]


def test_hide_and_reveal_the_variant_with_the_brush_and_undo_each_stroke(
        qtbot, loop, errors, tmp_path, service_env):
    service_env.spill = 1.0  # the "model" changed every pixel it was told to keep: revealing shows it
    window = painted_window(qtbot, loop, tmp_path)
    photo = window.document.photo()
    finished_job(qtbot, window, variants=1)
    key = enter(qtbot, window)
    settle(qtbot, window)
    canvas = window.canvas
    variant = layer_of(window, key)
    shown = canvas.preview()
    assert at(shown, ON_STROKE) == tuple(variant[ON_STROKE[1], ON_STROKE[0]])
    assert at(shown, BESIDE) == at(photo, BESIDE)
    assert not canvas.overlay_shown()  # the variant is looked at as it is

    press_keys(qtbot, window, Qt.Key.Key_X)  # the brush hides now
    assert canvas.tool() == "eraser"
    paint_stroke(qtbot, window, [(140, 105), (160, 115)])
    qtbot.waitUntil(lambda: at(canvas.preview(), ON_STROKE) == at(photo, ON_STROKE))
    assert window.undo_stack.undo_label() == "Paste Mask: Erase"

    press_keys(qtbot, window, Qt.Key.Key_X)  # and reveals again
    paint_stroke(qtbot, window, [(200, 95), (210, 95)])
    qtbot.waitUntil(lambda: at(canvas.preview(), BESIDE) == tuple(variant[BESIDE[1], BESIDE[0]]))
    assert at(canvas.preview(), BESIDE) != at(photo, BESIDE)
    drawn = canvas.grab().toImage().pixelColor(to_widget(window, *BESIDE))  # the rendered view itself
    expected = variant[BESIDE[1], BESIDE[0]]
    assert max(abs(a - int(b)) for a, b in zip(drawn.getRgb()[:3], expected, strict=True)) <= 2

    press_keys(qtbot, window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: at(canvas.preview(), BESIDE) == at(photo, BESIDE))
    press_keys(qtbot, window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: at(canvas.preview(), ON_STROKE) == tuple(variant[ON_STROKE[1], ON_STROKE[0]]))
    press_keys(qtbot, window, Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: at(canvas.preview(), ON_STROKE) == at(photo, ON_STROKE))
    edit_mask = window.document.mask().array().copy()

    press_keys(qtbot, window, Qt.Key.Key_Q)  # out of the mode: the tools edit the edit mask again
    assert not window.paste_mode.active()
    assert np.array_equal(window.document.mask().array(), edit_mask)  # the strokes never touched it
    qtbot.waitUntil(lambda: canvas.preview() is not None
                    and at(canvas.preview(), ON_STROKE) == at(photo, ON_STROKE))
    before = window.document.photo()
    window.results.actions["apply"].click()
    qtbot.waitUntil(lambda: window.document.photo() is not before)
    applied = window.document.photo()
    assert at(applied, ON_STROKE) == at(photo, ON_STROKE)  # hidden, so the photo's own pixel
    weight = feather(window.pastes.paste(key).own.array(), 2.0)  # the paste mask as pasted
    assert np.array_equal(pixels(applied)[weight == 0], pixels(photo)[weight == 0])
    assert np.array_equal(pixels(applied)[weight == 255], variant[weight == 255])
    assert errors == []


def test_the_shape_tools_paint_the_paste_mask_too(qtbot, loop, errors, tmp_path, service_env):
    service_env.spill = 1.0
    window = painted_window(qtbot, loop, tmp_path)
    finished_job(qtbot, window, variants=1)
    key = enter(qtbot, window)
    settle(qtbot, window)
    edit_mask = window.document.mask().array().copy()
    press_keys(qtbot, window, Qt.Key.Key_M)
    paint_stroke(qtbot, window, [(300, 220), (340, 260)])
    own = window.pastes.paste(key).own.array()
    assert own[240, 320] == 255 and own[200, 320] == 0
    assert window.undo_stack.undo_label().startswith("Paste Mask: ")
    assert np.array_equal(window.document.mask().array(), edit_mask)
    press_keys(qtbot, window, Qt.Key.Key_I, Qt.KeyboardModifier.ControlModifier)  # Invert acts on it too
    assert window.pastes.paste(key).own.array()[200, 320] == 255
    assert np.array_equal(window.document.mask().array(), edit_mask)
    window.undo_stack.undo()
    assert window.pastes.paste(key).own.array()[200, 320] == 0
    assert errors == []


def test_without_a_variant_or_in_whole_mode_it_says_why(qtbot, loop, errors, tmp_path, service_env):
    window = painted_window(qtbot, loop, tmp_path)
    press_keys(qtbot, window, Qt.Key.Key_Q)
    assert not window.paste_mode.active() and not window.actions["results.paste_mask"].isChecked()
    assert "Show or apply a variant first" in window.statusBar().currentMessage()
    finished_job(qtbot, window, variants=1)
    window.results.set_composite("whole", 2.0, True)
    press_keys(qtbot, window, Qt.Key.Key_Q)
    assert not window.paste_mode.active()
    assert "shown whole" in window.statusBar().currentMessage()
    assert errors == []


def test_feather_after_the_fact_mix_another_variant_and_copy_what_is_shown(
        qtbot, loop, errors, tmp_path, service_env, monkeypatch):
    service_env.spill = 0.5  # each variant changes other pixels outside the mask
    window = painted_window(qtbot, loop, tmp_path)
    job = finished_job(qtbot, window, variants=2)
    key = enter(qtbot, window)
    assert key == (job.id, 0)
    settle(qtbot, window)
    bar = window.paste_bar
    assert bar.controls.isVisible() and bar.source.count() == 2  # this variant, and variant 2 to mix in

    bar.feather.setValue(24)  # a key press on the slider: at once, one undo step
    qtbot.waitUntil(lambda: window.pastes.feather(key, 2.0) == 24.0)
    assert window.undo_stack.undo_label() == "Paste Edge 24 px"
    settle(qtbot, window)
    soft = pixels(window.canvas.preview())
    window.undo_stack.undo()
    settle(qtbot, window)
    assert window.pastes.feather(key, 2.0) == 2.0 and bar.feather.value() == 2
    assert not np.array_equal(pixels(window.canvas.preview()), soft)

    bar.source.setCurrentIndex(1)
    bar.source.activated.emit(1)
    qtbot.waitUntil(lambda: window.paste_mode.source() == (job.id, 1))
    paint_stroke(qtbot, window, [(195, 95), (215, 95)])
    second = layer_of(window, (job.id, 1))
    qtbot.waitUntil(lambda: at(window.canvas.preview(), BESIDE) == tuple(second[BESIDE[1], BESIDE[0]]))
    assert window.undo_stack.undo_label() == "Mix: Brush stroke"
    settle(qtbot, window)
    shown = pixels(window.canvas.preview())

    press_keys(qtbot, window, Qt.Key.Key_C)  # compare: the variant as it would be exported
    qtbot.waitUntil(window.comparison.active)
    assert np.array_equal(pixels(window.comparison.page.view._images[1]), shown)
    press_keys(qtbot, window, Qt.Key.Key_Escape, target=window.comparison.page.view)
    qtbot.waitUntil(lambda: not window.comparison.active())
    assert window.paste_mode.active()
    qtbot.waitUntil(lambda: np.array_equal(pixels(window.canvas.preview()), shown))

    window.results.command.emit("copy", *key)
    qtbot.waitUntil(lambda: not QGuiApplication.clipboard().image().isNull())
    wait_task(qtbot, window)
    assert np.array_equal(pixels(QGuiApplication.clipboard().image()), shown)
    target = tmp_path / "out.png"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    window.results.command.emit("export", *key)
    qtbot.waitUntil(target.is_file)
    wait_task(qtbot, window)
    with Image.open(target) as exported:
        assert np.array_equal(np.asarray(exported.convert("RGB")), shown)
    assert errors == []


def test_paste_masks_come_back_with_a_saved_project(qtbot, loop, errors, tmp_path, service_env, monkeypatch):
    service_env.spill = 1.0
    window = painted_window(qtbot, loop, tmp_path)
    job = finished_job(qtbot, window, variants=1)
    key = enter(qtbot, window)
    settle(qtbot, window)
    paint_stroke(qtbot, window, [(200, 95), (210, 95)])
    window.paste_bar.feather.setValue(6)
    settle(qtbot, window)
    mask = window.pastes.paste(key).own.array().copy()
    assert mask[95, 205] == 255
    target = tmp_path / "saved" / f"street{PROJECT_SUFFIX}"
    target.parent.mkdir()
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    press_keys(qtbot, window, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(target.is_file)
    wait_task(qtbot, window)

    second = tmp_path / "second"
    second.mkdir()
    other = start(qtbot, loop, second)
    other.open_path(target)
    wait_idle(qtbot, other)
    qtbot.waitUntil(lambda: key in other.pastes, timeout=15000)
    assert np.array_equal(other.pastes.paste(key).own.array(), mask)
    assert other.pastes.feather(key, 2.0) == 6.0 and job.id in other.queue
    assert not other.keeper.modified()  # reading the masks back is no new work
    other.results.choose(*key)
    variant = layer_of(other, key)
    qtbot.waitUntil(lambda: other.canvas.preview() is not None
                    and at(other.canvas.preview(), BESIDE) == tuple(variant[BESIDE[1], BESIDE[0]]))
    assert errors == []


def test_the_applied_variants_paste_mask_reshapes_the_working_photo_undoably(
        qtbot, loop, errors, tmp_path, service_env):
    service_env.spill = 1.0
    window = painted_window(qtbot, loop, tmp_path)
    original = window.document.photo()
    job = finished_job(qtbot, window, variants=1)
    window.results.actions["apply"].click()
    qtbot.waitUntil(lambda: window.document.photo() is not original)
    assert window.results.shown() is None and window.results.applied() == (job.id, 0)
    key = enter(qtbot, window)  # no variant shown: the applied one
    assert key == (job.id, 0)
    settle(qtbot, window)
    variant = layer_of(window, key)
    paint_stroke(qtbot, window, [(200, 95), (210, 95)])
    qtbot.waitUntil(lambda: at(window.canvas.preview(), BESIDE) == tuple(variant[BESIDE[1], BESIDE[0]]))
    assert at(window.document.photo(), BESIDE) == at(original, BESIDE)  # until the mode is left
    press_keys(qtbot, window, Qt.Key.Key_Q)
    qtbot.waitUntil(lambda: at(window.document.photo(), BESIDE) == tuple(variant[BESIDE[1], BESIDE[0]]))
    assert window.results.applied() == key and window.canvas.preview() is None
    press_keys(qtbot, window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # the stroke
    qtbot.waitUntil(lambda: at(window.document.photo(), BESIDE) == at(original, BESIDE))
    assert at(window.document.photo(), ON_STROKE) == tuple(variant[ON_STROKE[1], ON_STROKE[0]])
    press_keys(qtbot, window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # the Apply
    qtbot.waitUntil(lambda: window.results.applied() is None)
    assert np.array_equal(pixels(window.document.photo()), pixels(original))
    assert errors == []
