"""The window driven through a real X server with real input (xdotool's XTEST events), as a
designer's keyboard and mouse reach it: no synthesized Qt events, no offscreen platform.

`make test` runs this under Xvfb (packaging/xvfb.py) with QT_QPA_PLATFORM=xcb; the offscreen run
skips it (tests/conftest.py).
"""

from __future__ import annotations

import shutil
import subprocess

import pytest
from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QWidget

from editor.settings.store import UserSettings
from editor.ui.main_window import MainWindow
from tests.ui.window_driving import open_photo, write_photo

pytestmark = pytest.mark.x11
PROMPT = "a red enamel cup"


def xdotool(*args: str) -> None:
    subprocess.run(["xdotool", *args], check=True, timeout=30)


def centre_in_window(window: MainWindow, widget: QWidget) -> QPoint:
    return widget.mapTo(window, widget.rect().center())


@pytest.fixture
def real_window(qtbot, loop, errors, tmp_path, monkeypatch):
    if shutil.which("xdotool") is None:
        pytest.fail("xdotool is missing: `make test` installs it (packaging/system_deps.py)")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-real-input-0000000000")
    window = MainWindow(UserSettings(provider="openai", model="gpt-image-1", brush_diameter=40),
                        loop=loop, settings_path=tmp_path / "settings.json",
                        window_state_path=tmp_path / "window.ini")
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    qtbot.waitExposed(window)
    open_photo(qtbot, window, write_photo(tmp_path / "harbour.png", 1200, 800))
    window.canvas.set_tool("eraser")
    return window


def test_typed_prompt_esc_tool_keys_and_wheel_each_reach_their_target(qtbot, real_window):
    window = real_window
    wid = str(int(window.winId()))
    xdotool("windowfocus", "--sync", wid)
    editor = window.prompt_panel.editor
    point = centre_in_window(window, editor)
    xdotool("mousemove", "--window", wid, str(point.x()), str(point.y()), "click", "1")
    qtbot.waitUntil(editor.hasFocus)
    xdotool("type", "--delay", "15", PROMPT)
    qtbot.waitUntil(lambda: window.document.prompt() == PROMPT)

    xdotool("key", "Escape")  # leaves the prompt: the keys below are tools again
    qtbot.waitUntil(lambda: not editor.hasFocus())
    xdotool("key", "b", "bracketright")
    qtbot.waitUntil(lambda: window.canvas.tool() == "brush")
    qtbot.waitUntil(lambda: window.canvas.brush().diameter == 44)

    # The wheel over the options scrolls past them; it never changes a combo box it passes over.
    for combo in (window.options_panel.provider, window.options_panel.model, window.options_panel.quality):
        point = centre_in_window(window, combo)
        xdotool("mousemove", "--window", wid, str(point.x()), str(point.y()))
        xdotool("click", "--repeat", "3", "--delay", "30", "5")
        xdotool("click", "--repeat", "3", "--delay", "30", "4")
    qtbot.wait(300)  # every wheel event delivered and handled

    assert window.document.prompt() == PROMPT
    assert window.canvas.tool() == "brush" and window.actions["tool.brush"].isChecked()
    assert window.canvas.brush().diameter == 44 and window.tool_options.size.value() == 44
    options = window.document.options()
    assert (options.provider, options.model, options.quality) == ("openai", "gpt-image-1", "auto")


def test_keys_typed_right_after_start_go_to_the_canvas_not_a_field(qtbot, real_window):
    """With no window manager to pick a focus, the first keys still reach the canvas: a tool key
    never types into the toolbar's size field."""
    window = real_window
    xdotool("windowfocus", "--sync", str(int(window.winId())))
    xdotool("key", "b", "2", "bracketleft")
    qtbot.waitUntil(lambda: window.canvas.tool() == "brush")
    qtbot.waitUntil(lambda: window.canvas.brush().diameter == 36)
    assert window.tool_options.size.value() == 36
