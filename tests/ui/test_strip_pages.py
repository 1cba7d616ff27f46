"""An opened project with many jobs builds the strips of its newest jobs first and older ones as the
user scrolls down to them, or as soon as something asks for one; nothing is lost on the way."""

from __future__ import annotations

import time

import pytest

from editor.core.jobs import Job, JobQueue, JobState
from editor.pipeline.options import EditOptions
from editor.ui.panels.results import ResultsPanel
from editor.ui.panels.strip_pages import PAGE
from tests.ui.test_results_panel import GREEN, photo, png, variant

JOBS = 40


@pytest.fixture
def queue(qapp):
    return JobQueue()


@pytest.fixture
def contexts():
    return {}


def restored_jobs(queue, contexts) -> list[str]:
    from editor.core.generate import JobContext
    from tests.ui.test_results_panel import coverage

    jobs = []
    for number in range(1, JOBS + 1):
        job = Job(id=f"job-{number}", number=number, prompt=f"take {number}", options=EditOptions(),
                  provider_label="Custom", state=JobState.DONE, started_at=time.time(), restored=True)
        contexts[job.id] = JobContext(photo(), coverage())
        jobs.append((job, [variant(0, png(64, 64, GREEN))], {}))
    queue.restore_all(jobs)
    return [job.id for job, _, _ in jobs]


def built(panel) -> list[str]:
    column = panel.gallery.column
    widgets = [column.itemAt(i).widget() for i in range(column.count())]
    return [w.job_id for w in widgets if w is not None and hasattr(w, "job_id")]


def make_panel(qtbot, queue, loop, contexts) -> ResultsPanel:
    panel = ResultsPanel(queue, loop=loop, context=contexts.get)
    qtbot.addWidget(panel)
    panel.resize(380, 500)
    panel.show()
    return panel


def test_an_opened_project_builds_the_newest_strips_first_and_the_rest_on_scrolling(qtbot, queue, loop,
                                                                                     contexts):
    panel = make_panel(qtbot, queue, loop, contexts)
    jobs = restored_jobs(queue, contexts)
    qtbot.waitUntil(lambda: not panel.busy(), timeout=10000)
    first = built(panel)
    assert PAGE <= len(first) < JOBS
    assert first == [f"job-{n}" for n in range(JOBS, JOBS - len(first), -1)]  # newest on top, in order
    assert all(panel.strip(job_id).buttons for job_id in first)  # thumbnails in
    bar = panel.gallery.verticalScrollBar()
    while len(built(panel)) < JOBS:
        before = len(built(panel))
        bar.setValue(bar.maximum())
        qtbot.waitUntil(lambda n=before: len(built(panel)) > n, timeout=5000)
        bottom = bar.value()
        qtbot.waitUntil(lambda b=bottom: bar.maximum() > b, timeout=5000)  # the new strips laid out
    assert built(panel) == list(reversed(jobs))
    qtbot.waitUntil(lambda: not panel.busy(), timeout=10000)
    assert all(panel.strip(job_id).buttons for job_id in jobs)


def test_choosing_a_variant_of_an_old_job_builds_its_strip_and_shows_it(qtbot, queue, loop, contexts):
    panel = make_panel(qtbot, queue, loop, contexts)
    restored_jobs(queue, contexts)
    qtbot.waitUntil(lambda: not panel.busy(), timeout=10000)
    assert "job-1" not in built(panel)
    with qtbot.waitSignal(panel.preview_ready, timeout=10000) as shown:
        panel.choose("job-1", 0)
    assert shown.args[:2] == ["job-1", 0] and panel.shown() == ("job-1", 0)
    assert built(panel)[-1] == "job-1" and len(built(panel)) == JOBS
    assert panel.strip("job-1").buttons[0].isChecked()


def test_a_new_job_after_an_opened_project_goes_on_top(qtbot, queue, loop, contexts):
    panel = make_panel(qtbot, queue, loop, contexts)
    restored_jobs(queue, contexts)
    queue.add(Job(id="new", number=JOBS + 1, prompt="fresh", options=EditOptions(), provider_label="Custom"))
    assert built(panel)[0] == "new" and built(panel)[1] == f"job-{JOBS}"
    qtbot.waitUntil(lambda: not panel.busy(), timeout=10000)


def test_forgotten_jobs_are_never_built(qtbot, queue, loop, contexts):
    panel = make_panel(qtbot, queue, loop, contexts)
    restored_jobs(queue, contexts)
    first = built(panel)
    panel._pages.forget()
    panel._pages.next_page()
    panel.gallery.verticalScrollBar().setValue(panel.gallery.verticalScrollBar().maximum())
    qtbot.wait(100)
    assert built(panel) == first and not panel._pages.waiting("job-1")
    qtbot.waitUntil(lambda: not panel.busy(), timeout=10000)  # the shown strips' thumbnails
