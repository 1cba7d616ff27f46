"""Worker threads give way to the GUI thread: they run nicer than it (on Linux) and hand the
interpreter lock back within a millisecond once the app's loop is set up that way."""

from __future__ import annotations

import os
import sys
import threading
from concurrent.futures import wait

import pytest

from editor.app.worker_threads import (
    SWITCH_INTERVAL_S,
    WORKER_NICENESS,
    WorkerExecutor,
    hand_over_quickly,
    lower_this_thread,
)

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread nice is Linux's")


def _own_nice() -> int:
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


@linux_only
def test_lowering_a_thread_leaves_the_gui_thread_and_the_process_as_they_were():
    before = _own_nice()
    seen: list[tuple[bool, int]] = []

    def worker() -> None:
        lowered = lower_this_thread()
        seen.append((lowered, _own_nice()))

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    lowered, worker_nice = seen[0]
    if not lowered:
        pytest.skip("this system refused a nicer thread")
    assert worker_nice == min(before + WORKER_NICENESS, 19)
    assert _own_nice() == before
    assert os.getpriority(os.PRIO_PROCESS, 0) == before


@linux_only
def test_the_executor_runs_work_nicer_than_the_calling_thread(qapp):
    before = _own_nice()
    executor = WorkerExecutor(max_workers=2)
    try:
        futures = [executor.submit(lambda: (threading.get_native_id(), _own_nice())) for _ in range(6)]
        wait(futures)
        results = [future.result() for future in futures]
    finally:
        executor.shutdown()
    assert all(thread != threading.get_native_id() for thread, _ in results)
    assert {nice for _, nice in results} == {min(before + WORKER_NICENESS, 19)}  # once per thread
    assert _own_nice() == before


def test_the_lock_is_handed_over_within_a_millisecond():
    previous = sys.getswitchinterval()
    try:
        hand_over_quickly()
        assert sys.getswitchinterval() == pytest.approx(SWITCH_INTERVAL_S)
    finally:
        sys.setswitchinterval(previous)
