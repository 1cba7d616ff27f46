"""Fixtures for the window tests: the app's qasync loop driven by qtbot, and the error dialogs
captured instead of shown."""

from __future__ import annotations

import asyncio

import pytest
import qasync

from editor.ui import dialogs


@pytest.fixture
def loop(qapp):
    """The app's qasync loop, made current without exec(): Qt events are pumped by qtbot.

    Not qasync's already_running mode: its stop() calls QCoreApplication.exit(), which outside
    exec() leaves Qt's quit flag set, and every later QEventLoop.exec() (qtbot.wait) returns at once.
    """
    loop = qasync.QEventLoop(qapp)
    asyncio.events._set_running_loop(loop)
    yield loop
    asyncio.events._set_running_loop(None)
    loop.close()


@pytest.fixture
def errors(monkeypatch):
    """Every error dialog the window would show: (title, message)."""
    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(dialogs, "show_error", lambda _parent, title, message: shown.append((title, message)))
    return shown


@pytest.fixture(autouse=True)
def save_questions(monkeypatch):
    """Save / Don't Save / Cancel, answered Don't Save (a test that means otherwise patches it
    again): a modal box would wait forever offscreen. Each question asked: (question, detail)."""
    asked: list[tuple[str, str]] = []

    def answer(_parent, question, detail):
        asked.append((question, detail))
        return dialogs.DONT_SAVE

    monkeypatch.setattr(dialogs, "ask_save_changes", answer)
    monkeypatch.setattr(dialogs, "confirm_stop_jobs", lambda _parent, running: asked.append(
        ("stop", str(running))) or True)
    return asked


@pytest.fixture
def service_env(monkeypatch, edit_server, fake_api_key):
    """The window pointed at the loopback fake through the scripted-use variables."""
    monkeypatch.setenv("MASKEDIT_PROVIDER", "custom")
    monkeypatch.setenv("MASKEDIT_BASE_URL", edit_server.base_url)
    monkeypatch.setenv("MASKEDIT_API_KEY", fake_api_key)
    monkeypatch.setenv("MASKEDIT_MODEL", "gpt-image-1")
    return edit_server


@pytest.fixture
def idle_window(qtbot, tmp_path):
    """A main window with default settings whose loop is never run: for tests that start no job."""
    from editor.settings.store import UserSettings
    from editor.ui.main_window import MainWindow

    loop = qasync.QEventLoop()
    window = MainWindow(UserSettings(), loop=loop, settings_path=tmp_path / "settings.json")
    qtbot.addWidget(window)
    yield window
    loop.close()
