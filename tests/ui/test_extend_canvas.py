"""Edit ▸ Extend Canvas in the real window: the dialog's geometry, the extension as one undo step
(undo and redo), the mask still paintable, Generate filling the margins offline, the estimate
under Generate, and a project round trip."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

from editor.core.generate import photo_pixels
from editor.imaging.extend import Extension
from editor.ui.dialogs.extend_canvas import CUSTOM, FREE, ExtendCanvasDialog
from tests.ui.test_generate import make_window
from tests.ui.window_driving import open_photo, paint_stroke, to_widget, wait_finished, write_photo


@pytest.fixture
def window(qtbot, loop, errors, tmp_path):
    window = make_window(qtbot, loop, tmp_path)
    open_photo(qtbot, window, write_photo(tmp_path / "photo.png", 400, 300))
    return window


def extend(qtbot, window, extension: Extension, band: int = 32) -> None:
    window.extender.extend(extension, band)
    qtbot.waitUntil(lambda: window.document.photo().width() == 400 + extension.left + extension.right,
                    timeout=10000)


def pixels_of(image: QImage) -> np.ndarray:
    """A copy of the image's RGB(A) pixels, made while the converted image they view is alive."""
    pixels, _owner = photo_pixels(image)
    return np.array(pixels)


def plan_text(_size, extension, band):
    return f"plan {extension.sides} {band}", ""


def test_the_dialog_computes_aspects_with_anchors_and_refuses_bad_values(qtbot):
    dialog = ExtendCanvasDialog(QImage(40, 30, QImage.Format.Format_RGB32), (400, 300), plan_text=plan_text,
                                max_pixels=1_000_000)
    qtbot.addWidget(dialog)
    dialog.aspect.setCurrentText("16:9")
    assert dialog.extension() == Extension(72, 3, 72, 3)  # the least exact 16:9 canvas: 544×306
    dialog.anchors.button(0).click()  # top-left: all new room right and below
    assert dialog.extension() == Extension(0, 0, 144, 6)
    assert "plan (0, 0, 144, 6) 32" in dialog.plan_line.text()
    dialog.aspect.setCurrentText(CUSTOM)
    dialog.custom.setText("4:3")
    assert dialog.extension() is None and "already 4:3" in dialog.problem.text()
    assert not dialog.extend_button.isEnabled()
    dialog.aspect.setCurrentText(FREE)
    for spin in dialog.sides.values():
        spin.setValue(0)
    assert dialog.extension() is None and dialog.problem.text() == "Nothing to extend: every side is 0 px."
    dialog.sides["right"].setValue(5000)
    assert dialog.extension() is None and "the limit is 1 MP" in dialog.problem.text()
    dialog.sides["right"].setValue(100)
    assert dialog.extension() == Extension(0, 0, 100, 0) and dialog.extend_button.isEnabled()


def test_extending_is_one_undo_step_and_the_mask_stays_paintable(qtbot, window):
    before = pixels_of(window.document.photo()).copy()
    extend(qtbot, window, Extension(50, 0, 50, 20), band=16)
    photo, mask = window.document.photo(), window.document.mask()
    assert (photo.width(), photo.height()) == (500, 320)
    pixels = pixels_of(photo)
    assert (pixels[:, :50, 3] == 0).all() and np.array_equal(pixels[0:300, 50:450, :3], before)
    assert (pixels[0:300, 50:450, 3] == 255).all()
    coverage = mask.array()
    assert (coverage[:, :66] == 255).all() and (coverage[:284, 66:434] == 0).all()
    assert window.undo_stack.undo_label() == "Extend Canvas to 500×320"
    assert window.generate_bar.estimate.toolTip().startswith("Canvas 500×320 · filled offline")

    paint_stroke(qtbot, window, [(200, 150), (260, 150)])  # painting by hand still works
    assert mask.array()[150, 230] > 0
    window.undo_stack.undo()  # the stroke
    window.undo_stack.undo()  # the extension
    assert window.document.photo().size().toTuple() == (400, 300)
    assert np.array_equal(pixels_of(window.document.photo())[..., :3], before)
    window.undo_stack.redo()
    assert window.document.photo().size().toTuple() == (500, 320)
    assert window.document.mask() is mask


def test_generate_fills_the_margins_offline(qtbot, window):
    window.document.update_options(provider="local", model="auto")
    extend(qtbot, window, Extension(0, 0, 120, 0))
    job_id = window.generation.generate()
    job = wait_finished(qtbot, window, job_id, timeout=60000)
    assert job.state.name == "DONE", job.message
    (variant,) = window.queue.variants(job_id)
    assert variant.pixels.shape[:2] == (300, 520)
    assert (variant.pixels[..., :3][:, 430:] != 0).any()
    assert (variant.pixels[:, 400:, 3] == 255).all()  # the margins come back opaque, shown as filled
    kept = pixels_of(window.document.photo())[:, :368, :3]
    assert np.array_equal(variant.pixels[:, :368, :3], kept)


def test_an_extended_canvas_survives_a_project_round_trip(qtbot, window, tmp_path, loop):
    extend(qtbot, window, Extension(30, 0, 0, 0))
    coverage = window.document.mask().array().copy()
    path = tmp_path / "banner.maskedit"
    loop.run_until_complete(window.keeper.save_as(path))
    loop.run_until_complete(window.keeper.open_file(path))
    qtbot.waitUntil(lambda: window.document.photo() is not None and window.document.photo().width() == 430,
                    timeout=15000)
    assert np.array_equal(window.document.mask().array(), coverage)
    assert (pixels_of(window.document.photo())[:, :30, 3] == 0).all()
    # Reopened, the canvas is known for what it is: Generate says it extends.
    qtbot.waitUntil(lambda: window.extender.current() == (Extension(30, 0, 0, 0), 32), timeout=15000)
    assert window.generate_bar.estimate.toolTip().startswith("Canvas 430×300 · filled offline")


def test_dragging_an_edge_outward_with_the_extend_tool_extends_the_canvas(qtbot, window):
    fitted = window.canvas.zoom()
    window.canvas.set_tool("extend")
    canvas = window.canvas
    assert canvas.zoom() < fitted  # room around the photo to drag into
    # Grab the right edge (the photo's outer third) and drag 60 image px outward, then down-left
    # from the bottom-left corner: two sides at once.
    start, end = to_widget(window, 380, 150), to_widget(window, 440, 150)
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(canvas, end)
    assert window.canvas._tool.preview_path().boundingRect().width() == pytest.approx(460, abs=2)
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=end)
    qtbot.waitUntil(lambda: window.document.photo().width() > 400, timeout=10000)
    width = window.document.photo().width()
    assert 455 <= width <= 465 and window.document.photo().height() == 300
    assert window.undo_stack.undo_label() == f"Extend Canvas to {width}×300"
    start = to_widget(window, 20, 290)
    end = to_widget(window, -10, 320)
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(canvas, end)
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=end)
    qtbot.waitUntil(lambda: window.document.photo().height() > 300, timeout=10000)
    assert window.document.photo().width() > width


def test_a_press_in_the_middle_grabs_no_edge(qtbot, window):
    window.canvas.set_tool("extend")
    start, end = to_widget(window, 200, 150), to_widget(window, 260, 190)
    qtbot.mousePress(window.canvas, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(window.canvas, end)
    qtbot.mouseRelease(window.canvas, Qt.MouseButton.LeftButton, pos=end)
    qtbot.wait(200)
    assert window.document.photo().size().toTuple() == (400, 300) and not window.undo_stack.can_undo()
