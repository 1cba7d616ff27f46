"""kill -9 loses nothing: a real process paints, prompts and receives a job's variants, is killed
without warning, and the next start offers to restore the photo, mask, prompt and every result."""

from __future__ import annotations

import json
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
    assert all(variant.path.is_file() and variant.path.stat().st_size and variant.data is None
               for variant in variants)  # on disk, read when shown
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


# --- jobs that ended without their results -------------------------------------------------------


def test_cancelled_and_failed_jobs_come_back_with_their_state_and_request_id(
        qtbot, loop, errors, tmp_path, service_env, monkeypatch):
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QFileDialog

    from tests.fakes.faults import Fault
    from tests.ui.test_end_to_end import painted_window
    from tests.ui.window_driving import generate_with_keys, press_keys, wait_finished

    window = painted_window(qtbot, loop, tmp_path)
    service_env.script(Fault.slow(30))
    cancelled = generate_with_keys(qtbot, window)
    qtbot.waitUntil(lambda: len(service_env.edit_requests) == 1, timeout=10000)  # sent: maybe billed
    press_keys(qtbot, window, Qt.Key.Key_Escape)
    wait_finished(qtbot, window, cancelled.id)
    service_env.script(Fault.status(400, "Invalid value for 'size'."))
    refused = wait_finished(qtbot, window, generate_with_keys(qtbot, window).id)
    service_env.script(*(Fault.status(500) for _ in range(3)))
    broken = wait_finished(qtbot, window, generate_with_keys(qtbot, window).id)
    assert (refused.state, broken.state) == (JobState.FAILED, JobState.FAILED)
    assert refused.request_id and broken.request_id

    target = tmp_path / "saved" / "street.maskedit"
    target.parent.mkdir()
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    press_keys(qtbot, window, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(target.is_file, timeout=15000)
    wait_idle(qtbot, window)

    second = tmp_path / "second"
    second.mkdir()
    other = start(qtbot, loop, second)
    other.open_path(target)
    wait_idle(qtbot, other)
    qtbot.waitUntil(lambda: len(other.queue.jobs()) == 3, timeout=15000)
    back = {job.id: job for job in other.queue.jobs()}

    assert back[cancelled.id].state is JobState.CANCELLED
    assert "may have been billed" in back[cancelled.id].message
    assert back[refused.id].state is JobState.FAILED and back[refused.id].message == refused.message
    assert back[refused.id].request_id == refused.request_id
    assert back[refused.id].error_details["status"] == 400
    assert back[broken.id].state is JobState.FAILED and back[broken.id].request_id == broken.request_id
    assert back[broken.id].error_details["request_id"] == broken.request_id
    for job_id in back:  # each a one-line card in Results, saying what happened
        strip = other.results.strip(job_id)
        assert strip.collapsed() and strip.reason.toolTip().startswith(back[job_id].message)
    assert errors == []


def dead_window_project(photo: Path):
    """A project as a window killed mid-request leaves it: the document, a dead process's lock and
    the job's record as it was written when the request was sent, never finished."""
    import json

    from editor.backends.base import EditRequest, ImagePart
    from editor.core.job_record import RECORD_KEY
    from editor.core.project_state import DocumentState, ProjectState
    from editor.core.session import LOCK, Project
    from editor.pipeline.writer import JobWriter
    from editor.settings.store import data_dir

    project = Project.create(data_dir() / "projects")
    stored = project.store_photo(photo.read_bytes(), "png")
    project.save_state(ProjectState(document=DocumentState(photo_file=stored, photo_name=photo.name,
                                                           prompt=PROMPT)))
    request = EditRequest(images=(ImagePart(photo.read_bytes(), photo.name, "image/png", 400, 300),),
                          prompt=PROMPT, model="gpt-image-1", n=2, size="1536x1024")
    writer = JobWriter(project.results_dir, stem="street", request=request, provider="custom",
                       base_url="http://127.0.0.1:9/v1", inputs=[photo], mask_png=b"\x89PNG mask",
                       extra={RECORD_KEY: {"job_id": "job-1-dead00", "number": 1, "provider_label": "Custom",
                                           "options": {"model": "gpt-image-1", "n": 2},
                                           "source_photo": stored}})
    writer.sending()  # ... and then the process was killed
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    (project.root / LOCK).write_text(json.dumps({"pid": child.pid}))
    return project, writer


def test_a_job_killed_mid_request_comes_back_as_interrupted_and_maybe_billed(qtbot, loop, errors, tmp_path):
    from tests.ui.window_driving import write_photo as photo_file

    project, writer = dead_window_project(photo_file(tmp_path / "street.png"))
    assert json.loads(writer.sidecar_path.read_text())["status"] == "running"

    window = start(qtbot, loop, tmp_path)
    bar = window.projects.restore_notice
    assert bar is not None and bar.isVisibleTo(window), "a job that may have been billed was not offered"
    bar.action.click()
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: window.queue.jobs() != [], timeout=15000)

    (job,) = window.queue.jobs()
    assert job.id == "job-1-dead00" and job.state is JobState.FAILED and job.prompt == PROMPT
    assert job.message.startswith("Interrupted") and "may have been billed" in job.message
    assert "no request id had arrived" in job.message and job.error_details["status"] == "interrupted"
    assert window.results.strip(job.id).collapsed()
    assert window.keeper.project.root == project.root
    assert errors == []
