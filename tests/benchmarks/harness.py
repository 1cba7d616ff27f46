"""Shared shape of every benchmark figure: a value beside its floor, measured in the same run.

Each `tests/benchmarks/bench_*.py` module defines `measure() -> list[Figure]`. The ratio
(value / floor) is what targets are set on, because absolute times on shared machines are noise.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Figure:
    metric: str
    value: float
    unit: str
    floor: float | None = None
    floor_label: str = ""
    target: str = ""  # e.g. "ratio <= 1.5" or "value <= 64"
    passed: bool | None = None
    notes: str = ""

    @property
    def ratio(self) -> float | None:
        if self.floor in (None, 0):
            return None
        return self.value / self.floor

    def as_json(self) -> dict:
        data = asdict(self)
        data["ratio"] = self.ratio
        return data


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def percentile(samples: list[float], pct: float) -> float:
    ordered = sorted(samples)
    if not ordered:
        raise ValueError("no samples")
    k = (len(ordered) - 1) * pct / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def median(samples: list[float]) -> float:
    return statistics.median(samples)


_COLLECTOR = None


def gui_app():
    """The QApplication for a benchmark that drives widgets, with the app's own rules: Python's
    cyclic collector runs on the GUI thread only (editor.app.main_thread_gc: without it a
    collection that starts in a decoding worker can destroy a Qt object there and crash the run).
    The window's questions are answered as a script would: don't save, stop running jobs."""
    global _COLLECTOR
    from PySide6.QtWidgets import QApplication

    from editor.app.main_thread_gc import MainThreadCollector
    from editor.ui import dialogs

    app = QApplication.instance() or QApplication([])
    if _COLLECTOR is None:
        _COLLECTOR = MainThreadCollector(app)
    # Nobody is there to answer: closing a window never waits on the save question.
    dialogs.ask_save_changes = lambda _parent, _question, _detail: dialogs.DONT_SAVE
    dialogs.confirm_stop_jobs = lambda _parent, _running: True
    return app


def gui_loop(app):
    """A qasync loop on `app` as the app starts its own (editor.app._start_event_loop): worker
    threads that give way to the GUI thread (editor.app.worker_threads)."""
    import qasync

    from editor.app.worker_threads import WorkerExecutor, hand_over_quickly

    loop = qasync.QEventLoop(app)
    hand_over_quickly()
    loop.set_default_executor(WorkerExecutor())
    return loop
