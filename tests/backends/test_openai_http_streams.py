"""OpenAIHttpBackend mid-flight: failing streams, cancellation, and the key staying secret."""

from __future__ import annotations

import asyncio
import logging
import time

import pytest

from editor.backends.base import ConnectionFailed, EditError, EditRequest, Progress, StreamFailed
from tests.fakes.faults import Fault
from tests.fakes.images import photo_part


def simple_request(**options) -> EditRequest:
    return EditRequest(images=(photo_part(32, 32),), prompt="a hat", **{"size": "1024x1024", **options})


# --- Streams --------------------------------------------------------------------------------------


async def test_an_sse_error_event_ends_the_stream_with_the_servers_words(make_backend, edit_server, sleeps):
    edit_server.script(Fault.sse_error("Generation failed: content policy.", after_partials=1))
    seen: list[Progress] = []

    with pytest.raises(StreamFailed) as caught:
        await make_backend().edit(simple_request(stream=True, partial_images=2), seen.append)

    error = caught.value
    assert error.server_message == "Generation failed: content policy."
    assert (error.status, error.request_id, error.code) == (200, "req_1", "image_generation_failed")
    assert [p.kind for p in seen] == ["sending", "waiting", "partial"]
    assert len(edit_server.edit_requests) == 1 and sleeps.waits == []


async def test_a_stream_cut_after_events_arrived_is_not_retried(make_backend, edit_server, sleeps):
    edit_server.script(Fault.drop(mid_body=True))

    with pytest.raises(ConnectionFailed) as caught:
        await make_backend().edit(simple_request(stream=True, partial_images=2))

    assert not caught.value.retryable
    assert len(edit_server.edit_requests) == 1 and sleeps.waits == []


async def test_a_stream_refused_before_any_event_is_retried(make_backend, edit_server, sleeps):
    edit_server.script(Fault.status(503))

    result = await make_backend().edit(simple_request(stream=True))

    assert result.attempts == 2 and len(result.images) == 1


# --- Cancellation ---------------------------------------------------------------------------------


async def wait_for_requests(server, count: int) -> None:
    for _ in range(500):
        if len(server.edit_requests) >= count:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the fake never saw the request")


async def test_cancelling_while_the_service_is_slow_stops_at_once(make_backend, edit_server):
    edit_server.script(Fault.slow(10), Fault.slow(10))
    task = asyncio.create_task(make_backend().edit(simple_request()))
    await wait_for_requests(edit_server, 1)

    started = time.monotonic()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    assert time.monotonic() - started < 0.5
    await asyncio.sleep(0.2)
    assert len(edit_server.edit_requests) == 1


async def test_cancelling_during_a_retry_wait_sends_nothing_more(make_backend, edit_server):
    waiting = asyncio.Event()

    async def long_sleep(seconds: float) -> None:
        waiting.set()
        await asyncio.sleep(60)

    edit_server.script(Fault.status(503))
    task = asyncio.create_task(make_backend(sleep=long_sleep).edit(simple_request()))
    await asyncio.wait_for(waiting.wait(), 5)

    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    assert len(edit_server.edit_requests) == 1


async def test_cancelling_mid_stream_stops_at_once(make_backend, edit_server):
    got_partial = asyncio.Event()
    edit_server.script(Fault.slow(0))  # a plain answer, just to show faults and streams coexist
    request = simple_request(stream=True, partial_images=3)

    def on_progress(progress: Progress) -> None:
        if progress.kind == "partial":
            got_partial.set()

    task = asyncio.create_task(make_backend().edit(request, on_progress))
    await asyncio.wait_for(got_partial.wait(), 5)
    task.cancel()

    with pytest.raises(asyncio.CancelledError):
        await task
    assert len(edit_server.edit_requests) == 1


# --- The key stays secret -------------------------------------------------------------------------


async def test_the_key_never_shows_in_logs_errors_or_details(make_backend, edit_server, fake_api_key, caplog):
    caplog.set_level(logging.DEBUG)
    edit_server.script(
        Fault.status(401, f"Incorrect API key provided: {fake_api_key}."),
        Fault.status(503, f"upstream said Bearer {fake_api_key}"), Fault.status(503), Fault.status(503),
    )
    backend = make_backend()
    errors: list[EditError] = []
    for _ in range(2):
        with pytest.raises(EditError) as caught:
            await backend.edit(simple_request())
        errors.append(caught.value)
    await backend.edit(simple_request(stream=True, partial_images=1))

    assert errors[0].server_message == "Incorrect API key provided: [key removed]."
    for error in errors:
        for text in (str(error), repr(error), repr(error.details()), error.message, repr(error.args)):
            assert fake_api_key not in text
    assert fake_api_key not in repr(backend)
    assert caplog.records
    for record in caplog.records:
        assert fake_api_key not in record.getMessage()
        assert fake_api_key not in repr(record.args)
