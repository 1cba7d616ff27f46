"""The results: a gallery with per job a strip of its variants (large thumbnails, a star badge, an
"Applied" mark, the spill), with its state, prompt, time and usage. Clicking a variant shows it on
the canvas as applying it would make the photo (editor.imaging.composite: strict through the job's
mask, or the whole output); "Original" goes back. ←/→ step through the variants. Resting the
pointer on a thumbnail previews it on the canvas and leaving the gallery goes back to what was
chosen, so the user can sweep across the variants without losing their pick. The thumbnails' size
is a slider in the header row and Ctrl+wheel over the gallery. Star, Discard, Compare, Apply and
the rest are asked of the window through `command`, which owns undo, files and dialogs; Retry of
a failed job through `retry_requested`.

Decoding and compositing run in worker threads as tasks owned by the panel; the panel only reads
the JobQueue and reports what to show through `preview_ready`.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Callable

from PySide6.QtCore import QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QImage, QPalette
from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QMenu,
    QPushButton,
    QSlider,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from editor.core.generate import JobContext
from editor.core.jobs import JobQueue
from editor.core.tasks import TaskGroup, TaskOwner
from editor.core.variant_images import (
    Encoded,
    VariantImage,
    composite_variant,
    measure_spill,
    spill_text,
    thumbnail,
)
from editor.ui.panels import quiet_label, wheel_only_when_focused
from editor.ui.panels.jobs import ElidedPainting
from editor.ui.panels.strip_pages import StripPages
from editor.ui.panels.variant_strip import (
    PARTIAL,
    THUMB,
    THUMB_MAX,
    THUMB_MIN,
    THUMB_SOURCE,
    THUMB_STEP,
    Gallery,
    JobStrip,
    one_line,
)

log = logging.getLogger(__name__)

__all__ = ["PARTIAL", "THUMB", "THUMB_MAX", "THUMB_MIN", "ResultsPanel", "composite_variant", "thumbnail"]

# How long the pointer rests on a thumbnail before the canvas previews it: sweeping across the
# gallery previews only where it stops, and nothing flickers on the way.
HOVER_MS = 150
# Full-size composites kept for showing again at once: what is chosen and what was last hovered.
MADE_KEPT = 2

# What `command` asks of the window, with the menu text for each.
MORE_COMMANDS = (("export", "Export…\tCtrl+Shift+E"), ("copy", "Copy Image"),
                 ("reuse", "Reuse These Settings"), ("reveal", "Show in Folder"))
VARIANT_COMMANDS = (("apply", "Apply"), ("compare", "Compare…"), ("star", "Star"), ("discard", "Discard"),
                    *MORE_COMMANDS)


class ResultsPanel(QWidget):
    """Every job's variants, newest job on top, and which one the canvas shows.

    `context(job_id)` gives the photo and mask a job was made from. Until the user picks
    something, the newest arrival is shown (it is only shown: nothing is applied).
    `preview_ready(job_id, index, image)` carries what the canvas should show; an empty job id
    and a null image mean the original photo. `command(name, job_id, index)` asks the window to
    apply, compare, star, discard, export, copy, reuse or reveal a variant; `retry_requested(job_id)`
    to run a failed or cancelled job again. `thumb_size` is the thumbnails' side in pixels, for the
    window to keep in the settings (`thumb_size_changed` says when the user changed it).
    """

    preview_ready = Signal(str, int, QImage)
    command = Signal(str, str, int)
    retry_requested = Signal(str)
    thumb_size_changed = Signal(int)

    def __init__(self, queue: JobQueue, *, loop: asyncio.AbstractEventLoop,
                 context: Callable[[str], JobContext | None], commands: bool = False,
                 tasks: TaskGroup | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self._commands = commands  # the variant buttons and menu, for a window that handles `command`
        self._budget = 0  # the project's token budget, 0 for none
        self._usage_pending = False
        self._restoring = False  # many jobs are being put back at once (see _restore_many)
        self._queue, self._loop, self._context = queue, loop, context
        self._strips: dict[str, JobStrip] = {}
        # Decoding and compositing, owned by the window's TaskOwner when it gives a group.
        self._tasks = tasks if tasks is not None else TaskOwner(loop).group("results")
        self._tasks.on_error = _log_failure
        self._shown: tuple[str, int] | None = None
        self._wanted: tuple[str, int] | None = None  # chosen before its tile was there
        # The variants last laid over the photo, by (job, index, mode, feather): the chosen one and
        # the one last hovered, so going back from a hover preview is immediate.
        self._made: OrderedDict[tuple[str, int, str, float], VariantImage] = OrderedDict()
        self._mode, self._feather = "strict", 2.0
        self._harmonize = True  # colour and tone matched along the mask's edge (Settings → Results)
        # (job id, index, mode) → the work that composes the variant through its paste masks, taken
        # on the GUI thread and run in a worker; None (or no work) for the plain composite.
        self._edits: dict[tuple[str, int], int] = {}  # how often each variant's composite changed
        self.paste_work: Callable[[str, int, str], Callable[..., VariantImage | None] | None] | None = None
        self._applied: tuple[str, int] | None = None
        self._thumb = THUMB
        # The tile the pointer rests on (once HOVER_MS passed) whose preview the canvas shows
        # instead of the chosen variant; None when the canvas shows the chosen one.
        self._hover: tuple[str, int] | None = None
        self._hover_next: tuple[str, int] | None = None
        self._hover_timer = QTimer(self, singleShot=True, interval=HOVER_MS)
        self._hover_timer.timeout.connect(self._hover_rested)
        self.following = True
        self._group = QButtonGroup(self)
        self._group.setExclusive(True)
        self.original = QPushButton("Original")
        self.original.setCheckable(True)
        self.original.setChecked(True)
        self.original.setToolTip("Show the photo as it is (hold \\ on the canvas to peek at it)")
        self.original.clicked.connect(self.show_original)
        self._group.addButton(self.original)
        self._photo_text = "Showing the original photo"
        # One line each, whatever they say (painted elided; the whole sentence in the tooltip): a
        # long sentence never pushes the gallery down.
        self.viewing = one_line(ElidedPainting())
        self.viewing.setText(self._photo_text)
        self.viewing.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.usage = one_line(ElidedPainting())  # kept even while empty: the line is there when tokens come
        self.usage.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.empty = quiet_label("Variants appear here as they arrive.")
        self.empty.setWordWrap(True)
        # The header: what the canvas shows (it gives way: elided), the thumbnails' size, Original.
        # The size sits here, not among the buttons below, so the dock is no wider than it was.
        top = QHBoxLayout()
        top.setSpacing(8)
        top.addWidget(self.viewing, 1)
        top.addWidget(self._build_size_slider())
        top.addWidget(self.original)
        self.gallery = Gallery()
        self.gallery.zoom_requested.connect(self._zoom_thumbs)
        self.gallery.left.connect(self._pointer_left)
        self._column = self.gallery.column
        self._column.insertWidget(0, self.empty)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addLayout(top)
        actions = self._build_actions()
        if commands:
            layout.addLayout(actions)
        else:
            for button in self.actions.values():
                button.hide()
        layout.addWidget(self.gallery, 1)
        layout.addWidget(self.usage)
        self._pages = StripPages(self.gallery, self._build_deferred)
        queue.job_added.connect(self._add)
        queue.restoring.connect(self._restore_many)
        queue.job_changed.connect(self._change)
        queue.variant_added.connect(self._variant_added)
        queue.partial_added.connect(self._partial_added)
        queue.marks_changed.connect(self._marks_changed)
        queue.cleared.connect(self._clear)
        self._show_actions()

    def _build_actions(self) -> QHBoxLayout:
        row = QHBoxLayout()
        row.setSpacing(4)
        self.actions: dict[str, QToolButton] = {}
        tips = {"star": "Mark this variant as a keeper (it is starred in the history too)",
                "discard": "Hide this variant from the strip (Ctrl+Z brings it back)",
                "compare": "Before/after: split slider, side by side, difference, A/B",
                "apply": "Make this variant the working photo (Ctrl+Z undoes it; the original is kept)"}
        labels = (("star", "Star"), ("discard", "Discard"), ("compare", "Compare…"), ("apply", "Apply"))
        for name, text in labels:
            # Tool buttons are as narrow as their words: the dock stays as narrow as it was.
            button = QToolButton()
            button.setText(text)
            button.setToolTip(tips[name])
            button.clicked.connect(lambda _=False, n=name: self._ask(n))
            row.addWidget(button)
            self.actions[name] = button
        more = QToolButton()
        more.setText("More")
        more.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(more)
        for name, text in MORE_COMMANDS:
            menu.addAction(text).triggered.connect(lambda _=False, n=name: self._ask(n))
        more.setMenu(menu)
        row.addWidget(more)
        row.addStretch(1)
        self.actions["more"] = more
        return row

    def _build_size_slider(self) -> QSlider:
        slider = QSlider(Qt.Orientation.Horizontal)
        slider.setRange(THUMB_MIN, THUMB_MAX)
        slider.setSingleStep(THUMB_STEP)
        slider.setPageStep(2 * THUMB_STEP)
        slider.setValue(self._thumb)
        slider.setFixedWidth(80)
        slider.setToolTip("Thumbnail size (Ctrl+wheel over the results does the same)")
        slider.setAccessibleName("Thumbnail size")
        slider.valueChanged.connect(self._set_thumb)
        wheel_only_when_focused(slider)
        self.size_slider = slider
        return slider

    # --- thumbnail size ------------------------------------------------------------------------

    @property
    def thumb_size(self) -> int:
        """The thumbnails' side in logical pixels (THUMB_MIN … THUMB_MAX)."""
        return self._thumb

    @thumb_size.setter
    def thumb_size(self, side: int) -> None:
        """Set from the settings: every strip follows; `thumb_size_changed` is not emitted."""
        self._set_thumb(side, announce=False)

    def _zoom_thumbs(self, notches: int) -> None:
        """Ctrl+wheel over the gallery: a notch is one step of the slider."""
        self._set_thumb(self._thumb + notches * THUMB_STEP)

    def _set_thumb(self, side: int, announce: bool = True) -> None:
        side = max(THUMB_MIN, min(THUMB_MAX, int(side)))
        if side != self.size_slider.value():
            self.size_slider.blockSignals(True)
            self.size_slider.setValue(side)
            self.size_slider.blockSignals(False)
        if side == self._thumb:
            return
        self._thumb = side
        for strip in self._strips.values():
            strip.set_side(side)
        if announce:
            self.thumb_size_changed.emit(side)

    # --- reading -------------------------------------------------------------------------------

    def strip(self, job_id: str) -> JobStrip:
        self._pages.build_through(job_id)
        return self._strips[job_id]

    def shown(self) -> tuple[str, int] | None:
        """(job id, variant index) on the canvas now; None for the original photo."""
        return self._shown

    def busy(self) -> bool:
        return self._tasks.busy()

    def variant_order(self) -> list[tuple[str, int]]:
        """Every variant shown in the strips built so far (see StripPages), top to bottom: newest
        job first, variants in order."""
        jobs = sorted(self._strips, key=lambda job_id: -self._queue.job(job_id).number)
        return [(job_id, index) for job_id in jobs for index in self._strips[job_id].visible_indices()]

    # --- compositing ---------------------------------------------------------------------------

    def set_composite(self, mode: str, feather_px: float, harmonize: bool = True) -> None:
        """How variants are laid over the photo (Settings → Results); the shown one is redone."""
        if (mode, feather_px, harmonize) == (self._mode, self._feather, self._harmonize):
            return
        self._mode, self._feather, self._harmonize = mode, feather_px, harmonize
        if self._shown is not None:
            self._show(*self._shown)

    def forget_variant(self, job_id: str, index: int, *, show: bool = True) -> None:
        """The variant's composite changed (its paste masks did): it is made again when next asked
        for, and at once if it is the one shown (unless `show` is False)."""
        self._edits[job_id, index] = self._edits.get((job_id, index), 0) + 1
        for key in [key for key in self._made if key[:2] == (job_id, index)]:
            del self._made[key]
        if show and self._shown == (job_id, index) and self._hover is None:
            self._show(job_id, index)

    def composite_settings(self) -> tuple[str, float, bool]:
        """(mode, feather px, harmonize): how variants are laid over the photo now."""
        return self._mode, self._feather, self._harmonize

    async def variant_image(self, job_id: str, index: int) -> VariantImage | None:
        """The variant at the photo's size as it would be applied (the shown one is not redone)."""
        key = (job_id, index, self._mode, self._feather, self._harmonize)
        if key in self._made:
            self._made.move_to_end(key)
            return self._made[key]
        context, data = self._context(job_id), self._data(job_id, index)
        if context is None or data is None:
            return None
        while True:
            # A variant whose paste masks were edited is laid over the photo through them; an edit
            # made meanwhile means the composite is made again.
            edits = self._edits.get((job_id, index), 0)
            work = self.paste_work(job_id, index, self._mode) if self.paste_work is not None else None
            made = await asyncio.to_thread(work or composite_variant, data, context, mode=self._mode,
                                           feather_px=self._feather, harmonize=self._harmonize)
            if self._edits.get((job_id, index), 0) == edits:
                break
        if made is not None and index != PARTIAL:  # a streamed preview is replaced by the next one
            self._keep_made(key, made)
        return made

    def made(self, job_id: str, index: int) -> VariantImage | None:
        """The shown composite of this variant, if it was made with today's settings."""
        return self._made.get((job_id, index, self._mode, self._feather, self._harmonize))

    def reshow(self) -> None:
        """Send the shown variant to the canvas again (a view of it changed)."""
        if self._shown is not None:
            self._tasks.start(self._build_preview(*self._shown), key="preview")

    def _keep_made(self, key: tuple[str, int, str, float, bool], made: VariantImage) -> None:
        """Keep at most MADE_KEPT composites, never dropping the chosen variant's."""
        self._made[key] = made
        chosen = ((*self._shown, self._mode, self._feather, self._harmonize) if self._shown is not None
                  else None)
        for old in list(self._made):
            if len(self._made) <= MADE_KEPT:
                break
            if old not in (chosen, key):
                del self._made[old]

    # --- choosing ------------------------------------------------------------------------------

    def choose(self, job_id: str, index: int) -> None:
        """Show this variant (or, with PARTIAL, the job's latest streamed preview) on the canvas."""
        self.following = False
        self._pages.build_through(job_id)
        # A strip just built has no tile yet: its thumbnail shows the variant when decoded.
        self._wanted = (job_id, index) if not self._showable(job_id, index) else None
        if self._showable(job_id, index):
            self._end_hover()  # a click or ←/→ is what the user wants to see, over any hover preview
        self._show(job_id, index)

    def step(self, delta: int) -> bool:
        """Show the next (+1) or previous (-1) variant in the strips' order; False at either end."""
        order = self.variant_order()
        if not order:
            return False
        if self._shown in order:
            position = order.index(self._shown) + delta
        else:
            position = 0 if delta > 0 else len(order) - 1
        if not 0 <= position < len(order):
            return False
        if delta > 0 and order[position][0] == order[-1][0]:
            self._pages.next_page()  # down to the last strip built: the next ones are due
        self.choose(*order[position])
        return True

    def show_original(self) -> None:
        self.following = False
        self._show_original()

    def follow_newest(self) -> None:
        """A new Generate: show its images as they come, until the user picks something else."""
        self.following = True

    def forget_previews(self) -> None:
        """Another photo is on the canvas: nothing is selected."""
        self._tasks.cancel("preview")
        self._end_hover()
        self._shown = None
        self._made.clear()
        self.original.setChecked(True)
        self._show_viewing()
        self._show_actions()

    def _show_original(self) -> None:
        self.forget_previews()
        self.preview_ready.emit("", 0, QImage())

    def _showable(self, job_id: str, index: int) -> bool:
        """True when the variant has a tile, pixels and the photo it was made from."""
        strip = self._strips.get(job_id)
        return (strip is not None and index in strip.buttons and self._context(job_id) is not None
                and self._data(job_id, index) is not None)

    def _show(self, job_id: str, index: int) -> None:
        if not self._showable(job_id, index):
            return
        self._strips[job_id].buttons[index].setChecked(True)
        self._shown = (job_id, index)
        if self._hover == self._shown:
            self._hover = None  # clicked where it rested: the preview is now the choice
        self._show_viewing()
        self._show_actions()
        self._tasks.start(self._build_preview(job_id, index), key="preview")

    def _show_viewing(self) -> None:
        """The line above the gallery: what the canvas shows (the hovered variant's preview, the
        chosen variant or the photo), and its spill."""
        shown = self._hover or self._shown
        if shown is None:
            self.viewing.setText(self._photo_text)
            self.viewing.setToolTip("")
            return
        job_id, index = shown
        what = "the preview" if index == PARTIAL else f"variant {index + 1}"
        spill = spill_text(self._queue.marks(job_id, index).spill) if index != PARTIAL else ""
        number = self._queue.job(job_id).number
        if shown == self._hover:
            text = f"Previewing {what} of #{number} — click to choose it"
        else:
            applied = "applied" if shown == self._applied else "not applied"
            text = f"Showing {what} of #{number} — {applied}"
        text += f"; {spill}" if spill else ""
        self.viewing.setText(text)
        self.viewing.setToolTip(text)

    async def _build_preview(self, job_id: str, index: int) -> None:
        made = await self.variant_image(job_id, index)
        if self._shown != (job_id, index):
            return
        if made is None:
            self.viewing.setText("This image could not be read.")
            return
        if self._hover is None or self._hover == (job_id, index):
            self.preview_ready.emit(job_id, index, made.image)
        # else the canvas previews the hovered tile; leaving the gallery shows this one

    # --- hover preview -------------------------------------------------------------------------

    def _hovered(self, job_id: str, index: int, inside: bool) -> None:
        """The pointer came to (or went from) a thumbnail: preview it once it rests there."""
        if inside:
            self._hover_next = (job_id, index)
            self._hover_timer.start()
        elif self._hover_next == (job_id, index):
            self._hover_next = None
            self._hover_timer.stop()  # it only passed over; what the canvas shows stays

    def _hover_rested(self) -> None:
        target, self._hover_next = self._hover_next, None
        if target is None or target == self._hover or self._data(*target) is None:
            return
        if target == self._shown and self._hover is None:
            return  # the canvas shows it already
        self._hover = target
        self._tasks.start(self._build_hover(*target), key="hover")

    async def _build_hover(self, job_id: str, index: int) -> None:
        made = await self.variant_image(job_id, index)
        if self._hover == (job_id, index) and made is not None:
            self.preview_ready.emit(job_id, index, made.image)
            self._show_viewing()

    def hovered(self) -> tuple[str, int] | None:
        """The variant the canvas previews because the pointer rests on it; None: the chosen one."""
        return self._hover

    def _pointer_left(self) -> None:
        """Out of the gallery: the canvas goes back to what was chosen (or the original photo)."""
        if self._end_hover():
            self._show_viewing()
            if self._shown is None:
                self.preview_ready.emit("", 0, QImage())
            else:
                self._tasks.start(self._build_preview(*self._shown), key="preview")

    def _end_hover(self) -> bool:
        """Stop previewing the hovered tile; True if the canvas was showing it."""
        self._hover_timer.stop()
        self._hover_next = None
        if self._hover is None:
            return False
        self._hover = None
        self._tasks.cancel("hover")
        return True

    def _data(self, job_id: str, index: int) -> Encoded | None:
        """The variant's pixels as the pipeline decoded them, else its bytes (a preview, or a
        variant read back from disk)."""
        if index == PARTIAL:
            partial = self._queue.latest_partial(job_id)
            return partial.data if partial is not None else None
        for variant in self._queue.variants(job_id):
            if variant.index == index:
                return variant.source
        return None

    def _show_actions(self) -> None:
        final = self._shown is not None and self._shown[1] != PARTIAL
        for button in self.actions.values():
            button.setEnabled(final)
        if final:
            starred = self._queue.marks(*self._shown).starred
            self.actions["star"].setText("Unstar" if starred else "Star")

    def _ask(self, name: str) -> None:
        if self._shown is not None and self._shown[1] != PARTIAL:
            self.command.emit(name, *self._shown)

    def _menu(self, job_id: str, index: int, at: QPoint) -> None:
        if index == PARTIAL or not self._commands:
            return
        menu = QMenu(self)
        starred = self._queue.marks(job_id, index).starred
        for name, text in VARIANT_COMMANDS:
            text = "Unstar" if name == "star" and starred else text
            action = menu.addAction(text)
            action.triggered.connect(lambda _=False, n=name: self.command.emit(n, job_id, index))
        menu.exec(at)

    def keyPressEvent(self, event) -> None:
        if event.key() in (Qt.Key.Key_Left, Qt.Key.Key_Right):
            self.step(-1 if event.key() == Qt.Key.Key_Left else 1)
        else:
            super().keyPressEvent(event)

    # --- the queue's news ----------------------------------------------------------------------

    def _restore_many(self, starting: bool) -> None:
        """Many jobs at once (an opened project): only the newest jobs' strips are built, in one
        pass when the last is in; older ones as the user scrolls to them (StripPages)."""
        content = self.gallery.widget()
        if starting:
            self._restoring = True
            content.hide()
        else:
            self._pages.start()  # the first page is built while still `_restoring`: it may follow
            self._restoring = False
            content.show()

    def _clear(self) -> None:
        """Another photo or project: its results are its own, none of these stay on show."""
        self._tasks.cancel()  # thumbnails and spill still on their way belong to the old jobs
        self._pages.forget()  # strips not built yet are of jobs that are gone
        self._wanted = None
        self.forget_previews()
        for strip in self._strips.values():
            strip.hide()
            strip.setParent(None)
            strip.deleteLater()
        self._strips.clear()
        self._applied = None
        self._photo_text = "Showing the original photo"
        self.following = True
        self.empty.show()
        self._show_viewing()
        self._show_usage()

    def _add(self, job_id: str) -> None:
        if self._restoring:
            self._pages.defer(job_id)
            self.empty.hide()
            self._show_usage_soon()
            return
        strip = self._new_strip(job_id)
        self.gallery.insert(strip)  # a new job: on top
        strip.show()  # now, not when the layout gets to it

    def _build_deferred(self, job_id: str) -> None:
        """An older job's strip, below those built, with its thumbnails."""
        strip = self._new_strip(job_id)
        self.gallery.append(strip)
        strip.show()
        # The newest of an opened project may follow onto the canvas as they always did; a strip
        # built later as the user scrolls is old work and never takes the canvas over.
        follow = None if self._restoring else False
        for variant in self._queue.variants(job_id):
            self._variant_added(job_id, variant.index, show=follow)
        if self._queue.latest_partial(job_id) is not None:
            self._partial_added(job_id, PARTIAL)

    def _new_strip(self, job_id: str) -> JobStrip:
        strip = JobStrip(self._queue.job(job_id), self._group, side=self._thumb, offer_retry=self._commands)
        strip.chosen.connect(self.choose)
        strip.menu_requested.connect(self._menu)
        strip.hovered.connect(self._hovered)
        strip.retry_requested.connect(self.retry_requested)
        self._strips[job_id] = strip
        if self._applied is not None and self._applied[0] == job_id:
            strip.set_applied(self._applied[1])
        self.empty.hide()
        self._show_usage_soon()
        return strip

    def _change(self, job_id: str) -> None:
        strip = self._strips.get(job_id)
        if strip is None:
            return
        had_partial = PARTIAL in strip.buttons
        strip.show_job(self._queue.job(job_id))
        if had_partial and PARTIAL not in strip.buttons:
            self._partial_gone(job_id)
        self._show_usage_soon()

    def _partial_gone(self, job_id: str) -> None:
        """The streamed preview gave way to the final images."""
        if self._hover == (job_id, PARTIAL):
            self._pointer_left()
        if self._shown == (job_id, PARTIAL):
            self._shown = None

    def _marks_changed(self, job_id: str, index: int) -> None:
        strip = self._strips.get(job_id)
        if strip is None:
            return
        marks = self._queue.marks(job_id, index)
        strip.show_marks(index, marks)
        if self._shown == (job_id, index):
            if marks.discarded:
                self._show_original()
            else:
                self._show_actions()
                self._show_viewing()

    def _variant_added(self, job_id: str, index: int, show: bool | None = None) -> None:
        if job_id not in self._strips:
            return  # its strip is not built yet; building it shows its variants
        variant = next(v for v in self._queue.variants(job_id) if v.index == index)
        tip = f"Variant {index + 1} · {variant.width} × {variant.height}"
        if variant.path is not None:
            tip += f"\nSaved as {variant.path}"
        picture = variant.source
        show = self._should_follow(job_id) if show is None else show
        self._own(self._add_thumbnail(job_id, index, picture, tip, show=show))

    def _partial_added(self, job_id: str, index: int) -> None:
        partial = self._queue.latest_partial(job_id)
        if partial is None or job_id not in self._strips:
            return
        following = self._should_follow(job_id) and not self._queue.variants(job_id)
        show = self._shown == (job_id, PARTIAL) or following
        self._own(self._add_thumbnail(job_id, PARTIAL, partial.data, "Streamed preview — the final image "
                                      "replaces it", show=show))

    def _should_follow(self, job_id: str) -> bool:
        """While following, a newer job's images take over the canvas; an older one's never do."""
        if not self.following:
            return False
        if self._shown is None:
            return True
        number, shown = self._queue.job(job_id).number, self._queue.job(self._shown[0]).number
        return number > shown or (number == shown and self._shown[1] == PARTIAL)

    async def _add_thumbnail(self, job_id: str, index: int, data: Encoded, tip: str, *, show: bool) -> None:
        image = await asyncio.to_thread(thumbnail, data, THUMB_SOURCE)
        strip = self._strips.get(job_id)
        if strip is None or image.isNull():
            return
        had_partial = PARTIAL in strip.buttons
        if index != PARTIAL and self._queue.job(job_id).state.finished and had_partial:
            strip.remove(PARTIAL)
        strip.set_image(index, image, tip)
        if self._wanted == (job_id, index):
            show, self._wanted = True, None
        if had_partial and PARTIAL not in strip.buttons:
            show = show or self._shown == (job_id, PARTIAL)  # the final image takes the preview's place
            self._partial_gone(job_id)
        marks = self._queue.marks(job_id, index)
        strip.show_marks(index, marks)
        if show and not marks.discarded:
            self._show(job_id, index)
        context = self._context(job_id)
        if index != PARTIAL and context is not None and marks.spill is None:
            spill = await asyncio.to_thread(measure_spill, data, context)
            if spill is not None:
                self._queue.mark(job_id, index, spill=spill)

    def set_photo_origin(self, applied: tuple[str, int] | None) -> None:
        """Say what the working photo is: the original, or the variant applied to it (its tile
        carries the "Applied" mark)."""
        if self._applied is not None and self._applied[0] in self._strips:
            self._strips[self._applied[0]].set_applied(None)
        self._applied = applied
        if applied is None or applied[0] not in self._queue:
            self._photo_text = "Showing the original photo"
        else:
            job_id, index = applied
            if job_id in self._strips:  # else its strip, when built, shows the mark
                self._strips[job_id].set_applied(index)
            self._photo_text = (f"Showing the working photo: variant {index + 1} of "
                                f"#{self._queue.job(job_id).number} applied")
        self._show_viewing()

    def applied(self) -> tuple[str, int] | None:
        """(job id, variant index) the working photo was applied from; None for the original."""
        return self._applied

    def set_budget(self, tokens: int) -> None:
        """The project's token budget (0: none), shown beside the totals."""
        self._budget = tokens
        self._show_usage()

    def _show_usage_soon(self) -> None:
        """Once per turn of the event loop, however many jobs changed (a restore adds hundreds)."""
        if not self._usage_pending:
            self._usage_pending = True
            QTimer.singleShot(0, self._show_usage)

    def _show_usage(self) -> None:
        self._usage_pending = False
        session, project = self._queue.token_totals()
        budget = self._budget
        parts = [f"Tokens this session: {session:,}"] if session != project else []
        parts.append(f"project: {project:,}" if parts else f"Tokens this project: {project:,}")
        if budget:
            parts.append(f"budget: {budget:,}")
        text = " · ".join(parts) if project or budget else ""
        self.usage.setText(text)
        self.usage.setToolTip(text)

    # --- tasks ---------------------------------------------------------------------------------

    def _own(self, coroutine) -> asyncio.Task:
        return self._tasks.start(coroutine)

    def shutdown(self) -> None:
        self._tasks.cancel()


def _log_failure(error: BaseException) -> None:
    log.error("results panel: %s", error, exc_info=error)
