"""kill -9 loses nothing: a real process paints, prompts and receives a job's variants, is killed
without warning, and the next start offers to restore the photo, mask, prompt and every result."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from editor.core.jobs import JobState
from tests.ui.test_end_to_end import start
from tests.ui.window_driving import wait_idle, write_photo

PROMPT = "a red bicycle leaning on the wall"


def run_until_ready(photo: Path, env: dict) -> subprocess.Popen:
    process = subprocess.Popen([sys.executable, "-m", "tests.ui.crash_driver", str(photo)], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               cwd=Path(__file__).resolve().parents[2])
    deadline = time.monotonic() + 60
    line = ""
    while time.monotonic() < deadline and process.poll() is None:
        line = process.stdout.readline()
        if line.startswith("READY"):
            return process
    process.kill()
    _, stderr = process.communicate()
    pytest.fail(f"the app never reported its job done ({line!r}): {stderr[-2000:]}")


@pytest.mark.slow
def test_kill_9_after_a_job_then_restart_restores_everything(qtbot, loop, errors, tmp_path, service_env):
    photo = write_photo(tmp_path / "street.png")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    process = run_until_ready(photo, env)
    assert len(service_env.edit_requests) == 1
    os.kill(process.pid, signal.SIGKILL)
    process.communicate(timeout=10)
    assert process.returncode == -signal.SIGKILL

    second = tmp_path / "second"
    second.mkdir()
    window = start(qtbot, loop, second)
    bar = window.projects.restore_notice
    assert bar is not None and bar.isVisibleTo(window), "no offer to restore"
    assert "closed unexpectedly" in bar.text.text() and "1 job with their results" in bar.text.text()
    bar.action.click()
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: window.queue.jobs() != [], timeout=15000)

    assert window.document.prompt() == PROMPT
    assert window.prompt_panel.editor.toPlainText() == PROMPT
    coverage = window.document.mask().array()
    assert coverage[60:160, 80:260].min() == 255 and coverage.sum() == 255 * 100 * 180
    assert (window.document.photo().width(), window.document.photo().height()) == (400, 300)
    job = window.queue.jobs()[0]
    assert job.state is JobState.DONE and job.prompt == PROMPT
    variants = window.queue.variants(job.id)
    assert [variant.index for variant in variants] == [0, 1]
    assert all(variant.path.is_file() and variant.data for variant in variants)
    qtbot.waitUntil(lambda: window.results.variant_order() == [(job.id, 0), (job.id, 1)])
    assert window.keeper.interrupted() is None  # restored once, not offered again
    assert errors == []


def test_a_dead_window_that_held_nothing_is_cleared_away_not_offered(qtbot, loop, errors, tmp_path):
    from editor.core.session import LOCK, Project
    from editor.settings.store import data_dir

    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    empty = Project.create(data_dir() / "projects")
    (empty.root / LOCK).write_text(f'{{"pid": {child.pid}}}')
    window = start(qtbot, loop, tmp_path, [write_photo(tmp_path / "street.png")])
    assert window.projects.restore_notice is None
    assert not empty.root.exists()
