"""Keys and the wheel go where a Photoshop user's fingers expect: Esc leaves a text field for the
canvas (the next ] is a brush key, not a character of the prompt), and scrolling the Edit panel
never changes an option on the way."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication

from tests.ui.test_end_to_end import PROMPT, painted_window


def wheel_over(widget, notches: int = -1) -> None:
    centre = QPointF(widget.width() / 2, widget.height() / 2)
    event = QWheelEvent(centre, widget.mapToGlobal(centre), QPoint(0, 0), QPoint(0, 120 * notches),
                        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase,
                        False)
    QApplication.sendEvent(widget, event)


def test_esc_leaves_the_prompt_and_the_next_keys_are_tool_keys(qtbot, loop, errors, tmp_path):
    window = painted_window(qtbot, loop, tmp_path)  # the prompt was typed: it has the keyboard
    window.activateWindow()
    qtbot.waitActive(window)
    editor = window.prompt_panel.editor
    assert editor.hasFocus()
    size = window.canvas.brush().diameter

    qtbot.keyClick(editor, Qt.Key.Key_Escape)
    focused = QApplication.focusWidget()
    qtbot.keyClick(focused, Qt.Key.Key_BracketRight)
    qtbot.keyClick(focused, Qt.Key.Key_BracketRight)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_E)

    assert focused is window.canvas
    assert editor.toPlainText() == PROMPT  # not "…]]e"
    assert window.canvas.brush().diameter > size
    assert window.canvas.tool() == "eraser"


def test_scrolling_over_the_options_never_changes_them(qtbot, loop, errors, tmp_path):
    window = painted_window(qtbot, loop, tmp_path)
    panel = window.options_panel
    before = window.document.options()
    for widget in (panel.provider, panel.model, panel.quality, panel.variants, panel.output_format):
        wheel_over(widget, -1)
        wheel_over(widget, 1)
        wheel_over(widget, -3)
    assert window.document.options() == before


def test_a_combo_with_the_keyboard_still_takes_the_wheel(qtbot):
    from editor.core.document import Document
    from editor.pipeline.options import EditOptions
    from editor.settings.store import UserSettings
    from editor.ui.panels.options import OptionsPanel

    document = Document()
    document.set_options(EditOptions(provider="openai", model="gpt-image-1"))
    panel = OptionsPanel(document, UserSettings(), env={})
    qtbot.addWidget(panel)
    panel.show()
    qtbot.waitExposed(panel)
    panel.activateWindow()
    qtbot.waitActive(panel)
    panel.quality.setFocus()
    qtbot.waitUntil(panel.quality.hasFocus)
    wheel_over(panel.quality, -1)
    assert document.options().quality != "auto"
