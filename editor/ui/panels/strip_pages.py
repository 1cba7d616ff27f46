"""The results gallery's strips built a page at a time: a project opened with hundreds of jobs
builds the strips of its newest jobs only, and older ones as the user scrolls down to them (or
when something asks for one). Each strip costs its widgets, its layout and its thumbnails' decode;
building them all at once made opening a 500-job project take seconds.

`StripPages` only decides *when* a job's strip is due; the panel builds it (`build(job_id)`, which
appends it at the bottom of the gallery) and keeps it.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QScrollArea

PAGE = 10  # strips built at once: more than a tall dock shows at the smallest thumbnails


class StripPages(QObject):
    """Jobs still without a strip, oldest first (the newest is built next), and the gallery's
    scroll bar that calls for the next page when less than a view's height is left below."""

    def __init__(self, gallery: QScrollArea, build: Callable[[str], None], *, page: int = PAGE):
        super().__init__(gallery)
        self._gallery, self._build, self._page = gallery, build, page
        self._waiting: list[str] = []
        self._check_pending = False
        bar = gallery.verticalScrollBar()
        bar.valueChanged.connect(lambda _value: self._check_soon())
        bar.rangeChanged.connect(lambda _low, _high: self._check_soon())

    def defer(self, job_id: str) -> None:
        """A job put back among many (an opened project), older than every job deferred after it."""
        self._waiting.append(job_id)

    def waiting(self, job_id: str) -> bool:
        return job_id in self._waiting

    def forget(self) -> None:
        """Another photo or project: the jobs still waiting are not this one's; none is built."""
        self._waiting.clear()

    def start(self) -> None:
        """The restore is over: build the first page, then more as long as the view is not full."""
        self.next_page()
        self._check_soon()

    def next_page(self) -> None:
        """The newest jobs still waiting, PAGE of them."""
        for _ in range(min(self._page, len(self._waiting))):
            self._build(self._waiting.pop())

    def build_through(self, job_id: str) -> None:
        """Every strip down to this job's (asked for by a command, a test or the history)."""
        if job_id in self._waiting:
            while self._waiting:
                built = self._waiting.pop()
                self._build(built)
                if built == job_id:
                    return

    def _check_soon(self) -> None:
        # After the layout: a strip's height is known once its layout has run.
        if self._waiting and not self._check_pending:
            self._check_pending = True
            QTimer.singleShot(0, self._check)

    def _check(self) -> None:
        self._check_pending = False
        bar = self._gallery.verticalScrollBar()
        if not self._gallery.isVisible():
            return  # a hidden dock needs no strips; showing it changes the range and checks again
        content = self._gallery.widget().layout()
        if content is not None:
            content.activate()  # the strips just built take their height: the range is current
        if self._waiting and bar.maximum() - bar.value() < self._gallery.viewport().height():
            self.next_page()
            self._check_soon()
