"""The amber frame on the canvas around the crop Generate would send. It follows the mask (at most
every FRAME_MS while painting), the options and the settings, and says each new plan through
`planned` (the Generate bar's estimate follows it)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QRect, QTimer, Signal

if TYPE_CHECKING:
    from editor.core.document import Document
    from editor.imaging.prepare import EditContext
    from editor.ui.canvas import CanvasView

FRAME_MS = 120


class ContextFrame(QObject):
    planned = Signal(object)  # the EditContext a Generate now would send, None without a photo

    def __init__(self, document: Document, canvas: CanvasView, edit_context: Callable[[], EditContext | None],
                 parent: QObject | None = None):
        super().__init__(parent)
        self._canvas, self._edit_context = canvas, edit_context
        self._timer = QTimer(self, singleShot=True, interval=FRAME_MS)
        self._timer.timeout.connect(self._show)
        document.options_changed.connect(self.schedule)
        document.mask_replaced.connect(self._watch)
        self._watch(document.mask())

    def _watch(self, mask) -> None:
        if mask is not None:
            mask.changed.connect(self.schedule)
        self.schedule()

    def schedule(self, *_args) -> None:
        """Look again soon (the mask, the options or the padding changed)."""
        if not self._timer.isActive():
            self._timer.start()

    def _show(self) -> None:
        context = self._edit_context()
        self.planned.emit(context)
        if context is None or not context.cropped:
            self._canvas.set_context_frame(None)
        else:
            self._canvas.set_context_frame(QRect(*context.crop))
