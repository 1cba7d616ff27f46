"""Python's cyclic garbage collection, run on the GUI thread only.

Left alone, the collector runs in whichever thread allocates when a generation fills up, often a
worker of `asyncio.to_thread`. A Qt object caught in a reference cycle is then destroyed in that
worker: its timers are never taken off the GUI thread's dispatcher, and a later tick delivers an
event to freed memory (a crash inside QCoreApplication::notify, long after the cause). The
`MainThreadCollector` turns automatic collection off and runs the same generational collections
from a GUI-thread timer. Reference counting still frees everything that is not in a cycle at once.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

CHECK_MS = 500


class MainThreadCollector(QObject):
    """While it lives (give it the application as parent), cycles are collected on its thread."""

    def __init__(self, parent: QObject | None = None, *, interval_ms: int = CHECK_MS) -> None:
        super().__init__(parent)
        self._was_enabled = gc.isenabled()
        self._threshold = gc.get_threshold()
        gc.disable()
        self._timer = QTimer(self, interval=interval_ms)
        self._timer.timeout.connect(self.check)
        self._timer.start()
        self.destroyed.connect(_enable_if(self._was_enabled))

    def check(self) -> int:
        """Collect the generations that are over their threshold, as the automatic collector
        would have. Returns the number of objects found unreachable."""
        count0, count1, count2 = gc.get_count()
        found = 0
        if count0 > self._threshold[0]:
            found += gc.collect(0)
            if count1 > self._threshold[1]:
                found += gc.collect(1)
                if count2 > self._threshold[2]:
                    found += gc.collect(2)
        return found

    @staticmethod
    def settle() -> None:
        """Set every object alive now aside from later collections (gc.freeze): call it when a
        stage of start-up is done. Garbage among them would never be freed, so call it only where
        start-up has made little (it is not collected first: that would cost a full collection)."""
        gc.freeze()

    def stop(self) -> None:
        """Give collection back to Python (as it was before), after one full collection here."""
        self._timer.stop()
        gc.collect()
        if self._was_enabled:
            gc.enable()


def _enable_if(was_enabled: bool):
    # A plain function, not a bound method: it must not keep the collector alive or need it.
    def restore(*_args) -> None:
        if was_enabled:
            gc.enable()
    return restore
