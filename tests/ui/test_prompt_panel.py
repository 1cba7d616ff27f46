"""The prompt panel: bound to Document.prompt both ways, history, counter and templates."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from editor.core.document import Document
from editor.core.remembered_options import remembered_edit_state
from editor.pipeline.options import EditOptions
from editor.settings.store import UserSettings, load_settings, save_settings
from editor.ui import theme
from editor.ui.panels.prompt import PLACEHOLDER, TEMPLATES, PromptPanel


@pytest.fixture
def document() -> Document:
    return Document()


def make_panel(qtbot, document: Document, history=()) -> PromptPanel:
    panel = PromptPanel(document, history)
    qtbot.addWidget(panel)
    panel.show()
    qtbot.waitExposed(panel)
    return panel


def alt(qtbot, panel: PromptPanel, key: Qt.Key) -> None:
    qtbot.keyClick(panel.editor, key, Qt.KeyboardModifier.AltModifier)


def test_typing_sets_the_document_prompt(qtbot, document):
    panel = make_panel(qtbot, document)
    qtbot.keyClicks(panel.editor, "Remove the car")
    assert document.prompt() == "Remove the car"


def test_a_prompt_set_on_the_document_is_shown_without_echoing_back(qtbot, document, monkeypatch):
    panel = make_panel(qtbot, document)
    calls = []
    original = document.set_prompt
    monkeypatch.setattr(document, "set_prompt", lambda text: (calls.append(text), original(text)))
    emitted = []
    document.prompt_changed.connect(emitted.append)
    original("Replace the sky with a sunset")
    assert panel.editor.toPlainText() == "Replace the sky with a sunset"
    assert calls == [] and emitted == ["Replace the sky with a sunset"]


def test_alt_up_and_down_step_through_the_history_and_back_to_the_draft(qtbot, document):
    panel = make_panel(qtbot, document, history=("newest", "older"))
    qtbot.keyClicks(panel.editor, "draft")
    alt(qtbot, panel, Qt.Key.Key_Up)
    assert document.prompt() == "newest"
    alt(qtbot, panel, Qt.Key.Key_Up)
    alt(qtbot, panel, Qt.Key.Key_Up)  # nothing older: stays
    assert document.prompt() == "older"
    alt(qtbot, panel, Qt.Key.Key_Down)
    assert document.prompt() == "newest"
    alt(qtbot, panel, Qt.Key.Key_Down)
    assert document.prompt() == "draft"
    alt(qtbot, panel, Qt.Key.Key_Down)
    assert document.prompt() == "draft"


def test_remembered_prompts_survive_a_restart_through_user_settings(qtbot, document, tmp_path):
    path = tmp_path / "settings.json"
    panel = make_panel(qtbot, document)
    saved = []
    panel.recent_prompts_changed.connect(saved.append)
    for prompt in ("Remove the car", "Add a boat", "Remove the car"):
        document.set_prompt(prompt)
        panel.remember_prompt()
    assert saved[-1] == ("Remove the car", "Add a boat")
    save_settings(remembered_edit_state(UserSettings(), document, panel.history()), path)

    restored = load_settings(path)
    assert restored.last_prompt == "Remove the car"
    again = Document()
    later = make_panel(qtbot, again, restored.prompt_history)
    later.editor.clear()
    alt(qtbot, later, Qt.Key.Key_Up)
    alt(qtbot, later, Qt.Key.Key_Up)
    assert again.prompt() == "Add a boat"


def test_the_counter_warns_near_and_over_the_limit(qtbot, document):
    panel = make_panel(qtbot, document)
    document.set_prompt("x" * 100)
    assert panel.counter.text() == "100 / 32,000" and panel.counter_state() == "ok"
    document.set_prompt("x" * 29_000)
    assert panel.counter_state() == "near"
    document.set_prompt("x" * 32_001)
    assert panel.counter_state() == "over" and "over the model's limit" in panel.counter.toolTip()
    assert panel.counter.palette().color(panel.counter.foregroundRole()).name() == theme.current().danger


def test_a_template_is_inserted_with_its_blank_selected_so_typing_replaces_it(qtbot, document):
    panel = make_panel(qtbot, document)
    action = next(a for a in panel.templates_button.menu().actions() if a.text() == "Change a colour")
    action.trigger()
    assert panel.editor.textCursor().selectedText() == PLACEHOLDER
    qtbot.keyClicks(panel.editor, "the car")
    qtbot.keyClick(panel.editor, Qt.Key.Key_Tab)
    assert panel.editor.textCursor().selectedText() == PLACEHOLDER
    qtbot.keyClicks(panel.editor, "red")
    assert document.prompt().startswith("Change the colour of the car to red,")


def test_a_template_goes_after_existing_text(qtbot, document):
    panel = make_panel(qtbot, document)
    qtbot.keyClicks(panel.editor, "Warm light.")
    panel.insert_template(dict(TEMPLATES)["Remove the object"])
    assert document.prompt().startswith("Warm light. Remove the … and")
    assert len(TEMPLATES) >= 6


def test_focus_prompt_puts_the_keyboard_in_the_editor(qtbot, document):
    panel = make_panel(qtbot, document)
    panel.templates_button.setFocus()
    panel.activateWindow()
    panel.focus_prompt()
    qtbot.waitUntil(panel.editor.hasFocus)


def test_offline_says_the_prompt_is_ignored(qtbot, document):
    panel = make_panel(qtbot, document)
    document.set_options(EditOptions(provider="local", model="telea"))
    assert "ignored" in panel.note.text()
    document.set_options(EditOptions(provider="openai", model="gpt-image-1"))
    assert "ignored" not in panel.note.text() and panel.editor.placeholderText()


def test_the_prompt_box_grows_with_the_text_from_three_lines_to_six(qtbot, document):
    panel = make_panel(qtbot, document)
    line = panel.editor.fontMetrics().lineSpacing()
    short = panel.editor.height()
    document.set_prompt("remove the spoon")
    assert panel.editor.height() == short
    document.set_prompt("\n".join(["a line"] * 5))
    qtbot.waitUntil(lambda: panel.editor.height() == short + 2 * line)
    document.set_prompt("\n".join(["a line"] * 40))
    qtbot.waitUntil(lambda: panel.editor.height() == short + 3 * line)  # six lines, then it scrolls
    document.set_prompt("")
    qtbot.waitUntil(lambda: panel.editor.height() == short)
