"""Every fault of the table through `maskedit-cli edit`: the exit code, the number of requests,
the message on stderr, and the earlier run's files untouched in the same output folder."""

from __future__ import annotations

import json

import pytest

from editor.cli import EXIT_OK, EXIT_SERVICE
from tests.cli.driving import run
from tests.reliability.cases import CASES, Case
from tests.reliability.test_faults_gui import base_url_for

W, H = 320, 200



@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_the_command_line_survives(case: Case, capsys, tmp_path, edit_server, fake_api_key, monkeypatch,
                                   make_photo, make_mask):
    monkeypatch.setenv("MASKEDIT_API_KEY", fake_api_key)
    photo, mask, out = tmp_path / "photo.png", tmp_path / "mask.png", tmp_path / "out"
    photo.write_bytes(make_photo(W, H))
    mask.write_bytes(make_mask(W, H, (100, 60, 220, 140)))
    common = ["edit", photo, "--mask", mask, "--prompt", "a red bicycle", "--out", out,
              "--provider", "custom", "--model", "gpt-image-1"]
    code, _, err = run(capsys, *common, "--base-url", edit_server.base_url)
    assert code == EXIT_OK, err
    earlier = {path: path.read_bytes() for path in out.iterdir()}
    before = len(edit_server.edit_requests)
    edit_server.script(*case.faults)
    timeout = ["--timeout", str(case.timeout_s)] if case.timeout_s else []

    url = base_url_for(case, edit_server)
    code, stdout, err = run(capsys, *common, "--base-url", url, *timeout, "--json")

    done = case.cli.get("done", case.done)
    summary = json.loads(stdout)
    assert code == (EXIT_OK if done else EXIT_SERVICE), err
    assert summary["status"] == ("completed" if done else "failed")
    assert len(edit_server.edit_requests) - before == case.cli.get("requests", case.requests)
    words = case.cli.get("words", case.words)
    if words and not done:
        assert words.lower() in summary["error"]["message"].lower(), summary["error"]
    for path, data in earlier.items():
        assert path.read_bytes() == data
    assert fake_api_key not in stdout + err
