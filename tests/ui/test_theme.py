"""The look: dark by default (where the system does not say otherwise), one palette from named
colours, switchable in Settings, and the canvas surround painted from the same names."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication

from editor.settings.store import UserSettings
from editor.ui import theme
from editor.ui.main_window import MainWindow


def test_system_preference_follows_the_system_where_it_says_else_dark():
    assert theme.choose("system", Qt.ColorScheme.Unknown) is theme.DARK
    assert theme.choose("system", Qt.ColorScheme.Dark) is theme.DARK
    assert theme.choose("system", Qt.ColorScheme.Light) is theme.LIGHT
    assert theme.choose("light", Qt.ColorScheme.Dark) is theme.LIGHT
    assert theme.choose("dark", Qt.ColorScheme.Light) is theme.DARK


def test_the_window_starts_dark_and_switches_with_settings(qtbot, loop, tmp_path):
    window = MainWindow(UserSettings(theme="dark"), loop=loop, settings_path=tmp_path / "s.json", env={})
    qtbot.addWidget(window)
    app = QApplication.instance()
    panel = app.palette().color(QPalette.ColorRole.Window).name()
    assert panel == theme.DARK.panel and theme.current() is theme.DARK
    assert window.canvas.grab().toImage().pixelColor(2, 2).name() == theme.DARK.canvas_surround
    try:
        window._apply_settings(replace(window._settings, theme="light"))
        assert app.palette().color(QPalette.ColorRole.Window).name() == theme.LIGHT.panel
        assert app.palette().color(QPalette.ColorRole.Highlight).name() == theme.LIGHT.accent
    finally:
        theme.apply(app, "dark")  # the rest of the tests see the default look
