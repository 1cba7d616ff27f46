"""Zoom and pan of the canvas: a part of CanvasView kept in its own module.

The maths is pure and lives in `transform.ViewTransform`; this applies it to the widget. Every
change goes through the same constraint (the photo never scrolls out of reach), the view refits on
resize until the user zooms or pans, and a pan by whole pixels scrolls what is already on screen so
only the uncovered strips repaint. It relies on the view's `_transform`, `_fitted`, `_tool`,
`_outline_rect`, `zoom_changed`, `_image_size()`, `_set_cursor_centre()` and
`_refresh_brush_cursor()`.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF

from editor.ui.canvas.render import outline_rect
from editor.ui.canvas.transform import ViewTransform, next_zoom_step


class ViewNavigation:
    """Zooms at a point, pans, fits the photo to the view and maps between widget and image."""

    def zoom(self) -> float:
        return self._transform.scale

    def set_zoom(self, scale: float, anchor: QPointF | None = None) -> None:
        anchor = anchor if anchor is not None else QPointF(self.width() / 2, self.height() / 2)
        self._apply_transform(self._constrain(self._transform.zoomed(scale, anchor)), fitted=False)

    def zoom_in(self) -> None:
        self.set_zoom(next_zoom_step(self.zoom(), +1))

    def zoom_out(self) -> None:
        self.set_zoom(next_zoom_step(self.zoom(), -1))

    def view_transform(self) -> tuple[ViewTransform, bool]:
        """The zoom and pan, and whether they still fit the photo to the view."""
        return self._transform, self._fitted

    def set_view_transform(self, t: ViewTransform, *, fitted: bool = False) -> None:
        if fitted:
            self.fit_to_view()
        else:
            self._apply_transform(self._constrain(t), fitted=False)

    def fit_to_view(self) -> None:
        width, height = self._image_size()
        self._apply_transform(ViewTransform.fit(width, height, self.width(), self.height()), fitted=True)

    def actual_pixels(self) -> None:
        self.set_zoom(1.0)
        # Whole-pixel offsets: each image pixel lands on exactly one screen pixel.
        t = self._transform
        self._apply_transform(ViewTransform(1.0, round(t.dx), round(t.dy)), fitted=False)

    def center_on(self, image_point: QPointF) -> None:
        """Scroll so the image point sits in the middle of the view, at the current zoom."""
        centre = self._transform.to_widget(image_point)
        self._pan_by(round(self.width() / 2 - centre.x()), round(self.height() / 2 - centre.y()))

    def image_to_widget(self, point: QPointF) -> QPointF:
        return self._transform.to_widget(point)

    def widget_to_image(self, point: QPointF) -> QPointF:
        return self._transform.to_image(point)

    def _constrain(self, t: ViewTransform) -> ViewTransform:
        return t.constrained(self.width(), self.height(), *self._image_size())

    def _apply_transform(self, t: ViewTransform, *, fitted: bool) -> None:
        self._fitted = fitted
        old = self._transform
        if t == old:
            return
        self._transform = t
        self._outline_rect = outline_rect(self._tool.preview_path(), t)
        self._refresh_brush_cursor()
        self.update()
        if t.scale != old.scale:
            self.zoom_changed.emit(t.scale)

    def _pan_by(self, dx: float, dy: float) -> None:
        old = self._transform
        new = self._constrain(old.panned(dx, dy))
        if new == old:
            return
        self._set_cursor_centre(None)
        self._transform, self._fitted = new, False
        self._outline_rect = outline_rect(self._tool.preview_path(), new)
        shift_x, shift_y = new.dx - old.dx, new.dy - old.dy
        if shift_x.is_integer() and shift_y.is_integer():
            self.scroll(int(shift_x), int(shift_y))  # reuses what is on screen: only the strips repaint
        else:
            self.update()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self._fitted:
            self.fit_to_view()
        else:
            self._apply_transform(self._constrain(self._transform), fitted=False)
