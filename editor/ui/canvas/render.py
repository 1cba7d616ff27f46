"""The canvas's paint layers, in order: photo, mask overlay, shape preview, brush cursor.

Every layer paints only the exposed widget rect it is given: the photo's visible source rect, and
the overlay colourised in a small reusable buffer, so a repaint costs what is on screen and a
brush dab costs what the dab covers, never the size of the photo. Zoomed in, photo and overlay
are magnified smoothly unless the user asked to see the pixels (`smooth_at`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import cached_property
from typing import NamedTuple

import cv2
import numpy as np
from PySide6.QtCore import QPoint, QPointF, QRect, QRectF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetrics,
    QImage,
    QPainter,
    QPainterPath,
    QPen,
    QRegion,
    QTransform,
    qRgba,
)

from editor.ui import theme
from editor.ui.canvas.transform import ViewTransform

log = logging.getLogger(__name__)



def background() -> QColor:
    """Behind the photo: the theme's canvas surround."""
    return theme.current().colour("canvas_surround")


# Below this long side a photo is drawn straight from full resolution at every zoom.
PYRAMID_MIN_SIDE = 2048
# Smallest pyramid level kept: below it bilinear sampling of the level itself is good enough.
PYRAMID_SMALLEST_SIDE = 512
# Brush footprints smaller than this on screen become a crosshair.
CROSSHAIR_BELOW_PX = 5.0
_CROSSHAIR_ARM_PX = 6.0
# Past this many rects in an exposed region one bounding rect is cheaper than many small paints.
_MAX_REGION_RECTS = 8
_HATCH_TILE_PX = 10
# Behind photos with transparency.
_CHECKER = QBrush(QColor(200, 200, 200), Qt.BrushStyle.Dense4Pattern)
# The brush size shown beside the footprint while it is dragged: offset from the centre, box padding.
_SIZE_LABEL_OFFSET = QPoint(14, 14)
_SIZE_LABEL_PAD = (6, 3)
_SIZE_LABEL_FILL = QColor(0, 0, 0, 170)


def smooth_at(scale: float, show_pixels: bool) -> bool:
    """Whether images are drawn with bilinear sampling at this zoom.

    Below 100 % always, or edges shimmer while panning. Above it by default too, as photo
    viewers do, so a close look shows the photo and not blocks; `show_pixels` (pixel peeping)
    draws hard-edged pixels instead. At exactly 100 % each pixel is a screen pixel: no smoothing.
    """
    return scale < 1.0 or (scale > 1.0 and not show_pixels)


def sample_pad(smooth: bool) -> int:
    """Image pixels read around a source rect: bilinear sampling needs each edge pixel's neighbours."""
    return 1 if smooth else 0


@dataclass(frozen=True)
class OverlayStyle:
    """How coverage is shown: the user's colour and opacity, optionally as a hatch."""

    color: QColor = field(default_factory=lambda: QColor(255, 0, 0))
    opacity: float = 0.5
    hatch: bool = False

    @cached_property
    def tint(self) -> QBrush:
        return hatch_brush(self.color) if self.hatch else QBrush(self.color)

    @cached_property
    def fill_preview_tint(self) -> QBrush:
        return hatch_brush(self.color)


def hatch_brush(color: QColor) -> QBrush:
    """Diagonal stripes of the colour over a faint wash of it, so the photo shows between them."""
    tile = QImage(_HATCH_TILE_PX, _HATCH_TILE_PX, QImage.Format.Format_ARGB32_Premultiplied)
    wash = QColor(color)
    wash.setAlphaF(0.35)
    tile.fill(wash)
    painter = QPainter(tile)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QPen(color, 2.5))
    for offset in (-_HATCH_TILE_PX, 0, _HATCH_TILE_PX):
        painter.drawLine(QPointF(offset, _HATCH_TILE_PX), QPointF(offset + _HATCH_TILE_PX, 0))
    painter.end()
    return QBrush(tile)


class PhotoLayer:
    """The photo, drawn from the smallest cached level that still has a pixel per screen pixel.

    Levels are halvings made with OpenCV's area filter; they are built once per photo, after the
    first frame, so opening stays fast and zoomed-out panning samples a small image.
    """

    def __init__(self) -> None:
        self._photo: QImage | None = None
        self.opaque = False  # a photo without transparency covers what is behind it
        self.rect = QRect()  # the photo's full-resolution pixels
        self._levels: list[QImage] = []  # successive halvings, largest first
        self._level_buffers: list[np.ndarray] = []  # keep the pixels the level QImages wrap alive

    def set_photo(self, photo: QImage | None) -> None:
        self._photo = photo
        self.opaque = photo is not None and not photo.hasAlphaChannel()
        self.rect = photo.rect() if photo is not None else QRect()
        self._levels, self._level_buffers = [], []

    def photo(self) -> QImage | None:
        return self._photo

    def wants_levels(self) -> bool:
        photo = self._photo
        large = photo is not None and max(photo.width(), photo.height()) > PYRAMID_MIN_SIDE
        return large and not self._levels

    def build_levels(self) -> None:
        photo = self._photo
        if photo is None or photo.depth() != 32 or not self.wants_levels():
            return
        width, height = photo.width(), photo.height()
        raw = np.frombuffer(photo.constBits(), np.uint8, count=photo.bytesPerLine() * height)
        source = raw.reshape(height, photo.bytesPerLine())[:, : width * 4].reshape(height, width, 4)
        while max(width, height) // 2 >= PYRAMID_SMALLEST_SIDE:
            width, height = max(1, width // 2), max(1, height // 2)
            source = cv2.resize(source, (width, height), interpolation=cv2.INTER_AREA)
            self._level_buffers.append(source)
            self._levels.append(QImage(source.data, width, height, width * 4, photo.format()))
        log.debug("photo pyramid: %d levels", len(self._levels))

    def refresh_levels(self, rect: QRect) -> None:
        """The image's pixels changed on `rect` (a paste mask edit): bring each level up to date
        there only, halving the changed block (on even coordinates) of the level above it."""
        photo = self._photo
        if photo is None or not self._levels:
            return
        width, height = photo.width(), photo.height()
        raw = np.frombuffer(photo.constBits(), np.uint8, count=photo.bytesPerLine() * height)
        source = raw.reshape(height, photo.bytesPerLine())[:, : width * 4].reshape(height, width, 4)
        x0, y0, x1, y1 = rect.left(), rect.top(), rect.right() + 1, rect.bottom() + 1
        for level in self._level_buffers:
            x0, y0 = x0 // 2 * 2, y0 // 2 * 2
            x1, y1 = min(x1 + x1 % 2, source.shape[1]), min(y1 + y1 % 2, source.shape[0])
            lx0, ly0 = x0 // 2, y0 // 2
            lw, lh = min((x1 - x0) // 2, level.shape[1] - lx0), min((y1 - y0) // 2, level.shape[0] - ly0)
            if lw <= 0 or lh <= 0:
                return
            block = np.ascontiguousarray(source[y0:y0 + 2 * lh, x0:x0 + 2 * lw])
            level[ly0:ly0 + lh, lx0:lx0 + lw] = cv2.resize(block, (lw, lh), interpolation=cv2.INTER_AREA)
            source, x0, y0, x1, y1 = level, lx0, ly0, lx0 + lw, ly0 + lh

    def paint(self, painter: QPainter, src: QRect, target: QRectF, scale: float) -> None:
        """Draw the photo pixels `src` (full-resolution coordinates) onto the widget rect `target`."""
        photo = self._photo
        if photo is None:
            return
        image = self._level_for(scale)
        if image is photo:
            painter.drawImage(target, photo, QRectF(src))
            return
        sx, sy = image.width() / photo.width(), image.height() / photo.height()
        level_src = QRectF(src.x() * sx, src.y() * sy, src.width() * sx, src.height() * sy)
        painter.drawImage(target, image, level_src)

    def _level_for(self, scale: float) -> QImage:
        assert self._photo is not None
        chosen = self._photo
        for level in self._levels:
            if level.width() < self._photo.width() * scale:
                break
            chosen = level
        return chosen


def tinted_view(coverage: QImage, style: OverlayStyle) -> QImage:
    """An Indexed8 image over the coverage's own bytes, whose palette is the tint at the opacity.

    Drawing it is the whole overlay: Qt looks each coverage byte up in the palette while it blends,
    so there is no buffer, no extra pass and no copy; mask edits show through it at once. The
    returned image borrows the coverage's memory: keep the coverage alive as long as it is used.
    """
    view = QImage(coverage.constBits(), coverage.width(), coverage.height(), coverage.bytesPerLine(),
                  QImage.Format.Format_Indexed8)
    red, green, blue = style.color.red(), style.color.green(), style.color.blue()
    view.setColorTable([qRgba(red, green, blue, round(level * style.opacity)) for level in range(256)])
    return view


class CoverageOverlay:
    """Tints an Alpha8 coverage image for the exposed rect only, in a small reusable buffer.

    The coverage is drawn as alpha into the buffer, the tint is composited SourceIn (colour where
    the coverage is), and the buffer is drawn on the canvas at the overlay opacity.
    """

    def __init__(self) -> None:
        self._buffer: QImage | None = None

    def release(self) -> None:
        self._buffer = None

    def paint(self, painter: QPainter, exposed: QRect, t: ViewTransform, coverage: QImage,
              origin: QPoint, tint: QBrush, opacity: float, smooth: bool) -> None:
        covered = QRect(origin, coverage.size())
        src = t.image_rect_of(exposed, covered.right() + 1, covered.bottom() + 1,
                              sample_pad(smooth)).intersected(covered)
        if src.isEmpty():
            return
        target = t.rect_to_widget(QRectF(src))
        area = exposed.intersected(target.toAlignedRect())
        if area.isEmpty():
            return
        buffer = self._buffer_for(area.width(), area.height())
        local = QRect(0, 0, area.width(), area.height())
        bp = QPainter(buffer)
        bp.setCompositionMode(QPainter.CompositionMode.CompositionMode_Source)
        bp.fillRect(local, Qt.GlobalColor.transparent)
        bp.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceOver)
        bp.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, smooth)
        bp.drawImage(target.translated(-area.x(), -area.y()), coverage, QRectF(src.translated(-origin)))
        bp.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceIn)
        # Patterns are anchored to the widget, so hatching does not crawl as rects repaint.
        tint.setTransform(QTransform.fromTranslate(-area.x(), -area.y()))
        bp.fillRect(local, tint)
        bp.end()
        painter.setOpacity(opacity)
        painter.drawImage(area.topLeft(), buffer, local)
        painter.setOpacity(1.0)

    def _buffer_for(self, width: int, height: int) -> QImage:
        buffer = self._buffer
        if buffer is None or buffer.width() < width or buffer.height() < height:
            # Grows to the largest exposed rect seen (at most the widget), then is reused.
            old_w, old_h = (buffer.width(), buffer.height()) if buffer is not None else (0, 0)
            buffer = QImage(max(width, old_w), max(height, old_h), QImage.Format.Format_ARGB32_Premultiplied)
            self._buffer = buffer
        return buffer


def paint_outline(painter: QPainter, path: QPainterPath, t: ViewTransform) -> None:
    """A shape outline as a black dash over white: visible on any photo."""
    widget_path = t.qtransform().map(path)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.setPen(QPen(QColor(255, 255, 255), 1.0))
    painter.drawPath(widget_path)
    dash = QPen(QColor(0, 0, 0), 1.0, Qt.PenStyle.CustomDashLine)
    dash.setDashPattern([4.0, 4.0])
    painter.setPen(dash)
    painter.drawPath(widget_path)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)


CONTEXT_COLOR = QColor(255, 196, 0)


def paint_context_frame(painter: QPainter, rect: QRect, t: ViewTransform) -> None:
    """The crop Generate would send: a dashed amber frame over a dark halo, in the corners only
    solid, so it reads as "this part goes to the model" and not as another mask shape."""
    frame = t.qtransform().mapRect(QRectF(rect)).adjusted(-0.5, -0.5, 0.5, 0.5)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.setPen(QPen(QColor(0, 0, 0, 140), 3.0))
    painter.drawRect(frame)
    dash = QPen(CONTEXT_COLOR, 1.0, Qt.PenStyle.CustomDashLine)
    dash.setDashPattern([6.0, 4.0])
    painter.setPen(dash)
    painter.drawRect(frame)
    corner = min(16.0, frame.width() / 3, frame.height() / 3)
    painter.setPen(QPen(CONTEXT_COLOR, 2.0))
    for x, y, dx, dy in ((frame.left(), frame.top(), 1, 1), (frame.right(), frame.top(), -1, 1),
                         (frame.left(), frame.bottom(), 1, -1), (frame.right(), frame.bottom(), -1, -1)):
        painter.drawLine(QPointF(x, y), QPointF(x + dx * corner, y))
        painter.drawLine(QPointF(x, y), QPointF(x, y + dy * corner))


def paint_brush_cursor(painter: QPainter, centre: QPointF, diameter_px: float) -> None:
    """The brush's real footprint: a black circle with a white halo, or a crosshair when tiny."""
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    for color, width in ((QColor(255, 255, 255, 220), 3.0), (QColor(0, 0, 0), 1.0)):
        painter.setPen(QPen(color, width))
        if diameter_px < CROSSHAIR_BELOW_PX:
            arm = _CROSSHAIR_ARM_PX
            painter.drawLine(centre - QPointF(arm, 0), centre + QPointF(arm, 0))
            painter.drawLine(centre - QPointF(0, arm), centre + QPointF(0, arm))
        else:
            painter.drawEllipse(centre, diameter_px / 2, diameter_px / 2)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)


def brush_cursor_rect(centre: QPointF, diameter_px: float) -> QRect:
    reach = max(diameter_px / 2, _CROSSHAIR_ARM_PX) + 3
    return QRectF(centre.x() - reach, centre.y() - reach, 2 * reach, 2 * reach).toAlignedRect()


class SizeLabel(NamedTuple):
    """A number shown in a small box on the canvas (the brush size while it is dragged)."""

    text: str
    box: QRect


def label_font(base: QFont) -> QFont:
    """The widget's font with tabular figures, so a changing number does not jitter."""
    font = QFont(base)
    font.setFeature(QFont.Tag("tnum"), 1)
    return font


def brush_size_label(centre: QPointF, diameter: float, base_font: QFont) -> SizeLabel:
    """The brush diameter in image pixels, in a box below and right of the footprint's centre:
    out of the way of a small footprint, and still on screen when a large one is not."""
    text = f"{round(diameter)} px"
    pad_x, pad_y = _SIZE_LABEL_PAD
    box = QFontMetrics(label_font(base_font)).boundingRect(text).adjusted(-pad_x, -pad_y, pad_x, pad_y)
    box.moveTopLeft(centre.toPoint() + _SIZE_LABEL_OFFSET)
    return SizeLabel(text, box)


def paint_size_label(painter: QPainter, label: SizeLabel) -> None:
    painter.save()
    painter.setFont(label_font(painter.font()))
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(_SIZE_LABEL_FILL)
    painter.drawRoundedRect(label.box, 4, 4)
    painter.setPen(QColor(255, 255, 255))
    painter.drawText(label.box, Qt.AlignmentFlag.AlignCenter, label.text)
    painter.restore()


def outline_rect(path: QPainterPath | None, t: ViewTransform) -> QRect:
    """Widget pixels an outline covers (with its pen), for partial repaints."""
    if path is None:
        return QRect()
    return t.rect_to_widget(path.controlPointRect()).toAlignedRect().adjusted(-3, -3, 3, 3)


@dataclass
class CanvasLayers:
    """What each layer shows; the view sets these and asks for repaints of what changed."""

    mask: QImage | None = None
    mask_preview: QImage | None = None  # shown in place of the mask (grow/shrink/feather preview)
    fill_preview: QImage | None = None  # Alpha8 region of the bucket-fill hover
    fill_origin: QPoint = field(default_factory=QPoint)
    outline: QPainterPath | None = None
    context: QRect | None = None  # the part of the photo Generate would send (crop-to-mask)
    cursor_centre: QPointF | None = None
    cursor_diameter_px: float = 0.0
    size_label: SizeLabel | None = None  # while the brush size is dragged
    mask_visible: bool = True
    # After a variant became the photo (Apply, its undo and redo): the overlay waits for the next
    # stroke, so the result is seen as it is, not under a red tint.
    overlay_resting: bool = False
    peek: bool = False
    # Editing a shown variant's paste mask: the overlay (the paste mask) may be drawn over it.
    over_preview: bool = False
    show_pixels: bool = False  # above 100 %: hard-edged pixels instead of smooth magnification
    style: OverlayStyle = field(default_factory=OverlayStyle)


class CanvasRenderer:
    """Paints CanvasLayers in their fixed order for an exposed region."""

    def __init__(self) -> None:
        self.photo = PhotoLayer()
        # A variant shown in place of the photo (same size); holding \ peeks past it at the photo.
        self.preview = PhotoLayer()
        self.layers = CanvasLayers()
        self._overlay = CoverageOverlay()
        self._tinted: QImage | None = None

    def refresh_tint(self) -> None:
        """Call after layers.mask, layers.mask_preview or layers.style change."""
        layers = self.layers
        coverage = layers.mask_preview if layers.mask_preview is not None else layers.mask
        self._tinted = tinted_view(coverage, layers.style) if coverage is not None else None

    def release_buffers(self) -> None:
        self._overlay.release()

    def paint(self, painter: QPainter, region: QRegion, t: ViewTransform) -> None:
        count = region.rectCount()
        if count == 1 or count > _MAX_REGION_RECTS:
            # The painter is already clipped to the region: one pass over its bounds, no extra clip.
            self._paint_rect(painter, region.boundingRect(), t)
            return
        for rect in region:
            painter.save()
            painter.setClipRect(rect)
            self._paint_rect(painter, rect, t)
            painter.restore()

    def _paint_rect(self, painter: QPainter, exposed: QRect, t: ViewTransform) -> None:
        layers = self.layers
        layer = self.preview if self.preview.photo() is not None and not layers.peek else self.photo
        photo = layer.photo()
        # One sampling for the photo and the overlay drawn over it, so their edges agree.
        smooth = smooth_at(t.scale, layers.show_pixels)
        if photo is None:
            painter.fillRect(exposed, background())
            src, target = QRect(), QRectF()
        elif t.scale == 1.0 and t.dx.is_integer() and t.dy.is_integer():
            src, target = self._paint_photo_unscaled(painter, exposed, photo,
                                                     QPoint(int(t.dx), int(t.dy)))
        else:
            src, target = self._paint_photo_scaled(painter, exposed, layer, t, smooth)
        if not layers.peek:
            # A variant is shown as it is (what Apply and export give): no overlay over it.
            if layers.mask_visible and not layers.overlay_resting and not src.isEmpty() \
                    and (layer is not self.preview or layers.over_preview):
                self._paint_coverage(painter, exposed, t, src, target, smooth)
            if layers.fill_preview is not None:
                self._overlay.paint(painter, exposed, t, layers.fill_preview, layers.fill_origin,
                                    layers.style.fill_preview_tint, max(0.6, layers.style.opacity), smooth)
            if layers.outline is not None:
                paint_outline(painter, layers.outline, t)
            if layers.context is not None:
                paint_context_frame(painter, layers.context, t)
        if layers.cursor_centre is not None:
            paint_brush_cursor(painter, layers.cursor_centre, layers.cursor_diameter_px)
        if layers.size_label is not None:
            paint_size_label(painter, layers.size_label)

    def _paint_photo_unscaled(self, painter: QPainter, exposed: QRect, photo: QImage,
                              offset: QPoint) -> tuple[QRect, QRect]:
        """At 100 % on whole pixels (where brushing happens) rects stay integer and Qt just blits."""
        layer = self.photo
        target = exposed.intersected(layer.rect.translated(offset))
        if not (layer.opaque and target == exposed):
            painter.fillRect(exposed, background())
        src = target.translated(-offset)
        if not src.isEmpty():
            if not layer.opaque:
                painter.fillRect(target, _CHECKER)
            painter.drawImage(target.topLeft(), photo, src)
        return src, target

    def _paint_photo_scaled(self, painter: QPainter, exposed: QRect, layer: PhotoLayer,
                            t: ViewTransform, smooth: bool) -> tuple[QRect, QRectF]:
        # The whole image pixels behind the exposed rect (with their neighbours when smoothing),
        # and where they land: shared by the photo and the mask overlay so both sample the same
        # pixels. The painter is clipped to the exposed rect, so the margin costs no drawing.
        photo = layer.photo()
        assert photo is not None
        src = t.image_rect_of(exposed, photo.width(), photo.height(), sample_pad(smooth))
        target = t.rect_to_widget(QRectF(src))
        if photo.hasAlphaChannel() or not target.contains(QRectF(exposed)):
            painter.fillRect(exposed, background())
        if src.isEmpty():
            return QRect(), target
        if photo.hasAlphaChannel():
            painter.fillRect(target, _CHECKER)
        # Set here only: the 100 % path blits, and the overlay drawn next samples as the photo did.
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, smooth)
        layer.paint(painter, src, target, t.scale)
        return src, target

    def _paint_coverage(self, painter: QPainter, exposed: QRect, t: ViewTransform, src: QRect,
                        target: QRect | QRectF, smooth: bool) -> None:
        layers = self.layers
        coverage = layers.mask_preview if layers.mask_preview is not None else layers.mask
        if coverage is None:
            return
        if layers.style.hatch or self._tinted is None:
            self._overlay.paint(painter, exposed, t, coverage, QPoint(0, 0), layers.style.tint,
                                layers.style.opacity, smooth)
        elif t.scale >= 1.0:
            # At 100 % and closer the source rect is at most the screen's pixels: Qt's own palette
            # conversion of just that rect is the cheapest tint (drawing the palette image
            # directly is ~5x slower, a numpy table lookup ~2x). The rect's pixels are copied, so
            # the tile never aliases the mask.
            tile = self._tinted.copy(src).convertToFormat(QImage.Format.Format_ARGB32_Premultiplied)
            if isinstance(target, QRect):
                painter.drawImage(target.topLeft(), tile)
            else:
                painter.drawImage(target, tile, QRectF(tile.rect()))
        else:
            # Zoomed out, Qt samples the palette image at screen resolution: no full-size tile.
            painter.drawImage(target, self._tinted, QRectF(src))


def coverage_image(coverage: np.ndarray) -> QImage:
    """An Alpha8 QImage over a (h, w) uint8 array (PySide keeps the array referenced)."""
    coverage = np.ascontiguousarray(coverage, dtype=np.uint8)
    height, width = coverage.shape
    return QImage(coverage.data, width, height, coverage.strides[0], QImage.Format.Format_Alpha8)


def region_image(region: np.ndarray) -> QImage:
    """An Alpha8 QImage of a bool region: 255 inside, 0 outside."""
    return coverage_image(region.view(np.uint8) * np.uint8(255) if region.dtype == bool else region)
