"""CanvasView: the widget that shows the photo and its mask and turns pointer input into edits.

The view owns the content (photo, preview, mask), the current tool and brush, the overlay
settings and repaint bookkeeping. Two parts of it live in their own modules as mixins:
`navigation.ViewNavigation` (zoom at the cursor, pan, fit) and `input_events.CanvasInput`
(pointer, wheel and the press-and-hold keys Space, `\\`, Shift, Alt, Enter, Esc). Painting is
delegated to `render.CanvasRenderer` and editing to the tool objects in `tools`; the MaskLayer
tells the view which image rect changed and only that part of the widget is repainted.
"""

from __future__ import annotations

import logging
from dataclasses import replace

import numpy as np
from PySide6.QtCore import QPoint, QPointF, QRect, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QCursor, QImage, QPainter
from PySide6.QtWidgets import QWidget

from editor.core.mask_layer import BrushDab, MaskLayer
from editor.imaging.region import FloodRegion
from editor.ui.canvas.input_events import WHEEL_BRUSH_PER_NOTCH, WHEEL_ZOOM_PER_NOTCH, CanvasInput
from editor.ui.canvas.navigation import ViewNavigation
from editor.ui.canvas.render import (
    CanvasLayers,
    CanvasRenderer,
    OverlayStyle,
    brush_cursor_rect,
    brush_size_label,
    coverage_image,
    outline_rect,
    region_image,
    sample_pad,
    smooth_at,
)
from editor.ui.canvas.selection_tools import SELECTION_TOOL_NAMES
from editor.ui.canvas.size_drag import SizeDrag
from editor.ui.canvas.tools import (
    MAX_BRUSH_PX,
    MIN_BRUSH_PX,
    PRESSURE_MODES,
    CanvasTool,
    FillTool,
    make_tools,
    pressure_brush,
)
from editor.ui.canvas.transform import ViewTransform

# The wheel steps moved to input_events with the wheel handling; still importable from here.
__all__ = ["WHEEL_BRUSH_PER_NOTCH", "WHEEL_ZOOM_PER_NOTCH", "CanvasView"]

log = logging.getLogger(__name__)


def _clamp_diameter(diameter: float) -> float:
    return min(MAX_BRUSH_PX, max(MIN_BRUSH_PX, diameter))


class CanvasView(CanvasInput, ViewNavigation, QWidget):
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
    show_pixels_changed = Signal(bool)
    _region_found = Signal(object)  # FloodRegion, from the flood worker thread
    extension_requested = Signal(object)  # Extension: the Extend tool's drag

    TOOLS = ("brush", "eraser", "rect", "ellipse", "lasso", "polygon", "fill", *SELECTION_TOOL_NAMES,
             "extend")

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
        self._size_drag: SizeDrag | None = None  # a brush-size drag (Alt+right, Shift+Alt+left)
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
        layers = self._take_mask(mask)
        layers.outline = None
        layers.overlay_resting = False  # another document: its mask is shown
        layers.over_preview = False
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

    def refresh_preview(self, rect: QRect) -> None:
        """The shown variant's pixels changed on `rect` (image pixels): repaint only that part."""
        layer = self._renderer.preview
        if layer.photo() is not None:
            layer.refresh_levels(rect)
            self._update_image_rect(rect)

    def edit_mask_layer(self, mask: MaskLayer, *, over_preview: bool) -> None:
        """Edit `mask` with the tools from now on (a variant's paste mask, or the document's mask
        again), keeping the view, the photo and the variant shown; with `over_preview` its overlay
        is drawn over the shown variant and stays resting until asked for."""
        layers = self._take_mask(mask)
        layers.over_preview = over_preview
        layers.overlay_resting = True
        self._renderer.refresh_tint()
        self.update()

    def _take_mask(self, mask: MaskLayer) -> CanvasLayers:
        """The tools edit `mask` from now on (a stroke in progress is dropped) and the overlay shows
        it; returns the layers for the caller's other changes."""
        self._tool.cancel()
        if self._mask is not None:
            self._mask.changed.disconnect(self._on_mask_changed)
        self._mask = mask
        mask.changed.connect(self._on_mask_changed)
        layers = self._renderer.layers
        layers.mask, layers.mask_preview = mask.image(), None
        return layers

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

    def tool_named(self, name: str) -> CanvasTool:
        """The tool object itself, for the parts of the window that configure one (selection)."""
        return self._tools[name]

    def request_extension(self, extension) -> None:
        self.extension_requested.emit(extension)

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
        self._renderer.layers.overlay_resting = False  # asked for: shown (or hidden) now
        self.update()

    def mask_visible(self) -> bool:
        return self._renderer.layers.mask_visible

    def rest_overlay(self) -> None:
        """Hide the mask overlay until the next stroke (a variant just became the photo)."""
        self._renderer.layers.overlay_resting = True
        self.update()

    def overlay_shown(self) -> bool:
        """Whether the overlay is drawn now: visible, not resting, and no variant shown (unless
        the variant's paste mask is what the overlay shows)."""
        layers = self._renderer.layers
        return (layers.mask_visible and not layers.overlay_resting
                and (self.preview() is None or layers.over_preview))

    def _wake_overlay(self) -> None:
        # A paste mask is painted looking at the variant itself; its overlay shows when asked for.
        if self._renderer.layers.overlay_resting and not self._renderer.layers.over_preview:
            self._renderer.layers.overlay_resting = False
            self.update()

    def set_show_pixels(self, show: bool) -> None:
        """Above 100 %: hard-edged pixels (True) or smooth magnification (False, the default)."""
        layers = self._renderer.layers
        if layers.show_pixels == bool(show):
            return
        layers.show_pixels = bool(show)
        self.update()
        self.show_pixels_changed.emit(layers.show_pixels)

    def show_pixels(self) -> bool:
        return self._renderer.layers.show_pixels

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
                self._update_image_rect(QRect(*shown.origin, shown.region.shape[1], shown.region.shape[0]))
        self._shown_region = found
        layers.fill_preview = region_image(found.region) if found is not None else None
        if found is not None:
            layers.fill_origin = QPoint(*found.origin)

    # --- painting and repaint bookkeeping --------------------------------------------------

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        self._renderer.paint(painter, event.region(), self._transform)
        painter.end()

    def _on_mask_changed(self, rect: QRect) -> None:
        t = self._transform
        if t.scale == 1.0 and t.dx.is_integer() and t.dy.is_integer():
            # Every brush segment lands here: at 100 % the widget rect is the image rect moved.
            dx, dy = int(t.dx), int(t.dy)
            self.update(rect.adjusted(dx - 2, dy - 2, dx + 2, dy + 2))
        else:
            self._update_image_rect(rect)

    def _update_image_rect(self, rect: QRect) -> None:
        """Repaint what shows these image pixels: smoothed, each one also tints its neighbours."""
        t = self._transform
        pad = sample_pad(smooth_at(t.scale, self.show_pixels()))
        self.update(t.widget_rect_of(rect.adjusted(-pad, -pad, pad, pad), pad=2))

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
        if layers.size_label is not None:
            self.update(layers.size_label.box)
        # While the size is dragged the footprint is the brush's full size (whatever the pen's
        # pressure), with its number beside it.
        sizing = centre is not None and self._size_drag is not None and self._size_drag.sizing()
        diameter = self._brush.diameter if sizing else self.stroke_brush(self._pressure)[0].diameter
        layers.cursor_centre = centre
        layers.cursor_diameter_px = diameter * self._transform.scale
        layers.size_label = brush_size_label(centre, diameter, self.font()) if sizing else None
        if centre is not None:
            self.update(brush_cursor_rect(centre, layers.cursor_diameter_px))
        if layers.size_label is not None:
            self.update(layers.size_label.box)

    def _refresh_brush_cursor(self) -> None:
        """Show the footprint where the pointer is, when the tool paints and nothing else is going on."""
        if self._size_drag is not None:
            # The footprint stays where the drag started while it grows or shrinks.
            self._set_cursor_centre(self._size_drag.origin)
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

