"""The job queue view: rows newest first, state and a ticking clock, Cancel, and for a failed job
its reason and "Copy details" (never the key)."""

from __future__ import annotations

import time

import pytest
from PySide6.QtGui import QGuiApplication

from editor.core.jobs import Job, JobQueue, JobState
from editor.pipeline.options import EditOptions
from editor.ui.panels.jobs import JobsPanel, details_text, format_elapsed

KEY = "sk-test-secret-0123456789"


def job(number: int, **changes) -> Job:
    return Job(id=f"job-{number}", number=number, prompt=f"prompt number {number}",
               options=EditOptions(provider="requesty", model="azure/openai/gpt-image-1"),
               provider_label="Requesty", **changes)


@pytest.fixture
def queue(qapp):
    return JobQueue()


@pytest.fixture
def panel(qtbot, queue):
    panel = JobsPanel(queue)
    qtbot.addWidget(panel)
    panel.resize(380, 400)
    panel.show()
    return panel


def test_rows_appear_newest_first_with_their_state(panel, queue):
    assert panel.empty.isVisibleTo(panel)
    queue.add(job(1))
    queue.add(job(2))
    assert [row.job_id for row in panel.rows()] == ["job-2", "job-1"]
    assert not panel.empty.isVisibleTo(panel)
    queue.update("job-1", state=JobState.SENDING, started_at=time.time())
    row = panel.row("job-1")
    assert row.state.text() == "Sending" and row.cancel.isVisibleTo(panel)
    assert not row.copy.isVisibleTo(panel)


def test_the_elapsed_time_ticks_while_running_and_stops_when_done(qtbot, panel, queue):
    queue.add(job(1))
    queue.update("job-1", state=JobState.WAITING, started_at=time.time() - 3)
    row = panel.row("job-1")
    first = row.elapsed.text()
    assert first.endswith(" s") and float(first.split()[0]) >= 3
    qtbot.waitUntil(lambda: row.elapsed.text() != first, timeout=2000)
    queue.update("job-1", state=JobState.DONE, finished_at=time.time())
    done = row.elapsed.text()
    qtbot.wait(450)
    assert row.elapsed.text() == done and not row.cancel.isVisibleTo(panel)


def test_cancel_asks_for_that_job(qtbot, panel, queue):
    queue.add(job(1))
    queue.add(job(2))
    with qtbot.waitSignal(panel.cancel_requested) as asked:
        panel.row("job-1").cancel.click()
    assert asked.args == ["job-1"]


def test_a_failed_job_shows_the_sentence_and_copies_the_facts_but_never_the_key(panel, queue):
    queue.add(job(1))
    details = (("error", "AuthenticationFailed"), ("status", 401), ("request_id", "req_abc"),
               ("server_message", "Incorrect API key provided."), ("code", None))
    queue.update("job-1", state=JobState.FAILED, started_at=time.time() - 1, finished_at=time.time(),
                 message="The API key was rejected (401). Open Settings → Provider to fix it.",
                 details=details, request_id="req_abc", attempts=1)
    row = panel.row("job-1")
    assert row.message.isVisibleTo(panel) and "rejected (401)" in row.message.text()
    assert row.copy.isVisibleTo(panel) and not row.cancel.isVisibleTo(panel)
    row.copy.click()
    copied = QGuiApplication.clipboard().text()
    for fact in ("HTTP status: 401", "Request id: req_abc", "Service message: Incorrect API key provided.",
                 "State: Failed", "Requesty"):
        assert fact in copied
    assert KEY not in copied and "None" not in copied


def test_details_fall_back_to_the_jobs_request_id():
    text = details_text(job(3, state=JobState.FAILED, message="Timed out", request_id="req_9"))
    assert "Request id: req_9" in text


@pytest.mark.parametrize(("seconds", "shown"), [(0.0, "0.0 s"), (12.34, "12.3 s"), (65, "1:05"),
                                                (600, "10:00")])
def test_elapsed_reads_like_a_clock(seconds, shown):
    assert format_elapsed(seconds) == shown


def test_long_prompts_are_elided_on_one_line(panel, queue):
    queue.add(Job(id="job-9", number=9, prompt="word " * 200, options=EditOptions(), provider_label="x"))
    title = panel.row("job-9").title
    assert title.text().endswith("…") and len(title.text()) < 200
    assert title.full_text().startswith("word word")


def test_a_finished_job_steps_aside_and_a_failed_one_stays(qtbot, panel, queue):
    told: list[bool] = []
    panel.attention_changed.connect(told.append)
    assert not panel.needs_attention()
    queue.add(job(1))
    queue.add(job(2))
    assert panel.needs_attention() and told == [True]
    assert panel.row("job-1").isVisibleTo(panel) and panel.row("job-2").isVisibleTo(panel)

    queue.update("job-1", state=JobState.DONE, finished_at=time.time())
    assert not panel.row("job-1").isVisibleTo(panel)  # its strip in the Results panel says it all
    queue.update("job-2", state=JobState.CANCELLED, finished_at=time.time())
    assert not panel.needs_attention() and told == [True, False]

    queue.add(job(3))
    queue.update("job-3", state=JobState.FAILED, message="The service had trouble answering (500).")
    assert panel.row("job-3").isVisibleTo(panel) and panel.row("job-3").copy.isVisibleTo(panel)
    assert panel.needs_attention() and told == [True, False, True]
    assert [row.job_id for row in panel.rows()] == ["job-3", "job-2", "job-1"]  # all kept, newest first
