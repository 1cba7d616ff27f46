"""Every fault of the table through the real window: the job ends in the right state after the
right number of requests, says why in plain words, and the prompt, the mask and the earlier job's
variants are exactly as they were."""

from __future__ import annotations

import numpy as np
import pytest

from editor.core.jobs import JobState
from tests.reliability.cases import CASES, Case
from tests.ui.test_end_to_end import PROMPT, painted_window
from tests.ui.window_driving import generate_with_keys, wait_finished


def base_url_for(case: Case, server) -> str:
    if case.base_url == "unresolvable":
        return "https://maskedit-test.invalid/v1"
    if case.base_url == "tls":
        return server.base_url.replace("http://", "https://")  # TLS to a plain HTTP port
    return server.base_url


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_the_window_survives(case: Case, qtbot, loop, errors, tmp_path, service_env):
    settings = {"read_timeout_s": case.timeout_s} if case.timeout_s else None
    window = painted_window(qtbot, loop, tmp_path, settings=settings)
    earlier = wait_finished(qtbot, window, generate_with_keys(qtbot, window).id)
    assert earlier.state is JobState.DONE
    earlier_files = {v.path: v.path.read_bytes() for v in window.queue.variants(earlier.id)}
    mask = window.document.mask().array().copy()
    photo = window.document.photo()
    before = len(service_env.edit_requests)
    # The window read its environment when it was built; the next job goes where the case says.
    window.services.env["MASKEDIT_BASE_URL"] = base_url_for(case, service_env)
    service_env.script(*case.faults)

    job = wait_finished(qtbot, window, generate_with_keys(qtbot, window).id, timeout=60000)

    assert job.state is (JobState.DONE if case.done else JobState.FAILED), job.message
    assert len(service_env.edit_requests) - before == case.requests
    if case.words:
        assert case.words.lower() in job.message.lower(), job.message
    if case.done:
        assert window.queue.variants(job.id)
    assert window.document.prompt() == PROMPT
    assert np.array_equal(window.document.mask().array(), mask)
    assert window.document.photo() is photo
    assert {v.path: v.path.read_bytes() for v in window.queue.variants(earlier.id)} == earlier_files
    assert errors == []  # a job's state, never a dialog
