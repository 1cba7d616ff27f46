"""JobRunner against the real loopback fake service and the offline backend."""

from __future__ import annotations

import asyncio
import gc
import io
import time

import numpy as np
import pytest
import qasync
from PIL import Image
from PySide6.QtCore import QTimer

from editor.backends import create_backend
from editor.backends.base import AuthenticationFailed
from editor.backends.openai_http import OpenAIHttpBackend
from editor.backends.providers import PROFILES, ApiKey
from editor.core.jobs import JobQueue, JobState
from editor.core.runner import JobRunner
from editor.pipeline.options import EditOptions
from editor.pipeline.snapshot import EditSnapshot
from tests.fakes.faults import Fault

W, H = 96, 64
HOLE = (20, 10, 60, 40)  # x0, y0, x1, y1
HTTP = EditOptions(provider="custom", model="gpt-image-1", n=2, size="1536x1024", quality="low")


@pytest.fixture
def loop(qapp):
    loop = qasync.QEventLoop(qapp)
    asyncio.set_event_loop(loop)
    yield loop
    asyncio.set_event_loop(None)
    loop.close()  # also stops the loop's worker threads
    # The closed loop's Qt objects (socket notifiers, timers) must be freed here, on the GUI thread:
    # left to the cyclic collector they may be freed in a worker thread of the next test, and Qt
    # crashes when a QObject is deleted from a thread it does not live in.
    gc.collect()


@pytest.fixture
def queue(qapp):
    return JobQueue()


@pytest.fixture
def waits():
    return []


@pytest.fixture
def runner(queue, edit_server, fake_api_key, tmp_path, waits):
    async def record(seconds: float) -> None:
        waits.append(seconds)

    def factory(options: EditOptions):
        if options.provider == "local":
            return create_backend(PROFILES["local"])
        return OpenAIHttpBackend(base_url=edit_server.base_url, api_key=ApiKey(fake_api_key), name="custom",
                                 sleep=record)

    return JobRunner(queue, backend_factory=factory, results_dir=tmp_path / "results")


def snapshot(make_photo, options=HTTP, prompt="a red bicycle", coverage_value=255) -> EditSnapshot:
    data = make_photo(W, H)
    pixels = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))
    coverage = np.zeros((H, W), np.uint8)
    x0, y0, x1, y1 = HOLE
    coverage[y0:y1, x0:x1] = coverage_value
    return EditSnapshot(photo=pixels, photo_name="photo.png", coverage=coverage, prompt=prompt,
                       options=options, photo_bytes=data)


def run(loop, coro, timeout=20):
    return loop.run_until_complete(asyncio.wait_for(coro, timeout))


async def finished(queue: JobQueue, job_id: str):
    while not queue.job(job_id).state.finished:
        await asyncio.sleep(0.01)
    return queue.job(job_id)


def test_a_job_ends_done_with_every_variant_on_disk_before_it_is_announced(loop, runner, queue, edit_server,
                                                                          make_photo):
    announced = []

    def on_variant(job_id: str, index: int) -> None:
        variant = queue.variants(job_id)[index]
        assert variant.path is not None and variant.path.read_bytes() == variant.data
        announced.append(index)

    queue.variant_added.connect(on_variant)

    async def go():
        return await finished(queue, runner.submit(snapshot(make_photo)))

    job = run(loop, go())
    assert job.state is JobState.DONE and job.variant_count == 2 and announced == [0, 1]
    assert job.request_id.startswith("req_") and job.total_tokens > 0
    assert [Image.open(io.BytesIO(v.data)).size for v in queue.variants(job.id)] == [(1536, 1024)] * 2
    sidecars = list(runner.results_dir.rglob("*.json"))
    assert len(sidecars) == 1 and "a red bicycle" in sidecars[0].read_text()


def test_the_request_carries_the_mask_and_the_options_as_chosen(loop, runner, queue, edit_server, make_photo):
    partly = snapshot(make_photo, coverage_value=100)  # below the 128 threshold: not sent as edit area
    full = snapshot(make_photo)

    async def go():
        await finished(queue, runner.submit(full))
        await finished(queue, runner.submit(partly))

    run(loop, go())
    sent = edit_server.edit_requests[0]
    assert sent.fields["n"] == "2" and sent.fields["size"] == "1536x1024" and sent.fields["quality"] == "low"
    assert sent.fields["model"] == "gpt-image-1" and sent.fields["prompt"] == "a red bicycle"
    alpha = np.asarray(Image.open(io.BytesIO(sent.mask_bytes)).getchannel("A"))
    expected = np.full((H, W), 255, np.uint8)
    x0, y0, x1, y1 = HOLE
    expected[y0:y1, x0:x1] = 0
    assert (alpha == expected).all()
    assert sent.image_bytes[0] == full.photo_bytes  # the file's own bytes, not a re-encode
    assert len(edit_server.edit_requests) == 1  # the sub-threshold mask never left: nothing to edit
    assert "transparent" in queue.jobs()[1].message


def test_no_more_than_two_jobs_talk_to_the_service_at_once(loop, runner, queue, edit_server, make_photo):
    """Watched at every change of every job (not sampled after a sleep): at no moment are more
    than two jobs under way, and the third starts only once one of the first two has ended."""
    edit_server.script(Fault.slow(0.5), Fault.slow(0.5), Fault.slow(0.5))
    ids: list[str] = []
    under_way: list[int] = []
    third_started_after: list[int] = []  # how many of the first two had ended when the third began

    def changed(_job_id: str) -> None:
        states = [queue.job(job_id).state for job_id in ids]
        under_way.append(sum(not s.finished and s is not JobState.QUEUED for s in states))
        if len(ids) == 3 and states[2] is not JobState.QUEUED and not third_started_after:
            third_started_after.append(sum(s.finished for s in states[:2]))

    queue.job_changed.connect(changed)

    async def go():
        ids.extend(runner.submit(snapshot(make_photo, options=EditOptions(provider="custom", model="m")))
                   for _ in range(3))
        for job_id in ids:
            await finished(queue, job_id)

    try:
        run(loop, go())
    finally:
        queue.job_changed.disconnect(changed)
    assert max(under_way) == 2
    assert third_started_after and third_started_after[0] >= 1
    assert len(edit_server.edit_requests) == 3
    assert all(queue.job(i).state is JobState.DONE for i in ids)


def test_cancel_stops_a_running_job_at_once(loop, runner, queue, edit_server, make_photo):
    edit_server.script(Fault.slow(15))

    async def go():
        job_id = runner.submit(snapshot(make_photo))
        while not edit_server.edit_requests:
            await asyncio.sleep(0.01)
        started = time.monotonic()
        assert runner.cancel_newest()
        job = await finished(queue, job_id)
        return job, time.monotonic() - started

    job, took = run(loop, go())
    assert job.state is JobState.CANCELLED and took < 1.0
    assert runner.active_count() == 0


def test_a_rejected_key_fails_the_job_with_a_sentence_and_the_facts(loop, runner, queue, edit_server,
                                                                    fake_api_key, make_photo):
    edit_server.script(Fault.status(401, "Incorrect API key provided"))

    async def go():
        return await finished(queue, runner.submit(snapshot(make_photo)))

    job = run(loop, go())
    assert job.state is JobState.FAILED and "401" in job.message
    details = dict(job.details)
    assert details["status"] == 401 and details["request_id"].startswith("req_")
    assert queue.variants(job.id) == [] and details["server_message"] == "Incorrect API key provided"
    records = repr(queue.jobs()) + repr([j.error_details for j in queue.jobs()]) + job.message
    assert fake_api_key not in records and fake_api_key[-12:] not in records
    saved = [path.read_bytes() for path in runner.results_dir.rglob("*") if path.is_file()]
    assert not any(fake_api_key.encode() in data for data in saved)


def test_a_rate_limit_is_retried_then_succeeds(loop, runner, queue, edit_server, make_photo, waits):
    edit_server.script(Fault.status(429, retry_after="2"))
    states = []
    queue.job_changed.connect(lambda job_id: states.append(queue.job(job_id).state))

    async def go():
        return await finished(queue, runner.submit(snapshot(make_photo)))

    job = run(loop, go())
    assert job.state is JobState.DONE and job.attempts == 2
    assert JobState.RETRYING in states and waits == [2.0]


def test_server_errors_fail_after_two_retries(loop, runner, queue, edit_server, make_photo, waits):
    edit_server.script(*(Fault.status(500) for _ in range(3)))

    async def go():
        return await finished(queue, runner.submit(snapshot(make_photo)))

    job = run(loop, go())
    assert job.state is JobState.FAILED and len(waits) == 2 and len(edit_server.edit_requests) == 3


def test_streamed_previews_arrive_before_the_final_images(loop, runner, queue, make_photo):
    order = []
    queue.partial_added.connect(lambda job_id, index: order.append("partial"))
    queue.variant_added.connect(lambda job_id, index: order.append("final"))
    options = EditOptions(provider="custom", model="gpt-image-1", stream=True, partial_images=2)

    async def go():
        return await finished(queue, runner.submit(snapshot(make_photo, options=options)))

    job = run(loop, go())
    assert job.state is JobState.DONE
    assert order[0] == "partial" and order[-1] == "final" and order.count("final") == 1


def test_a_backend_that_cannot_be_built_fails_the_job(loop, queue, tmp_path, make_photo):
    def no_key(options):
        raise AuthenticationFailed("No API key for Requesty. Set REQUESTY_API_KEY or add it in Settings.")

    runner = JobRunner(queue, backend_factory=no_key, results_dir=tmp_path)

    async def go():
        return await finished(queue, runner.submit(snapshot(make_photo)))

    job = run(loop, go())
    assert job.state is JobState.FAILED and "REQUESTY_API_KEY" in job.message


def test_the_offline_backend_end_to_end(loop, runner, queue, make_photo):
    shot = snapshot(make_photo, options=EditOptions(provider="local"), prompt="")

    async def go():
        return await finished(queue, runner.submit(shot))

    job = run(loop, go())
    assert job.state is JobState.DONE
    result = np.asarray(Image.open(io.BytesIO(queue.variants(job.id)[0].data)).convert("RGB"))
    outside = shot.coverage == 0
    assert (result[outside] == shot.photo[outside]).all()
    assert not (result[~outside] == shot.photo[~outside]).all()


def test_a_snapshot_keeps_its_own_mask_and_a_read_only_photo():
    photo = np.zeros((4, 4, 3), np.uint8)
    coverage = np.zeros((4, 4), np.uint8)
    shot = EditSnapshot.take(photo, coverage, prompt="p", options=HTTP, photo_name="/photos/beach.jpg")
    coverage[0, 0] = 255  # painting goes on after Generate
    assert shot.coverage[0, 0] == 0 and shot.stem == "beach"
    assert np.shares_memory(shot.photo, photo) and not shot.photo.flags.writeable
    assert EditSnapshot.take(photo, None, prompt="p", options=HTTP).stem == "photo"


def test_a_job_waiting_for_a_slot_can_be_cancelled(loop, queue, edit_server, fake_api_key, tmp_path,
                                                   make_photo):
    edit_server.script(Fault.slow(1.0))

    def factory(options):
        return OpenAIHttpBackend(base_url=edit_server.base_url, api_key=ApiKey(fake_api_key))

    runner = JobRunner(queue, results_dir=tmp_path, concurrency=1, backend_factory=factory)

    async def go():
        first, second = runner.submit(snapshot(make_photo)), runner.submit(snapshot(make_photo))
        await asyncio.sleep(0.2)
        assert queue.job(second).state is JobState.QUEUED and runner.cancel(second)
        return await finished(queue, first), await finished(queue, second)

    first, second = run(loop, go())
    assert first.state is JobState.DONE and second.state is JobState.CANCELLED
    assert len(edit_server.edit_requests) == 1 and not runner.cancel(second)


class RecordingBackend:
    """A backend double: waits forever or raises, and remembers being closed."""

    name, description = "custom", "a test double"

    def __init__(self, error: Exception | None = None) -> None:
        self.error, self.closed = error, False

    async def edit(self, request, on_progress=None):
        if self.error is not None:
            raise self.error
        await asyncio.sleep(3600)

    async def aclose(self) -> None:
        self.closed = True


def test_an_unexpected_error_fails_the_job_with_a_sentence_and_a_log(loop, queue, tmp_path, make_photo,
                                                                     caplog):
    backend = RecordingBackend(RuntimeError("boom at line 12"))
    runner = JobRunner(queue, backend_factory=lambda options: backend, results_dir=tmp_path)

    async def go():
        return await finished(queue, runner.submit(snapshot(make_photo)))

    job = run(loop, go())
    assert job.state is JobState.FAILED and "boom" not in job.message and "unexpected" in job.message
    assert backend.closed and "boom at line 12" in caplog.text


def test_shutdown_cancels_every_job_and_closes_its_backend(loop, queue, tmp_path, make_photo):
    backends = []

    def factory(options):
        backends.append(RecordingBackend())
        return backends[-1]

    runner = JobRunner(queue, backend_factory=factory, results_dir=tmp_path, concurrency=2)

    async def go():
        ids = [runner.submit(snapshot(make_photo)) for _ in range(3)]
        while len(backends) < 2:
            await asyncio.sleep(0.01)
        await runner.shutdown()
        return ids

    ids = run(loop, go())
    assert [queue.job(i).state for i in ids] == [JobState.CANCELLED] * 3
    assert len(backends) == 2 and all(b.closed for b in backends) and runner.active_count() == 0


def test_an_unreadable_reference_fails_before_anything_is_sent(loop, runner, queue, edit_server, make_photo):
    shot = snapshot(make_photo)
    shot = EditSnapshot(photo=shot.photo, coverage=shot.coverage, prompt="p", options=HTTP,
                       references=(("notes.txt", b"not an image"),))

    async def go():
        return await finished(queue, runner.submit(shot))

    job = run(loop, go())
    assert job.state is JobState.FAILED and "notes.txt" in job.message and "Nothing was sent" in job.message
    assert edit_server.edit_requests == []


def test_the_gui_thread_keeps_ticking_while_a_24_mp_photo_is_prepared(loop, runner, queue, edit_server):
    height, width = 4000, 6000
    ys, xs = np.mgrid[0:height, 0:width]
    photo = np.dstack([(xs // 24) % 256, (ys // 16) % 256, ((xs + ys) // 40) % 256]).astype(np.uint8)
    coverage = np.zeros((height, width), np.uint8)
    coverage[1000:3000, 2000:4000] = 255
    shot = EditSnapshot.take(photo, coverage, prompt="a red bicycle", options=HTTP)
    ticks = []
    timer = QTimer()
    timer.setInterval(5)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))

    async def go():
        timer.start()
        job_id = runner.submit(shot)
        while queue.job(job_id).state in (JobState.QUEUED, JobState.PREPARING):
            await asyncio.sleep(0.005)
        timer.stop()
        return await finished(queue, job_id)

    job = run(loop, go(), timeout=120)
    assert job.state is JobState.DONE
    gaps = np.diff(ticks)
    assert len(gaps) > 10  # the preparation took a while, and the loop kept running through it
    assert gaps.max() < 0.25  # generous: a shared machine; the benchmark measures the real figure


def test_changed_settings_apply_to_the_next_job(loop, runner, queue, edit_server, make_photo, tmp_path):
    moved = tmp_path / "elsewhere"
    runner.configure(results_dir=moved, mask_threshold=50)
    shot = snapshot(make_photo, coverage_value=100)  # under the default 128, over the new 50

    async def go():
        return await finished(queue, runner.submit(shot))

    job = run(loop, go())
    assert job.state is JobState.DONE
    assert all(v.path is not None and moved in v.path.parents for v in queue.variants(job.id))
    alpha = np.asarray(Image.open(io.BytesIO(edit_server.edit_requests[0].mask_bytes)).getchannel("A"))
    assert (alpha == 0).sum() == (shot.coverage >= 50).sum()
