"""Generate in the window: when it is available (and why not), one job per press, what a job is
made from, Esc between the canvas and the jobs, the prompt shortcuts, and the backend factory."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QKeySequence
from PySide6.QtWidgets import QApplication

from editor.app import build_backend
from editor.backends.base import InvalidRequest
from editor.core.generate import photo_pixels
from editor.core.jobs import JobState
from editor.pipeline.options import EditOptions
from editor.settings.environment import base_url_for
from editor.settings.store import UserSettings, load_settings
from editor.ui.main_window import MainWindow
from tests.fakes.faults import Fault
from tests.ui.window_driving import (
    generate_with_keys,
    open_photo,
    paint_stroke,
    press_keys,
    to_widget,
    wait_finished,
    write_photo,
)


def make_window(qtbot, loop, tmp_path, env: dict | None = None) -> MainWindow:
    window = MainWindow(UserSettings(), loop=loop, settings_path=tmp_path / "settings.json",
                        build_backend=build_backend, env=env or {})
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


@pytest.fixture
def window(qtbot, loop, errors, tmp_path):
    return make_window(qtbot, loop, tmp_path)


@pytest.fixture
def service_window(qtbot, loop, errors, tmp_path, edit_server, fake_api_key):
    env = {"MASKEDIT_PROVIDER": "custom", "MASKEDIT_BASE_URL": edit_server.base_url,
           "MASKEDIT_API_KEY": fake_api_key}
    window = make_window(qtbot, loop, tmp_path, env)
    open_photo(qtbot, window, write_photo(tmp_path / "photo.png"))
    paint_stroke(qtbot, window, [(100, 100), (200, 150)])
    window.document.set_prompt("a red bicycle")
    return window


def blocker(window) -> str | None:
    window.generator.refresh()
    return window.generator.blocker()


# --- available or not, and why ----------------------------------------------------------------------


def test_generate_says_why_it_cannot_run_yet(qtbot, window, tmp_path):
    bar = window.generate_bar
    assert not bar.button.isEnabled() and bar.button.toolTip() == "Open a photo first"
    ctrl = Qt.KeyboardModifier.ControlModifier
    press_keys(qtbot, window, Qt.Key.Key_Return, ctrl, window.prompt_panel.editor)
    assert window.queue.jobs() == [] and "Open a photo first" in window.statusBar().currentMessage()

    open_photo(qtbot, window, write_photo(tmp_path / "photo.png"))
    assert bar.reason.text() == "Paint the area to change first — the mask is empty"
    paint_stroke(qtbot, window, [(50, 50), (90, 60)])
    qtbot.waitUntil(lambda: bar.button.isEnabled())  # offline needs no prompt and no key
    assert bar.button.toolTip().startswith("Send the photo, mask and prompt")

    window.document.update_options(provider="requesty", model="azure/openai/gpt-image-1")
    assert bar.reason.text() == "Write a prompt describing the change" and not bar.button.isEnabled()
    window.document.set_prompt("a red bicycle")
    assert bar.reason.text() == "No API key for Requesty — open Settings"
    assert bar.button.toolTip() == "No API key for Requesty — open Settings"

    window.document.update_options(provider="custom", model="gpt-image-1")
    assert blocker(window) == "No base URL for the Custom (OpenAI-compatible) provider — open Settings"

    window.document.mask().clear()
    qtbot.waitUntil(lambda: bar.reason.text().startswith("Paint"))


def test_a_key_in_the_environment_or_keychain_makes_it_available(qtbot, loop, errors, tmp_path,
                                                                 memory_keyring):
    window = make_window(qtbot, loop, tmp_path, {"REQUESTY_API_KEY": "rq-123"})
    open_photo(qtbot, window, write_photo(tmp_path / "photo.png"))
    paint_stroke(qtbot, window, [(50, 50)])
    window.document.update_options(provider="requesty", model="azure/openai/gpt-image-1")
    window.document.set_prompt("x")
    assert blocker(window) is None
    window.document.update_options(provider="openai", model="gpt-image-1")
    assert blocker(window) == "No API key for OpenAI — open Settings"
    memory_keyring.set_password("maskedit", "openai", "sk-kept")
    window._settings_closed()  # what closing Settings does: look for keys again
    assert blocker(window) is None


# --- jobs ---------------------------------------------------------------------------------------------


def test_each_press_is_one_job_and_the_button_works_too(qtbot, loop, errors, tmp_path):
    window = make_window(qtbot, loop, tmp_path)
    open_photo(qtbot, window, write_photo(tmp_path / "photo.png"))
    paint_stroke(qtbot, window, [(50, 50), (120, 80)])
    first = generate_with_keys(qtbot, window)
    window.generate_bar.button.click()
    assert len(window.queue.jobs()) == 2
    for job in window.queue.jobs():
        assert wait_finished(qtbot, window, job.id).state is JobState.DONE
    assert first.options.provider == "local"
    assert [len(window.queue.variants(job.id)) for job in window.queue.jobs()] == [1, 1]


def test_a_job_sends_the_file_as_it_is_until_the_photo_changes(qtbot, service_window, edit_server, tmp_path):
    window = service_window
    wait_finished(qtbot, window, generate_with_keys(qtbot, window).id)
    assert edit_server.edit_requests[-1].image_bytes[0] == (tmp_path / "photo.png").read_bytes()
    changed = window.document.photo().copy()
    changed.setPixelColor(0, 0, Qt.GlobalColor.white)
    window.document.set_photo(changed)
    assert window.opener.original_bytes() is None
    wait_finished(qtbot, window, generate_with_keys(qtbot, window).id)
    assert edit_server.edit_requests[-1].image_bytes[0] != (tmp_path / "photo.png").read_bytes()


def test_the_prompt_and_options_are_those_of_the_press(qtbot, service_window, edit_server):
    window = service_window
    edit_server.script(Fault.slow(0.5))
    job = generate_with_keys(qtbot, window)
    window.document.set_prompt("something else")
    window.document.update_options(n=3)
    wait_finished(qtbot, window, job.id)
    sent = edit_server.edit_requests[-1].fields
    assert sent["prompt"] == "a red bicycle" and sent["n"] == "1"
    assert window.prompt_panel.history()[0] == "a red bicycle"


def test_esc_closes_a_polygon_in_progress_before_it_cancels_a_job(qtbot, service_window, edit_server):
    window = service_window
    edit_server.script(Fault.slow(5))
    job = generate_with_keys(qtbot, window)
    before = window.document.mask().array().copy()
    window.actions["tool.polygon"].trigger()
    for x, y in ((300, 40), (380, 40), (380, 120)):
        qtbot.mouseClick(window.canvas, Qt.MouseButton.LeftButton, pos=to_widget(window, x, y))
    press_keys(qtbot, window, Qt.Key.Key_Escape)
    assert not window.queue.job(job.id).state.finished  # the polygon took the Esc
    press_keys(qtbot, window, Qt.Key.Key_Return)  # nothing left to close
    assert np.array_equal(window.document.mask().array(), before)
    press_keys(qtbot, window, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: window.queue.job(job.id).state is JobState.CANCELLED, timeout=3000)


# --- shortcuts -----------------------------------------------------------------------------------------


def test_ctrl_l_focuses_the_prompt_and_ctrl_enter_there_generates(qtbot, service_window):
    window = service_window
    press_keys(qtbot, window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.focusWidget() is window.prompt_panel.editor
    job = generate_with_keys(qtbot, window, window.prompt_panel.editor)
    assert window.prompt_panel.editor.toPlainText() == "a red bicycle"  # no newline typed
    assert wait_finished(qtbot, window, job.id).state is JobState.DONE


@pytest.mark.parametrize(("shortcut", "key"), [
    ("Ctrl+Return", "generate.run"), ("Ctrl+Enter", "generate.run"), ("Esc", "generate.cancel"),
    ("Ctrl+L", "generate.focus_prompt"), ("Ctrl+,", "file.preferences"),
])
def test_the_generate_shortcuts_are_in_the_action_table(window, shortcut, key):
    portable = QKeySequence.SequenceFormat.PortableText
    sequences = [s.toString(portable) for s in window.actions[key].shortcuts()]
    assert QKeySequence(shortcut).toString(portable) in sequences


# --- the snapshot's pixels ------------------------------------------------------------------------------


def test_photo_pixels_are_a_view_in_rgb_order(qapp):
    image = QImage(5, 3, QImage.Format.Format_RGB32)
    image.fill(0x112233)
    pixels, owner = photo_pixels(image)
    assert owner is image and pixels.shape == (3, 5, 3) and not pixels.flags.writeable
    assert tuple(pixels[1, 2]) == (0x11, 0x22, 0x33)
    assert np.shares_memory(pixels, np.frombuffer(image.constBits(), np.uint8))


def test_photo_pixels_keep_transparency_unpremultiplied(qapp):
    image = QImage(4, 2, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(0x80402010)  # premultiplied: alpha 0x80
    pixels, _owner = photo_pixels(image)
    assert pixels.shape == (2, 4, 4) and pixels[0, 0, 3] == 0x80
    assert abs(int(pixels[0, 0, 0]) - 0x80) <= 1  # 0x40 unpremultiplied by 0x80/255


# --- backends -------------------------------------------------------------------------------------------


def test_the_backend_factory_says_when_a_key_is_missing():
    with pytest.raises(InvalidRequest, match="No API key for Requesty"):
        build_backend(EditOptions(provider="requesty"), UserSettings(), {})


def test_the_backend_factory_uses_the_environments_base_url_key_and_timeout(edit_server):
    env = {"MASKEDIT_PROVIDER": "custom", "MASKEDIT_BASE_URL": edit_server.base_url,
           "MASKEDIT_API_KEY": "sk-x"}
    backend = build_backend(EditOptions(provider="custom", model="gpt-image-1"),
                            UserSettings(read_timeout_s=12.0), env)
    assert backend.base_url == edit_server.base_url
    assert base_url_for(UserSettings(base_urls=(("openai", "https://a.example/v1"),)), "openai", env) == \
        "https://a.example/v1"  # the override is for the provider it names


def test_a_provider_forced_by_the_environment_is_not_remembered(qtbot, loop, errors, tmp_path):
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"provider": "openai", "model": "gpt-image-1.5"}))
    window = MainWindow(load_settings(path), loop=loop, settings_path=path,
                        env={"MASKEDIT_PROVIDER": "custom", "MASKEDIT_MODEL": "my-model"})
    qtbot.addWidget(window)
    assert (window.document.options().provider, window.document.options().model) == ("custom", "my-model")
    assert window.docks.provider_status.text() == "Custom · my-model"
    window.save_settings()
    saved = load_settings(path)
    assert (saved.provider, saved.model) == ("openai", "gpt-image-1.5")
