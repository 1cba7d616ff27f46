"""One pipeline: for the same photo, mask, prompt, options and references, the window and
`maskedit-cli edit` send byte-identical request bodies (the multipart boundary aside), for each
provider, with and without crop-to-mask."""

from __future__ import annotations

import io
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from PIL import Image

from editor.backends.providers import PROFILES
from tests.cli.driving import run
from tests.ui.window_driving import open_photo, paint_stroke, service_window, wait_finished

W, H = 1200, 800
MODELS = {"requesty": "azure/openai/gpt-image-1.5", "openai": "gpt-image-1", "custom": "gpt-image-1"}


def photo_file(path, seed: int):
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:H, 0:W]
    pixels = np.dstack(((x * 200 // W), (y * 200 // H), (x + y) % 180)).astype(np.uint8)
    pixels += rng.integers(0, 40, pixels.shape, dtype=np.uint8)
    Image.fromarray(pixels).save(path)
    return path


def reference_file(path):
    Image.new("RGB", (300, 200), (30, 140, 60)).save(path, "JPEG", quality=90)
    return path


def mask_file(coverage: np.ndarray, path):
    """The window's painted mask as the file a command-line user would give: transparent = edit."""
    rgba = np.zeros((*coverage.shape, 4), np.uint8)
    rgba[..., 3] = 255 - coverage
    Image.fromarray(rgba, "RGBA").save(path)
    return path


def parts(request) -> list[tuple]:
    return [(part.name, part.filename, part.content_type, part.data) for part in request.parts]


@pytest.mark.parametrize("provider", ["requesty", "openai", "custom"])
@pytest.mark.parametrize("context", ["mask", "whole"])
def test_the_window_and_the_cli_send_the_same_bytes(qtbot, loop, errors, capsys, tmp_path, edit_server,
                                                     fake_api_key, monkeypatch, provider, context):
    model = MODELS[provider]
    env = {"MASKEDIT_PROVIDER": provider, "MASKEDIT_BASE_URL": edit_server.base_url,
           "MASKEDIT_API_KEY": fake_api_key, "MASKEDIT_MODEL": model}
    for name, value in env.items():
        monkeypatch.setenv(name, value)  # the CLI reads the same variables
    for profile in PROFILES.values():
        if profile.key_env:
            monkeypatch.delenv(profile.key_env, raising=False)
    photo, reference = photo_file(tmp_path / "harbour.png", 3), reference_file(tmp_path / "boat.jpg")

    window = service_window(qtbot, loop, tmp_path, edit_server, fake_api_key, provider=provider,
                            MASKEDIT_MODEL=model)
    open_photo(qtbot, window, photo)
    paint_stroke(qtbot, window, [(500, 300), (640, 360), (700, 420)])
    window.document.set_prompt("a red rowing boat")
    window.document.update_options(context=context, n=2, quality="low", size="auto")
    window.document.set_references([("boat.jpg", reference.read_bytes())])
    job = wait_finished(qtbot, window, window.generator.generate())
    assert job.state.value == "done", job.message
    sent_by_window = edit_server.edit_requests[-1]
    coverage = window.document.mask().array().copy()

    mask = mask_file(coverage, tmp_path / "mask.png")
    code, _, err = run_cli(capsys, photo, reference, mask, context, tmp_path)
    assert code == 0, err
    sent_by_cli = edit_server.edit_requests[-1]

    assert sent_by_cli is not sent_by_window
    assert parts(sent_by_cli) == parts(sent_by_window)
    assert sent_by_window.fields["model"] == model and sent_by_window.fields["n"] == "2"
    photo_part, reference_part = (part for part in sent_by_window.files if part.name != "mask")
    assert reference_part.data == reference.read_bytes()  # small enough to go as it is
    cropped = Image.open(io.BytesIO(photo_part.data)).size != (W, H)
    assert cropped is (context == "mask")


def run_cli(capsys, photo, reference, mask, context, tmp_path):
    """maskedit-cli in a thread of its own: the window's loop is this thread's current loop."""
    argv = ["edit", photo, reference, "--mask", mask, "--prompt", "a red rowing boat", "-n", "2",
            "--quality", "low", "--size", "auto", "--background", "auto", "--format", "png",
            "--context", context, "--out", tmp_path / "cli"]
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(run, capsys, *argv).result()
