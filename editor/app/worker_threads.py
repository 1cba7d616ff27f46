"""Worker threads give way to the GUI thread.

Pixel work runs in worker threads (asyncio.to_thread), yet while Generate prepared a 24 MP job
the window froze for 20-50 ms at a time, for two reasons:

- Only one thread runs Python at a time. A thread that wants the interpreter lock asks for it and
  gets it at the holder's next check, made every "switch interval" (5 ms by default); under load
  the GUI thread asks several times in a row before it runs. One millisecond keeps a worker's
  stretches of Python (copying an encoded image in pieces, Pillow's decoder loop) short.
- On two cores, encoding workers (and OpenCV's own threads, which they start) kept both busy,
  and the GUI thread waited for a core. On Linux, where a thread's nice value is its own, the
  workers run one step nicer, so the GUI thread wins a core as soon as it wakes; they still get
  every cycle the GUI thread does not use.
"""

from __future__ import annotations

import os
import sys
import threading

from qasync import QThreadExecutor

SWITCH_INTERVAL_S = 0.001
WORKER_NICENESS = 5  # relative to the GUI thread: about a third of its share when both want a core

_lowered = threading.local()


def hand_over_quickly() -> None:
    """Make worker threads give the interpreter lock back after at most SWITCH_INTERVAL_S."""
    sys.setswitchinterval(SWITCH_INTERVAL_S)


class WorkerExecutor(QThreadExecutor):
    """qasync's executor (Qt threads, joined when the loop closes) whose threads run nicer than the
    GUI thread. Set it as the loop's default executor, before the first asyncio.to_thread."""

    def submit(self, callback, *args, **kwargs):
        return super().submit(_nicer, callback, *args, **kwargs)


def _nicer(callback, *args, **kwargs):
    if not getattr(_lowered, "done", False):
        _lowered.done = True
        lower_this_thread()
    return callback(*args, **kwargs)


def lower_this_thread() -> bool:
    """Run the calling thread WORKER_NICENESS nicer; True if it could be (Linux only: elsewhere the
    call would change the whole process)."""
    if not sys.platform.startswith("linux"):
        return False
    thread = threading.get_native_id()
    try:
        os.setpriority(os.PRIO_PROCESS, thread, os.getpriority(os.PRIO_PROCESS, thread) + WORKER_NICENESS)
    except OSError:
        return False
    return True
