"""One job in the results panel: its header (number, prompt, state, time, tokens) and a tile per
variant — thumbnail, star, and how much the model changed outside the mask."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QSize, Qt, Signal
from PySide6.QtGui import QIcon, QImage, QPixmap
from PySide6.QtWidgets import (
    QButtonGroup,
    QFrame,
    QGridLayout,
    QLabel,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from editor.core.jobs import Job, JobState, VariantMarks
from editor.core.variant_images import spill_text
from editor.ui import theme
from editor.ui.panels import quiet_label
from editor.ui.panels.jobs import format_elapsed

THUMB = 88
PARTIAL = -1  # the index a strip's streamed preview is shown under
# Above this share of changed pixels outside the mask the caption turns red: worth a look.
SPILL_WARNING = 0.05


class VariantTile(QWidget):
    """A variant's thumbnail button and its caption ("2 ★ · changed 3 % outside the mask")."""

    def __init__(self, index: int, parent: QWidget | None = None):
        super().__init__(parent)
        self.index = index
        self.discarded = False  # not isHidden(): a tile not yet in the layout counts as hidden too
        self.button = QToolButton()
        self.button.setCheckable(True)
        self.button.setAutoRaise(True)
        self.button.setIconSize(QSize(THUMB, THUMB))
        self.button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.button.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.caption = QLabel()
        self.caption.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self.caption.setWordWrap(True)
        self.caption.setFixedWidth(THUMB + 8)
        font = self.caption.font()
        font.setPointSizeF(max(7.0, font.pointSizeF() - 1.5))
        self.caption.setFont(font)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.button, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(self.caption)
        self.show_marks(VariantMarks())

    def show_marks(self, marks: VariantMarks) -> None:
        if self.index == PARTIAL:
            self.caption.setText("preview")
            return
        star = " ★" if marks.starred else ""
        spill = spill_text(marks.spill).replace("changed ", "").replace(" the mask", "")
        self.caption.setText(f"{self.index + 1}{star}" + (f" · {spill}" if spill else ""))
        warn = marks.spill is not None and marks.spill > SPILL_WARNING
        self.caption.setStyleSheet(f"color: {theme.current().danger};" if warn else "")
        self.caption.setToolTip(spill_text(marks.spill).capitalize() if marks.spill is not None else "")


class JobStrip(QFrame):
    """One job's header line and its variant tiles."""

    chosen = Signal(str, int)  # job id, variant index (PARTIAL for the streamed preview)
    menu_requested = Signal(str, int, QPoint)  # job id, variant index, global position

    def __init__(self, job: Job, group: QButtonGroup, parent: QWidget | None = None):
        super().__init__(parent)
        self.job_id = job.id
        self._group = group
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.title = QLabel()
        self.title.setWordWrap(True)
        self.facts = quiet_label()
        self.facts.setWordWrap(True)
        self.tiles: dict[int, VariantTile] = {}
        self.buttons: dict[int, QToolButton] = {}
        self._grid = QGridLayout()
        self._grid.setSpacing(4)
        self._grid.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self._columns = 0
        self.waiting = quiet_label()
        self.waiting.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 8)
        layout.setSpacing(4)
        layout.addWidget(self.title)
        layout.addWidget(self.facts)
        layout.addLayout(self._grid)
        layout.addWidget(self.waiting)
        self._job = job
        self.show_job(job)

    def visible_indices(self) -> list[int]:
        """The final variants shown (not discarded), in order."""
        return sorted(i for i, tile in self.tiles.items() if i != PARTIAL and not tile.discarded)

    def show_job(self, job: Job) -> None:
        self._job = job
        prompt = job.prompt.strip() or "(no prompt)"
        short = prompt if len(prompt) <= 90 else prompt[:89] + "…"
        self.title.setText(f"<b>#{job.number}</b>&nbsp; {_escape(short)}")
        self.title.setToolTip(job.prompt)
        facts = [job.state.label, job.provider_label.split(" (")[0]]
        if job.started_at is not None:
            facts.append(format_elapsed(job.elapsed()))
        if job.total_tokens is not None:
            facts.append(f"{job.total_tokens:,} tokens")
        self.facts.setText(" · ".join(facts))
        self._show_waiting()
        if job.state.finished and PARTIAL in self.tiles and self.visible_indices():
            self.remove(PARTIAL)

    def _show_waiting(self) -> None:
        job, shown = self._job, bool(self.visible_indices())
        if job.state is JobState.FAILED:
            text = job.message if not self.tiles else ""
        elif job.state is JobState.CANCELLED and not self.tiles:
            text = "Cancelled before any image arrived."
        elif not job.state.finished and not self.tiles:
            text = "Waiting for the first image…"
        elif self.tiles and not shown and PARTIAL not in self.tiles:
            text = "Every variant of this job was discarded (Ctrl+Z brings the last one back)."
        else:
            text = ""
        self.waiting.setText(text)
        self.waiting.setVisible(bool(text))

    def set_image(self, index: int, image: QImage, tip: str) -> None:
        tile = self.tiles.get(index)
        if tile is None:
            tile = VariantTile(index)
            tile.button.clicked.connect(lambda _=False, i=index: self.chosen.emit(self.job_id, i))
            tile.button.customContextMenuRequested.connect(
                lambda pos, i=index, b=tile.button: self.menu_requested.emit(self.job_id, i,
                                                                             b.mapToGlobal(pos)))
            self._group.addButton(tile.button)
            self.tiles[index] = tile
            self.buttons[index] = tile.button
            self._place(force=True)
        tile.button.setIcon(QIcon(QPixmap.fromImage(image)))
        tile.button.setToolTip(tip)
        self._show_waiting()

    def show_marks(self, index: int, marks: VariantMarks) -> None:
        tile = self.tiles.get(index)
        if tile is None:
            return
        tile.show_marks(marks)
        if tile.discarded != marks.discarded:
            tile.discarded = marks.discarded
            self._place(force=True)
            self._show_waiting()

    def remove(self, index: int) -> None:
        tile = self.tiles.pop(index)
        self.buttons.pop(index, None)
        self._group.removeButton(tile.button)
        self._grid.removeWidget(tile)
        tile.deleteLater()
        self._place(force=True)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._place()

    def _place(self, force: bool = False) -> None:
        """Tiles in rows that fit the panel's width: variants in order, the preview last."""
        margins = self.contentsMargins().left() + self.contentsMargins().right() + 16
        columns = max(1, (self.width() - margins) // (THUMB + 12))
        if columns == self._columns and not force:
            return
        self._columns = columns
        order = self.visible_indices() + ([PARTIAL] if PARTIAL in self.tiles else [])
        for tile in self.tiles.values():
            self._grid.removeWidget(tile)
            tile.setVisible(False)
        for position, index in enumerate(order):
            self._grid.addWidget(self.tiles[index], position // columns, position % columns)
            self.tiles[index].setVisible(True)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
