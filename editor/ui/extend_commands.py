"""Image ▸ Extend Canvas…: the dialog, then the extension as one undoable step, and what a
Generate of the extended canvas will send (said under the Generate button)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtWidgets import QWidget

from editor.core.canvas_extension import CanvasExtender
from editor.core.document import Document
from editor.imaging.extend import DEFAULT_BAND_PX, Extension, ExtensionError
from editor.ui.canvas import CanvasView

THUMBNAIL_SIDE = 480


class ExtendCommands(QObject):
    """Asks how to extend the open photo and hands the answer to the CanvasExtender."""

    def __init__(self, window: QWidget, *, document: Document, extender: CanvasExtender, canvas: CanvasView,
                 max_pixels: Callable[[], int], say: Callable[[str], None],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._window = window
        self._canvas = canvas
        self._document = document
        self._extender = extender
        self._max_pixels = max_pixels
        self._say = say
        self._band = DEFAULT_BAND_PX  # the last band chosen is offered again
        # With the Extend tool the photo is shown with room around it to drag into (a fitted photo
        # fills the view); after the canvas changed size too, once the window has fitted it.
        canvas.tool_changed.connect(lambda _name: self._make_room())
        document.mask_replaced.connect(lambda _mask: QTimer.singleShot(0, self._make_room))

    def _make_room(self) -> None:
        if self._canvas.tool() == "extend" and self._document.is_open():
            self._canvas.fit_to_view()
            self._canvas.zoom_out()

    def ask(self) -> None:
        from editor.ui.dialogs.extend_canvas import ExtendCanvasDialog

        photo = self._document.photo()
        if photo is None:
            return
        thumbnail = photo.scaled(THUMBNAIL_SIDE, THUMBNAIL_SIDE, Qt.AspectRatioMode.KeepAspectRatio,
                                 Qt.TransformationMode.FastTransformation)
        dialog = ExtendCanvasDialog(thumbnail, (photo.width(), photo.height()), plan_text=self.plan_text,
                                    max_pixels=self._max_pixels(), band_px=self._band, parent=self._window)
        if dialog.exec() and dialog.extension() is not None:
            self._band = dialog.band_px()
            self._extender.extend(dialog.extension(), dialog.band_px())

    def extend_dragged(self, extension: Extension) -> None:
        """The Extend tool's drag: extend by it with the band last chosen, or say why not."""
        photo = self._document.photo()
        if photo is None:
            return
        try:
            extension.checked((photo.width(), photo.height()), max_pixels=self._max_pixels())
        except ExtensionError as error:
            self._say(error.message)
            return
        self._extender.extend(extension, self._band)

    def plan_text(self, photo_size: tuple[int, int], extension: Extension, band_px: int) -> tuple[str, str]:
        """What a Generate of the canvas would send and cost, with the document's options: one line
        and its tooltip."""
        from editor.pipeline.extend_plan import plan_extension

        plan = plan_extension(photo_size, extension, self._document.options(), band_px=band_px)
        cost = plan.cost_text()
        text = plan.text() + (f" · {cost}" if cost else "")
        if plan.steps[0].size is None:
            return text, ("The offline backend fills the margins on this computer with texture from the "
                          "photo (PatchMatch); the photo outside the band is kept exactly.")
        tooltip = ("Each strip holds the new margin, the overlap band and as much of the photo as fits, "
                   "at full detail; each later strip sees what the one before drew. "
                   "Where a margin is too deep for that, the whole canvas is sent scaled down and its "
                   "answer scaled back up (Lanczos). The photo outside the band is kept exactly.")
        return text, tooltip

    def estimate(self) -> tuple[str, str] | None:
        """Under the Generate button, for an extended canvas: what it sends; None otherwise."""
        current = self._extender.current()
        photo = self._document.photo()
        if current is None or photo is None:
            return None
        extension, band = current
        left, top, right, bottom = extension.sides
        photo_size = (photo.width() - left - right, photo.height() - top - bottom)
        return self.plan_text(photo_size, extension, band)
