"""The `?` cheat sheet: every shortcut and canvas gesture, generated from editor.ui.actions."""

from __future__ import annotations

import html
from collections import defaultdict

from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QGridLayout, QLabel, QVBoxLayout, QWidget

from editor.ui.actions import cheat_sheet_rows

# Which sections share a column; together they keep the sheet on one screen without scrolling.
COLUMNS: tuple[tuple[str, ...], ...] = (
    ("Tools", "Brush"), ("Mask", "Edit", "Help"), ("Generate", "View", "File"))


def column_html(sections: list[tuple[str, list[tuple[str, str]]]], heading_colour: str) -> str:
    """One table per column, so keys line up across the sections stacked in it."""
    lines = ["<table cellspacing='0' cellpadding='3'>"]
    for index, (title, rows) in enumerate(sections):
        space = "padding-top:14px; " if index else ""
        lines.append(f"<tr><td colspan='2' style='{space}color:{heading_colour}'>"
                     f"<b>{html.escape(title.upper())}</b></td></tr>")
        for keys, what in rows:
            lines.append(f"<tr><td style='padding-right:18px; white-space:nowrap'><b>{html.escape(keys)}</b>"
                         f"</td><td>{html.escape(what)}</td></tr>")
    lines.append("</table>")
    return "".join(lines)


class ShortcutsDialog(QDialog):
    """A read-only sheet of keys, grouped like the menus."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Keyboard Shortcuts")
        self.rows = cheat_sheet_rows()
        grouped: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for section, keys, what in self.rows:
            grouped[section].append((keys, what))
        heading = self.palette().color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.WindowText).name()
        grid = QGridLayout()
        grid.setHorizontalSpacing(40)
        placed = set()
        for column, sections in enumerate(COLUMNS):
            present = [(s, grouped[s]) for s in sections if grouped.get(s)]
            placed.update(sections)
            grid.addWidget(self._block(column_html(present, heading)), 0, column, Qt.AlignmentFlag.AlignTop)
        leftovers = [(s, rows) for s, rows in grouped.items() if s not in placed]
        if leftovers:  # a new section in the table still shows up, even before COLUMNS names it
            grid.addWidget(self._block(column_html(leftovers, heading)), 1, 0, 1, len(COLUMNS))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(grid)
        layout.addWidget(buttons)

    @staticmethod
    def _block(text: str) -> QLabel:
        label = QLabel(text)
        label.setTextFormat(Qt.TextFormat.RichText)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        return label

    def plain_text(self) -> str:
        """Everything the sheet shows, as text (for tests and accessibility)."""
        return "\n".join(f"{section}\t{keys}\t{what}" for section, keys, what in self.rows)
