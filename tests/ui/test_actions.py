"""The action table: every convention's shortcut once, no clashes, all on the cheat sheet."""

from __future__ import annotations

import html
from collections import Counter

import pytest
from PySide6.QtCore import QSize
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QLabel, QMenu

from editor.ui import icons
from editor.ui.actions import ACTIONS, CANVAS_GESTURES, ActionSet, cheat_sheet_rows, portable_text
from editor.ui.dialogs.shortcuts import ShortcutsDialog

# UX_CONVENTIONS.md shortcuts that apply to this window (generate/cancel, prompt focus, projects and
# result export come with later features; canvas-held keys are in CANVAS_GESTURES).
CONVENTION_SHORTCUTS = {
    "B": "tool.brush", "E": "tool.eraser", "M": "tool.rect", "Shift+M": "tool.ellipse", "L": "tool.lasso",
    "P": "tool.polygon", "G": "tool.fill", "[": "brush.smaller", "]": "brush.larger",
    "Ctrl+=": "view.zoom_in", "Ctrl+-": "view.zoom_out", "Ctrl+0": "view.fit", "Ctrl+1": "view.actual",
    "Ctrl+Z": "edit.undo", "Ctrl+Shift+Z": "edit.redo", "Ctrl+Y": "edit.redo", "Ctrl+I": "mask.invert",
    "Ctrl+Shift+A": "mask.clear", "Del": "mask.clear", "Ctrl+O": "file.open", "Ctrl+V": "file.paste",
    "?": "help.shortcuts",
}
CANVAS_KEYS = ("Hold \\", "Space+Drag / Middle-drag", "Alt+Wheel", "Alt+Right-drag", "Right-drag")


def canonical(sequence: str) -> str:
    return QKeySequence(sequence).toString(QKeySequence.SequenceFormat.PortableText)


@pytest.fixture
def window(idle_window):
    return idle_window


def test_the_table_has_no_duplicate_keys_or_shortcuts():
    keys = [spec.key for spec in ACTIONS]
    assert len(keys) == len(set(keys))
    shortcuts = Counter(canonical(s) for spec in ACTIONS for s in spec.shortcuts)
    assert [s for s, count in shortcuts.items() if count > 1] == []


def test_every_convention_shortcut_is_registered_exactly_once_in_the_window(window):
    registered = Counter()
    owner = {}
    for action in window.findChildren(QAction):
        for sequence in action.shortcuts():
            text = sequence.toString(QKeySequence.SequenceFormat.PortableText)
            registered[text] += 1
            owner[text] = action.objectName()
    for shortcut, key in CONVENTION_SHORTCUTS.items():
        text = canonical(shortcut)
        assert registered[text] == 1, f"{shortcut} registered {registered[text]} times"
        assert owner[text] == key
    assert [s for s, count in registered.items() if count > 1] == []


def test_the_canvas_held_keys_are_not_actions_but_are_on_the_cheat_sheet():
    action_shortcuts = {canonical(s) for spec in ACTIONS for s in spec.shortcuts}
    assert canonical("Space") not in action_shortcuts
    assert canonical("\\") not in action_shortcuts
    listed = {keys for _section, keys, _what in CANVAS_GESTURES}
    assert set(CANVAS_KEYS) <= listed


def test_the_cheat_sheet_shows_every_shortcut_and_gesture(qtbot):
    dialog = ShortcutsDialog()
    qtbot.addWidget(dialog)
    shown = html.unescape(" ".join(label.text() for label in dialog.findChildren(QLabel)))
    for spec in ACTIONS:
        for sequence in spec.shortcuts:
            assert portable_text(sequence) in shown, sequence
    for _section, keys, what in CANVAS_GESTURES:
        assert keys in shown and what in shown
    assert len(dialog.rows) == len(cheat_sheet_rows())


def test_tool_buttons_are_exclusive_checkable_and_their_tooltips_name_the_shortcut(window):
    tools = window.actions.tools()
    assert [a.objectName() for a in tools] == [f"tool.{n}" for n in window.canvas.TOOLS]
    assert window.actions.tool_group.isExclusive()
    for action in tools:
        assert action.isCheckable() and not action.icon().isNull()
        assert f"({action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)})" in action.toolTip()
    assert window.actions["tool.ellipse"].toolTip() == "Ellipse (Shift+M)"


def test_every_table_entry_with_a_menu_is_in_that_menu(window):
    menu_actions = {a.objectName() for menu in window.menuBar().findChildren(QMenu) for a in menu.actions()}
    for spec in ACTIONS:
        if spec.menu is not None:
            assert spec.key in menu_actions, spec.key


def test_connect_refuses_a_table_entry_without_a_handler(qtbot):
    from PySide6.QtWidgets import QWidget

    host = QWidget()
    qtbot.addWidget(host)
    with pytest.raises(KeyError, match=r"file\.open"):
        ActionSet(host).connect({})


def test_every_icon_named_in_the_table_exists_and_draws(qapp):
    names = {spec.icon for spec in ACTIONS if spec.icon} | {"photo"}
    for name in names:
        assert icons.icon_path(name).is_file(), name
        image = icons.icon(name).pixmap(QSize(24, 24), 2.0).toImage()
        assert image.width() == 48  # drawn at device pixels for a 2× screen, not scaled up
        inked = sum(image.pixelColor(x, y).alpha() > 0 for x in range(0, 48, 2) for y in range(0, 48, 2))
        assert inked > 10, name


def test_document_actions_are_disabled_until_a_photo_is_open(window):
    for spec in ACTIONS:
        assert window.actions[spec.key].isEnabled() == (not spec.needs_document), spec.key
