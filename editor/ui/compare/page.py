"""ComparePage: the compare bar above the compare view, as one page of the window's centre."""

from __future__ import annotations

import asyncio

from PySide6.QtWidgets import QFrame, QVBoxLayout, QWidget

from editor.ui.compare.bar import CompareBar
from editor.ui.compare.view import CompareView


class ComparePage(QWidget):
    """`bar` chooses the mode and the variants; `view` shows them. The window connects the two."""

    def __init__(self, *, loop: asyncio.AbstractEventLoop | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.bar = CompareBar(self)
        self.view = CompareView(loop=loop, parent=self)
        line = QFrame(self)
        line.setFrameShape(QFrame.Shape.HLine)
        line.setFrameShadow(QFrame.Shadow.Sunken)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.bar)
        layout.addWidget(line)
        layout.addWidget(self.view, 1)
        self.bar.mode_chosen.connect(self.view.set_mode)
        self.view.mode_changed.connect(self.bar.show_mode)
        self.setFocusProxy(self.view)
        # The bar's full width must not widen the window; a narrow window clips the bar's end.
        self.setMinimumSize(320, 240)
