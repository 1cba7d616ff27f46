"""Compare mode of the main window: the canvas gives way to the compare page (split slider, side
by side, difference, A/B) with the zoom and pan carried over both ways. A part of MainWindow kept
in its own module; it relies on the window's `document`, `queue`, `results`, `canvas`, `_stack`,
`actions`, `tool_options`, `_loop`, `_run()` and `statusBar()`.
"""

from __future__ import annotations

MESSAGE_MS = 6000

Key = tuple[str, int]  # (job id, variant index)


class CompareCommands:
    """Opens, steps and closes the comparison of variants with the original photo."""

    def _setup_compare(self) -> None:
        from editor.ui.compare import ComparePage  # OpenCV comes with it: after the first paint

        self.compare = ComparePage(loop=self._loop)
        self._stack.addWidget(self.compare)
        self._compared: tuple[Key | None, Key | None] = (None, None)
        self.compare.bar.a_chosen.connect(lambda key: self._compare_pair(key, self._compared[1]))
        self.compare.bar.b_chosen.connect(lambda key: self._compare_pair(self._compared[0], key))
        self.compare.bar.done.connect(self.close_compare)
        self.compare.view.close_requested.connect(self.close_compare)
        self.compare.view.step_requested.connect(self.step_compare)
        self._stack.currentChanged.connect(self._painting_possible)

    def _painting_possible(self, _index: int = 0) -> None:
        """The painting tools and their options rest while the comparison covers the canvas."""
        painting = not self.comparing() and self.document.photo() is not None
        for action in self.actions.tools():
            action.setEnabled(painting)
        self.tool_options.setEnabled(not self.comparing())

    def comparing(self) -> bool:
        return self._stack.currentWidget() is self.compare

    def compared(self) -> tuple[Key | None, Key | None]:
        """(A, B) being compared: B is the second variant of A/B mode, None if there is none."""
        return self._compared

    def compare_variant(self, job_id: str, index: int) -> None:
        """Compare this variant with the original; B is the next variant in the panel's order."""
        a = (job_id, index)
        self._compare_pair(a, self._partner(a))

    def compare_shown(self) -> None:
        """The Compare command: the variant on the canvas, or the newest one."""
        shown = self.results.shown() or next(iter(self.results.variant_order()), None)
        if shown is None:
            self.statusBar().showMessage("There is no variant to compare yet.", MESSAGE_MS)
            return
        self.compare_variant(*shown)

    def step_compare(self, delta: int) -> None:
        """←/→ in the comparison: compare the previous or next variant instead."""
        order = self.results.variant_order()
        a = self._compared[0]
        if a not in order:
            return
        position = order.index(a) + delta
        if 0 <= position < len(order):
            new = order[position]
            b = self._compared[1] if self._compared[1] != new else self._partner(new)
            self._compare_pair(new, b)

    def close_compare(self) -> None:
        """Back to the canvas, at the zoom and pan of the comparison."""
        if not self.comparing():
            return
        view = self.compare.view
        self._stack.setCurrentWidget(self.canvas)
        self.canvas.set_view_transform(view.transform(), fitted=view.fitted())
        self.canvas.setFocus()

    def _partner(self, a: Key) -> Key | None:
        order = self.results.variant_order()
        if a not in order:
            return None
        rest = order[order.index(a) + 1:] + order[:order.index(a)]
        return rest[0] if rest else None

    def _label(self, key: Key) -> str:
        job_id, index = key
        star = " ★" if self.queue.marks(job_id, index).starred else ""
        return f"#{self.queue.job(job_id).number} · {index + 1}{star}"

    def _compare_pair(self, a: Key | None, b: Key | None) -> None:
        if a is not None:
            self._run("compare", self._show_pair(a, b))

    async def _show_pair(self, a: Key, b: Key | None) -> None:
        original = self.document.photo()
        made_a = await self.results.variant_image(*a)
        made_b = await self.results.variant_image(*b) if b is not None and b != a else None
        if original is None or original is not self.document.photo():
            return  # the photo changed meanwhile
        if made_a is None or made_a.image.size() != original.size():
            self.statusBar().showMessage("That variant was made from another photo, so it cannot be compared "
                                         "with this one.", MESSAGE_MS)
            return
        if made_b is None or made_b.image.size() != original.size():
            made_b, b = None, None
        entering = not self.comparing()
        canvas_transform, canvas_fitted = self.canvas.view_transform()
        if entering:
            self._stack.setCurrentWidget(self.compare)
        self._compared = (a, b)
        view = self.compare.view
        view.set_images(original, made_a.image, made_b.image if made_b is not None else None,
                        labels=("Original", self._label(a), self._label(b) if b is not None else "B"))
        if entering:
            if canvas_fitted:
                view.fit_to_view()
            else:
                view.set_transform(canvas_transform)
            view.setFocus()
        order = self.results.variant_order()
        self.compare.bar.set_variants([(self._label(key), key) for key in order], a, b)
        self.results.choose(*a)  # Apply, Star, Export… act on A

    def _leave_compare_for(self, reason: str) -> None:
        """The document changed under the comparison: back to the canvas, saying why."""
        if self.compare is not None and self.comparing():
            self._stack.setCurrentWidget(self.canvas)
            if reason:
                self.statusBar().showMessage(reason, MESSAGE_MS)
