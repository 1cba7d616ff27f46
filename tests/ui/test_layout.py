"""The window at 1366×768: every control of the Edit panel is on screen without scrolling, and
the Generate button and its estimate always are (UI_STYLE.md: "Everything reachable at 1366×768")."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent, QObject, QRect
from PySide6.QtWidgets import QAbstractButton, QAbstractSpinBox, QComboBox, QLabel, QPlainTextEdit, QWidget

from editor.settings.store import UserSettings
from editor.ui.main_window import MainWindow
from tests.ui.window_driving import open_photo, paint_stroke, write_photo

CONTROLS = (QAbstractButton, QComboBox, QAbstractSpinBox, QPlainTextEdit)


@pytest.fixture
def laptop_window(qtbot, tmp_path, loop, monkeypatch, errors):
    def make(provider: str) -> MainWindow:
        monkeypatch.setenv("REQUESTY_API_KEY", "rq-layout-test-key")
        settings = UserSettings(provider=provider, model="gpt-image-1" if provider != "local" else "telea")
        window = MainWindow(settings, loop=loop, settings_path=tmp_path / "settings.json",
                            window_state_path=tmp_path / "window.ini")
        qtbot.addWidget(window)
        window.resize(1366, 768)
        window.show()
        qtbot.waitExposed(window)
        open_photo(qtbot, window, write_photo(tmp_path / "photo.png", 1200, 800))
        paint_stroke(qtbot, window, [(500, 300), (600, 350)])
        window.prompt_panel.editor.setPlainText("a red cup")
        return window
    return make


def _on_screen(window: MainWindow, widget: QWidget) -> bool:
    """The whole widget is drawn: inside the window and not clipped by any parent (a scroll area's
    viewport included)."""
    region = widget.visibleRegion().boundingRect()
    whole = QRect(0, 0, widget.width(), widget.height())
    inside = QRect(widget.mapTo(window, whole.topLeft()), whole.size())
    return region == whole and window.rect().contains(inside)


def _hidden(window: MainWindow) -> list[str]:
    return [f"{type(w).__name__} {getattr(w, 'text', lambda: '')() or w.toolTip()[:40]!r}"
            for w in _edit_controls(window) if not _on_screen(window, w)]


def _edit_controls(window: MainWindow) -> list[QWidget]:
    dock = window.docks.prompt_dock.widget()
    return [widget for widget in dock.findChildren(QWidget)
            if isinstance(widget, CONTROLS) and widget.isVisibleTo(dock)
            and not isinstance(widget.parentWidget(), (QComboBox, QAbstractSpinBox))
            and widget.window() is window]


@pytest.mark.parametrize("provider", ["requesty", "local"])
def test_every_edit_control_is_on_screen_at_1366x768(qtbot, laptop_window, provider):
    window = laptop_window(provider)
    assert window.document.options().provider == provider
    qtbot.waitUntil(lambda: window.generate_bar.button.isEnabled())
    controls = _edit_controls(window)
    names = {type(widget).__name__ for widget in controls}
    assert {"PromptEdit", "QComboBox", "QPushButton"} <= names
    if provider == "requesty":
        assert window.options_panel.more.isVisibleTo(window)  # the rest is behind the disclosure
    # The docks fit once the layouts have settled (a turn of the event loop after the last change).
    qtbot.waitUntil(lambda: not _hidden(window) and not window.docks.edit_fields_scroll())
    bar = window.generate_bar
    assert _on_screen(window, bar.button) and _on_screen(window, bar.estimate)
    if provider == "requesty":  # what will be sent and what it costs, before Generate
        qtbot.waitUntil(lambda: "1 variant" in bar.estimate.text())
        assert bar.estimate.text().startswith("Photo 1200×800 → ") and "$" in bar.estimate.text()


def test_generate_and_estimate_stay_on_screen_with_every_option_open(qtbot, laptop_window):
    """Opened, the disclosure may make the fields scroll, but never the Generate button away."""
    window = laptop_window("requesty")
    window.options_panel.set_advanced_open(True)
    qtbot.waitUntil(lambda: window.options_panel.context.isVisibleTo(window))
    qtbot.waitUntil(lambda: _on_screen(window, window.generate_bar.button)
                    and _on_screen(window, window.generate_bar.estimate))
    assert isinstance(window.generate_bar.estimate, QLabel)


def test_the_disclosure_is_remembered_across_windows(qtbot, tmp_path, loop):
    state = tmp_path / "window.ini"
    first = MainWindow(UserSettings(), loop=loop, settings_path=tmp_path / "s.json", window_state_path=state)
    qtbot.addWidget(first)
    assert not first.options_panel.advanced_open()
    first.options_panel.more.click()
    first.close()
    second = MainWindow(UserSettings(), loop=loop, settings_path=tmp_path / "s.json", window_state_path=state)
    qtbot.addWidget(second)
    assert second.options_panel.advanced_open()


def test_a_failed_job_does_not_push_the_edit_panel_into_scrolling(qtbot, laptop_window):
    """A failed job shows a card in Results and a row in the job list: neither takes the room of
    the Edit panel's controls (this window has no edit service, so the job fails)."""
    window = laptop_window("local")
    qtbot.wait(50)
    window.generate_bar.button.click()
    qtbot.waitUntil(lambda: window.queue.jobs() and window.queue.jobs()[0].state.finished)
    assert window.jobs.needs_attention()
    qtbot.waitUntil(lambda: not _hidden(window) and not window.docks.edit_fields_scroll())


class _Relayouts(QObject):
    """Counts the times the window lays itself out again."""

    def __init__(self, window: MainWindow):
        super().__init__()
        self.count = 0
        self._window = window
        window.installEventFilter(self)

    def eventFilter(self, watched, event) -> bool:
        if watched is self._window and event.type() == QEvent.Type.LayoutRequest:
            self.count += 1
        return False


@pytest.mark.parametrize("size", [(1366, 768), (1280, 720), (1600, 1000), (1920, 1080), (1100, 700)])
@pytest.mark.parametrize("advanced", [False, True], ids=["options", "every-option"])
def test_a_window_left_alone_stays_still(qtbot, laptop_window, size, advanced):
    """Once it has fitted its docks, an idle window lays nothing out again. The Edit dock's fit and
    its scroll bar once fed each other: the bar narrowed the fields, wrapped text grew taller,
    the dock grew, the bar went, the dock shrank, the bar came back, about 50 times a second."""
    window = laptop_window("requesty")
    window.options_panel.set_advanced_open(advanced)
    window.resize(*size)
    qtbot.waitUntil(lambda: window.size().toTuple() == size)
    # Everything the window shows has arrived (the estimate is worked out in a worker) ...
    qtbot.waitUntil(lambda: window.generate_bar.button.isEnabled()
                    and "1 variant" in window.generate_bar.estimate.text())
    qtbot.wait(300)  # ... and the docks fit, a turn of the loop after the last change
    relayouts = _Relayouts(window)
    qtbot.wait(400)
    assert relayouts.count == 0
    scroll = window.docks._scroll  # it scrolls exactly when the fields do not fit at full width
    assert window.docks.edit_fields_scroll() == (scroll.needed_height() > scroll.viewport().height())


def test_a_new_window_left_alone_stays_still(qtbot, tmp_path, loop):
    """The window as it first opens, with no photo yet (it relaid itself out ~50 times a second)."""
    window = MainWindow(UserSettings(data_folder=str(tmp_path)), loop=loop, settings_path=tmp_path / "s.json",
                        env={})
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    qtbot.waitExposed(window)
    qtbot.wait(300)
    relayouts = _Relayouts(window)
    qtbot.wait(400)
    assert relayouts.count == 0


def test_long_entries_never_widen_the_options(qtbot):
    """A combo box is as wide as its column, whatever its longest entry (its popup shows it whole):
    a model with long size texts ("4K  about 8 MP, the largest") needs no wider Edit dock."""
    from editor.core.document import Document
    from editor.pipeline.options import EditOptions
    from editor.ui.panels.options import OptionsPanel

    def width(model: str) -> int:
        document = Document()
        document.set_options(EditOptions(provider="openai", model=model))
        panel = OptionsPanel(document, UserSettings(), disclosure=True)
        qtbot.addWidget(panel)
        return panel.minimumSizeHint().width()

    assert width("gpt-image-2") == width("gpt-image-1")
