"""Results ▸ Show Changes Outside the Mask: the shown variant with the spill meter's heat map over
every pixel the model changed outside the mask, and the meter's sentence in the status bar.

The map is painted off the GUI thread from the spill report the composite already measured; the
canvas shows the plain variant until it is ready, and again as soon as the view is turned off.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtGui import QImage

if TYPE_CHECKING:
    from editor.ui.canvas.view import CanvasView
    from editor.ui.panels.results import ResultsPanel


class SpillView(QObject):
    """Shows what `show(job_id, index, image)` is given on the canvas, with the heat map over it
    while `enabled`."""

    def __init__(self, parent: QObject, *, results: ResultsPanel, canvas: CanvasView,
                 run: Callable[[str, Coroutine], None], say: Callable[[str], None]):
        super().__init__(parent)
        self._results, self._canvas, self._run, self._say = results, canvas, run, say
        self.enabled = False
        self._shown: tuple[str, int] | None = None

    def set_enabled(self, on: bool) -> None:
        self.enabled = on
        self._results.reshow()  # the variant again, with or without its map

    def show(self, job_id: str, index: int, image: QImage) -> None:
        self._shown = (job_id, index)
        self._canvas.set_preview(image)
        if not self.enabled:
            return
        made = self._results.made(job_id, index)
        if made is None or made.spill_report is None:
            self._say("This variant has no spill figures to show.")
            return
        self._run("spill map", self._paint(job_id, index, made))

    async def _paint(self, job_id: str, index: int, made) -> None:
        from editor.core.variant_images import with_heat
        from editor.imaging.spill import describe_spill

        painted = await asyncio.to_thread(with_heat, made)
        if painted is None or not self.enabled or self._shown != (job_id, index) \
                or self._results.shown() != (job_id, index):
            return
        self._canvas.set_preview(painted)
        self._say(f"The model {describe_spill(made.spill_report)}.")

    def forget(self) -> None:
        self._shown = None
