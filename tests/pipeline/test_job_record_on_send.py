"""A job's record is on disk from the moment its request is sent, so a job that is cancelled,
fails or is killed mid-request (and may still be billed) is never lost; a request refused before
it left the machine leaves nothing."""

from __future__ import annotations

import asyncio
import json

from editor.backends.base import InvalidRequest, ServerError
from editor.pipeline.run import EditRun
from tests.pipeline.test_run import DoubleBackend, snapshot


def records(out) -> list[dict]:
    return [json.loads(path.read_text()) for path in sorted(out.glob("door-*.json"))]


class WatchingBackend(DoubleBackend):
    """Reads the output folder at the moment the request would leave."""

    def __init__(self, out, error=None) -> None:
        super().__init__(error)
        self.out, self.seen = out, []

    async def edit(self, request, on_progress=None):
        self.seen.append((records(self.out), sorted(path.name for path in self.out.glob("*-mask.png"))))
        return await super().edit(request, on_progress)


class HangingBackend(DoubleBackend):
    """Sends, then waits for an answer that never comes."""

    def __init__(self) -> None:
        super().__init__()
        self.sent = asyncio.Event()

    async def edit(self, request, on_progress=None):
        self.requests.append(request)
        self.sent.set()
        await asyncio.sleep(3600)


async def test_the_record_and_the_mask_are_written_before_the_request_leaves(tmp_path):
    backend = WatchingBackend(tmp_path)
    run = EditRun(snapshot(), tmp_path)
    outcome = await run.run(backend)

    ((before, masks),) = backend.seen
    (record,) = before
    assert record["status"] == "running" and record["prompt"] == "a red door" and record["results"] == []
    assert record["options"]["n"] == 2 and record["model"] == "gpt-image-1"
    assert masks == [record["mask"]["file"]] == [f"door-{run.writer.job}-mask.png"]
    (after,) = records(tmp_path)  # the same record, completed: the job is not recorded twice
    assert after["job"] == record["job"] and after["status"] == "completed"
    assert after["request_id"] == "req_double" and len(after["results"]) == 2
    assert outcome.sidecar == run.writer.sidecar_path


async def test_a_failed_request_leaves_its_record_with_the_error_and_the_request_id(tmp_path):
    error = ServerError("The provider had trouble answering (500).", status=500, request_id="req_500",
                        server_message="internal error")
    run = EditRun(snapshot(), tmp_path)
    outcome = await run.run(DoubleBackend(error))

    assert outcome.status == "failed" and outcome.files == () and outcome.sidecar == run.writer.sidecar_path
    (record,) = records(tmp_path)
    assert record["status"] == "failed" and record["results"] == [] and record["request_id"] == "req_500"
    assert record["error"]["status"] == 500 and record["error"]["message"] == error.message
    assert record["error"]["server_message"] == "internal error"
    assert (tmp_path / record["mask"]["file"]).is_file()  # the job can be understood later


async def test_a_cancelled_request_leaves_its_record_as_cancelled(tmp_path):
    backend = HangingBackend()
    run = EditRun(snapshot(), tmp_path)
    task = asyncio.ensure_future(run.run(backend))
    await asyncio.wait_for(backend.sent.wait(), 10)
    (running,) = records(tmp_path)
    assert running["status"] == "running"  # what a kill at this moment leaves behind
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        pass
    else:
        raise AssertionError("the cancellation was swallowed")

    (record,) = records(tmp_path)
    assert record["status"] == "cancelled" and record["results"] == [] and record["prompt"] == "a red door"
    assert run.outcome.status == "cancelled" and run.outcome.sidecar == run.writer.sidecar_path


async def test_a_request_refused_before_it_left_leaves_no_files(tmp_path):
    backend = DoubleBackend(InvalidRequest("This model does not take that size."))
    outcome = await EditRun(snapshot(), tmp_path).run(backend)
    assert outcome.status == "failed" and not outcome.sent and outcome.sidecar is None
    assert list(tmp_path.iterdir()) == []


async def test_a_request_refused_after_an_earlier_one_was_sent_keeps_the_record(tmp_path):
    from editor.backends.base import PayloadTooLarge

    class TooLargeThenInvalid(DoubleBackend):
        async def edit(self, request, on_progress=None):
            self.requests.append(request)
            if len(self.requests) == 1:
                raise PayloadTooLarge("The upload is too large (413).", status=413, request_id="req_413")
            raise InvalidRequest("The smaller upload cannot be made.")

    outcome = await EditRun(snapshot(), tmp_path).run(TooLargeThenInvalid())
    assert outcome.status == "failed"
    (record,) = records(tmp_path)  # the first request went out: it may be billed
    assert record["status"] == "failed" and record["error"]["error"] == "InvalidRequest"
