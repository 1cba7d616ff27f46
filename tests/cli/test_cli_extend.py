"""maskedit-cli's extension flags: --extend and --aspect/--anchor for edit and batch, offline and
against the loopback fake, and bad values refused in one line before anything is sent."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.cli.driving import run

W, H = 320, 200


@pytest.fixture
def photo(tmp_path, make_photo) -> Path:
    path = tmp_path / "photo.png"
    path.write_bytes(make_photo(W, H))
    return path


def pixels(path: Path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGB"))


def test_extend_offline_writes_the_extended_canvas_with_the_photo_kept(capsys, photo, tmp_path):
    code, out, err = run(capsys, "edit", photo, "--prompt", "more sky", "--extend", "40,30,0,0",
                         "--band", "8", "--provider", "local", "--out", tmp_path / "out")
    assert code == 0, err
    (placed,) = [Path(line) for line in out.splitlines()]
    assert placed.name.startswith("photo-") and placed.parent == tmp_path / "out"
    result, original = pixels(placed), pixels(photo)
    assert result.shape == (H + 30, W + 40, 3)
    kept = result[30 + 8:, 40 + 8:]
    assert np.array_equal(kept, original[8:, 8:])
    assert "Canvas 360×230 · filled offline in one pass" in err


def test_aspect_with_anchor_against_the_fake(capsys, photo, tmp_path, http_args, edit_server):
    code, out, err = run(capsys, "edit", photo, "--prompt", "more table", "--aspect", "1:1", "--anchor",
                         "bottom", "--out", tmp_path / "out", *http_args)
    assert code == 0, err
    placed = Path(out.splitlines()[-1])
    result = pixels(placed)
    assert result.shape == (W, W, 3)  # 320×320, the photo at the bottom
    assert np.array_equal(result[W - H + 32:, :], pixels(photo)[32:, :])
    (sent,) = edit_server.edit_requests
    assert sent.fields["size"] == "1024x1024"
    alpha = np.asarray(Image.open(io.BytesIO(sent.mask_bytes)).getchannel("A"))
    assert (alpha[:300] == 0).all() and (alpha[-200:] == 255).all()  # the margin (and band) edited
    assert "Canvas 320×320 → 1024×1024 (whole, full detail)" in err


def test_batch_extends_every_photo_to_the_aspect(capsys, tmp_path, make_photo):
    folder = tmp_path / "photos"
    folder.mkdir()
    (folder / "a.png").write_bytes(make_photo(160, 120))
    (folder / "b.png").write_bytes(make_photo(120, 160))
    code, _out, err = run(capsys, "batch", folder, "--prompt", "more", "--aspect", "16:9",
                          "--provider", "local", "--out", tmp_path / "out")
    assert code == 0, err
    sizes = sorted(Image.open(path).size for path in (tmp_path / "out").glob("*-1.png"))
    assert sizes == [(224, 126), (288, 162)]  # the least 16:9 canvas holding each


@pytest.mark.parametrize(("flags", "words"), [
    (["--extend=-5,0,10,0"], "cannot be negative (-5 px on the left)"),
    (["--extend", "0,0,0,0"], "nothing to extend: every side is 0 px"),
    (["--extend", "10,20"], "is not LEFT,TOP,RIGHT,BOTTOM"),
    (["--extend", "0,0,2000000,0"], "the limit is 250 MP"),
    (["--aspect", "16-9"], "is not an aspect"),
    (["--aspect", "8:5"], "already 8:5"),
    (["--extend", "1,1,1,1", "--aspect", "1:1"], "not allowed with argument"),
    (["--extend", "1,1,1,1", "--band", "999"], "the band must be 0-256 px"),
])
def test_bad_values_are_refused_in_one_line(capsys, photo, tmp_path, flags, words):
    code, out, err = run(capsys, "edit", photo, "--prompt", "x", *flags, "--provider", "local",
                         "--out", tmp_path / "out")
    assert code == 2 and out == ""
    assert words in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_batch_without_a_mask_or_an_extension_is_bad_usage(capsys, tmp_path, make_photo):
    folder = tmp_path / "photos"
    folder.mkdir()
    (folder / "a.png").write_bytes(make_photo(160, 120))
    code, _out, err = run(capsys, "batch", folder, "--prompt", "x", "--provider", "local",
                          "--out", tmp_path / "o")
    assert code == 2 and ("one of --mask, --mask-dir, --select-box, --select-subject, --extend or --aspect "
                          "is required") in err


def test_batch_cannot_both_extend_and_select(capsys, tmp_path, make_photo):
    folder = tmp_path / "photos"
    folder.mkdir()
    (folder / "a.png").write_bytes(make_photo(160, 120))
    code, out, err = run(capsys, "batch", folder, "--prompt", "x", "--provider", "local", "--aspect", "16:9",
                         "--select-subject", "--out", tmp_path / "o")
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1
    assert "make each photo's mask themselves" in err and not (tmp_path / "o").exists()
