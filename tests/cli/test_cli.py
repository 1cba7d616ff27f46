"""maskedit-cli end to end: against the loopback fake service and with the offline backend."""

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

W, H = 320, 200
HOLE = (100, 60, 220, 140)


@pytest.fixture
def inputs(tmp_path, make_photo, make_mask):
    photo = tmp_path / "photo.png"
    photo.write_bytes(make_photo(W, H))
    reference = tmp_path / "ref.jpg"
    reference.write_bytes(make_photo(160, 100, "JPEG"))
    mask = tmp_path / "mask.png"
    mask.write_bytes(make_mask(W, H, HOLE))
    return {"photo": photo, "reference": reference, "mask": mask, "out": tmp_path / "out"}




def test_edit_writes_each_variant_and_a_sidecar(capsys, inputs, http_args, edit_server, fake_api_key):
    code, out, err = run(capsys, "edit", inputs["photo"], inputs["reference"], "--mask", inputs["mask"],
                         "--prompt", "a red bicycle", "-n", "2", "--size", "1536x1024",
                         "--quality", "low", "--out", inputs["out"], *http_args)
    assert code == 0, err
    files = [Path(line) for line in out.splitlines()]
    assert len(files) == 2 and all(f.exists() for f in files)
    assert all(f.name.startswith("photo-") and f.suffix == ".png" for f in files)
    assert [Image.open(f).size for f in files] == [(1536, 1024)] * 2

    sent = edit_server.edit_requests[0]
    assert sent.part_names.count("image[]") == 2 and "image" not in sent.part_names
    assert sent.fields["n"] == "2" and sent.fields["quality"] == "low" and sent.fields["size"] == "1536x1024"
    alpha = np.asarray(Image.open(io.BytesIO(sent.mask_bytes)).getchannel("A"))
    left, top, right, bottom = HOLE
    assert (alpha[top:bottom, left:right] == 0).all()
    assert (alpha == 0).sum() == (right - left) * (bottom - top)

    sidecars = list(inputs["out"].glob("*.json"))
    assert len(sidecars) == 1
    record = json.loads(sidecars[0].read_text())
    assert record["status"] == "completed" and record["prompt"] == "a red bicycle"
    assert record["options"]["n"] == 2 and record["model"] == "gpt-image-1"
    assert record["request_id"].startswith("req_") and record["usage"]["total_tokens"] > 0
    assert [r["file"] for r in record["results"]] == [f.name for f in files]
    assert fake_api_key not in sidecars[0].read_text()


def test_json_summary_and_white_edits_mask(capsys, inputs, http_args, edit_server, tmp_path):
    white = np.zeros((H, W), np.uint8)
    white[10:30, 20:60] = 255
    mask = tmp_path / "white.png"
    Image.fromarray(white, "L").save(mask)
    code, out, _ = run(capsys, "edit", inputs["photo"], "--mask", mask, "--mask-mode", "white-edits",
                       "--prompt", "x", "--format", "jpeg", "--compression", "70", "--json",
                       "--out", inputs["out"], *http_args)
    assert code == 0
    summary = json.loads(out)
    assert summary["status"] == "completed" and len(summary["files"]) == 1
    assert summary["files"][0].endswith(".jpg")
    sent = edit_server.edit_requests[0]
    assert sent.part_names.count("image") == 1
    assert sent.fields["output_format"] == "jpeg" and sent.fields["output_compression"] == "70"
    alpha = np.asarray(Image.open(io.BytesIO(sent.mask_bytes)).getchannel("A"))
    assert ((alpha == 0) == (white == 255)).all()


def test_streamed_edit_keeps_final_images(capsys, inputs, http_args):
    code, out, err = run(capsys, "edit", inputs["photo"], "--mask", inputs["mask"], "--prompt", "x",
                         "--stream", "--partial-images", "2", "-n", "2", "--out", inputs["out"], *http_args)
    assert code == 0, err
    assert len(out.splitlines()) == 2
    assert "Preview 1 received" in err


def test_offline_backend_removes_the_masked_area_only(capsys, inputs):
    code, out, err = run(capsys, "edit", inputs["photo"], "--mask", inputs["mask"], "--prompt", "ignored",
                         "--provider", "local", "--out", inputs["out"])
    assert code == 0, err
    result = np.asarray(Image.open(out.strip()).convert("RGB"))
    original = np.asarray(Image.open(inputs["photo"]).convert("RGB"))
    assert result.shape == original.shape
    left, top, right, bottom = HOLE
    outside = np.ones((H, W), bool)
    outside[top:bottom, left:right] = False
    assert (result[outside] == original[outside]).all()


def test_without_any_key_the_offline_backend_is_used_and_said(capsys, inputs):
    code, out, err = run(capsys, "edit", inputs["photo"], "--mask", inputs["mask"], "--prompt", "x",
                         "--out", inputs["out"])
    assert code == 0
    assert "offline backend" in err and "REQUESTY_API_KEY" in err
    assert len(out.splitlines()) == 1


def test_explicit_provider_without_key_is_bad_usage(capsys, inputs, edit_server):
    code, _, err = run(capsys, "edit", inputs["photo"], "--mask", inputs["mask"], "--prompt", "x",
                       "--provider", "requesty")
    assert code == 2 and "REQUESTY_API_KEY" in err
    assert edit_server.requests == []


def test_key_from_file(capsys, inputs, edit_server, fake_api_key, tmp_path):
    key_file = tmp_path / "key"
    key_file.write_text(fake_api_key + "\n")
    code, _, err = run(capsys, "edit", inputs["photo"], "--mask", inputs["mask"], "--prompt", "x",
                       "--provider", "custom", "--base-url", edit_server.base_url,
                       "--api-key-file", key_file, "--out", inputs["out"])
    assert code == 0, err
    assert edit_server.edit_requests[0].headers["authorization"] == f"Bearer {fake_api_key}"


@pytest.mark.parametrize(
    ("make_input", "words"),
    [
        (lambda d: d / "missing.png", "no such file"),
        (lambda d: _write(d / "notes.png", b"just some text, not a picture"), "notes.png"),
        (lambda d: _write(d / "cut.png", (d / "photo.png").read_bytes()[:600]), "cut.png"),
        (lambda d: _write(d / "empty.png", b""), "empty.png"),
        (lambda d: d, "folder"),
    ],
)
def test_unreadable_inputs_exit_2_with_one_line(capsys, inputs, http_args, edit_server, make_input, words):
    bad = make_input(inputs["photo"].parent)
    code, out, err = run(capsys, "edit", bad, "--mask", inputs["mask"], "--prompt", "x", *http_args)
    assert code == 2
    assert words in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert out == "" and edit_server.requests == []


def test_a_bad_input_is_reported_before_a_bad_provider_and_nothing_is_made(capsys, inputs, fake_api_key,
                                                                          monkeypatch):
    """The inputs are read while the backend is built: the inputs' problem is still the one said."""
    monkeypatch.setenv("MASKEDIT_API_KEY", fake_api_key)
    cut = _write(inputs["photo"].parent / "cut.png", inputs["photo"].read_bytes()[:600])
    plain_http = ["--provider", "custom", "--base-url", "http://example.com/v1", "--out", inputs["out"]]
    code, out, err = run(capsys, "edit", cut, "--mask", inputs["mask"], "--prompt", "x", *plain_http)
    assert code == 2 and "cut.png" in err and "plain http" not in err
    assert len(err.strip().splitlines()) == 1 and out == ""
    code, _, err = run(capsys, "edit", inputs["photo"], "--mask", inputs["mask"], "--prompt", "x",
                       *plain_http)
    assert code == 2 and "plain http" in err
    assert not inputs["out"].exists()  # the output folder is made only once all is well


def test_mask_size_mismatch_exits_2(capsys, inputs, http_args, edit_server, make_mask, tmp_path):
    small = tmp_path / "small.png"
    small.write_bytes(make_mask(100, 100))
    code, _, err = run(capsys, "edit", inputs["photo"], "--mask", small, "--prompt", "x", *http_args)
    assert code == 2 and "100" in err and str(W) in err
    assert edit_server.requests == []


def test_seventeen_images_exit_2(capsys, inputs, http_args, edit_server):
    code, _, err = run(capsys, "edit", *([inputs["photo"]] * 17), "--prompt", "x", *http_args)
    assert code == 2 and "16" in err
    assert edit_server.requests == []


@pytest.mark.parametrize(
    "argv",
    [["edit", "p.png"], ["edit", "p.png", "--prompt", "x", "-n", "11"], ["frobnicate"],
     ["edit", "p.png", "--prompt", "x", "--compression", "high"],
     ["edit", "p.png", "--prompt", "x", "--timeout", "nan"],
     ["edit", "p.png", "--prompt", "x", "--timeout", "-1"],
     ["edit", "p.png", "--prompt", "x", "--timeout", "soon"]],
)
def test_bad_usage_exits_2_in_one_line(capsys, argv):
    code, _, err = run(capsys, *argv)
    assert code == 2 and len(err.strip().splitlines()) == 1 and "--help" in err


@pytest.mark.parametrize(("flags", "words"), [
    (("--background", "transparent", "--format", "jpeg"), "PNG or WebP"),
    (("--model", "gpt-image-2", "--fidelity", "high"), "does not take an input fidelity"),
    (("--model", "gpt-image-1-mini", "--fidelity", "high"), "input fidelity 'high'"),
    (("--model", "gpt-image-1", "--size", "2048x1152"), "2048x1152"),
    (("--model", "gpt-image-2", "--size", "512x512"), "655,360"),
    (("--model", "gpt-image-2", "--size", "0x0"), "0x0"),
    (("--model", "my-router-model", "--size", "0x0"), "0x0"),
    (("--model", "gpt-image-1", "--complexity", "low"), "does not take a complexity"),
    (("--model", "gpt-image-1.5", "--quality", "max"), "quality 'max'"),
    (("--model", "gpt-image-2.6-flare", "--size", "2048x1152"), "2048x1152"),
    (("--moderation", "low", "--body", "multipart"), "JSON request body"),
])
def test_invalid_option_combination_is_caught_before_sending(capsys, inputs, http_args, edit_server, flags,
                                                             words):
    code, _, err = run(capsys, "edit", inputs["photo"], "--mask", inputs["mask"], "--prompt", "x", *http_args,
                       *flags)
    assert code == 2 and words in err and len(err.strip().splitlines()) == 1
    assert edit_server.requests == []


def test_the_newest_models_fields_reach_the_service(capsys, inputs, http_args, edit_server):
    code, _, err = run(capsys, "edit", inputs["photo"], "--mask", inputs["mask"], "--prompt", "x", *http_args,
                       "--model", "gpt-image-2.6-sunburst", "--quality", "max", "--complexity", "high",
                       "--moderation", "low", "--out", inputs["out"])
    assert code == 0, err
    sent = edit_server.requests[-1].json  # moderation rides in JSON: auto chose it
    assert (sent["model"], sent["quality"], sent["complexity"], sent["moderation"]) == (
        "gpt-image-2.6-sunburst", "max", "high", "low")


@pytest.mark.parametrize(
    ("fault", "words"),
    [
        (Fault.status(401, shape="openai"), "401"),
        (Fault.status(402, shape="requesty"), "402"),
        (Fault.quota_exhausted(), "429"),
        (Fault.status(400, "Invalid size", shape="openai"), "Invalid size"),
    ],
)
def test_service_failures_exit_1_with_status_and_request_id(capsys, inputs, http_args, edit_server,
                                                            fake_api_key, fault, words):
    edit_server.script(fault)
    code, out, err = run(capsys, "edit", inputs["photo"], "--mask", inputs["mask"], "--prompt", "x",
                         "--out", inputs["out"], *http_args)
    assert code == 1
    assert words in err and "request id req_" in err and "Traceback" not in err
    assert fake_api_key not in err + out
    (sidecar,) = inputs["out"].glob("*.json")  # sent, so maybe billed: its record stays, no image
    record = json.loads(sidecar.read_text())
    assert (record["status"], record["results"]) == ("failed", []) and record["request_id"].startswith("req_")
    assert [path.suffix for path in inputs["out"].iterdir()] == [".json"]


def test_server_errors_are_retried_then_reported(capsys, inputs, http_args, edit_server):
    for _ in range(3):
        edit_server.script(Fault.status(503, retry_after_ms="1"))
    code, _, err = run(capsys, "edit", inputs["photo"], "--mask", inputs["mask"], "--prompt", "x",
                       "--out", inputs["out"], *http_args)
    assert code == 1 and "503" in err
    assert err.count("Retrying") == 2
    assert len(edit_server.edit_requests) == 3


def test_one_server_error_then_success(capsys, inputs, http_args, edit_server):
    edit_server.script(Fault.status(500, retry_after_ms="1"))
    code, out, _ = run(capsys, "edit", inputs["photo"], "--mask", inputs["mask"], "--prompt", "x",
                       "--out", inputs["out"], *http_args)
    assert code == 0 and len(out.splitlines()) == 1


def test_providers_lists_profiles_without_keys(capsys, monkeypatch):
    monkeypatch.setenv("REQUESTY_API_KEY", "sk-requesty-secret")
    code, out, _ = run(capsys, "providers")
    assert code == 0
    for name in ("requesty", "openai", "custom", "local"):
        assert name in out
    assert "key found (REQUESTY_API_KEY)" in out and "sk-requesty-secret" not in out


def test_as_the_program_it_sets_what_lives_aside_from_the_last_collection(capsys, monkeypatch):
    import gc

    from editor.cli import main

    monkeypatch.setenv("REQUESTY_API_KEY", "sk-requesty-secret")
    assert gc.get_freeze_count() == 0
    try:
        assert main(["providers"]) == 0
        assert gc.get_freeze_count() == 0  # called with arguments (a test, a host): left alone
        monkeypatch.setattr(sys, "argv", ["maskedit-cli", "providers"])
        assert main() == 0
        assert gc.get_freeze_count() > 0  # the process exits next: its last collection walks nothing
    finally:
        gc.unfreeze()
    assert "key found (REQUESTY_API_KEY)" in capsys.readouterr().out


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


# --- as a real process ---------------------------------------------------------------------------

CLI = [sys.executable, "-m", "editor.cli"]


def test_the_cli_imports_no_qt():
    probe = ("import sys, editor.cli, editor.backends.openai_http; "
             "print(sorted(m for m in sys.modules if 'PySide' in m or 'qasync' in m))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_edit_starts_without_the_batch_and_extension_engines():
    probe = ("import sys, editor.cli; print(sorted(m for m in sys.modules if m.startswith("
             "('editor.pipeline.batch', 'editor.pipeline.extend_run', 'editor.cli.mask_command', "
             "'editor.imaging.composite'))))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_a_key_in_the_environment_spares_the_keychain_import(fake_api_key):
    probe = ("import sys; from editor.backends.providers import PROFILES; "
             "from editor.settings.keys import find_api_key; "
             "found = find_api_key(PROFILES['custom'], {'MASKEDIT_API_KEY': sys.argv[1]}); "
             "print(found.source, 'keyring' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", probe, fake_api_key], capture_output=True, text=True,
                          check=True)
    assert done.stdout.split() == ["MASKEDIT_API_KEY", "False"]


def test_process_reports_broken_input_without_traceback(tmp_path):
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\nbroken")
    done = subprocess.run([*CLI, "edit", str(bad), "--prompt", "x", "--provider", "local"],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 2 and "Traceback" not in done.stderr and "bad.png" in done.stderr


def test_ctrl_c_exits_130(inputs, edit_server, fake_api_key):
    edit_server.script(Fault.slow(20))
    env = dict(os.environ, MASKEDIT_API_KEY=fake_api_key)
    process = subprocess.Popen(
        [*CLI, "edit", str(inputs["photo"]), "--mask", str(inputs["mask"]), "--prompt", "x",
         "--provider", "custom", "--base-url", edit_server.base_url, "--out", str(inputs["out"])],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 15
    while not edit_server.edit_requests and time.monotonic() < deadline:
        time.sleep(0.05)
    assert edit_server.edit_requests, "the request never reached the fake"
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=10)
    assert process.returncode == 130
    assert "Interrupted" in err and "Traceback" not in err


@pytest.mark.parametrize("written", ["\ufeffsk-fake\n".encode(), "sk-\u200bfake\n".encode()])
def test_a_key_file_with_a_bom_or_invisible_characters_works(capsys, inputs, edit_server, fake_api_key,
                                                              tmp_path, monkeypatch, written):
    monkeypatch.setattr(edit_server, "api_key", "sk-fake")
    key_file = tmp_path / "key.txt"
    key_file.write_bytes(written)
    code, _, err = run(capsys, "edit", inputs["photo"], "--mask", inputs["mask"], "--prompt", "x",
                       "--provider", "custom", "--base-url", edit_server.base_url, "--api-key-file", key_file,
                       "--out", inputs["out"])
    assert code == 0, err


def test_a_key_variable_that_cannot_be_a_key_is_a_usage_error(capsys, inputs, edit_server, monkeypatch):
    monkeypatch.setenv("MASKEDIT_API_KEY", "sk-caf\u00e9")
    code, _, err = run(capsys, "edit", inputs["photo"], "--mask", inputs["mask"], "--prompt", "x",
                       "--provider", "custom", "--base-url", edit_server.base_url)
    assert code == 2 and "MASKEDIT_API_KEY" in err and "U+00E9" in err
    assert "Traceback" not in err and edit_server.requests == []


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
@pytest.mark.parametrize("where", ["photo", "mask", "key"])
def test_a_pipe_given_as_an_input_is_refused_at_once(capsys, inputs, edit_server, fake_api_key, tmp_path,
                                                     monkeypatch, where):
    monkeypatch.setenv("MASKEDIT_API_KEY", fake_api_key)
    pipe = tmp_path / "pipe.png"
    os.mkfifo(pipe)
    photo = pipe if where == "photo" else inputs["photo"]
    mask = pipe if where == "mask" else inputs["mask"]
    key = ["--api-key-file", pipe] if where == "key" else []
    started = time.monotonic()
    code, _, err = run(capsys, "edit", photo, "--mask", mask, "--prompt", "x", "--provider", "custom",
                       "--base-url", edit_server.base_url, *key, "--out", inputs["out"])
    assert code == 2 and "is a pipe" in err and time.monotonic() - started < 5
    assert edit_server.requests == []


def test_a_full_disk_is_a_sentence_and_leaves_no_part_files(capsys, inputs, http_args, edit_server,
                                                             monkeypatch):
    import errno

    import editor.disk

    real_fsync = editor.disk.os.fsync

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(editor.disk.os, "fsync", full)
    code, _, err = run(capsys, "edit", inputs["photo"], "--mask", inputs["mask"], "--prompt", "x", *http_args,
                       "--out", inputs["out"])
    monkeypatch.setattr(editor.disk.os, "fsync", real_fsync)
    assert code == 1 and "No space left on device" in err and "Traceback" not in err
    assert not list(inputs["out"].glob(".*.part"))


@pytest.mark.parametrize("where", ["photo", "mask"])
def test_a_header_claiming_40000_square_is_one_line_not_a_traceback(capsys, inputs, http_args, edit_server,
                                                                      tmp_path, where):
    import zlib

    bomb = bytearray(_png(8, 8))
    bomb[16:24] = (40000).to_bytes(4, "big") + (40000).to_bytes(4, "big")  # the IHDR width and height
    bomb[29:33] = zlib.crc32(bytes(bomb[12:29])).to_bytes(4, "big")
    path = tmp_path / "bomb.png"
    path.write_bytes(bytes(bomb))
    photo, mask = (path, inputs["mask"]) if where == "photo" else (inputs["photo"], path)
    code, _, err = run(capsys, "edit", photo, "--mask", mask, "--prompt", "x", *http_args,
                       "--out", inputs["out"])
    assert code == 2 and "40000 × 40000" in err and len(err.strip().splitlines()) == 1
    assert "Traceback" not in err and edit_server.requests == []


def _png(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGBA", (width, height)).save(buffer, "PNG")
    return buffer.getvalue()
