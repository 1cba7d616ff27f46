"""Small habits of a professional tool (issue: "small things"): the title names the project and
marks unsaved work, file choosers start where the photo is, a new photo starts with an empty
prompt, and each provider's choices (the number of variants among them) come back."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

from editor.settings.store import UserSettings, load_settings
from editor.ui import dialogs
from editor.ui.main_window import MainWindow
from tests.ui.window_driving import open_photo, paint_stroke, press_keys, wait_idle, write_photo


@pytest.fixture
def make_window(qtbot, loop, errors, tmp_path):
    def make(settings: UserSettings | None = None) -> MainWindow:
        window = MainWindow(settings or UserSettings(), loop=loop, settings_path=tmp_path / "settings.json",
                            window_state_path=tmp_path / "window.ini")
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        return window
    return make


def test_the_title_marks_unsaved_work_and_names_the_saved_project(qtbot, make_window, tmp_path, monkeypatch):
    window = make_window()
    open_photo(qtbot, window, write_photo(tmp_path / "harbour.png"))
    assert window.windowTitle() == "harbour.png[*] — Maskedit" and not window.isWindowModified()
    paint_stroke(qtbot, window, [(50, 50), (120, 80)])
    assert window.isWindowModified()  # painted, in no file yet

    target = tmp_path / "Banner.maskedit"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    press_keys(qtbot, window, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not window.isWindowModified(), timeout=15000)
    assert target.is_file()
    assert window.windowTitle() == "Banner.maskedit[*] — harbour.png — Maskedit"

    paint_stroke(qtbot, window, [(200, 200), (240, 220)])
    assert window.isWindowModified()


def test_file_choosers_start_in_the_photos_folder(qtbot, make_window, tmp_path, monkeypatch):
    folder = tmp_path / "shoot"
    folder.mkdir()
    window = make_window()
    open_photo(qtbot, window, write_photo(folder / "harbour.png"))
    starts: list[str] = []
    def chooser(_parent, _title, start, *_args):
        starts.append(start)
        return "", ""
    monkeypatch.setattr(QFileDialog, "getSaveFileName", chooser)
    monkeypatch.setattr(dialogs, "ask_photo_path", lambda _parent, start="": starts.append(start))
    window.projects.save_as()
    window.opener.ask_and_open()
    assert [Path(start) for start in starts] == [folder / "harbour.maskedit", folder]


def test_another_photo_starts_with_an_empty_prompt_and_the_old_one_in_the_history(
        qtbot, make_window, tmp_path):
    window = make_window(UserSettings(last_prompt="remove the boat"))
    assert window.document.prompt() == "remove the boat"  # the last session's, until a photo opens
    open_photo(qtbot, window, write_photo(tmp_path / "harbour.png"))
    assert window.document.prompt() == ""
    assert window.prompt_panel.history()[0] == "remove the boat"

    window.document.set_prompt("make the sky warmer")
    open_photo(qtbot, window, tmp_path / "harbour.png")  # the same photo again keeps what was written
    assert window.document.prompt() == "make the sky warmer"


def test_each_provider_gets_back_its_own_variants_and_model_after_a_restart(qtbot, make_window, tmp_path,
                                                                            monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-habits-0000000000")
    monkeypatch.setenv("REQUESTY_API_KEY", "rq-test-habits-0000000000")
    window = make_window(UserSettings(provider="openai", model="gpt-image-1"))
    panel = window.options_panel
    panel.variants.setValue(3)
    panel.provider.setCurrentIndex(panel.provider.findData("requesty"))
    assert window.document.options().provider == "requesty"
    panel.variants.setValue(1)
    panel.provider.setCurrentIndex(panel.provider.findData("openai"))
    assert window.document.options().n == 3 and window.document.options().model == "gpt-image-1"
    window.close()
    wait_idle(qtbot, window)

    again = make_window(load_settings(tmp_path / "settings.json"))
    panel = again.options_panel
    assert again.document.options().n == 3
    panel.provider.setCurrentIndex(panel.provider.findData("requesty"))
    assert again.document.options().n == 1
