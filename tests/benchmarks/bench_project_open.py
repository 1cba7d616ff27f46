"""project_open_500: opening a .maskedit project with 500 jobs (one small result each) in the real
window, from the command to every job in the queue and the results dock showing the newest jobs
with their thumbnails (older strips are built as the user scrolls to them). The floor is the same
window opening a project with 50 jobs, times 10: a ratio near 1 says the time grows linearly with
the jobs, well below 1 that it hardly grows at all.

Unpacking creates a thousand files, so the figure follows the disk: the notes give how long
creating a file took in the same folder just before (about 0.04 ms on a quiet disk; ten to thirty
times that for a minute or so after many files were deleted nearby, as by an earlier run)."""

from __future__ import annotations

import asyncio
import json
import os
import tempfile
import time
from pathlib import Path

from tests.benchmarks.harness import Figure, gui_app, median

JOBS = 500
SMALL = 50
GOAL_S = 1.0
ROUNDS = 3  # each size opened this many times, each in a fresh window; medians are reported


def _project_file(folder: Path, jobs: int) -> Path:
    from editor.core.job_record import RECORD_KEY
    from editor.core.project_state import DocumentState, ProjectState
    from editor.core.session import Project
    from tests.fakes.images import photo_bytes

    project = Project.create(folder / f"make-{jobs}")
    photo = project.store_photo(photo_bytes(1200, 800), "png")
    project.store_mask(__import__("numpy").zeros((800, 1200), "uint8"))
    project.save_state(ProjectState(document=DocumentState(photo_file=photo, mask_file="mask.png",
                                                           prompt="a bench")))
    result = photo_bytes(256, 160)
    for number in range(1, jobs + 1):
        (project.results_dir / f"photo-{number}-1.png").write_bytes(result)
        record = {"started_at": "2026-11-24T10:00:00+00:00", "prompt": f"take {number}",
                  "status": "completed",
                  # As a run writes it: the result's size, and the spill measured when it arrived.
                  "results": [{"file": f"photo-{number}-1.png", "width": 256, "height": 160,
                               "spill_outside_mask": 0.0012}],
                  RECORD_KEY: {"job_id": f"job-{number}", "number": number, "options": {"n": 1},
                               "source_photo": photo}}
        (project.results_dir / f"photo-{number}.json").write_text(json.dumps(record))
    target = folder / f"p{jobs}.maskedit"
    project.save_as(target)
    return target


def _open_seconds(window, app, path: Path, jobs: int) -> float:
    started = time.perf_counter()
    window.open_path(path)
    deadline = started + 300
    while ((len(window.queue.jobs()) < jobs or window.busy() or window.results.busy())
           and time.perf_counter() < deadline):
        app.processEvents()
        time.sleep(0.001)
    return time.perf_counter() - started


def measure() -> list[Figure]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import qasync

    app = gui_app()
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        small, large = _project_file(folder, SMALL), _project_file(folder, JOBS)
        os.sync()
        create_ms = _file_creation_ms(folder)
        loop = qasync.QEventLoop(app)
        asyncio.events._set_running_loop(loop)
        try:
            seconds: dict[int, list[float]] = {SMALL: [], JOBS: []}
            for round_ in range(ROUNDS):
                for jobs, path in ((SMALL, small), (JOBS, large)):
                    data = folder / f"r{round_}-{jobs}"
                    seconds[jobs].append(_open_in_a_fresh_window(app, loop, data, path, jobs))
        finally:
            asyncio.events._set_running_loop(None)
            loop.close()  # joins the worker threads (Qt aborts on a QThread still running at exit)
    value, small_s = median(seconds[JOBS]), median(seconds[SMALL])
    floor = small_s * JOBS / SMALL
    rounds = ", ".join(f"{t:.2f}" for t in seconds[JOBS])
    return [Figure(
        "project_open_500", value, "s", floor, f"{SMALL} jobs × {JOBS // SMALL} (linear growth)",
        target=f"value <= {GOAL_S:g} s", passed=value <= GOAL_S,
        notes=(f"median of {ROUNDS} ({rounds} s); {SMALL} jobs: {small_s:.2f} s; ratio ≈ 1 or below: linear; "
               f"disk: {create_ms:.2f} ms to create a file"))]


def _file_creation_ms(parent: Path, count: int = 200) -> float:
    """How long creating a small file takes in `parent` now, in ms: the state of the disk."""
    with tempfile.TemporaryDirectory(dir=parent) as folder:
        started = time.perf_counter()
        for number in range(count):
            (Path(folder) / f"{number}.png").write_bytes(b"x" * 600)
        return (time.perf_counter() - started) * 1000 / count


def _open_in_a_fresh_window(app, loop, folder: Path, path: Path, jobs: int) -> float:
    from editor.settings.store import UserSettings
    from editor.ui.main_window import MainWindow

    window = MainWindow(UserSettings(data_folder=str(folder)), loop=loop, settings_path=folder / "s.json",
                        env={})
    window.show()
    os.sync()  # what earlier rounds and benchmarks wrote is on disk before the clock starts
    try:
        return _open_seconds(window, app, path, jobs)
    finally:
        closed: list[bool] = []
        window.shut_down.connect(lambda: closed.append(True))
        window.close()
        deadline = time.perf_counter() + 60
        while not closed and time.perf_counter() < deadline:  # every task awaited
            app.processEvents()
            time.sleep(0.005)

