"""What a job's record says when it is read back: a job that ended without its results (failed,
cancelled, or cut off mid-request by a crash or a kill) says it may have been billed."""

from __future__ import annotations

from editor.core.job_record import RECORD_KEY, job_record_from
from editor.core.session import Project


def record(status: str, **fields) -> dict:
    return {"started_at": "2026-11-24T10:00:00+00:00", "prompt": "a bench", "status": status,
            "elapsed_s": 4.0, "results": [],
            RECORD_KEY: {"job_id": "job-1", "number": 1, "options": {}}, **fields}


def test_a_record_left_running_reads_as_interrupted_and_maybe_billed_with_its_request_id(tmp_path):
    job = job_record_from(record("running", request_id="req_7"), tmp_path)
    assert job.interrupted
    assert job.message(0) == ("Interrupted: Maskedit stopped while the request was out, so it may have "
                              "been billed (request id req_7).")
    (tmp_path / "r-1.png").write_bytes(b"png")
    kept = job_record_from(record("running", results=[{"file": "r-1.png"}]), tmp_path)
    assert kept.message(1).endswith("(no request id had arrived). The 1 image that had arrived is kept.")


def test_cancelled_failed_and_completed_records_say_how_they_ended(tmp_path):
    assert not job_record_from(record("cancelled"), tmp_path).interrupted
    assert job_record_from(record("cancelled"), tmp_path).message(0) == (
        "Cancelled after the request was sent, so it may have been billed (no request id had arrived).")
    failed = job_record_from(record("failed", error={"message": "The provider had trouble (500)."}), tmp_path)
    assert failed.message(0) == "The provider had trouble (500)."
    assert job_record_from(record("completed"), tmp_path).message(2) == "2 variants in 4.0 s"


async def test_a_project_whose_only_job_failed_after_sending_is_kept(tmp_path):
    from editor.backends.base import ServerError
    from editor.pipeline.run import EditRun
    from tests.pipeline.test_run import DoubleBackend, snapshot

    project = Project.create(tmp_path)
    run = EditRun(snapshot(), project.results_dir, record={RECORD_KEY: {"job_id": "job-1", "number": 1}})
    error = ServerError("The provider had trouble (500).", status=500, request_id="req_1")
    await run.run(DoubleBackend(error))

    assert project.has_results()  # it may have been billed: closing the window keeps the project
    (job,) = project.job_records()
    assert job.status == "failed" and job.request_id == "req_1" and job.files == ()
    assert job.message(0) == "The provider had trouble (500)."
    assert (project.root / job.mask_file).is_file()
