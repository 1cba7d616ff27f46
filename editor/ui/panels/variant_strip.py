"""The results gallery's widgets: a variant's tile (its thumbnail with a star badge and an "Applied"
mark, and a one-line caption), one job's strip of tiles, and the scrolling gallery that holds them.

Nothing here moves under the pointer (../design/UI_STYLE.md): a running job's cells are reserved
as soon as it starts (its number of variants is known), so arriving images fill them in place; every
line of text is one line, elided, with the whole text in its tooltip; a job that failed or was
cancelled before any image is a one-line card; and while the user is scrolled into the gallery or
pointing at it, what they look at stays where it is when jobs arrive or change above it.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QEvent, QPoint, QPointF, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QIcon, QImage, QPainter, QPainterPath, QPalette, QPen, QPixmap
from PySide6.QtWidgets import (
    QAbstractButton,
    QButtonGroup,
    QFrame,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from editor.core.jobs import Job, JobState, VariantMarks
from editor.core.variant_images import spill_text
from editor.ui import theme
from editor.ui.panels.jobs import ElidedLabel, format_elapsed

THUMB = 160  # the thumbnails' side by default, in logical pixels
THUMB_MIN, THUMB_MAX, THUMB_STEP = 96, 320, 16  # the slider's range and one Ctrl+wheel notch
# Thumbnails are made once at the largest size and scaled down to the size chosen, so resizing
# never decodes a variant again.
THUMB_SOURCE = THUMB_MAX
GAP = 8  # between tiles and between strips: the 8 px grid
PARTIAL = -1  # the index a strip's streamed preview is shown under
# Above this share of changed pixels outside the mask the caption turns red: worth a look.
SPILL_WARNING = 0.05
_RADIUS = 4.0
_IMAGE_INSET = 3  # the image sits inside the selection ring, which never covers it


def one_line(label: QLabel) -> QLabel:
    """A label exactly one text line high, whatever it says (or whether it says anything)."""
    label.setFixedHeight(label.fontMetrics().height() + 2)
    return label


def star_path(centre: QPointF, outer: float) -> QPainterPath:
    """A five-pointed star, point up: the badge of a starred variant (drawn, so no font needs ★)."""
    path = QPainterPath()
    for corner in range(10):
        radius = outer if corner % 2 == 0 else outer * 0.45
        angle = math.pi / 2 + corner * math.pi / 5
        point = QPointF(centre.x() + radius * math.cos(angle), centre.y() - radius * math.sin(angle))
        if corner == 0:
            path.moveTo(point)
        else:
            path.lineTo(point)
    path.closeSubpath()
    return path


def _readable_on(colour: QColor) -> QColor:
    """Near-black or white, whichever reads better on `colour`."""
    return QColor("#111113") if colour.lightnessF() > 0.45 else QColor("#ffffff")


class ThumbButton(QAbstractButton):
    """A variant's thumbnail: checked (accent ring) when the canvas shows it, a star badge at the top
    left when starred, a green "Applied" mark at the top right when it is the working photo.
    `hovered(True/False)` says when the pointer comes and goes."""

    hovered = Signal(bool)

    def __init__(self, side: int, parent: QWidget | None = None):
        super().__init__(parent)
        self.setCheckable(True)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        # As a tool button: a click leaves the keyboard where it was (←/→ keep stepping).
        self.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.starred = False
        self.applied = False
        self._source: QPixmap | None = None
        self._scaled: tuple[tuple[int, int, float], QPixmap] | None = None
        self.setFixedSize(side, side)

    def set_image(self, image: QImage) -> None:
        self._source = QPixmap.fromImage(image)
        self.setIcon(QIcon(self._source))
        self._scaled = None
        self.update()

    def set_side(self, side: int) -> None:
        if side != self.width():
            self.setFixedSize(side, side)

    def set_badges(self, *, starred: bool, applied: bool) -> None:
        if (starred, applied) != (self.starred, self.applied):
            self.starred, self.applied = starred, applied
            self.update()

    def sizeHint(self) -> QSize:
        return self.size()

    def enterEvent(self, event) -> None:
        super().enterEvent(event)
        self.update()
        self.hovered.emit(True)

    def leaveEvent(self, event) -> None:
        super().leaveEvent(event)
        self.update()
        self.hovered.emit(False)

    def image_rect(self) -> QRectF:
        """Where the thumbnail is drawn: fitted inside the ring, keeping its shape."""
        room = QRectF(self.rect()).adjusted(_IMAGE_INSET, _IMAGE_INSET, -_IMAGE_INSET, -_IMAGE_INSET)
        if self._source is None or self._source.isNull():
            return room
        size = QSize(self._source.size()).scaled(room.size().toSize(), Qt.AspectRatioMode.KeepAspectRatio)
        rect = QRectF(0, 0, size.width(), size.height())
        rect.moveCenter(room.center())
        return rect

    def _pixmap(self, rect: QRectF) -> QPixmap | None:
        """The thumbnail scaled once per size (and screen density), not on every paint."""
        if self._source is None or self._source.isNull():
            return None
        ratio = self.devicePixelRatioF()
        key = (round(rect.width()), round(rect.height()), ratio)
        if self._scaled is None or self._scaled[0] != key:
            scaled = self._source.scaled(round(key[0] * ratio), round(key[1] * ratio),
                                         Qt.AspectRatioMode.IgnoreAspectRatio,
                                         Qt.TransformationMode.SmoothTransformation)
            scaled.setDevicePixelRatio(ratio)
            self._scaled = (key, scaled)
        return self._scaled[1]

    def badge_size(self) -> int:
        return max(18, min(30, round(self.width() * 0.15)))

    def paintEvent(self, event) -> None:
        colours = theme.current()
        hover = self.underMouse()
        painter = QPainter(self)
        painter.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.SmoothPixmapTransform)
        frame = QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(colours.colour("raised_hover" if hover else "raised"))
        painter.drawRoundedRect(frame, _RADIUS, _RADIUS)
        rect = self.image_rect()
        pixmap = self._pixmap(rect)
        if pixmap is not None:
            clip = QPainterPath()
            clip.addRoundedRect(rect, 2, 2)
            painter.save()
            painter.setClipPath(clip)
            painter.drawPixmap(rect.topLeft(), pixmap)
            painter.restore()
        painter.setBrush(Qt.BrushStyle.NoBrush)
        if self.isChecked():
            painter.setPen(QPen(colours.colour("accent"), 2))
            painter.drawRoundedRect(QRectF(self.rect()).adjusted(1, 1, -1, -1), _RADIUS, _RADIUS)
        elif hover or self.hasFocus():
            painter.setPen(QPen(colours.colour("text_dim" if hover else "accent"), 1))
            painter.drawRoundedRect(frame, _RADIUS, _RADIUS)
        if self.starred:
            self._paint_star(painter, colours)
        if self.applied:
            self._paint_applied(painter, colours)
        painter.end()

    def _paint_star(self, painter: QPainter, colours: theme.Theme) -> None:
        size = self.badge_size()
        badge = QRectF(_IMAGE_INSET + 3, _IMAGE_INSET + 3, size, size)
        backing = colours.colour("canvas_surround")
        backing.setAlpha(215)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(backing)
        painter.drawEllipse(badge)
        painter.setBrush(colours.colour("warn"))
        painter.drawPath(star_path(badge.center() + QPointF(0, size * 0.03), size * 0.36))

    def _paint_applied(self, painter: QPainter, colours: theme.Theme) -> None:
        """A green pill with a tick and the word; only the tick when the tile is too narrow for it."""
        size = self.badge_size()
        font = QFont(self.font())
        font.setPixelSize(max(10, round(size * 0.5)))
        font.setWeight(QFont.Weight.DemiBold)
        painter.setFont(font)
        word = "Applied"
        word_width = painter.fontMetrics().horizontalAdvance(word)
        tick = size * 0.62
        width = size * 0.35 + tick + 4 + word_width + size * 0.4
        room = self.width() - 2 * (_IMAGE_INSET + 3) - (self.badge_size() + 4 if self.starred else 0)
        with_word = width <= room
        pill = QRectF(0, _IMAGE_INSET + 3, width if with_word else size, size)
        pill.moveRight(self.width() - _IMAGE_INSET - 3)
        fill = colours.colour("ok")
        ink = _readable_on(fill)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(fill)
        painter.drawRoundedRect(pill, size / 2, size / 2)
        left = pill.left() + (size * 0.35 if with_word else (size - tick) / 2)
        box = QRectF(left, pill.top() + (size - tick) / 2, tick, tick)
        mark = QPainterPath(QPointF(box.left() + tick * 0.12, box.top() + tick * 0.55))
        mark.lineTo(box.left() + tick * 0.4, box.top() + tick * 0.82)
        mark.lineTo(box.left() + tick * 0.9, box.top() + tick * 0.2)
        painter.setPen(QPen(ink, max(1.6, size * 0.1), Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap,
                            Qt.PenJoinStyle.RoundJoin))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(mark)
        if with_word:
            text = QRectF(box.right() + 4, pill.top(), word_width + 1, size)
            painter.drawText(text, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, word)


class VariantTile(QWidget):
    """A variant's thumbnail button and its one-line caption ("2 · 3 % outside")."""

    def __init__(self, index: int, side: int = THUMB, parent: QWidget | None = None):
        super().__init__(parent)
        self.index = index
        self.discarded = False  # not isHidden(): a tile not yet placed counts as hidden too
        self.button = ThumbButton(side)
        self.caption = one_line(ElidedLabel())
        self.caption.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignVCenter)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.button)
        layout.addWidget(self.caption)
        self._starred = False
        self.applied = False
        self.set_side(side)
        self.show_marks(VariantMarks())

    @staticmethod
    def height_for(side: int, caption: QLabel) -> int:
        return side + 2 + caption.height()

    def set_side(self, side: int) -> None:
        self.button.set_side(side)
        self.caption.setFixedWidth(side)
        self.setFixedSize(side, self.height_for(side, self.caption))

    def show_marks(self, marks: VariantMarks) -> None:
        self._starred = marks.starred
        if self.index == PARTIAL:
            self.caption.set_full_text("preview")
            self._show_badges()
            return
        spill = spill_text(marks.spill).replace("changed ", "").replace(" the mask", "")
        self.caption.set_full_text(f"{self.index + 1}" + (f" · {spill}" if spill else ""))
        warn = marks.spill is not None and marks.spill > SPILL_WARNING
        self.caption.setStyleSheet(f"color: {theme.current().danger};" if warn else "")
        self.caption.setToolTip(spill_text(marks.spill).capitalize() if marks.spill is not None else "")
        self._show_badges()

    def set_applied(self, applied: bool) -> None:
        self.applied = applied
        self._show_badges()

    def _show_badges(self) -> None:
        self.button.set_badges(starred=self._starred, applied=self.applied)
        words = ["Preview" if self.index == PARTIAL else f"Variant {self.index + 1}"]
        if self._starred:
            words.append("starred")
        if self.applied:
            words.append("applied to the photo")
        self.button.setAccessibleName(", ".join(words))


class TileGrid(QWidget):
    """A job's tiles in rows as wide as the gallery, then its reserved cells (dashed outlines
    where images are still to come). Cells have one size, so a tile arriving never moves another."""

    def __init__(self, side: int, parent: QWidget | None = None):
        super().__init__(parent)
        self._side = side
        self._order: list[VariantTile] = []
        self._reserved = 0
        self._caption = one_line(QLabel())  # measures a caption line; never shown
        policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)

    def arrange(self, order: list[VariantTile], reserved: int) -> None:
        """Show these tiles in this order, then `reserved` empty cells."""
        self._order, self._reserved = order, reserved
        self._place()
        self.updateGeometry()
        self.update()

    def set_side(self, side: int) -> None:
        if side != self._side:
            self._side = side
            self._place()
            self.updateGeometry()
            self.update()

    def cells(self) -> int:
        return len(self._order) + self._reserved

    def tile_side(self, width: int | None = None) -> int:
        """The side tiles get: the chosen size, or the gallery's width when it is narrower."""
        width = self.width() if width is None else width
        return max(32, min(self._side, width)) if width > 0 else self._side

    def _columns(self, width: int, side: int) -> int:
        return max(1, (width + GAP) // (side + GAP))

    def _cell_height(self, side: int) -> int:
        return VariantTile.height_for(side, self._caption)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        count = self.cells()
        if not count:
            return 0
        side = self.tile_side(width)
        rows = math.ceil(count / self._columns(width, side))
        return rows * self._cell_height(side) + (rows - 1) * GAP

    def sizeHint(self) -> QSize:
        return QSize(self._side, self.heightForWidth(self._side))

    def minimumSizeHint(self) -> QSize:
        return QSize(32, 0)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._place()

    def _cell(self, position: int, side: int) -> QPoint:
        columns = self._columns(self.width(), side)
        row, column = divmod(position, columns)
        return QPoint(column * (side + GAP), row * (self._cell_height(side) + GAP))

    def _place(self) -> None:
        side = self.tile_side()
        for position, tile in enumerate(self._order):
            if tile.parentWidget() is not self:
                tile.setParent(self)
            tile.set_side(side)
            tile.move(self._cell(position, side))
            tile.show()

    def paintEvent(self, event) -> None:
        if not self._reserved:
            return
        colours = theme.current()
        side = self.tile_side()
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        pen = QPen(colours.colour("border"), 1, Qt.PenStyle.DashLine)
        for position in range(len(self._order), self.cells()):
            cell = QRectF(self._cell(position, side), QSize(side, side)).adjusted(0.5, 0.5, -0.5, -0.5)
            painter.setPen(pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(cell, _RADIUS, _RADIUS)
            painter.setPen(colours.colour("text_faint"))
            painter.drawText(cell, Qt.AlignmentFlag.AlignCenter, f"{position + 1}")
        painter.end()


class JobStrip(QFrame):
    """One job: a line with its number and prompt, a line of facts (state, provider, time, tokens)
    and its tiles; a job that failed or was cancelled before any image is instead one line — its
    state, the reason (elided; the whole of it in the tooltip) and Retry."""

    chosen = Signal(str, int)  # job id, variant index (PARTIAL for the streamed preview)
    menu_requested = Signal(str, int, QPoint)  # job id, variant index, global position
    hovered = Signal(str, int, bool)  # job id, variant index, the pointer came (True) or went
    retry_requested = Signal(str)  # job id

    def __init__(self, job: Job, group: QButtonGroup, *, side: int = THUMB, offer_retry: bool = False,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.job_id = job.id
        self._group = group
        self._applied: int | None = None
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.number = QLabel()
        self.state = QLabel()  # only on the one-line card: the facts line says it otherwise
        self.title = one_line(ElidedLabel())
        self.reason = one_line(ElidedLabel())
        self.retry = QToolButton()
        self.retry.setText("Retry")
        self.retry.setToolTip("Run this job's prompt and options again on the photo and mask as they are now")
        self.retry.clicked.connect(lambda: self.retry_requested.emit(self.job_id))
        self._offer_retry = offer_retry  # only where a window handles `retry_requested`
        self.facts = one_line(ElidedLabel())
        self.facts.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.tiles: dict[int, VariantTile] = {}
        self.buttons: dict[int, ThumbButton] = {}
        self.grid = TileGrid(side)
        self.waiting = one_line(ElidedLabel())  # why a finished job shows no tile
        self.waiting.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        top = QHBoxLayout()
        top.setSpacing(GAP)
        top.addWidget(self.number)
        top.addWidget(self.state)
        top.addWidget(self.title, 1)
        top.addWidget(self.reason, 1)
        top.addWidget(self.retry)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(GAP, 6, GAP, GAP)
        layout.setSpacing(4)
        layout.addLayout(top)
        layout.addWidget(self.facts)
        layout.addWidget(self.grid)
        layout.addWidget(self.waiting)
        self._job = job
        self.show_job(job)

    def visible_indices(self) -> list[int]:
        """The final variants shown (not discarded), in order."""
        return sorted(i for i, tile in self.tiles.items() if i != PARTIAL and not tile.discarded)

    def collapsed(self) -> bool:
        """True while the job is a one-line card: it ended without an image."""
        return self._job.state in (JobState.FAILED, JobState.CANCELLED) and not self.tiles

    def show_job(self, job: Job) -> None:
        self._job = job
        prompt = " ".join(job.prompt.split()) or "(no prompt)"
        self.number.setText(f"<b>#{job.number}</b>")
        self.title.set_full_text(prompt)
        self.title.setToolTip(job.prompt)
        facts = [job.state.label, job.provider_label.split(" (")[0]]
        if job.started_at is not None:
            facts.append(format_elapsed(job.elapsed()))
        if job.total_tokens is not None:
            facts.append(f"{job.total_tokens:,} tokens")
        if job.state is JobState.FAILED and job.message:
            facts.append(job.message)
        self.facts.set_full_text(" · ".join(facts))
        self.facts.setToolTip(job.message)
        if job.state.finished and PARTIAL in self.tiles and self.visible_indices():
            self.remove(PARTIAL)
        self._show_mode()
        self._arrange()

    def _show_mode(self) -> None:
        job, card = self._job, self.collapsed()
        for widget in (self.title, self.facts, self.grid):
            widget.setVisible(not card)
        for widget in (self.state, self.reason):
            widget.setVisible(card)
        self.retry.setVisible(card and self._offer_retry)
        if card:
            failed = job.state is JobState.FAILED
            colour = theme.current().danger if failed else theme.current().text_dim
            self.state.setText(job.state.label)
            self.state.setStyleSheet(f"color: {colour}; font-weight: 600;")
            reason = job.message or ("Cancelled before any image arrived." if not failed else "")
            self.reason.set_full_text(reason)
            prompt = job.prompt.strip() or "(no prompt)"
            self.reason.setToolTip(f"{reason}\n\nPrompt: {prompt}" if reason else f"Prompt: {prompt}")
        shown = bool(self.visible_indices()) or PARTIAL in self.tiles
        discarded = job.state.finished and bool(self.tiles) and not shown
        gone = "Every variant of this job was discarded (Ctrl+Z brings the last one back)."
        self.waiting.set_full_text(gone if discarded else "")
        self.waiting.setVisible(discarded)

    def reserved(self) -> int:
        """Cells kept for the images a running job has still to send."""
        if self._job.state.finished:
            return 0
        finals = sum(1 for index in self.tiles if index != PARTIAL)
        return max(0, (self._job.options.n or 1) - finals - (PARTIAL in self.tiles))

    def _arrange(self) -> None:
        order = self.visible_indices() + ([PARTIAL] if PARTIAL in self.tiles else [])
        for index, tile in self.tiles.items():
            if index not in order:
                tile.hide()
        self.grid.arrange([self.tiles[index] for index in order], self.reserved())

    def set_image(self, index: int, image: QImage, tip: str) -> None:
        tile = self.tiles.get(index)
        if tile is None:
            tile = VariantTile(index, self.grid.tile_side())
            button = tile.button
            button.clicked.connect(lambda _=False, i=index: self.chosen.emit(self.job_id, i))
            button.customContextMenuRequested.connect(
                lambda pos, i=index, b=button: self.menu_requested.emit(self.job_id, i, b.mapToGlobal(pos)))
            button.hovered.connect(lambda inside, i=index: self.hovered.emit(self.job_id, i, inside))
            tile.set_applied(index == self._applied)
            self._group.addButton(button)
            self.tiles[index] = tile
            self.buttons[index] = button
            finals = sum(1 for i in self.tiles if i != PARTIAL)
            if index != PARTIAL and PARTIAL in self.tiles and finals >= (self._job.options.n or 1):
                self.remove(PARTIAL)  # every image is in: the preview's cell is the last one's
        tile.button.set_image(image)
        tile.button.setToolTip(tip)
        self._show_mode()
        self._arrange()

    def show_marks(self, index: int, marks: VariantMarks) -> None:
        tile = self.tiles.get(index)
        if tile is None:
            return
        tile.show_marks(marks)
        if tile.discarded != marks.discarded:
            tile.discarded = marks.discarded
            self._show_mode()
            self._arrange()

    def set_applied(self, index: int | None) -> None:
        """Mark the variant that is the working photo (None: none of this job's)."""
        self._applied = index
        for i, tile in self.tiles.items():
            tile.set_applied(i == index)

    def set_side(self, side: int) -> None:
        self.grid.set_side(side)

    def remove(self, index: int) -> None:
        tile = self.tiles.pop(index)
        self.buttons.pop(index, None)
        self._group.removeButton(tile.button)
        tile.hide()
        tile.deleteLater()
        self._arrange()


class Gallery(QScrollArea):
    """The strips, newest on top, scrolling up and down only.

    Ctrl+wheel asks for bigger or smaller thumbnails (`zoom_requested(notches)`); the plain wheel
    scrolls. `left()` says the pointer left the gallery. While the user is scrolled into it or
    pointing at it, the strip at the top of the view stays at the same place on screen whatever
    changes above it (a new job, a card that collapsed): what they look at never moves. At the top
    with the pointer elsewhere, a new job simply appears on top.
    """

    zoom_requested = Signal(int)
    left = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.column = QVBoxLayout()
        self.column.setContentsMargins(0, 0, 0, 0)
        self.column.setSpacing(GAP)
        self.column.addStretch(1)
        holder = QWidget()
        holder.setLayout(self.column)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setWidget(holder)
        self._inside = False
        # (the strip at the top of the view, its distance from the view's top), noted when the user
        # scrolls or the pointer comes or goes; None while nothing needs holding still.
        self._anchor: tuple[QWidget, int] | None = None
        self._wheel = 0  # eighths of a degree not yet a whole notch (fine-grained wheels, touchpads)
        holder.installEventFilter(self)
        self.viewport().installEventFilter(self)
        bar = self.verticalScrollBar()
        bar.rangeChanged.connect(lambda _low, _high: self._keep_place())
        # After the action: the scroll bar moves once the signal has been handled.
        bar.actionTriggered.connect(lambda _action: QTimer.singleShot(0, self._note_place))

    def pointer_inside(self) -> bool:
        return self._inside

    def insert(self, strip: QWidget) -> None:
        """A new job's strip, on top."""
        self.column.insertWidget(0, strip)

    def append(self, strip: QWidget) -> None:
        """An older job's strip, at the bottom (above the stretch that keeps strips at the top)."""
        self.column.insertWidget(self.column.count() - 1, strip)

    def _note_place(self) -> None:
        bar = self.verticalScrollBar()
        self._anchor = None
        if bar.value() <= 0 and not self._inside:
            return
        top = bar.value()
        for position in range(self.column.count()):
            widget = self.column.itemAt(position).widget()
            if widget is not None and not widget.isHidden() and widget.y() + widget.height() > top:
                self._anchor = (widget, widget.y() - top)
                return

    def _keep_place(self) -> None:
        if self._anchor is None:
            return
        widget, offset = self._anchor
        if widget.isHidden() or widget.parentWidget() is not self.widget():
            return
        self.verticalScrollBar().setValue(widget.y() - offset)

    def eventFilter(self, watched, event) -> bool:
        kind = event.type()
        if watched is self.widget():
            if kind in (QEvent.Type.LayoutRequest, QEvent.Type.Resize):
                self._keep_place()
            return False
        if kind == QEvent.Type.Enter:
            self._inside = True
            self._note_place()
        elif kind == QEvent.Type.Leave:
            self._inside = False
            self._note_place()
            self.left.emit()
        elif kind == QEvent.Type.Wheel and event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self._wheel += event.angleDelta().y()
            notches = int(self._wheel / 120)
            if notches:
                self._wheel -= notches * 120
                self.zoom_requested.emit(notches)
            return True
        return False
