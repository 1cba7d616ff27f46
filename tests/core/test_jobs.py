"""JobQueue: bookkeeping only, and each signal fires once per real change."""

from __future__ import annotations

import dataclasses

import pytest

from editor.core.jobs import Job, JobQueue, JobState, Variant, VariantMarks
from editor.pipeline.options import EditOptions


def job(number: int = 1, **changes) -> Job:
    return Job(id=f"job-{number}", number=number, prompt="a red bicycle", provider_label="OpenAI",
               options=EditOptions(provider="openai", model="gpt-image-1"), **changes)


class Spy:
    def __init__(self, queue: JobQueue) -> None:
        self.events: list[tuple] = []
        queue.job_added.connect(lambda job_id: self.events.append(("added", job_id)))
        queue.job_changed.connect(lambda job_id: self.events.append(("changed", job_id)))
        queue.variant_added.connect(lambda job_id, index: self.events.append(("variant", job_id, index)))
        queue.partial_added.connect(lambda job_id, index: self.events.append(("partial", job_id, index)))


@pytest.fixture
def queue(qapp) -> JobQueue:
    return JobQueue()


def variant(index: int) -> Variant:
    return Variant(index=index, data=b"png", content_type="image/png", width=4, height=4)


def test_a_job_record_is_frozen_and_replaced_on_change(queue):
    spy = Spy(queue)
    queue.add(job())
    first = queue.job("job-1")
    with pytest.raises(dataclasses.FrozenInstanceError):
        first.state = JobState.DONE  # type: ignore[misc]
    changed = queue.update("job-1", state=JobState.SENDING, message="Sending")
    assert queue.job("job-1") is changed and first.state is JobState.QUEUED
    assert spy.events == [("added", "job-1"), ("changed", "job-1")]


def test_updates_that_change_nothing_are_silent(queue):
    queue.add(job())
    queue.update("job-1", state=JobState.WAITING, message="Waiting")
    spy = Spy(queue)
    queue.update("job-1", state=JobState.WAITING, message="Waiting")
    queue.update("job-1")
    assert spy.events == []


def test_a_job_id_cannot_be_added_twice(queue):
    queue.add(job())
    with pytest.raises(ValueError):
        queue.add(job())


def test_variants_are_announced_once_in_index_order(queue):
    queue.add(job())
    spy = Spy(queue)
    queue.add_variant("job-1", variant(1))
    queue.add_variant("job-1", variant(0))
    queue.add_variant("job-1", variant(1))  # a repeat is ignored
    assert [v.index for v in queue.variants("job-1")] == [0, 1]
    assert queue.job("job-1").variant_count == 2
    assert [e for e in spy.events if e[0] == "variant"] == [("variant", "job-1", 1), ("variant", "job-1", 0)]
    assert [e for e in spy.events if e[0] == "changed"] == [("changed", "job-1")] * 2


def test_the_latest_partial_replaces_the_previous(queue):
    queue.add(job())
    spy = Spy(queue)
    assert queue.latest_partial("job-1") is None
    queue.set_partial("job-1", variant(0))
    queue.set_partial("job-1", variant(1))
    assert queue.latest_partial("job-1").index == 1
    assert spy.events == [("partial", "job-1", 0), ("partial", "job-1", 1)]


def test_newest_active_skips_finished_jobs(queue):
    for number in (1, 2, 3):
        queue.add(job(number))
    assert queue.newest_active().id == "job-3"
    queue.update("job-3", state=JobState.CANCELLED)
    assert queue.newest_active().id == "job-2"
    for job_id in ("job-1", "job-2"):
        queue.update(job_id, state=JobState.DONE)
    assert queue.newest_active() is None
    assert queue.next_number() == 4 and [j.id for j in queue.jobs()] == ["job-1", "job-2", "job-3"]


def test_details_and_usage_read_as_dicts():
    failed = job(details=(("status", 401), ("request_id", "req_1")), usage=(("total_tokens", 1300),))
    assert failed.error_details == {"status": 401, "request_id": "req_1"}
    assert failed.total_tokens == 1300 and job().total_tokens is None
    assert hash(failed)  # a record stays hashable
    assert job(started_at=10.0, finished_at=12.5).elapsed() == 2.5 and job().elapsed() == 0.0


def test_finished_states():
    assert {s for s in JobState if s.finished} == {JobState.DONE, JobState.FAILED, JobState.CANCELLED}
    assert all(s.label for s in JobState)


def test_token_totals_tell_this_session_from_the_whole_project(queue):
    queue.add(job(1, usage=(("total_tokens", 1000),), variant_count=2, restored=True))
    queue.add(job(2, usage=(("total_tokens", 600),), variant_count=1))
    queue.add(job(3))  # still running: no usage yet
    assert queue.token_totals() == (600, 1600)


def test_a_job_is_estimated_from_the_tokens_per_image_of_earlier_jobs(queue):
    assert queue.estimate_tokens(2) is None  # nothing to go by
    queue.add(job(1, usage=(("total_tokens", 1000),), variant_count=2))
    queue.add(job(2, usage=(("total_tokens", 800),), variant_count=1))
    queue.add(job(3, state=JobState.FAILED, variant_count=0))
    assert queue.estimate_tokens(3) == 1800  # 1800 tokens for 3 images so far: 600 per image


def test_decoded_pixels_are_held_within_a_budget_oldest_dropped_first(queue):
    import numpy as np

    queue.decoded_budget = 3 * 64 * 64 * 3  # room for three decoded 64×64 results
    for number in (1, 2):
        queue.add(job(number))
        for index in range(2):
            pixels = np.full((64, 64, 3), number * 10 + index, np.uint8)
            queue.add_variant(f"job-{number}", dataclasses.replace(variant(index), pixels=pixels))
    held = [(v.pixels is not None) for number in (1, 2) for v in queue.variants(f"job-{number}")]
    assert held == [False, True, True, True]
    assert all(v.data == b"png" for v in queue.variants("job-1"))  # unsaved: the encoded result stays
    assert queue.variants("job-2")[1].pixels[0, 0, 0] == 21


def test_a_saved_variant_past_the_budget_keeps_only_its_file(queue, tmp_path):
    import numpy as np

    queue.decoded_budget = 64 * 64 * 3  # room for one decoded 64×64 result
    queue.add(job(1))
    for index in range(2):
        saved = tmp_path / f"photo-1-{index + 1}.png"
        queue.add_variant("job-1", dataclasses.replace(variant(index), path=saved,
                                                       pixels=np.zeros((64, 64, 3), np.uint8)))
    old, new = queue.variants("job-1")
    assert (old.data, old.pixels, old.source) == (None, None, tmp_path / "photo-1-1.png")
    assert new.data == b"png" and new.source is new.pixels


def test_a_variant_needs_its_bytes_or_its_file():
    with pytest.raises(ValueError):
        Variant(index=0, data=None, content_type="image/png", width=4, height=4)


def test_a_restored_job_is_told_once_with_its_variants_and_marks_in_place(queue):
    spy = Spy(queue)
    seen = []
    queue.job_added.connect(lambda job_id: seen.append(
        ([v.index for v in queue.variants(job_id)], queue.job(job_id).variant_count,
         queue.marks(job_id, 1).starred)))
    queue.restore_all([(job(1, state=JobState.DONE), [variant(1), variant(0), variant(1)],
                        {1: VariantMarks(starred=True)})])
    assert spy.events == [("added", "job-1")]  # no variant_added, no job_changed per job
    assert seen == [([0, 1], 2, True)]
    with pytest.raises(ValueError):
        queue.restore(job(1), [])
