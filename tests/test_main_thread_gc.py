"""Cyclic garbage collection happens on the GUI thread, never in a worker."""

from __future__ import annotations

import gc
import threading

import pytest
from PySide6.QtCore import QObject, QTimer

from editor.app.main_thread_gc import MainThreadCollector


class Cycle:
    def __init__(self) -> None:
        self.me = self


@pytest.fixture
def automatic_gc():
    """Start from Python's own behaviour (the session collector has switched it off).

    Earlier tests' garbage is collected here first, on this thread: left in place, the workers
    below would collect it, and Qt objects among it would die in a worker, the very crash the
    collector exists to prevent (it surfaced later, in another test)."""
    was_enabled = gc.isenabled()
    gc.collect()
    gc.enable()
    yield
    gc.collect()
    if not was_enabled:
        gc.disable()


def collections_in(work) -> list[str]:
    """The names of the threads in which collections found something while `work` ran in a worker."""
    threads: list[str] = []

    def record(phase: str, info: dict) -> None:
        if phase == "stop" and info["collected"]:
            threads.append(threading.current_thread().name)

    gc.callbacks.append(record)
    try:
        worker = threading.Thread(target=work, name="worker")
        worker.start()
        worker.join()
    finally:
        gc.callbacks.remove(record)
    return threads


def make_cycles() -> None:
    for _ in range(50_000):
        Cycle()


def test_without_it_python_collects_in_whichever_thread_allocates(automatic_gc) -> None:
    # The hazard the collector exists for: a worker thread runs a collection.
    assert "worker" in collections_in(make_cycles)


def test_with_it_no_collection_runs_in_a_worker_and_the_gui_thread_frees_cycles(qapp, automatic_gc) -> None:
    collector = MainThreadCollector()
    try:
        assert not gc.isenabled()
        assert collections_in(make_cycles) == []
        assert collector.check() >= 10_000  # the worker's garbage, found on this thread
    finally:
        collector.stop()
    assert gc.isenabled()


def drop_timer_owner_in_a_cycle(destroyed_in: list[str]) -> None:
    owner = QObject()
    owner.timer = QTimer(owner, interval=1)
    owner.timer.start()
    owner.me = owner  # a reference cycle: only the cyclic collector can free it
    owner.destroyed.connect(lambda: destroyed_in.append(threading.current_thread().name))


def test_with_it_a_qobject_in_a_cycle_dies_on_the_gui_thread(qapp, qtbot, automatic_gc) -> None:
    collector = MainThreadCollector(interval_ms=10)
    destroyed_in: list[str] = []
    try:
        drop_timer_owner_in_a_cycle(destroyed_in)
        collections_in(make_cycles)
        assert destroyed_in == []
        qtbot.waitUntil(lambda: bool(destroyed_in), timeout=5000)
    finally:
        collector.stop()
    assert destroyed_in == [threading.current_thread().name]


def test_it_gives_collection_back_when_its_parent_goes(qapp, automatic_gc) -> None:
    parent = QObject()
    MainThreadCollector(parent)
    assert not gc.isenabled()
    parent.deleteLater()
    del parent
    from PySide6.QtCore import QCoreApplication, QEvent

    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    assert gc.isenabled()


def test_settle_sets_what_start_up_made_aside_from_later_collections():
    made_at_start = [Cycle() for _ in range(1000)]
    try:
        MainThreadCollector.settle()
        assert gc.get_freeze_count() >= len(made_at_start)
        tracked = {id(obj) for obj in gc.get_objects()}
        assert not any(id(cycle) in tracked for cycle in made_at_start)  # no collection walks them
        later = Cycle()
        assert id(later) in {id(obj) for obj in gc.get_objects()}  # what comes after still is
    finally:
        gc.unfreeze()
