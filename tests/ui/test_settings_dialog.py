"""The Settings dialog: base URL checks, the key in the keychain only, Test connection."""

from __future__ import annotations

import os
import time
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QDialogButtonBox

from editor.backends.providers import PROFILES, ApiKey
from editor.settings.keys import find_api_key, store_api_key
from editor.settings.store import UserSettings, load_settings, save_settings, settings_path
from editor.ui.dialogs import settings as settings_module
from editor.ui.dialogs.settings import SettingsDialog, connected_sentence
from tests.fakes.edit_server import Fault


def make_dialog(qtbot, settings: UserSettings | None = None, provider="openai", loop=None, env=None):
    dialog = SettingsDialog(settings or UserSettings(), provider=provider, loop=loop,
                            env=env if env is not None else {})
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def ok_button(dialog: SettingsDialog):
    return dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)


def test_untouched_fields_come_back_unchanged(qtbot):
    settings = UserSettings(read_timeout_s=120.0, base_urls=(("openai", "https://eu.example/v1"),),
                            overlay_color="#00aaff", undo_cap_mb=1024, recent_files=("/a.png",),
                            prompt_history=("Remove the car",), data_folder="/data/maskedit")
    edited = make_dialog(qtbot, settings).settings()
    for name in ("read_timeout_s", "base_urls", "overlay_color", "undo_cap_mb", "recent_files",
                 "prompt_history", "data_folder"):
        assert getattr(edited, name) == getattr(settings, name), name


def test_edits_come_back(qtbot, monkeypatch, tmp_path):
    monkeypatch.setattr(settings_module, "ask_folder", lambda _parent, _start: tmp_path)
    dialog = make_dialog(qtbot, UserSettings(provider="openai", model="gpt-image-1"))
    dialog.timeout.setValue(90)
    dialog.base_url.setText("https://proxy.example/v1/")
    dialog.tabs.setCurrentIndex(1)
    panel = dialog.defaults_panel
    panel.quality.setCurrentIndex(panel.quality.findData("high"))
    next(b for b in dialog.findChildren(type(dialog.remove_key)) if b.text() == "Browse…").click()
    dialog.canvas_page.undo_cap.setValue(2048)
    edited = dialog.settings()
    assert edited.read_timeout_s == 90.0 and edited.base_url_for("openai") == "https://proxy.example/v1"
    assert ("quality", "high") in edited.default_options and ("provider", "openai") in edited.default_options
    assert edited.data_folder == str(tmp_path) and edited.undo_cap_mb == 2048


def test_a_bad_base_url_is_explained_inline_and_blocks_ok(qtbot):
    dialog = make_dialog(qtbot, provider="custom")
    assert "needs a base URL" in dialog.url_problem.text()
    dialog.base_url.setText("http://router.example.com/v1")
    assert "plain http" in dialog.url_problem.text() and dialog.url_problem.isVisible()
    assert not ok_button(dialog).isEnabled()
    dialog.base_url.setText("https://router.example.com/v1")
    assert not dialog.url_problem.isVisible() and ok_button(dialog).isEnabled()
    assert dialog.settings().base_url_for("custom") == "https://router.example.com/v1"


def test_the_key_goes_to_the_keychain_and_into_no_file(qtbot, memory_keyring):
    secret = "sk-live-should-never-be-on-disk-42"
    dialog = make_dialog(qtbot, provider="requesty")
    assert dialog.key.echoMode() == dialog.key.EchoMode.Password
    dialog.show_key.click()
    assert dialog.key.echoMode() == dialog.key.EchoMode.Normal
    qtbot.keyClicks(dialog.key, secret)
    dialog.accept()
    assert dialog.result() == dialog.DialogCode.Accepted
    assert find_api_key(PROFILES["requesty"], {}).key == ApiKey(secret)
    save_settings(dialog.settings())
    assert settings_path().is_file()
    scanned = 0
    for root in (os.environ["XDG_CONFIG_HOME"], os.environ["XDG_DATA_HOME"]):
        for path in Path(root).rglob("*"):
            if path.is_file():
                scanned += 1
                assert secret.encode() not in path.read_bytes(), path
    assert scanned >= 1
    assert secret not in repr(dialog.settings())


def test_remove_key_deletes_it_from_the_keychain(qtbot, memory_keyring):
    store_api_key(PROFILES["openai"], ApiKey("sk-old"))
    dialog = make_dialog(qtbot)
    assert dialog.key_status.text() == "Using the key from the system keychain."
    dialog.remove_key.click()
    assert not find_api_key(PROFILES["openai"], {}).found
    assert dialog.key_status.text().startswith("Removed from the keychain.")


def test_without_a_keychain_the_dialog_names_the_environment_variable(qtbot, no_keyring):
    dialog = make_dialog(qtbot, provider="requesty")
    text = dialog.key_status.text()
    assert "No system keychain is available" in text and "REQUESTY_API_KEY" in text
    assert not dialog.key.isEnabled() and not dialog.remove_key.isEnabled()
    dialog.accept()  # nothing typed: closes normally, nothing written anywhere
    assert dialog.result() == dialog.DialogCode.Accepted


def test_an_environment_key_is_reported(qtbot):
    dialog = make_dialog(qtbot, provider="openai", env={"OPENAI_API_KEY": "sk-env"})
    assert "OPENAI_API_KEY" in dialog.key_status.text()


def test_offline_needs_no_connection_settings(qtbot):
    dialog = make_dialog(qtbot, provider="local")
    assert not dialog.connection.isVisible() and "no address or key" in dialog.provider_note.text()


def point_at(dialog: SettingsDialog, server, key: str) -> None:
    dialog.base_url.setText(server.base_url)
    dialog.key.setText(key)


def test_test_connection_reports_the_models_without_blocking_the_gui(qtbot, loop, edit_server,
                                                                     fake_api_key):
    dialog = make_dialog(qtbot, loop=loop)
    point_at(dialog, edit_server, fake_api_key)
    edit_server.script(Fault.slow(0.4))
    ticks = []
    timer = QTimer(interval=20)
    timer.timeout.connect(lambda: ticks.append(1) if dialog.testing() else None)
    timer.start()
    started = time.monotonic()
    dialog.test_button.click()
    assert time.monotonic() - started < 0.3  # the click returns at once; the server takes 0.4 s
    assert dialog.testing() and dialog.test_button.text() == "Cancel Test"
    assert dialog.test_result.text().startswith("Connecting to http://127.0.0.1")
    qtbot.waitUntil(lambda: not dialog.testing(), timeout=10000)
    timer.stop()
    count = len(edit_server.models)
    known = f"Connected — {count} models. Known image models: gpt-image-1,"
    assert dialog.test_result.text().startswith(known)
    assert len(ticks) >= 8  # of ~20: the GUI thread kept running its timers while waiting
    assert dialog.test_button.text() == "Test Connection"
    request = edit_server.requests[-1]
    assert request.method == "GET" and request.path.endswith("/v1/models")


def test_test_connection_with_a_wrong_key_says_so(qtbot, loop, edit_server):
    dialog = make_dialog(qtbot, loop=loop)
    point_at(dialog, edit_server, "sk-wrong")
    dialog.test_button.click()
    qtbot.waitUntil(lambda: not dialog.testing(), timeout=10000)
    assert "The API key was rejected (401)" in dialog.test_result.text()
    assert "sk-wrong" not in dialog.test_result.text()


def test_a_running_test_can_be_cancelled(qtbot, loop, edit_server, fake_api_key):
    dialog = make_dialog(qtbot, loop=loop)
    point_at(dialog, edit_server, fake_api_key)
    edit_server.script(Fault.slow(5))
    dialog.test_button.click()
    qtbot.wait(50)
    dialog.test_button.click()
    qtbot.waitUntil(lambda: not dialog.testing(), timeout=3000)
    assert dialog.test_result.text() == "Test cancelled."


def test_without_a_key_there_is_nothing_to_test(qtbot, loop):
    dialog = make_dialog(qtbot, provider="requesty", loop=loop)
    dialog.test_button.click()
    assert not dialog.testing() and "REQUESTY_API_KEY" in dialog.test_result.text()


def test_the_connected_sentence_lists_the_image_models_and_marks_the_known_ones():
    profile = PROFILES["requesty"]
    models = ["openai/gpt-4o", "azure/openai/gpt-image-1", "vendor/fancy-image-9",
              "openai/gpt-image-2.6-flare"]
    assert connected_sentence(models, profile) == (
        "Connected — 4 models. Known image models: azure/openai/gpt-image-1, openai/gpt-image-2.6-flare. "
        "Not in Maskedit's table (usable; only the options you set are sent): vendor/fancy-image-9.")
    assert connected_sentence(["only"], PROFILES["custom"]) == (
        "Connected — 1 model, none of them an image model by its name.")
    many = [f"gpt-image-1-2026-0{n}-01" for n in range(1, 10)]
    assert connected_sentence(many, profile).endswith("and 3 more.")


def test_the_request_body_is_chosen_per_provider_and_kept(qtbot, tmp_path):
    dialog = make_dialog(qtbot, UserSettings(body_modes=(("requesty", "multipart"),)), provider="openai")
    assert dialog.body.currentData() == "auto"
    dialog.body.setCurrentIndex(dialog.body.findData("files"))
    dialog.provider.setCurrentIndex(dialog.provider.findData("requesty"))
    assert dialog.body.currentData() == "multipart"  # each provider shows its own
    chosen = dialog.settings()
    assert chosen.body_modes == (("openai", "files"), ("requesty", "multipart"))
    save_settings(chosen, tmp_path / "settings.json")
    loaded = load_settings(tmp_path / "settings.json")
    assert (loaded.body_for("openai"), loaded.body_for("requesty"), loaded.body_for("custom")) == (
        "files", "multipart", "auto")


# --- where each value comes from ------------------------------------------------------------------

ENV_URL = "http://127.0.0.1:9/v1"
SAVED_URL = "https://eu.example/v1"


def visible_texts(dialog: SettingsDialog) -> str:
    """Every label and field text in the dialog, to check no key is shown in clear."""
    from PySide6.QtWidgets import QLabel, QLineEdit

    labels = [w.text() for w in dialog.findChildren(QLabel)]
    fields = [w.text() for w in dialog.findChildren(QLineEdit) if w.echoMode() == QLineEdit.EchoMode.Normal]
    return "\n".join(labels + fields)


def test_the_environment_base_url_is_shown_read_only_and_said_to_win(qtbot, monkeypatch, tmp_path):
    monkeypatch.setenv("MASKEDIT_BASE_URL", ENV_URL)
    file = tmp_path / "settings.json"
    dialog = SettingsDialog(UserSettings(base_urls=(("openai", SAVED_URL),)), provider="openai",
                            settings_file=file)  # env=None: the process environment, as in the app
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.base_url.text() == ENV_URL and dialog.base_url.isReadOnly()
    source = dialog.url_source.text()
    assert source.startswith("From environment (MASKEDIT_BASE_URL): it wins over Settings and is never saved")
    assert "change or unset the variable" in source and "MASKEDIT_BASE_URL" in dialog.base_url.toolTip()
    assert source.endswith(f"Without it: {SAVED_URL} (from settings file {file})")
    assert dialog.url_source.isVisible()
    dialog.provider.setCurrentIndex(dialog.provider.findData("requesty"))
    assert dialog.base_url.text() == ENV_URL
    assert dialog.url_source.text().endswith("Without it: https://router.requesty.ai/v1 (default)")


def test_saving_never_writes_the_environment_base_url(qtbot, tmp_path):
    file = tmp_path / "settings.json"
    dialog = SettingsDialog(UserSettings(base_urls=(("openai", SAVED_URL),)), provider="openai",
                            env={"MASKEDIT_BASE_URL": ENV_URL}, settings_file=file)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.base_url, "/extra")  # read-only: typing changes nothing
    for name in ("custom", "requesty", "openai"):  # every page shows the override, none keeps it
        dialog.provider.setCurrentIndex(dialog.provider.findData(name))
    assert ok_button(dialog).isEnabled()
    dialog.accept()
    assert dialog.result() == dialog.DialogCode.Accepted
    assert dialog.settings().base_urls == (("openai", SAVED_URL),)
    save_settings(dialog.settings(), file)
    assert "127.0.0.1:9" not in file.read_text()


def test_an_environment_base_url_for_another_provider_leaves_this_page_editable(qtbot):
    env = {"MASKEDIT_BASE_URL": ENV_URL, "MASKEDIT_PROVIDER": "custom"}
    dialog = make_dialog(qtbot, UserSettings(base_urls=(("openai", SAVED_URL),)), env=env)
    assert dialog.base_url.text() == SAVED_URL and not dialog.base_url.isReadOnly()
    assert dialog.url_source.text().startswith("From settings file ")
    dialog.provider.setCurrentIndex(dialog.provider.findData("custom"))
    assert dialog.base_url.text() == ENV_URL and dialog.base_url.isReadOnly()
    assert not dialog.url_problem.isVisible()  # Custom needs an address: the environment gives one


def test_a_saved_base_url_says_it_comes_from_the_settings_file(qtbot, tmp_path):
    file = tmp_path / "settings.json"
    dialog = SettingsDialog(UserSettings(base_urls=(("openai", SAVED_URL),)), provider="openai", env={},
                            settings_file=file)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.base_url.text() == SAVED_URL and not dialog.base_url.isReadOnly()
    assert dialog.url_source.text() == f"From settings file {file}"
    dialog.base_url.setText("https://us.example/v1")
    assert dialog.url_source.text() == f"Saved to settings file {file} when you press OK"
    dialog.base_url.clear()
    assert dialog.url_source.text() == "Default: OpenAI's own address"


def test_a_keychain_key_says_so_and_shows_only_its_last_four_characters(qtbot, memory_keyring):
    secret = "sk-proj-from-the-keychain-9f3a"
    store_api_key(PROFILES["openai"], ApiKey(secret))
    dialog = make_dialog(qtbot, provider="openai")
    assert dialog.key_status.text() == "Using the key from the system keychain, ending …9f3a."
    assert secret not in visible_texts(dialog) and dialog.key.text() == ""


def test_an_environment_key_says_it_wins_over_the_keychain(qtbot, memory_keyring):
    secret = "sk-proj-from-the-environment-77b1"
    store_api_key(PROFILES["openai"], ApiKey("sk-proj-from-the-keychain-9f3a"))
    dialog = make_dialog(qtbot, provider="openai", env={"OPENAI_API_KEY": secret})
    status = dialog.key_status.text()
    assert status.startswith("Using the key from environment (OPENAI_API_KEY), ending …77b1.")
    assert "change or unset OPENAI_API_KEY" in status
    assert secret not in visible_texts(dialog)


def test_test_connection_uses_what_an_edit_would(qtbot, loop, edit_server, fake_api_key):
    # The saved address and the typed key would fail; the environment's, which edits use, work.
    env = {"MASKEDIT_BASE_URL": edit_server.base_url, "MASKEDIT_API_KEY": fake_api_key}
    dialog = make_dialog(qtbot, UserSettings(base_urls=(("openai", "http://127.0.0.1:9/v1"),)), loop=loop,
                         env=env)
    qtbot.keyClicks(dialog.key, "sk-wrong-typed-key")
    dialog.test_button.click()
    assert dialog.test_result.text() == (
        f"Connecting to {edit_server.base_url} with the key from environment (MASKEDIT_API_KEY)…")
    qtbot.waitUntil(lambda: not dialog.testing(), timeout=10000)
    assert dialog.test_result.text().startswith("Connected — ")
    assert edit_server.requests[-1].path.endswith("/v1/models")


def test_test_connection_names_the_typed_key_when_no_variable_is_set(qtbot, loop, edit_server, fake_api_key,
                                                                     memory_keyring):
    store_api_key(PROFILES["openai"], ApiKey("sk-proj-from-the-keychain-9f3a"))
    dialog = make_dialog(qtbot, loop=loop)
    point_at(dialog, edit_server, fake_api_key)
    dialog.test_button.click()
    assert dialog.test_result.text() == f"Connecting to {edit_server.base_url} with the key typed above…"
    qtbot.waitUntil(lambda: not dialog.testing(), timeout=10000)
    assert dialog.test_result.text().startswith("Connected — ")
