"""An unexpected error shows a report to copy (never the key) and keeps the autosave; the key
lives only in the keychain and turns up in no file Maskedit writes; TLS stays verified."""

from __future__ import annotations

import logging
import os
import ssl
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFileDialog

from editor.app import install_error_hooks
from editor.backends.openai_http import OpenAIHttpBackend
from editor.backends.providers import PROFILES, ApiKey
from editor.core.crash_report import build_report
from editor.secrets import REDACTED, redact
from editor.settings.keys import store_api_key
from tests.fakes.faults import Fault
from tests.ui.test_end_to_end import painted_window
from tests.ui.window_driving import generate_with_keys, wait_finished

SECRET = "sk-hygiene-7f3a9c2e5b1d4f60a8e9"


def test_redact_blanks_known_keys_and_key_shapes():
    text = f"key={SECRET} auth: Bearer abc.def-123 other rq-0123456789abc and sk-short"
    clean = redact(text, [SECRET])
    assert SECRET not in clean and "abc.def-123" not in clean and "rq-0123456789abc" not in clean
    assert clean.count(REDACTED) == 3 and "sk-short" in clean  # too short to be a key


def test_a_report_has_the_versions_and_the_traceback_but_not_the_key():
    try:
        raise RuntimeError(f"boom with {SECRET}")
    except RuntimeError as error:
        report = build_report(error, "Something went wrong.", versions={"Qt": "6.x"}, secrets=[SECRET])
    assert report.startswith("Something went wrong.") and "Qt 6.x" in report and "Maskedit " in report
    assert "Traceback" in report and "RuntimeError: boom with" in report and SECRET not in report


@pytest.fixture
def hooked(qtbot, loop, errors, tmp_path, service_env, monkeypatch):
    monkeypatch.setenv("MASKEDIT_API_KEY", service_env.api_key)
    window = painted_window(qtbot, loop, tmp_path)
    previous = sys.excepthook
    install_error_hooks(window, loop)
    yield window
    sys.excepthook = previous


@pytest.mark.qt_no_exception_capture
def test_an_error_in_a_slot_shows_a_report_to_copy_and_saves_the_work(hooked, qtbot, caplog, service_env):
    window = hooked
    window.document.set_prompt("the prompt as it was at the crash")

    def broken_slot() -> None:
        raise RuntimeError(f"the slot failed while holding {service_env.api_key}")

    with caplog.at_level(logging.ERROR):
        QTimer.singleShot(0, broken_slot)
        qtbot.waitUntil(lambda: window._crash_dialog is not None and window._crash_dialog.isVisible())
    dialog = window._crash_dialog
    assert "Something went wrong" in dialog.sentence.text()
    dialog.copy_button.click()
    copied = QGuiApplication.clipboard().text()
    assert "RuntimeError: the slot failed" in copied and "broken_slot" in copied
    assert service_env.api_key not in copied and REDACTED in copied
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "RuntimeError: the slot failed" in logged and service_env.api_key not in logged
    qtbot.waitUntil(lambda: not window.keeper.busy())
    state = window.keeper.project.load_state()
    assert state.document.prompt == "the prompt as it was at the crash"  # the autosave ran at once

    QTimer.singleShot(0, broken_slot)  # a second error joins the open dialog
    qtbot.waitUntil(lambda: len(dialog.reports) == 2)
    assert "2 errors" in dialog.sentence.text()


def test_the_key_is_in_no_file_maskedit_writes(qtbot, loop, errors, tmp_path, edit_server, monkeypatch,
                                                memory_keyring):
    store_api_key(PROFILES["custom"], ApiKey(SECRET))
    monkeypatch.setenv("MASKEDIT_PROVIDER", "custom")
    monkeypatch.setenv("MASKEDIT_BASE_URL", edit_server.base_url)
    monkeypatch.setenv("MASKEDIT_MODEL", "gpt-image-1")
    edit_server.api_key = SECRET
    window = painted_window(qtbot, loop, tmp_path)
    done = wait_finished(qtbot, window, generate_with_keys(qtbot, window).id)
    assert done.variant_count, done.message
    edit_server.script(Fault.status(401), Fault.status(400, f"echoing the key {SECRET}"))
    wait_finished(qtbot, window, generate_with_keys(qtbot, window).id)  # a failure's details are kept too
    wait_finished(qtbot, window, generate_with_keys(qtbot, window).id)
    target = tmp_path / "saved.maskedit"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    window.projects.save_as()
    qtbot.waitUntil(target.is_file)
    exported = tmp_path / "export.png"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(exported), ""))
    window.exporter.export_shown()
    qtbot.waitUntil(exported.is_file)
    try:
        raise RuntimeError(f"a crash mentioning {SECRET}")
    except RuntimeError as error:
        window.report_unexpected(error)
    qtbot.waitUntil(lambda: not window.keeper.busy() and not window.busy())
    window.close()

    roots = [tmp_path] + [Path(os.environ[name]) for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME",
                                                                "XDG_CACHE_HOME", "XDG_STATE_HOME")]
    scanned = 0
    for root in roots:
        for path in root.rglob("*"):
            if path.is_file():
                scanned += 1
                assert SECRET.encode() not in path.read_bytes(), path
    assert scanned > 10
    assert (tmp_path / "settings.json").is_file() and target.is_file()  # both were among the files scanned
    assert memory_keyring.store  # the key lives in the keychain, and only there
    assert SECRET not in window._crash_dialog.report()


@pytest.mark.parametrize("variable", ["PYTHONHTTPSVERIFY", "CURL_CA_BUNDLE", "MASKEDIT_INSECURE"])
def test_tls_verification_stays_on_whatever_the_environment_says(monkeypatch, variable):
    monkeypatch.setenv(variable, "0")
    backend = OpenAIHttpBackend(base_url="https://api.example.test/v1", api_key=ApiKey("sk-x-123456"))
    backend.prepare_connection()
    context = backend._client._transport._pool._ssl_context
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname


def test_plain_http_off_this_computer_is_refused():
    from editor.backends.base import InvalidRequest

    with pytest.raises(InvalidRequest, match="unencrypted"):
        OpenAIHttpBackend(base_url="http://192.168.1.20:8080/v1", api_key=ApiKey("sk-x-123456"))
    OpenAIHttpBackend(base_url="http://127.0.0.1:9/v1", api_key=ApiKey("sk-x-123456"))  # loopback is fine
