"""The main window around the canvas: opening photos every way, mask commands, undo, settings."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent, QGuiApplication, QImage
from PySide6.QtWidgets import QDialog

from editor import app as app_module
from editor.app import create_main_window
from editor.core import photo as photo_opening
from editor.settings.store import UserSettings, load_settings
from editor.ui import dialogs
from editor.ui.dialogs import mask_adjust
from editor.ui.main_window import MainWindow
from tests.ui.window_driving import LEFT, RIGHT, open_photo, paint_stroke, to_widget, wait_idle, write_photo


@pytest.fixture
def settings_path(tmp_path) -> Path:
    return tmp_path / "config" / "settings.json"


@pytest.fixture
def window(qtbot, loop, errors, settings_path, tmp_path):
    window = MainWindow(UserSettings(), loop=loop, settings_path=settings_path,
                        window_state_path=tmp_path / "window.ini")
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


@pytest.fixture
def photo_path(tmp_path) -> Path:
    return write_photo(tmp_path / "harbour.png")




def press_keys(qtbot, window: MainWindow, key: Qt.Key, modifiers=Qt.KeyboardModifier.NoModifier) -> None:
    """A key press as the user makes it: to the focused canvas of the active window."""
    window.activateWindow()
    qtbot.waitActive(window)
    window.canvas.setFocus()
    qtbot.keyClick(window.canvas, key, modifiers)


# --- empty state and opening ----------------------------------------------------------------------


def test_without_a_photo_the_window_invites_one_and_editing_is_off(window):
    assert window._stack.currentWidget() is window.empty_state
    assert "Open a photo (Ctrl+O), drop one here, or paste (Ctrl+V)" in window.empty_state.message.text()
    for key in ("edit.undo", "mask.invert", "mask.clear", "mask.grow", "mask.export", "tool.brush",
                "view.fit"):
        assert not window.actions[key].isEnabled(), key
    assert window.actions["file.open"].isEnabled() and window.actions["file.paste"].isEnabled()
    assert window.windowTitle() == "Maskedit"


def test_opening_a_photo_shows_it_with_title_and_status(qtbot, window, photo_path, settings_path):
    open_photo(qtbot, window, photo_path)
    assert window.windowTitle() == "harbour.png[*] — Maskedit"
    assert window._stack.currentWidget() is window.canvas
    assert window.status.size.text() == "400 × 300 px · 0.1 MP"
    assert window.status.zoom.text().endswith("%")
    assert window.status.coverage.text() == "Mask 0.0 %"
    frame = window.canvas.grab().toImage()
    left, right = to_widget(window, 100, 150), to_widget(window, 300, 150)
    assert frame.pixelColor(left).getRgb()[:3] == LEFT
    assert frame.pixelColor(right).getRgb()[:3] == RIGHT
    assert window.actions["mask.invert"].isEnabled()
    # The recent file is saved at once (by a worker), so a crash cannot lose it.
    qtbot.waitUntil(lambda: load_settings(settings_path).recent_files == (str(photo_path),))


def threads_calling(monkeypatch, module, name: str) -> list[threading.Thread]:
    """The threads that call `module.name` from now on, in order (the function still runs)."""
    threads: list[threading.Thread] = []
    real = getattr(module, name)

    def spy(*args, **kwargs):
        threads.append(threading.current_thread())
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, spy)
    return threads


def test_the_settings_file_is_written_off_the_gui_thread(qtbot, window, photo_path, settings_path,
                                                        monkeypatch):
    """Writing and syncing the settings can take hundreds of ms on a busy disk: opening a photo
    (a recent file) or Generate (the prompt history) never waits for it; closing does."""
    from editor.settings import store

    threads = threads_calling(monkeypatch, store, "save_settings")
    open_photo(qtbot, window, photo_path)
    qtbot.waitUntil(lambda: load_settings(settings_path).recent_files == (str(photo_path),))
    assert threads and threading.main_thread() not in threads
    window.close()
    assert threads[-1] is threading.main_thread()


def test_the_photo_is_decoded_off_the_gui_thread(qtbot, window, photo_path, monkeypatch):
    threads = threads_calling(monkeypatch, photo_opening, "load_image")
    window.open_path(photo_path)
    assert window.busy() and window.status.busy.isVisible()  # the window is free while decoding
    wait_idle(qtbot, window)
    assert len(threads) == 1 and threads[0] is not threading.main_thread()
    assert not window.status.busy.isVisible()
    assert window.document.is_open()


@pytest.mark.parametrize("content", [b"", b"not an image at all", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00"])
def test_a_bad_file_is_reported_and_the_open_photo_stays(qtbot, window, photo_path, errors, tmp_path,
                                                        content):
    open_photo(qtbot, window, photo_path)
    before = window.document.photo()
    bad = tmp_path / "broken.png"
    bad.write_bytes(content)
    open_photo(qtbot, window, bad)
    assert len(errors) == 1
    _title, message = errors[0]
    assert "broken.png" in message and "Traceback" not in message
    assert window.document.path() == photo_path and window.document.photo() is before
    assert window.windowTitle() == "harbour.png[*] — Maskedit"


def test_a_photo_over_the_pixel_limit_is_refused_with_the_limit(qtbot, loop, errors, tmp_path):
    window = MainWindow(UserSettings(max_megapixels=1), loop=loop, settings_path=tmp_path / "s.json")
    qtbot.addWidget(window)
    open_photo(qtbot, window, write_photo(tmp_path / "big.png", 1200, 1000))
    assert not window.document.is_open()
    assert "1 MP" in errors[0][1]


def test_dropping_a_file_opens_it(qtbot, window, photo_path):
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(photo_path))])
    event = QDropEvent(QPointF(50, 50), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    window.dropEvent(event)
    wait_idle(qtbot, window)
    assert window.document.path() == photo_path


def test_a_drag_is_accepted_only_when_it_carries_a_local_file_or_an_image(window, photo_path):
    from PySide6.QtGui import QDragEnterEvent

    def drag(mime: QMimeData) -> bool:
        event = QDragEnterEvent(QPoint(40, 40), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                                Qt.KeyboardModifier.NoModifier)
        event.ignore()
        window.dragEnterEvent(event)
        return event.isAccepted()

    with_file, with_text = QMimeData(), QMimeData()
    with_file.setUrls([QUrl.fromLocalFile(str(photo_path))])
    with_text.setText("hello")
    assert drag(with_file) and not drag(with_text)


def test_a_web_address_is_refused_with_a_reason(qtbot, window, errors):
    QGuiApplication.clipboard().setText("https://example.com/photo.jpg")
    window.opener.paste()
    assert "download it first" in errors[0][1] and not window.document.is_open()


def test_cancelling_the_save_question_keeps_the_painted_mask(qtbot, window, photo_path, tmp_path,
                                                             monkeypatch):
    open_photo(qtbot, window, photo_path)
    window.actions["mask.invert"].trigger()
    asked = []
    monkeypatch.setattr(dialogs, "ask_save_changes",
                        lambda _parent, question, detail: asked.append((question, detail)) or dialogs.CANCEL)
    open_photo(qtbot, window, write_photo(tmp_path / "other.png"))
    assert asked == [("Save your work on harbour.png as a project?",
                      "If you don't save, the mask and the prompt are lost.")]
    assert window.document.path() == photo_path and window.document.mask().array().all()


def test_pasting_an_image_opens_it_without_a_path(qtbot, window):
    image = QImage(64, 48, QImage.Format.Format_RGB32)
    image.fill(Qt.GlobalColor.green)
    QGuiApplication.clipboard().setImage(image)
    window.actions["file.paste"].trigger()
    wait_idle(qtbot, window)
    assert window.document.is_open() and window.document.path() is None
    assert window.document.photo().size() == image.size()
    assert window.windowTitle() == "Pasted image[*] — Maskedit"


def test_pasting_a_copied_file_path_opens_the_file(qtbot, window, photo_path):
    QGuiApplication.clipboard().setText(str(photo_path))
    window.opener.paste()
    wait_idle(qtbot, window)
    assert window.document.path() == photo_path


def test_pasting_text_that_is_no_image_says_so(qtbot, window):
    QGuiApplication.clipboard().setText("just some words")
    window.opener.paste()
    assert not window.document.is_open()
    assert "no image" in window.statusBar().currentMessage()


def test_a_missing_recent_file_is_removed_with_a_message(qtbot, window, photo_path, errors, settings_path):
    open_photo(qtbot, window, photo_path)
    photo_path.unlink()
    window.opener.open_recent(str(photo_path))
    assert "no longer" in errors[0][1]
    assert load_settings(settings_path).recent_files == ()


def test_recent_menu_lists_opened_photos_newest_first(qtbot, window, tmp_path):
    first, second = write_photo(tmp_path / "one.png"), write_photo(tmp_path / "two.png")
    open_photo(qtbot, window, first)
    open_photo(qtbot, window, second)
    menu = window.actions.submenu("file.recent")
    menu.aboutToShow.emit()
    assert [a.text() for a in menu.actions() if a.text()][:2] == ["two.png", "one.png"]


# --- painting, undo, mask commands --------------------------------------------------------------------


def test_a_painted_stroke_undoes_and_redoes_through_the_actions(qtbot, window, photo_path):
    open_photo(qtbot, window, photo_path)
    mask = window.document.mask()
    paint_stroke(qtbot, window, [(100, 150), (150, 150), (200, 150)])
    assert mask.array()[150, 150] == 255 and mask.array()[20, 20] == 0
    assert window.actions["edit.undo"].text().replace("&", "") == "Undo Brush stroke"
    assert window.actions["edit.undo"].isEnabled() and not window.actions["edit.redo"].isEnabled()
    press_keys(qtbot, window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert not mask.array().any()
    assert window.actions["edit.redo"].text().replace("&", "") == "Redo Brush stroke"
    press_keys(qtbot, window, Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier)
    assert mask.array()[150, 150] == 255
    qtbot.waitUntil(lambda: window.status.coverage.text() not in ("", "Mask 0.0 %"))


def test_ctrl_i_inverts_and_delete_clears(qtbot, window, photo_path):
    open_photo(qtbot, window, photo_path)
    press_keys(qtbot, window, Qt.Key.Key_I, Qt.KeyboardModifier.ControlModifier)
    assert (window.document.mask().array() == 255).all()
    press_keys(qtbot, window, Qt.Key.Key_Delete)
    assert not window.document.mask().array().any()


def test_tool_keys_switch_tools_and_show_their_options(qtbot, window, photo_path):
    open_photo(qtbot, window, photo_path)
    press_keys(qtbot, window, Qt.Key.Key_G)
    assert window.canvas.tool() == "fill" and window.actions["tool.fill"].isChecked()
    options = window.tool_options
    assert options.tolerance.isVisibleTo(window) and not options.size.isVisibleTo(window)
    press_keys(qtbot, window, Qt.Key.Key_M, Qt.KeyboardModifier.ShiftModifier)
    assert window.canvas.tool() == "ellipse"
    window.actions["tool.brush"].trigger()
    assert window.canvas.tool() == "brush" and window.tool_options.size.isVisibleTo(window)


def test_bracket_keys_resize_the_brush_and_the_size_widget_follows(qtbot, window, photo_path):
    open_photo(qtbot, window, photo_path)
    size = window.tool_options.size.spin
    start = size.value()
    press_keys(qtbot, window, Qt.Key.Key_BracketRight)
    assert size.value() > start and size.value() == round(window.canvas.brush().diameter)
    press_keys(qtbot, window, Qt.Key.Key_BracketLeft)
    press_keys(qtbot, window, Qt.Key.Key_BracketLeft)
    assert size.value() < start


def test_the_size_widget_sets_the_canvas_brush(qtbot, window, photo_path):
    open_photo(qtbot, window, photo_path)
    window.tool_options.size.spin.setValue(250)
    window.tool_options.hardness.spin.setValue(30)
    brush = window.canvas.brush()
    assert (brush.diameter, brush.hardness) == (250, 0.3)


@pytest.mark.parametrize("convention", ["alpha", "white-edits", "black-edits"])
def test_importing_a_mask_in_each_convention_is_one_undo_step(qtbot, window, photo_path, tmp_path,
                                                             convention):
    open_photo(qtbot, window, photo_path)
    edit = np.zeros((300, 400), bool)
    edit[50:120, 60:200] = True
    if convention == "alpha":
        rgba = np.zeros((300, 400, 4), np.uint8)
        rgba[..., 3] = np.where(edit, 0, 255)
        Image.fromarray(rgba, "RGBA").save(tmp_path / "mask.png")
    else:
        white = edit if convention == "white-edits" else ~edit
        Image.fromarray(np.where(white, 255, 0).astype(np.uint8), "L").save(tmp_path / "mask.png")
    window.masks.import_file(tmp_path / "mask.png", convention)
    wait_idle(qtbot, window)
    mask = window.document.mask()
    assert np.array_equal(mask.array() == 255, edit)
    assert mask.undo_label() == "Import mask"
    mask.undo()
    assert not mask.array().any() and not mask.can_undo()


def test_a_mask_of_another_size_is_refused_and_the_mask_kept(qtbot, window, photo_path, tmp_path, errors):
    open_photo(qtbot, window, photo_path)
    window.actions["mask.invert"].trigger()
    Image.new("L", (10, 10), 255).save(tmp_path / "small.png")
    window.masks.import_file(tmp_path / "small.png", "white-edits")
    wait_idle(qtbot, window)
    assert "same size" in errors[0][1]
    assert (window.document.mask().array() == 255).all()


def test_exported_mask_is_transparent_exactly_where_painted(qtbot, window, photo_path, tmp_path):
    open_photo(qtbot, window, photo_path)
    paint_stroke(qtbot, window, [(80, 80), (220, 200)])
    coverage = window.document.mask().array().copy()
    window.masks.export_file(tmp_path / "out.png")
    wait_idle(qtbot, window)
    exported = Image.open(tmp_path / "out.png")
    assert exported.mode == "RGBA" and exported.size == (400, 300)
    alpha = np.asarray(exported)[..., 3]
    assert np.array_equal(alpha == 0, coverage >= 128)
    assert (alpha[coverage < 128] == 255).all()
    assert "out.png" in window.statusBar().currentMessage()


def test_grow_through_the_dialog_is_one_undo_step(qtbot, window, photo_path, monkeypatch):
    open_photo(qtbot, window, photo_path)
    paint_stroke(qtbot, window, [(200, 150)])
    painted = window.document.mask().array().copy()

    def accept_with_5px(dialog):
        dialog.spin.setValue(5)
        dialog.done(QDialog.DialogCode.Accepted)
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(mask_adjust.MaskAdjustDialog, "exec", accept_with_5px)
    window.actions["mask.grow"].trigger()
    mask = window.document.mask()
    assert np.count_nonzero(mask.array()) > np.count_nonzero(painted)
    assert mask.undo_label() == "Grow mask 5 px"
    mask.undo()
    assert np.array_equal(mask.array(), painted)


def test_overlay_toggle_hides_the_overlay_only(qtbot, window, photo_path):
    open_photo(qtbot, window, photo_path)
    press_keys(qtbot, window, Qt.Key.Key_H)
    assert not window.canvas.mask_visible() and not window.actions["mask.overlay"].isChecked()
    press_keys(qtbot, window, Qt.Key.Key_H)
    assert window.canvas.mask_visible()


# --- settings, state, errors ---------------------------------------------------------------------------


def test_closing_saves_the_brush_and_the_window_state(qtbot, loop, errors, tmp_path, settings_path):
    state = tmp_path / "window.ini"
    first = MainWindow(UserSettings(), loop=loop, settings_path=settings_path, window_state_path=state)
    qtbot.addWidget(first)
    first.show()
    first.resize(760, 540)  # within the offscreen screen (800 × 600) and above the docks' minimum
    first.tool_options.size.spin.setValue(123)
    first.close()
    assert load_settings(settings_path).brush_diameter == 123
    second = MainWindow(load_settings(settings_path), loop=loop, settings_path=settings_path,
                        window_state_path=state)
    qtbot.addWidget(second)
    assert (second.size().width(), second.size().height()) == (760, 540)
    assert second.tool_options.size.spin.value() == 123 and second.canvas.brush().diameter == 123


def test_preferences_are_applied_and_saved(qtbot, window, settings_path, monkeypatch):
    from editor.ui.dialogs.settings import SettingsDialog

    def change_and_accept(dialog):
        page = dialog.canvas_page
        page.opacity.setValue(70)
        page.fill_tolerance.setValue(90)
        page.threshold.setValue(200)
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(SettingsDialog, "exec", change_and_accept)
    window.actions["file.preferences"].trigger()
    # Saved by a worker, the window never waiting for the disk.
    qtbot.waitUntil(lambda: load_settings(settings_path).overlay_opacity == 0.7)
    saved = load_settings(settings_path)
    assert (saved.overlay_opacity, saved.fill_tolerance, saved.mask_threshold) == (0.7, 90, 200)
    assert window.tool_options.tolerance.value() == 90


def test_an_unexpected_error_becomes_a_sentence_not_a_traceback(qtbot, window, photo_path, monkeypatch,
                                                                errors):
    def broken(*_args, **_kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(photo_opening, "load_image", broken)
    open_photo(qtbot, window, photo_path)
    message = window.statusBar().currentMessage()
    assert message.startswith("Something went wrong") and "boom" not in message
    assert not window.status.busy.isVisible() and errors == []


# --- end to end -----------------------------------------------------------------------------------------


def test_app_builds_the_window_opens_the_command_line_photo_paints_and_undoes(qtbot, loop, errors, tmp_path,
                                                                           monkeypatch):
    photo = write_photo(tmp_path / "street.png")
    window = create_main_window(app_module.photo_arguments(["--flag", str(photo)]), loop=loop,
                                settings_path=tmp_path / "settings.json",
                                window_state_path=tmp_path / "window.ini")
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    wait_idle(qtbot, window)
    assert window.windowTitle() == "street.png[*] — Maskedit"
    paint_stroke(qtbot, window, [(50, 50), (120, 90), (300, 250)])
    assert window.document.mask().array()[90, 120] == 255
    press_keys(qtbot, window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert not window.document.mask().array().any()
