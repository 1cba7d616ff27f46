"""EditRun and open_backend: cancelled at any await, everything they opened is closed and every
image that arrived is kept; outcomes say what happened."""

from __future__ import annotations

import asyncio
import io
import threading

import numpy as np
import pytest
from PIL import Image

from editor.backends.base import EditError, EditResult, Progress, ResultImage
from editor.pipeline import run as run_module
from editor.pipeline.events import PartialImage, Planned, Stage, VariantReady
from editor.pipeline.options import EditOptions
from editor.pipeline.run import EditRun, open_backend
from editor.pipeline.snapshot import EditSnapshot

W, H = 64, 48
OPTIONS = EditOptions(provider="custom", model="gpt-image-1", n=2, size="1024x1024")


def png(color: tuple[int, int, int], size=(W, H)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "PNG")
    return buffer.getvalue()


RED, GREEN = png((220, 30, 30)), png((30, 200, 30))


def snapshot() -> EditSnapshot:
    photo = np.full((H, W, 3), 90, np.uint8)
    coverage = np.zeros((H, W), np.uint8)
    coverage[10:30, 20:40] = 255
    return EditSnapshot.take(photo, coverage, prompt="a red door", options=OPTIONS, photo_name="door.png")


class DoubleBackend:
    """Answers with a streamed preview, one image streamed early and two in the result."""

    name, description, base_url = "custom", "a test double", "https://double.example/v1"

    def __init__(self, error: EditError | None = None) -> None:
        self.error, self.closed, self.requests = error, False, []

    async def edit(self, request, on_progress=None):
        self.requests.append(request)
        await asyncio.sleep(0)
        if self.error is not None:
            raise self.error
        image = ResultImage(RED, "image/png", W, H)
        on_progress(Progress("partial", index=0, image=image))
        await asyncio.sleep(0)
        on_progress(Progress("image", index=0, image=image))
        await asyncio.sleep(0)
        return EditResult(images=(image, ResultImage(GREEN, "image/png", W, H)), request_id="req_double")

    async def aclose(self) -> None:
        self.closed = True


class Factory:
    """Builds DoubleBackends in the worker thread, slowly enough that a cancel lands while it builds."""

    def __init__(self, build_seconds: float = 0.0) -> None:
        self.built: list[DoubleBackend] = []
        self.build_seconds = build_seconds

    def __call__(self) -> DoubleBackend:
        threading.Event().wait(self.build_seconds)
        self.built.append(DoubleBackend())
        return self.built[-1]


async def edit(factory, out, events=None, *, cancel_at: int | None = None, monkeypatch=None) -> EditRun:
    """One run through open_backend; with `cancel_at`, the task cancels itself at that await of a
    worker thread (1 = building the backend) and the cancellation is passed on."""
    run = EditRun(snapshot(), out, on_event=None if events is None else events.append)

    async def whole() -> None:
        async with open_backend(factory) as backend:
            await run.run(backend)

    task = asyncio.ensure_future(whole())
    if cancel_at is not None:
        original, calls = asyncio.to_thread, []

        async def stepping(func, *args, **kwargs):
            calls.append(func)
            if len(calls) == cancel_at:
                task.cancel()
            return await original(func, *args, **kwargs)

        monkeypatch.setattr(run_module.asyncio, "to_thread", stepping)
    try:
        await task
    finally:
        if monkeypatch is not None:
            monkeypatch.undo()
    return run


async def test_a_run_reports_each_step_and_saves_every_image_before_reporting_it(tmp_path):
    events = []
    factory = Factory()
    run = await edit(factory, tmp_path, events)

    outcome = run.outcome
    assert outcome.status == "completed" and outcome.message.startswith("2 variants in")
    assert [path.name for path in outcome.files] == [f"door-{run.writer.job}-{k}.png" for k in (1, 2)]
    kinds = [type(event) for event in events]
    assert kinds.index(Planned) < kinds.index(PartialImage) < kinds.index(VariantReady)
    ready = [event for event in events if isinstance(event, VariantReady)]
    assert [event.index for event in ready] == [0, 1]
    for event in ready:
        assert event.path.read_bytes() == event.image.data and event.pixels.shape == (H, W, 3)
        assert 0.0 <= event.spill <= 1.0
    assert next(event.name for event in events if isinstance(event, Stage)) == "preparing"
    assert factory.built[0].closed


async def test_a_413_is_sent_once_more_smaller_then_given_up(tmp_path):
    from editor.backends.base import PayloadTooLarge

    backend = DoubleBackend(PayloadTooLarge("The upload is too large (413).", status=413))
    run = EditRun(snapshot(), tmp_path)
    outcome = await run.run(backend)
    assert len(backend.requests) == 2 and outcome.status == "failed"
    assert outcome.message.endswith("A smaller upload was refused too.") and outcome.sent


async def test_bad_input_fails_with_a_sentence_and_nothing_sent(tmp_path):
    shot = EditSnapshot.take(np.zeros((H, W, 3), np.uint8), np.zeros((H + 1, W), np.uint8), prompt="x",
                             options=OPTIONS)
    backend = DoubleBackend()
    outcome = await EditRun(shot, tmp_path).run(backend)
    assert outcome.status == "failed" and not outcome.sent and "Nothing was sent" in outcome.message
    assert backend.requests == [] and list(tmp_path.iterdir()) == []


async def test_cancelled_while_the_backend_is_still_being_built_it_is_closed_all_the_same():
    factory = Factory(build_seconds=0.2)

    async def use() -> None:
        async with open_backend(factory):
            raise AssertionError("never reached: cancelled while building")

    task = asyncio.ensure_future(use())
    await asyncio.sleep(0.05)  # the worker thread is building
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert len(factory.built) == 1 and factory.built[0].closed


async def count_awaits(out, monkeypatch) -> int:
    """How many times a whole run awaits a worker thread."""
    calls = []
    original = asyncio.to_thread

    async def counting(func, *args, **kwargs):
        calls.append(func)
        return await original(func, *args, **kwargs)

    monkeypatch.setattr(run_module.asyncio, "to_thread", counting)
    try:
        await edit(Factory(), out)
    finally:
        monkeypatch.undo()
    return len(calls)


@pytest.mark.parametrize("repeat", range(3))
async def test_cancelling_at_every_await_closes_every_backend_and_keeps_what_arrived(tmp_path, monkeypatch,
                                                                                     repeat):
    points = await count_awaits(tmp_path / "count", monkeypatch)
    assert points >= 8  # build, plan, encode, mask, each save and measure, finish
    for point in range(1, points + 1):
        factory, out = Factory(), tmp_path / f"at-{point}"
        with pytest.raises(asyncio.CancelledError):
            await edit(factory, out, cancel_at=point, monkeypatch=monkeypatch)
        assert factory.built and all(backend.closed for backend in factory.built), f"await {point}"
        assert not list(out.glob(".*.part"))  # no half-written file
        written = sorted(out.glob("door-*-[0-9].png"))
        for path in written:  # whatever arrived is whole and recorded
            assert path.read_bytes() in (RED, GREEN)
        if written:
            assert len(list(out.glob("door-*.json"))) == 1


class EchoBackend(DoubleBackend):
    """Answers with the photo it was sent, unchanged: nothing outside the mask changed."""

    async def edit(self, request, on_progress=None):
        self.requests.append(request)
        first = request.images[0]
        return EditResult(images=(ResultImage(first.data, first.content_type, first.width, first.height),))


async def test_spill_is_measured_on_the_part_sent_in_the_windows_pixel_order(tmp_path):
    rng = np.random.default_rng(4)
    rgb = rng.integers(0, 255, (1500, 2000, 3), dtype=np.uint8)
    bgrx = np.dstack((rgb[..., ::-1], np.full(rgb.shape[:2], 255, np.uint8)))  # Qt's RGB32 memory
    coverage = np.zeros(rgb.shape[:2], np.uint8)
    coverage[700:800, 900:1000] = 255
    options = EditOptions(provider="custom", model="gpt-image-1", context="mask")
    shot = EditSnapshot.take(bgrx, coverage, prompt="x", options=options, photo_order="BGRX")
    events = []
    outcome = await EditRun(shot, tmp_path, on_event=events.append).run(EchoBackend())
    planned = next(event for event in events if isinstance(event, Planned))
    ready = next(event for event in events if isinstance(event, VariantReady))
    assert outcome.status == "completed" and planned.context.cropped
    assert ready.spill < 0.01  # channels swapped, or the wrong part compared, would read near 1
