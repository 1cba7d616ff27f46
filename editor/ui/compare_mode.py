"""Compare mode: the canvas gives way to the compare page (split slider, side by side,
difference, A/B) with the zoom and pan carried over both ways, and magnified as the canvas is.
Opens, steps and closes the comparison of variants with the original photo; the window composes
it and its commands call it.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QStackedWidget, QWidget

from editor.core.document import Document
from editor.core.jobs import JobQueue
from editor.ui.actions import ActionSet
from editor.ui.canvas import CanvasView
from editor.ui.compare import ComparePage
from editor.ui.panels.results import ResultsPanel

Key = tuple[str, int]  # (job id, variant index)


class CompareMode(QObject):
    """The comparison, over `stack` in place of `canvas`. `run(name, coroutine)` starts the
    window's owned task of that name; `say(text)` shows a sentence in the status bar."""

    def __init__(self, *, stack: QStackedWidget, canvas: CanvasView, document: Document,
                 queue: JobQueue, results: ResultsPanel, actions: ActionSet, tool_options: QWidget,
                 run: Callable[[str, Coroutine], None], say: Callable[[str], None], loop,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._stack, self._canvas, self._document, self._queue = stack, canvas, document, queue
        self._results, self._actions, self._tool_options = results, actions, tool_options
        self._run, self._say = run, say
        self.page = ComparePage(loop=loop)
        stack.addWidget(self.page)
        self._compared: tuple[Key | None, Key | None] = (None, None)
        self.page.bar.a_chosen.connect(lambda key: self._compare_pair(key, self._compared[1]))
        self.page.bar.b_chosen.connect(lambda key: self._compare_pair(self._compared[0], key))
        self.page.bar.done.connect(self.close)
        self.page.view.close_requested.connect(self.close)
        self.page.view.step_requested.connect(self.step)
        stack.currentChanged.connect(self._painting_possible)
        # One "Show Pixels When Zoomed In" for both views: the comparison follows the canvas.
        self.page.view.set_show_pixels(canvas.show_pixels())
        canvas.show_pixels_changed.connect(self.page.view.set_show_pixels)

    def _painting_possible(self, _index: int = 0) -> None:
        """The painting tools and their options rest while the comparison covers the canvas."""
        painting = not self.active() and self._document.photo() is not None
        for action in self._actions.tools():
            action.setEnabled(painting)
        self._tool_options.setEnabled(not self.active())

    def active(self) -> bool:
        return self._stack.currentWidget() is self.page

    def compared(self) -> tuple[Key | None, Key | None]:
        """(A, B) being compared: B is the second variant of A/B mode, None if there is none."""
        return self._compared

    def compare_variant(self, job_id: str, index: int) -> None:
        """Compare this variant with the original; B is the next variant in the panel's order."""
        a = (job_id, index)
        self._compare_pair(a, self._partner(a))

    def compare_shown(self) -> None:
        """The Compare command: the variant on the canvas, or the newest one."""
        shown = self._results.shown() or next(iter(self._results.variant_order()), None)
        if shown is None:
            self._say("There is no variant to compare yet.")
            return
        self.compare_variant(*shown)

    def step(self, delta: int) -> None:
        """←/→ in the comparison: compare the previous or next variant instead."""
        order = self._results.variant_order()
        a = self._compared[0]
        if a not in order:
            return
        position = order.index(a) + delta
        if 0 <= position < len(order):
            new = order[position]
            b = self._compared[1] if self._compared[1] != new else self._partner(new)
            self._compare_pair(new, b)

    def close(self) -> None:
        """Back to the canvas, at the zoom and pan of the comparison."""
        if not self.active():
            return
        view = self.page.view
        self._stack.setCurrentWidget(self._canvas)
        self._canvas.set_view_transform(view.transform(), fitted=view.fitted())
        self._canvas.setFocus()

    def _partner(self, a: Key) -> Key | None:
        order = self._results.variant_order()
        if a not in order:
            return None
        rest = order[order.index(a) + 1:] + order[:order.index(a)]
        return rest[0] if rest else None

    def _label(self, key: Key) -> str:
        job_id, index = key
        star = " ★" if self._queue.marks(job_id, index).starred else ""
        return f"#{self._queue.job(job_id).number} · {index + 1}{star}"

    def _compare_pair(self, a: Key | None, b: Key | None) -> None:
        if a is not None:
            self._run("compare", self._show_pair(a, b))

    async def _show_pair(self, a: Key, b: Key | None) -> None:
        original = self._document.photo()
        made_a = await self._results.variant_image(*a)
        made_b = await self._results.variant_image(*b) if b is not None and b != a else None
        if original is None or original is not self._document.photo():
            return  # the photo changed meanwhile
        if made_a is None or made_a.image.size() != original.size():
            self._say("That variant was made from another photo, so it cannot be compared "
                                         "with this one.")
            return
        if made_b is None or made_b.image.size() != original.size():
            made_b, b = None, None
        entering = not self.active()
        canvas_transform, canvas_fitted = self._canvas.view_transform()
        if entering:
            self._stack.setCurrentWidget(self.page)
        self._compared = (a, b)
        view = self.page.view
        view.set_images(original, made_a.image, made_b.image if made_b is not None else None,
                        labels=("Original", self._label(a), self._label(b) if b is not None else "B"))
        if entering:
            if canvas_fitted:
                view.fit_to_view()
            else:
                view.set_transform(canvas_transform)
            view.setFocus()
        order = self._results.variant_order()
        self.page.bar.set_variants([(self._label(key), key) for key in order], a, b)
        self._results.choose(*a)  # Apply, Star, Export… act on A

    def leave_for(self, reason: str) -> None:
        """The document changed under the comparison: back to the canvas, saying why."""
        if self.active():
            self._stack.setCurrentWidget(self._canvas)
            if reason:
                self._say(reason)
