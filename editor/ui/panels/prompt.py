"""The prompt panel: what to ask for, with earlier prompts (Alt+Up/Down), templates for common
edits and a character counter against the model's limit.

A view of `Document.prompt`: typing calls `Document.set_prompt`; a prompt set elsewhere (a
restored session, "reuse these settings") is shown with the editor's signals blocked.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent, QPalette, QTextCursor
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMenu,
    QPlainTextEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from editor.core.document import Document
from editor.core.recent_prompts import RecentPrompts
from editor.pipeline.options import EditOptions, capabilities
from editor.ui import theme
from editor.ui.panels import quiet_label, section_title

PLACEHOLDER = "…"
MIN_LINES, MAX_LINES = 3, 6  # the prompt box's height: it grows with the text between these
NEAR_LIMIT = 0.9  # the counter warns from this share of the limit on
MENU_ENTRY_CHARS = 70

# (menu text, prompt). Each "…" is a blank: inserted selected, so typing replaces it; Tab goes on
# to the next one.
TEMPLATES: tuple[tuple[str, str], ...] = (
    ("Remove the object", "Remove the … and fill the area so it matches its surroundings."),
    ("Replace the background", "Replace the background with …, keeping the subject's edges and lighting."),
    ("Change a colour", "Change the colour of … to …, keeping its texture and shading."),
    ("Replace an object", "Replace the … with …, matching the photo's lighting and perspective."),
    ("Add an object", "Add … in the masked area, matching the photo's lighting, perspective and grain."),
    ("Change the text", "Change the text to “…”, keeping the same font, colour and perspective."),
    ("Retouch skin", "Retouch the skin: remove blemishes and shine, keep the natural texture and pores."),
    ("Use a reference image", "Make the … look like the one in Image 2; keep the rest of the photo."),
    ("Extend the scene", "Continue the surrounding scene into the masked area: …"),
)


class PromptEdit(QPlainTextEdit):
    """The prompt editor: Alt+Up/Down ask for earlier/later prompts; Tab selects the next blank
    ("…") when there is one and otherwise moves the focus on, so the keyboard never gets stuck."""

    older_requested = Signal()
    newer_requested = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key, modifiers = event.key(), event.modifiers()
        if modifiers == Qt.KeyboardModifier.AltModifier and key in (Qt.Key.Key_Up, Qt.Key.Key_Down):
            (self.older_requested if key == Qt.Key.Key_Up else self.newer_requested).emit()
            return
        if key == Qt.Key.Key_Tab and modifiers == Qt.KeyboardModifier.NoModifier:
            if not self.select_next_blank():
                self.focusNextChild()
            return
        if key == Qt.Key.Key_Backtab:
            self.focusPreviousChild()
            return
        super().keyPressEvent(event)

    def select_next_blank(self, start: int | None = None) -> bool:
        """Select the next "…" from `start` (default: the cursor); False if there is none."""
        text = self.toPlainText()
        cursor = self.textCursor()
        position = text.find(PLACEHOLDER, cursor.selectionEnd() if start is None else start)
        if position < 0:
            return False
        cursor.setPosition(position)
        cursor.setPosition(position + len(PLACEHOLDER), QTextCursor.MoveMode.KeepAnchor)
        self.setTextCursor(cursor)
        return True


class PromptPanel(QWidget):
    """The prompt of `document`, with history, templates and a counter.

    `history` is the saved list (newest first, `UserSettings.prompt_history`). Call
    `remember_prompt()` when an edit is sent; `recent_prompts_changed` then carries the new list to
    save. `focus_prompt()` is for Ctrl+L.
    """

    recent_prompts_changed = Signal(object)  # tuple[str, ...], newest first

    def __init__(self, document: Document, history: Iterable[str] = (), parent: QWidget | None = None):
        super().__init__(parent)
        self._document = document
        self._recent = RecentPrompts(history)
        self._limit = capabilities(document.options().provider, document.options().model).max_prompt_chars
        self._counter_state = "ok"
        self._browsing_edit = False  # True while a history entry replaces the text

        self.editor = PromptEdit()
        self.editor.setObjectName("promptEditor")
        self.editor.setAccessibleName("Prompt")
        self.editor.setToolTip("Describe the edit for the masked area (Ctrl+L).\n"
                               "Alt+↑ / Alt+↓: earlier prompts · Tab: next … blank")
        # Three lines, growing with the text to six (then it scrolls): room for a short prompt
        # without taking the Edit dock's height from the options on a small screen.
        self.editor.document().documentLayout().documentSizeChanged.connect(lambda _size: self._fit_editor())
        self._fit_editor()
        self.templates_button = self._menu_button("Templates", "Insert a prompt for a common edit")
        self.history_button = self._menu_button("History", "Prompts you sent before (Alt+↑ / Alt+↓)")
        self.history_button.menu().aboutToShow.connect(self._fill_history_menu)
        for text, prompt in TEMPLATES:
            action = self.templates_button.menu().addAction(text)
            action.setToolTip(prompt)
            action.triggered.connect(lambda _=False, p=prompt: self.insert_template(p))
        self.counter = QLabel()
        self.counter.setToolTip("Characters used of the model's limit")
        self.counter.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.note = quiet_label()

        title = section_title("Prompt")
        title.setBuddy(self.editor)
        header = QHBoxLayout()
        header.addWidget(title)
        header.addStretch(1)
        header.addWidget(self.templates_button)
        header.addWidget(self.history_button)
        footer = QHBoxLayout()
        footer.addWidget(self.note, 1)
        footer.addWidget(self.counter)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.setSpacing(4)
        layout.addLayout(header)
        layout.addWidget(self.editor, 1)
        layout.addLayout(footer)

        self.editor.textChanged.connect(self._text_edited)
        self.editor.older_requested.connect(self.show_older)
        self.editor.newer_requested.connect(self.show_newer)
        document.prompt_changed.connect(self._show_prompt)
        document.options_changed.connect(self._show_options)
        self._show_prompt(document.prompt())
        self._show_options(document.options())

    @staticmethod
    def _menu_button(text: str, tip: str) -> QToolButton:
        button = QToolButton()
        button.setText(text)
        button.setToolTip(tip)
        button.setAutoRaise(True)
        button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        button.setMenu(QMenu(button))
        return button

    def _fit_editor(self) -> None:
        editor = self.editor
        lines = min(max(round(editor.document().size().height()), MIN_LINES), MAX_LINES)
        chrome = 2 * (editor.frameWidth() + round(editor.document().documentMargin())) \
            + editor.contentsMargins().top() + editor.contentsMargins().bottom()
        height = lines * editor.fontMetrics().lineSpacing() + chrome
        if editor.height() != height or editor.minimumHeight() != height:
            editor.setFixedHeight(height)

    # --- for the window ---------------------------------------------------------------------------

    def focus_prompt(self) -> None:
        """Put the keyboard in the prompt, cursor at the end (Ctrl+L)."""
        self.editor.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.editor.moveCursor(QTextCursor.MoveOperation.End)

    def remember_prompt(self) -> None:
        """Add the current prompt to the history (call it when an edit is sent)."""
        if self._recent.record(self._document.prompt()):
            self.recent_prompts_changed.emit(self._recent.entries())

    def history(self) -> tuple[str, ...]:
        return self._recent.entries()

    def counter_state(self) -> str:
        """"ok", "near" (90 % of the limit or more) or "over" the model's limit."""
        return self._counter_state

    def insert_template(self, template: str) -> None:
        """Insert `template` at the cursor (replacing a selection) and select its first blank."""
        cursor = self.editor.textCursor()
        start = cursor.selectionStart()
        before = self.editor.toPlainText()[:start]
        if before and not before[-1].isspace():
            template = " " + template
        cursor.insertText(template)
        self.editor.setTextCursor(cursor)
        if not self.editor.select_next_blank(start):
            self.editor.moveCursor(QTextCursor.MoveOperation.End)
        self.editor.setFocus(Qt.FocusReason.OtherFocusReason)

    # --- history ------------------------------------------------------------------------------------

    def show_older(self) -> None:
        entry = self._recent.older(self.editor.toPlainText())
        if entry is not None:
            self._replace_text(entry)

    def show_newer(self) -> None:
        entry = self._recent.newer()
        if entry is not None:
            self._replace_text(entry)

    def _replace_text(self, text: str) -> None:
        """Show a history entry as one undoable edit, without ending the stepping through it."""
        self._browsing_edit = True
        try:
            cursor = self.editor.textCursor()
            cursor.select(QTextCursor.SelectionType.Document)
            cursor.insertText(text)
            self.editor.setTextCursor(cursor)
        finally:
            self._browsing_edit = False

    def _fill_history_menu(self) -> None:
        menu = self.history_button.menu()
        menu.clear()
        for entry in self._recent.entries()[:20]:
            line = " ".join(entry.split())
            shown = line if len(line) <= MENU_ENTRY_CHARS else line[: MENU_ENTRY_CHARS - 1] + "…"
            action = menu.addAction(shown.replace("&", "&&"))
            action.setToolTip(entry)
            action.triggered.connect(lambda _=False, e=entry: self._use_entry(e))
        if not self._recent.entries():
            menu.addAction("No prompts sent yet").setEnabled(False)

    def _use_entry(self, entry: str) -> None:
        self._replace_text(entry)
        self._recent.stop_browsing()
        self.focus_prompt()

    # --- model ↔ view ------------------------------------------------------------------------------

    def _text_edited(self) -> None:
        if not self._browsing_edit:
            self._recent.stop_browsing()
        self._document.set_prompt(self.editor.toPlainText())
        self._show_count()

    def _show_prompt(self, prompt: str) -> None:
        if prompt != self.editor.toPlainText():
            self.editor.blockSignals(True)
            self.editor.setPlainText(prompt)
            self.editor.moveCursor(QTextCursor.MoveOperation.End)
            self.editor.blockSignals(False)
        self._show_count()

    def _show_options(self, options: EditOptions) -> None:
        caps = capabilities(options.provider, options.model)
        self._limit = caps.max_prompt_chars
        if caps.uses_prompt:
            self.editor.setPlaceholderText("Describe the change for the masked area, e.g. "
                                           "“Replace the sky with a warm sunset”")
            self.note.setText("Alt+↑/↓ earlier prompts")
        else:
            self.editor.setPlaceholderText("Offline edits ignore the prompt: they fill the masked area "
                                           "from its surroundings.")
            self.note.setText("Offline: the prompt is ignored")
        self._show_count()

    def _show_count(self) -> None:
        used = len(self.editor.toPlainText())
        state = "over" if used > self._limit else "near" if used >= self._limit * NEAR_LIMIT else "ok"
        self._counter_state = state
        self.counter.setText(f"{used:,} / {self._limit:,}")
        palette = self.counter.palette()
        colour = {"ok": self.palette().color(QPalette.ColorRole.PlaceholderText),
                  "near": theme.current().colour("warn"), "over": theme.current().colour("danger")}[state]
        palette.setColor(QPalette.ColorRole.WindowText, colour)
        self.counter.setPalette(palette)
        font = self.counter.font()
        font.setBold(state == "over")
        self.counter.setFont(font)
        self.counter.setToolTip(
            f"The prompt is {used - self._limit:,} characters over the model's limit of {self._limit:,}."
            if state == "over" else f"Characters used of the model's limit of {self._limit:,}"
        )
