"""CanvasView: the widget that shows the photo and its mask and turns pointer input into edits.

The view owns navigation (zoom at the cursor, Space/middle-drag pan), the press-and-hold keys
(Space, `\\`, Shift, Alt, Enter, Esc) and repaint bookkeeping. Painting is delegated to
`render.CanvasRenderer` and editing to the tool objects in `tools`; the MaskLayer tells the
view which image rect changed and only that part of the widget is repainted.
"""

from __future__ import annotations

import logging
from dataclasses import replace

import numpy as np
from PySide6.QtCore import QEvent, QPoint, QPointF, QRect, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QCursor, QImage, QMouseEvent, QPainter, QTabletEvent
from PySide6.QtWidgets import QWidget

from editor.core.mask_layer import BrushDab, MaskLayer
from editor.imaging.region import FloodRegion
from editor.ui.canvas.render import (
    CanvasRenderer,
    OverlayStyle,
    brush_cursor_rect,
    coverage_image,
    outline_rect,
    region_image,
)
from editor.ui.canvas.tools import (
    MAX_BRUSH_PX,
    MIN_BRUSH_PX,
    PRESSURE_MODES,
    CanvasTool,
    FillTool,
    Pointer,
    make_tools,
    pressure_brush,
)
from editor.ui.canvas.transform import ViewTransform, next_zoom_step

log = logging.getLogger(__name__)

WHEEL_ZOOM_PER_NOTCH = 1.25
WHEEL_BRUSH_PER_NOTCH = 1.1
_NOTCH = 120.0  # QWheelEvent angle units per wheel notch
_Button = Qt.MouseButton
_Mod = Qt.KeyboardModifier


def _clamp_diameter(diameter: float) -> float:
    return min(MAX_BRUSH_PX, max(MIN_BRUSH_PX, diameter))


class CanvasView(QWidget):
    """Shows a photo with its mask overlay and edits the mask with the current tool.

    A view of a MaskLayer: it reads the mask's live image and calls its operations; the window's
    action table drives tools, brush and zoom through the public methods below.
    """

    zoom_changed = Signal(float)
    cursor_moved = Signal(object)  # QPointF in image coordinates, or None
    step_requested = Signal(int)  # ←/→: the previous or next variant
    tool_changed = Signal(str)
    brush_changed = Signal(object)  # BrushDab
    mask_preview_changed = Signal()
    _region_found = Signal(object)  # FloodRegion, from the flood worker thread

    TOOLS = ("brush", "eraser", "rect", "ellipse", "lasso", "polygon", "fill")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMouseTracking(True)
        self.setAttribute(Qt.WidgetAttribute.WA_TabletTracking)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.PreventContextMenu)  # right-drag erases
        self._renderer = CanvasRenderer()
        self._transform = ViewTransform()
        self._fitted = True  # the view refits on resize until the user zooms or pans
        self._mask: MaskLayer | None = None
        self._brush = BrushDab()
        self._tools = make_tools(self)
        self._tool: CanvasTool = self._tools["brush"]
        self._pressure_mode = "size"
        self._space_held = False
        self._pan_from: QPointF | None = None
        self._size_drag: tuple[float, float] | None = None  # (press x, diameter at press)
        self._tool_button: Qt.MouseButton | None = None
        self._pointer_at: QPointF | None = None  # widget position of the last pointer event
        self._pressure = 1.0
        self._outline_rect = QRect()
        self._shown_region: FloodRegion | None = None
        fill = self._tools["fill"]
        assert isinstance(fill, FillTool)
        self._fill = fill
        self._region_found.connect(self._fill.region_found)
        self.destroyed.connect(self._fill.shutdown)
        self._apply_cursor_shape()

    # --- document --------------------------------------------------------------------------

    def set_content(self, photo: QImage, mask: MaskLayer) -> None:
        if (photo.width(), photo.height()) != (mask.width, mask.height):
            raise ValueError(f"photo {photo.width()}×{photo.height()} and mask {mask.width}×{mask.height} "
                             "differ")
        self._tool.cancel()
        if self._mask is not None:
            self._mask.changed.disconnect(self._on_mask_changed)
        self._mask = mask
        mask.changed.connect(self._on_mask_changed)
        layers = self._renderer.layers
        layers.mask, layers.mask_preview, layers.outline = mask.image(), None, None
        self._renderer.preview.set_photo(None)
        self._renderer.refresh_tint()
        self._set_photo_layer(photo)
        self.fit_to_view()
        self.update()

    def set_photo(self, photo: QImage) -> None:
        current = self._renderer.photo.photo()
        if current is not None and current.size() != photo.size():
            raise ValueError("set_photo() replaces a photo of the same size; use set_content()")
        self._set_photo_layer(photo)
        self.update()

    def set_preview(self, image: QImage | None) -> None:
        """Show `image` (a variant, the photo's size) in place of the photo until set_preview(None);
        holding \\ shows the photo itself meanwhile."""
        current = self._renderer.photo.photo()
        if image is not None and (current is None or current.size() != image.size()):
            raise ValueError("a preview must have the photo's size")
        layer = self._renderer.preview
        if image is layer.photo() or (image is not None and layer.photo() is not None
                                      and image.cacheKey() == layer.photo().cacheKey()):
            return
        layer.set_photo(image)
        if layer.wants_levels():
            QTimer.singleShot(0, self._build_preview_levels)
        self.update()

    def preview(self) -> QImage | None:
        return self._renderer.preview.photo()

    def _build_preview_levels(self) -> None:
        self._renderer.preview.build_levels()
        self.update()

    def _set_photo_layer(self, photo: QImage) -> None:
        self._renderer.photo.set_photo(photo)
        self._fill.set_photo(photo)
        if self._renderer.photo.wants_levels():
            # After the first frame: opening shows the photo first, the pyramid follows.
            QTimer.singleShot(0, self._build_photo_levels)

    def _build_photo_levels(self) -> None:
        self._renderer.photo.build_levels()
        self.update()

    def mask_layer(self) -> MaskLayer | None:
        return self._mask

    def _image_size(self) -> tuple[int, int]:
        photo = self._renderer.photo.photo()
        return (photo.width(), photo.height()) if photo is not None else (0, 0)

    # --- tools and brush -------------------------------------------------------------------

    def set_tool(self, name: str) -> None:
        if name not in self._tools:
            raise ValueError(f"unknown tool {name!r}; expected one of {self.TOOLS}")
        if self._tool.name == name:
            return
        self._tool.cancel()
        self._tool = self._tools[name]
        self._refresh_outline()
        self._apply_cursor_shape()
        self._refresh_brush_cursor()
        self.tool_changed.emit(name)

    def tool(self) -> str:
        return self._tool.name

    def brush(self) -> BrushDab:
        return self._brush

    def set_brush(self, brush: BrushDab) -> None:
        brush = replace(brush, diameter=_clamp_diameter(brush.diameter))
        if brush == self._brush:
            return
        self._brush = brush
        self._refresh_brush_cursor()
        self.brush_changed.emit(brush)

    def grow_brush(self) -> None:
        diameter = self._brush.diameter
        self._set_diameter(max(diameter + 1, round(diameter * 1.1)))

    def shrink_brush(self) -> None:
        diameter = self._brush.diameter
        self._set_diameter(min(diameter - 1, round(diameter / 1.1)))

    def _set_diameter(self, diameter: float) -> None:
        self.set_brush(replace(self._brush, diameter=diameter))

    def set_fill_tolerance(self, tolerance: int) -> None:
        self._fill.set_tolerance(tolerance)

    def set_pressure_mode(self, mode: str) -> None:
        if mode not in PRESSURE_MODES:
            raise ValueError(f"pressure mode must be one of {PRESSURE_MODES}, got {mode!r}")
        self._pressure_mode = mode

    def stroke_brush(self, pressure: float) -> tuple[BrushDab, float]:
        return pressure_brush(self._brush, self._pressure_mode, pressure)

    # --- zoom and pan ----------------------------------------------------------------------

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

    # --- overlay ---------------------------------------------------------------------------

    def set_overlay(self, color: QColor, opacity: float, hatch: bool = False) -> None:
        self._renderer.layers.style = OverlayStyle(QColor(color), min(1.0, max(0.0, opacity)), hatch)
        self._renderer.refresh_tint()
        self.update()

    def set_context_frame(self, rect: QRect | None) -> None:
        """Frame the part of the photo Generate would send (None: the whole photo, no frame)."""
        layers = self._renderer.layers
        if rect == layers.context:
            return
        layers.context = QRect(rect) if rect is not None else None
        self.update()

    def context_frame(self) -> QRect | None:
        return self._renderer.layers.context

    def set_mask_visible(self, visible: bool) -> None:
        self._renderer.layers.mask_visible = bool(visible)
        self.update()

    def mask_visible(self) -> bool:
        return self._renderer.layers.mask_visible

    def set_peek_original(self, peek: bool) -> None:
        if self._renderer.layers.peek != bool(peek):
            self._renderer.layers.peek = bool(peek)
            self.update()

    def set_mask_preview(self, coverage: np.ndarray | None) -> None:
        expected = (self._mask.height, self._mask.width) if self._mask is not None else None
        if coverage is not None and expected is not None and coverage.shape != expected:
            raise ValueError(f"preview must be {expected}, got {coverage.shape}")
        self._renderer.layers.mask_preview = coverage_image(coverage) if coverage is not None else None
        self._renderer.refresh_tint()
        self.update()
        self.mask_preview_changed.emit()

    # --- bucket-fill preview (ToolHost) ---------------------------------------------------

    def post_region(self, found: FloodRegion) -> None:
        self._region_found.emit(found)  # queued: called on the flood worker thread

    def show_fill_region(self, found: FloodRegion | None) -> None:
        layers = self._renderer.layers
        for shown in (self._shown_region, found):
            if shown is not None:
                rect = QRect(*shown.origin, shown.region.shape[1], shown.region.shape[0])
                self.update(self._transform.widget_rect_of(rect, pad=2))
        self._shown_region = found
        layers.fill_preview = region_image(found.region) if found is not None else None
        if found is not None:
            layers.fill_origin = QPoint(*found.origin)

    # --- painting and repaint bookkeeping --------------------------------------------------

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        self._renderer.paint(painter, event.region(), self._transform)
        painter.end()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self._fitted:
            self.fit_to_view()
        else:
            self._apply_transform(self._constrain(self._transform), fitted=False)

    def _on_mask_changed(self, rect: QRect) -> None:
        t = self._transform
        if t.scale == 1.0 and t.dx.is_integer() and t.dy.is_integer():
            # Every brush segment lands here: at 100 % the widget rect is the image rect moved.
            dx, dy = int(t.dx), int(t.dy)
            self.update(rect.adjusted(dx - 2, dy - 2, dx + 2, dy + 2))
        else:
            self.update(t.widget_rect_of(rect, pad=2))

    def _refresh_outline(self, changed: QRect | None = None) -> None:
        path = self._tool.preview_path()
        self._renderer.layers.outline = path
        new_rect = outline_rect(path, self._transform)
        self.update(changed if changed is not None else self._outline_rect.united(new_rect))
        self._outline_rect = new_rect

    def _set_cursor_centre(self, centre: QPointF | None) -> None:
        layers = self._renderer.layers
        if layers.cursor_centre is not None:
            self.update(brush_cursor_rect(layers.cursor_centre, layers.cursor_diameter_px))
        layers.cursor_centre = centre
        layers.cursor_diameter_px = self.stroke_brush(self._pressure)[0].diameter * self._transform.scale
        if centre is not None:
            self.update(brush_cursor_rect(centre, layers.cursor_diameter_px))

    def _refresh_brush_cursor(self) -> None:
        """Show the footprint where the pointer is, when the tool paints and nothing else is going on."""
        if self._size_drag is not None:
            # The footprint stays where the drag started while it grows or shrinks.
            self._set_cursor_centre(self._renderer.layers.cursor_centre)
            return
        show = self._tool.shows_brush and self._pointer_at is not None and self._pan_from is None
        self._set_cursor_centre(self._pointer_at if show else None)

    def _apply_cursor_shape(self) -> None:
        if self._pan_from is not None:
            self.setCursor(Qt.CursorShape.ClosedHandCursor)
        elif self._space_held:
            self.setCursor(Qt.CursorShape.OpenHandCursor)
        else:
            self.setCursor(QCursor(self._tool.cursor))

    # --- pointer input ---------------------------------------------------------------------

    def _pointer(self, pos: QPointF, button: Qt.MouseButton, modifiers, pressure: float) -> Pointer:
        return Pointer(self._transform.to_image(pos), pressure,
                       subtract=button == _Button.RightButton or bool(modifiers & _Mod.AltModifier),
                       constrain=bool(modifiers & _Mod.ShiftModifier),
                       image_px_per_widget_px=1.0 / self._transform.scale)

    def _press(self, pos: QPointF, button: Qt.MouseButton, modifiers, pressure: float) -> None:
        self._pointer_at, self._pressure = pos, pressure
        if self._pan_from is not None or self._size_drag is not None or self._tool_button is not None:
            return
        if button == _Button.MiddleButton or (button == _Button.LeftButton and self._space_held):
            self._pan_from = pos
            self._apply_cursor_shape()
            self._refresh_brush_cursor()
        elif button == _Button.RightButton and modifiers & _Mod.AltModifier and self._tool.shows_brush:
            self._size_drag = (pos.x(), self._brush.diameter)
        elif button in (_Button.LeftButton, _Button.RightButton):
            self._tool_button = button
            self._tool.press(self._pointer(pos, button, modifiers, pressure))
            self._refresh_outline()

    def _move(self, pos: QPointF, modifiers, pressure: float) -> None:
        previous, self._pointer_at, self._pressure = self._pointer_at, pos, pressure
        if self._pan_from is not None:
            delta = pos - self._pan_from
            self._pan_from = pos
            self._pan_by(delta.x(), delta.y())
            return
        if self._size_drag is not None:
            start_x, start_diameter = self._size_drag
            # Dragging right by n screen px widens the footprint by n px on each side.
            self._set_diameter(start_diameter + 2 * (pos.x() - start_x) / self._transform.scale)
            return
        image_pos = self._transform.to_image(pos)
        self.cursor_moved.emit(image_pos if self._inside_image(image_pos) else None)
        button = self._tool_button if self._tool_button is not None else _Button.NoButton
        pointer = self._pointer(pos, button, modifiers, pressure)
        if self._tool_button is not None:
            self._tool.move(pointer)
        else:
            self._tool.hover(pointer)
        segment = self._tool.outline_change() if previous is not None else None
        changed = outline_rect(segment, self._transform) if segment is not None else None
        self._refresh_outline(changed)
        self._refresh_brush_cursor()

    def _release(self, pos: QPointF, button: Qt.MouseButton, modifiers, pressure: float) -> None:
        if self._pan_from is not None and button in (_Button.MiddleButton, _Button.LeftButton):
            self._pan_from = None
            self._apply_cursor_shape()
        elif self._size_drag is not None and button == _Button.RightButton:
            self._size_drag = None
        elif button == self._tool_button:
            self._tool_button = None
            self._tool.release(self._pointer(pos, button, modifiers, pressure))
            self._refresh_outline()
        self._refresh_brush_cursor()

    def _inside_image(self, image_pos: QPointF) -> bool:
        width, height = self._image_size()
        return 0 <= image_pos.x() < width and 0 <= image_pos.y() < height

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self._press(event.position(), event.button(), event.modifiers(), 1.0)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        self._move(event.position(), event.modifiers(), 1.0)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._release(event.position(), event.button(), event.modifiers(), 1.0)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        # Qt 6 sends press, release, press, double-click, release; QTest only the double-click.
        if event.button() != _Button.LeftButton:
            return
        pointer = self._pointer(event.position(), event.button(), event.modifiers(), 1.0)
        if self._tool.double_click(pointer):
            self._refresh_outline()

    def tabletEvent(self, event: QTabletEvent) -> None:
        kind, pressure = event.type(), event.pressure()
        if kind == QEvent.Type.TabletPress:
            self._press(event.position(), event.button(), event.modifiers(), pressure)
        elif kind == QEvent.Type.TabletMove:
            self._move(event.position(), event.modifiers(), pressure)
        elif kind == QEvent.Type.TabletRelease:
            self._release(event.position(), event.button(), event.modifiers(), pressure)
        event.accept()  # no synthesized mouse events: the pen's pressure would be lost

    def wheelEvent(self, event) -> None:
        angle = event.angleDelta()
        # Some platforms turn Alt+wheel into a horizontal wheel.
        notches = (angle.y() or angle.x()) / _NOTCH
        if event.modifiers() & _Mod.AltModifier:
            self._set_diameter(self._brush.diameter * WHEEL_BRUSH_PER_NOTCH ** notches)
        elif notches:
            self.set_zoom(self.zoom() * WHEEL_ZOOM_PER_NOTCH ** notches, event.position())
        event.accept()

    def leaveEvent(self, event) -> None:
        self._pointer_at = None
        if self._tool_button is None:
            self._tool.hover(None)
            self._refresh_outline()
        self._refresh_brush_cursor()
        self.cursor_moved.emit(None)
        super().leaveEvent(event)

    # --- keys the canvas handles itself ----------------------------------------------------

    def keyPressEvent(self, event) -> None:
        key = event.key()
        if key == Qt.Key.Key_Space:
            if not event.isAutoRepeat():
                self._space_held = True
                self._apply_cursor_shape()
        elif key == Qt.Key.Key_Backslash:
            self.set_peek_original(True)
        elif key in (Qt.Key.Key_Left, Qt.Key.Key_Right) and not event.modifiers():
            self.step_requested.emit(-1 if key == Qt.Key.Key_Left else 1)
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self._tool.finish():
            self._refresh_outline()
        elif key == Qt.Key.Key_Escape and self._tool.cancel():
            self._tool_button = None
            self._refresh_outline()
        elif key in (Qt.Key.Key_Shift, Qt.Key.Key_Alt) and self._tool_button is not None:
            self._replay_pointer(event.modifiers())
        else:
            event.ignore()  # everything else belongs to the window's action table

    def keyReleaseEvent(self, event) -> None:
        key = event.key()
        if event.isAutoRepeat():
            return
        if key == Qt.Key.Key_Space:
            self._space_held = False
            self._apply_cursor_shape()
        elif key == Qt.Key.Key_Backslash:
            self.set_peek_original(False)
        elif key in (Qt.Key.Key_Shift, Qt.Key.Key_Alt) and self._tool_button is not None:
            self._replay_pointer(event.modifiers())
        else:
            event.ignore()

    def _replay_pointer(self, modifiers) -> None:
        """Shift pressed or released mid-drag: re-constrain the shape without waiting for a move."""
        if self._pointer_at is not None and not self._tool.shows_brush:
            assert self._tool_button is not None
            self._tool.move(self._pointer(self._pointer_at, self._tool_button, modifiers, self._pressure))
            self._refresh_outline()

    def focusOutEvent(self, event) -> None:
        # Key releases are lost while another window has focus: do not stay stuck in pan or peek.
        self._space_held = False
        self.set_peek_original(False)
        self._apply_cursor_shape()
        super().focusOutEvent(event)
