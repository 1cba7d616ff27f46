"""maskedit-cli batch end to end: a folder of photos against the loopback fake service."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.cli.driving import run
from tests.fakes.faults import Fault

W, H = 160, 120
HOLE = (40, 30, 120, 90)
CLI = [sys.executable, "-m", "editor.cli"]


@pytest.fixture
def photos(tmp_path, make_photo, make_mask):
    """DIR with three photos (PNG, JPEG, WebP), a text file and a subfolder; one mask; OUT."""
    folder = tmp_path / "photos"
    (folder / "deeper").mkdir(parents=True)
    (folder / "b-street.png").write_bytes(make_photo(W, H))
    (folder / "a-park.jpg").write_bytes(make_photo(W, H, "JPEG"))
    (folder / "c-beach.webp").write_bytes(make_photo(W, H, "WEBP"))
    (folder / "notes.txt").write_text("not a photo")
    (folder / "deeper" / "d-hidden.png").write_bytes(make_photo(W, H))  # not searched
    mask = tmp_path / "mask.png"
    mask.write_bytes(make_mask(W, H, HOLE))
    return {"dir": folder, "mask": mask, "out": tmp_path / "out"}




def batch(capsys, photos, http_args, *extra, prompt="a red bicycle"):
    """Run `batch` on the photos; `extra` replaces the default `--mask MASK`."""
    return run(capsys, "batch", photos["dir"], "--prompt", prompt, "--out", photos["out"], *http_args,
               *(extra or ("--mask", photos["mask"])))


def batch_json(capsys, photos, http_args, *extra, prompt="a red bicycle") -> tuple[int, dict]:
    code, out, _ = batch(capsys, photos, http_args, "--json", *(extra or ("--mask", photos["mask"])),
                         prompt=prompt)
    return code, json.loads(out)


def sidecars(out: Path) -> dict[str, dict]:
    """The sidecar records in `out` by the name of the photo they were made from."""
    records = (json.loads(path.read_text()) for path in sorted(out.glob("*.json")))
    return {Path(record["inputs"][0]["path"]).name: record for record in records}


def sent_photos(requests) -> list[tuple[int, int]]:
    return [Image.open(io.BytesIO(r.image_bytes[0])).size for r in requests]


def test_every_photo_is_edited_with_its_outputs_and_sidecar(capsys, photos, http_args, edit_server):
    code, out, err = batch(capsys, photos, http_args, "--mask", photos["mask"], "-n", "2", "--quality", "low")
    assert code == 0, err
    assert len(edit_server.edit_requests) == 3  # not notes.txt, not the subfolder's photo
    for request in edit_server.edit_requests:
        assert request.fields["prompt"] == "a red bicycle" and request.fields["n"] == "2"
        alpha = np.asarray(Image.open(io.BytesIO(request.mask_bytes)).getchannel("A"))
        left, top, right, bottom = HOLE
        assert (alpha == 0).sum() == (right - left) * (bottom - top)
    records = sidecars(photos["out"])
    assert sorted(records) == ["a-park.jpg", "b-street.png", "c-beach.webp"]
    for name, record in records.items():
        assert record["status"] == "completed" and record["prompt"] == "a red bicycle"
        assert record["mask"]["path"] == str(photos["mask"])
        files = [photos["out"] / result["file"] for result in record["results"]]
        assert len(files) == 2 and all(f.exists() and f.name.startswith(Path(name).stem) for f in files)
    assert "Edited 3, skipped 0 (done before), failed 0 of 3 photos" in out
    # stderr is not a terminal here: one progress line per photo, in order of finishing
    lines = [line for line in err.splitlines() if line.startswith("[")]
    assert len(lines) == 3 and lines[-1].startswith("[####################] 3/3")
    assert all(" edited" in line for line in lines)


def test_mask_dir_pairs_masks_by_name_and_a_missing_mask_fails_only_that_photo(
        capsys, photos, http_args, edit_server, make_photo, make_mask, tmp_path):
    masks = tmp_path / "masks"
    masks.mkdir()
    # Sizes tell the pairs apart: each mask fits only its own photo.
    (photos["dir"] / "a-park.jpg").write_bytes(make_photo(200, 100, "JPEG"))
    (masks / "a-park.png").write_bytes(make_mask(200, 100, (0, 0, 10, 10)))
    (masks / "b-street.png").write_bytes(make_mask(W, H, (0, 0, 20, 20)))
    (masks / "b-street.webp").write_bytes(make_photo(W, H, "WEBP"))  # the PNG of that name wins
    code, summary = batch_json(capsys, photos, http_args, "--mask-dir", masks)
    assert code == 1
    assert sorted(sent_photos(edit_server.edit_requests)) == [(W, H), (200, 100)]
    holes = sorted(int((np.asarray(Image.open(io.BytesIO(r.mask_bytes)).getchannel("A")) == 0).sum())
                   for r in edit_server.edit_requests)
    assert holes == [100, 400]
    assert (summary["edited"], summary["failed"], summary["status"]) == (2, 1, "failed")
    failed = [entry for entry in summary["files"] if entry["status"] == "failed"]
    assert [Path(entry["photo"]).name for entry in failed] == ["c-beach.webp"]
    assert "No mask for c-beach.webp" in failed[0]["message"] and "c-beach.png" in failed[0]["message"]


def test_one_mask_of_another_size_fails_that_photo_and_the_batch_goes_on(capsys, photos, http_args,
                                                                         edit_server, make_photo):
    (photos["dir"] / "b-street.png").write_bytes(make_photo(300, 200))
    code, out, err = batch(capsys, photos, http_args)
    assert code == 1
    assert len(edit_server.edit_requests) == 2
    assert "b-street.png failed:" in err and "300×200" in err
    assert "failed 1" in out and "b-street.png:" in out and f"{W}×{H}" in out


def test_a_rerun_sends_only_what_is_missing_or_incomplete(capsys, photos, http_args, edit_server):
    assert batch(capsys, photos, http_args)[0] == 0
    records = sidecars(photos["out"])
    (photos["out"] / records["a-park.jpg"]["results"][0]["file"]).unlink()  # an image went missing
    corrupt = photos["out"] / records["c-beach.webp"]["results"][0]["file"]
    corrupt.write_bytes(corrupt.read_bytes()[:100])  # cut short, e.g. a disk filled up
    edit_server.reset()

    code, summary = batch_json(capsys, photos, http_args)
    assert code == 0
    assert (summary["edited"], summary["skipped"], summary["failed"]) == (2, 1, 0)
    assert len(edit_server.edit_requests) == 2
    skipped = [entry for entry in summary["files"] if entry["status"] == "skipped"]
    assert [Path(entry["photo"]).name for entry in skipped] == ["b-street.png"]
    assert skipped[0]["tokens"] is None and all(Path(f).exists() for f in skipped[0]["files"])

    edit_server.reset()
    code, summary = batch_json(capsys, photos, http_args)
    assert code == 0 and summary["skipped"] == 3 and edit_server.edit_requests == []
    # Another prompt is another job: nothing is skipped.
    code, summary = batch_json(capsys, photos, http_args, prompt="snow")
    assert code == 0 and summary["edited"] == 3 and len(edit_server.edit_requests) == 3


def test_a_photo_that_failed_is_sent_again_on_the_next_run(capsys, photos, http_args, edit_server):
    edit_server.script(Fault.status(400, "Invalid image"))
    code, out, _ = batch(capsys, photos, http_args, "--mask", photos["mask"], "--concurrency", "1")
    assert code == 1 and "a-park.jpg: " in out and "Invalid image" in out and "request id req_" in out
    assert len(edit_server.edit_requests) == 3
    edit_server.reset()
    code, summary = batch_json(capsys, photos, http_args)
    assert code == 0 and (summary["edited"], summary["skipped"]) == (1, 2)
    assert sent_photos(edit_server.edit_requests) == [(W, H)]
    statuses = sorted(json.loads(path.read_text())["status"] for path in photos["out"].glob("a-park-*.json"))
    assert statuses == ["completed", "failed"]  # the failed try stays on record but never counts as done


def test_a_429_pause_is_waited_for_and_holds_back_the_other_workers(capsys, photos, http_args, edit_server,
                                                                    make_photo):
    (photos["dir"] / "d-hill.png").write_bytes(make_photo(W, H))
    edit_server.script(Fault.status(429, retry_after="1"))
    code, out, err = batch(capsys, photos, http_args)
    assert code == 0, err
    assert "Edited 4" in out and "rate limiting" in err and "Waiting 1.0 s" in err
    times = sorted(request.received_at for request in edit_server.edit_requests)
    assert len(times) == 5  # four photos, one sent twice
    # Two requests went out at once; nothing else started before the pause the 429 asked for ended.
    assert times[2] - times[0] >= 0.95


def test_an_exhausted_quota_stops_the_batch(capsys, photos, http_args, edit_server):
    edit_server.script(Fault.quota_exhausted())
    code, out, _ = batch(capsys, photos, http_args, "--mask", photos["mask"], "--concurrency", "1")
    assert code == 1
    assert len(edit_server.edit_requests) == 1
    assert "not started 2" in out and "Stopped early:" in out and "quota" in out
    code, summary = batch_json(capsys, photos, http_args)
    assert code == 0 and summary["edited"] == 3  # the quota is back: all three are done now


def test_json_summary_counts_tokens_and_lists_every_photo(capsys, photos, http_args, edit_server):
    code, summary = batch_json(capsys, photos, http_args)
    assert code == 0
    tokens = [record["usage"]["total_tokens"] for record in sidecars(photos["out"]).values()]
    assert summary["tokens"] == sum(tokens) > 0
    assert summary["status"] == "completed" and summary["total"] == 3 and summary["not_started"] == 0
    assert summary["out"] == str(photos["out"]) and summary["elapsed_s"] > 0
    assert [Path(entry["photo"]).name for entry in summary["files"]] == ["a-park.jpg", "b-street.png",
                                                                         "c-beach.webp"]
    for entry in summary["files"]:
        assert entry["status"] == "edited" and entry["tokens"] > 0 and Path(entry["sidecar"]).exists()


def test_progress_is_one_bar_redrawn_on_a_terminal(capsys, photos, monkeypatch):
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    code, out, _ = run(capsys, "batch", photos["dir"], "--mask", photos["mask"], "--prompt", "x",
                       "--provider", "local", "--out", photos["out"])
    assert code == 0 and "Edited 3" in out
    err = terminal.getvalue()
    assert "\r\033[K[####################] 3/3" in err and err.endswith("\n")
    assert err.count("\n") == 1  # redrawn in place; only the end moves to a new line


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (lambda p: [p["dir"].parent / "nowhere", "--mask", p["mask"]], "no such folder"),
        (lambda p: [p["dir"] / "deeper" / "d-hidden.png", "--mask", p["mask"]], "not a folder"),
        (lambda p: [_empty(p["dir"] / "deeper"), "--mask", p["mask"]], "has no photos"),
        (lambda p: [p["dir"], "--mask", p["mask"], "--mask-dir", p["dir"]], "not allowed with"),
        (lambda p: [p["dir"]], "one of --mask, --mask-dir, --select-box, --select-subject, --extend or "
         "--aspect is required"),
        (lambda p: [p["dir"], "--mask", p["dir"] / "none.png"], "no such file"),
        (lambda p: [p["dir"], "--mask-dir", p["dir"] / "none"], "no such folder"),
        (lambda p: [p["dir"], "--mask", p["mask"], "--background", "transparent", "--format", "jpeg"],
         "PNG or WebP"),
        (lambda p: [p["dir"], "--mask", p["mask"], "--concurrency", "0"], "between 1 and 16"),
        (lambda p: [p["dir"], "--mask", p["mask"], "--out", p["dir"]], "output folder other than"),
    ],
)
def test_bad_usage_exits_2_and_sends_nothing(capsys, photos, http_args, edit_server, argv, words):
    files = sorted(photos["dir"].rglob("*"))
    code, out, err = run(capsys, "batch", "--prompt", "x", "--out", photos["out"], *http_args, *argv(photos))
    assert code == 2
    assert words in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert out == "" and edit_server.requests == [] and not photos["out"].exists()
    assert sorted(photos["dir"].rglob("*")) == files or words == "has no photos"


def _empty(folder: Path) -> Path:
    for path in folder.iterdir():
        path.unlink()
    return folder


def test_ctrl_c_keeps_what_arrived_and_the_next_run_continues(capsys, photos, http_args, edit_server,
                                                             fake_api_key):
    edit_server.script(Fault.slow(0), Fault.slow(30))  # the first photo answers, the second hangs
    env = dict(os.environ, MASKEDIT_API_KEY=fake_api_key)
    process = subprocess.Popen(
        [*CLI, "batch", str(photos["dir"]), "--mask", str(photos["mask"]), "--prompt", "a red bicycle",
         "--concurrency", "1", "--out", str(photos["out"]), *http_args],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 15
    while len(edit_server.edit_requests) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(edit_server.edit_requests) == 2, "the second photo never reached the fake"
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=10)
    assert process.returncode == 130, err
    assert "Traceback" not in err and "Edited 1," in out
    assert "Interrupted; every image received is kept" in out
    statuses = sorted(record["status"] for record in sidecars(photos["out"]).values())
    assert statuses == ["cancelled", "completed"]  # the second photo's request was out: maybe billed

    edit_server.reset()
    code, summary = batch_json(capsys, photos, http_args)
    assert code == 0 and (summary["skipped"], summary["edited"]) == (1, 2)
    assert len(edit_server.edit_requests) == 2
