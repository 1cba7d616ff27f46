"""The look: named colours for the dark and the light theme (../design/UI_STYLE.md), the Qt
palette and the one stylesheet made from them. Changing a colour is one line here.

`apply(app, preference)` sets Fusion, the palette and the stylesheet; `current()` is the theme in
use, for what paints itself (the canvas surround, state colours). The preference is "system" (the
system's light or dark where Qt knows it, else dark), "dark" or "light".
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette

PREFERENCES = (("system", "As the system (dark if it does not say)"), ("dark", "Dark"), ("light", "Light"))


@dataclass(frozen=True)
class Theme:
    name: str
    canvas_surround: str
    panel: str
    raised: str
    raised_hover: str
    border: str
    text: str
    text_dim: str
    text_faint: str
    accent: str
    danger: str
    warn: str
    ok: str

    def colour(self, name: str) -> QColor:
        return QColor(getattr(self, name))


DARK = Theme("dark", canvas_surround="#1b1b1c", panel="#262628", raised="#303033", raised_hover="#3a3a3e",
             border="#3f3f44", text="#e8e8ea", text_dim="#a2a2a8", text_faint="#6e6e75", accent="#3d8fe0",
             danger="#e5534b", warn="#d8a03a", ok="#3fb27f")
LIGHT = Theme("light", canvas_surround="#d9d9dc", panel="#f3f3f5", raised="#ffffff", raised_hover="#e9e9ee",
              border="#c9c9cf", text="#1d1d1f", text_dim="#55555c", text_faint="#8e8e95", accent="#2f6fc0",
              danger="#c9352e", warn="#a86f00", ok="#23875a")

_current = DARK


def current() -> Theme:
    return _current


def choose(preference: str, scheme: Qt.ColorScheme | None = None) -> Theme:
    """The theme for a preference; "system" follows the system where it says, else dark."""
    if preference == "light":
        return LIGHT
    if preference == "dark":
        return DARK
    if scheme is None:
        hints = QGuiApplication.styleHints() if QGuiApplication.instance() else None
        scheme = hints.colorScheme() if hints is not None else Qt.ColorScheme.Unknown
    return LIGHT if scheme == Qt.ColorScheme.Light else DARK


def palette(theme: Theme) -> QPalette:
    roles = QPalette.ColorRole
    result = QPalette()
    for role, name in ((roles.Window, "panel"), (roles.WindowText, "text"), (roles.Base, "raised"),
                       (roles.AlternateBase, "raised_hover"), (roles.Text, "text"), (roles.Button, "raised"),
                       (roles.ButtonText, "text"), (roles.Highlight, "accent"), (roles.Link, "accent"),
                       (roles.PlaceholderText, "text_faint"), (roles.ToolTipBase, "raised"),
                       (roles.ToolTipText, "text"), (roles.Mid, "border"), (roles.Dark, "canvas_surround"),
                       (roles.Midlight, "raised_hover"), (roles.Light, "raised_hover"),
                       (roles.Shadow, "canvas_surround")):
        result.setColor(role, theme.colour(name))
    result.setColor(roles.HighlightedText, QColor("#ffffff"))
    result.setColor(roles.BrightText, theme.colour("danger"))
    disabled = QPalette.ColorGroup.Disabled
    for role in (roles.WindowText, roles.Text, roles.ButtonText):
        result.setColor(disabled, role, theme.colour("text_faint"))
    result.setColor(disabled, roles.Button, theme.colour("panel"))
    return result


def stylesheet(theme: Theme) -> str:
    """Only what a palette cannot say: hairline borders, the 8 px rhythm, quiet dock titles."""
    t = theme
    return f"""
QToolTip {{ color: {t.text}; background: {t.raised}; border: 1px solid {t.border}; padding: 4px; }}
QDockWidget::title {{ background: {t.panel}; color: {t.text_dim}; padding: 4px 8px; }}
QToolBar {{ background: {t.panel}; border: none; spacing: 4px; padding: 2px; }}
QStatusBar {{ background: {t.panel}; color: {t.text_dim}; }}
QMainWindow::separator {{ background: {t.canvas_surround}; width: 2px; height: 2px; }}
QTabWidget::pane {{ border: none; border-top: 1px solid {t.border}; }}
QGroupBox {{ border: 1px solid {t.border}; border-radius: 4px; margin-top: 12px; padding-top: 4px; }}
QGroupBox::title {{ subcontrol-origin: margin; left: 8px; padding: 0 4px; color: {t.text_dim}; }}
QScrollArea {{ background: transparent; }}
"""


def apply(app, preference: str = "system") -> Theme:
    """Fusion, the palette and the stylesheet of the chosen theme, for the whole application."""
    global _current
    _current = choose(preference)
    # Fusion draws the same everywhere; set only when it is not the style already (a new style
    # repolishes every widget, and a fresh application usually has it).
    if app.style().name().lower() != "fusion":
        app.setStyle("Fusion")
    app.setPalette(palette(_current))
    app.setStyleSheet(stylesheet(_current))
    return _current
