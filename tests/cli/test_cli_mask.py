"""maskedit-cli mask, and batch with --select-box / --select-subject: masks selected on each photo
by the window's engine, written so that every --mask reads them (selected = transparent)."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
from PIL import Image

from editor.imaging.mask import load_mask
from editor.settings.store import UserSettings, save_settings
from tests.cli.driving import run
from tests.imaging.selection_scenes import ellipse_scene, iou


def _png(pixels: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def scene(tmp_path):
    scene = ellipse_scene()
    path = tmp_path / "ellipse.png"
    path.write_bytes(_png(scene.photo))
    return scene, path


def test_a_box_mask_is_the_object_and_reads_back_as_a_mask(capsys, tmp_path, scene):
    scene, photo = scene
    out = tmp_path / "masks" / "object.png"
    code, stdout, stderr = run(capsys, "mask", photo, "--box", ",".join(map(str, scene.box)), "--out", out)
    assert code == 0 and stdout.strip() == str(out) and "Selected" in stderr
    coverage = load_mask(out, "alpha", expected_size=(640, 480))
    assert iou(coverage, scene.truth) >= 0.9
    written = np.asarray(Image.open(out))
    assert written.shape == (480, 640, 4) and (written[..., 3] == 255 - coverage).all()


def test_subject_and_refine(capsys, tmp_path, scene):
    scene, photo = scene
    out = tmp_path / "subject.png"
    assert run(capsys, "mask", photo, "--subject", "--refine", "--out", out)[0] == 0
    assert iou(load_mask(out, "alpha"), scene.truth) >= 0.9


def test_the_wand_from_the_command_line(capsys, tmp_path):
    photo = np.zeros((60, 80, 3), np.uint8)
    photo[:] = (20, 40, 200)
    photo[10:30, 10:30] = (200, 30, 30)
    photo[40:55, 50:75] = (200, 30, 30)
    path = tmp_path / "flat.png"
    path.write_bytes(_png(photo))
    touching, everywhere = tmp_path / "touching.png", tmp_path / "everywhere.png"
    assert run(capsys, "mask", path, "--point", "15,15", "--tolerance", "5", "--out", touching)[0] == 0
    assert run(capsys, "mask", path, "--point", "15,15", "--tolerance", "5", "--global",
               "--out", everywhere)[0] == 0
    expected = np.zeros((60, 80), np.uint8)
    expected[10:30, 10:30] = 255
    np.testing.assert_array_equal(load_mask(touching, "alpha"), expected)
    expected[40:55, 50:75] = 255
    np.testing.assert_array_equal(load_mask(everywhere, "alpha"), expected)


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["--box", "1,2,3"], "X,Y,W,H"),
        (["--box", "10,10,0,5"], "must be positive"),
        (["--box", "5000,5000,40,40"], "at least 4 pixels"),
        (["--point", "900,10"], "inside the photo"),
        (["--point", "10,10", "--tolerance", "101"], "between 0 and 100"),
        (["--box", "1,1,5,5", "--subject"], "not allowed with"),
        (["--box", "10,10,100,100", "--segmentation-model", "/nowhere/model.onnx"], "no such model file"),
    ],
)
def test_bad_input_exits_2_with_one_line_and_writes_nothing(capsys, tmp_path, scene, argv, words):
    _scene, photo = scene
    out = tmp_path / "mask.png"
    code, stdout, stderr = run(capsys, "mask", photo, *argv, "--out", out)
    assert code == 2 and words in stderr and len(stderr.strip().splitlines()) == 1
    assert stdout == "" and not out.exists()


def test_a_missing_photo_says_so(capsys, tmp_path):
    code, _out, err = run(capsys, "mask", tmp_path / "none.png", "--subject", "--out", tmp_path / "m.png")
    assert code == 2 and "no such file" in err


def test_the_model_chosen_in_settings_is_used_unless_none_is_asked(capsys, tmp_path, scene):
    _scene, photo = scene
    junk = tmp_path / "junk.onnx"
    junk.write_bytes(b"not a model")
    save_settings(UserSettings(selection_model=str(junk)))
    code, _out, err = run(capsys, "mask", photo, "--subject", "--out", tmp_path / "m.png")
    assert code == 2 and ("not an ONNX model" in err or "not installed" in err)
    code, _out, _err = run(capsys, "mask", photo, "--subject", "--segmentation-model", "none",
                           "--out", tmp_path / "m.png")
    assert code == 0


def test_a_batch_selects_each_photos_subject(capsys, tmp_path):
    folder, out = tmp_path / "photos", tmp_path / "out"
    folder.mkdir()
    scenes = {"a": ellipse_scene(seed=1), "b": ellipse_scene(480, 360, seed=5)}
    for name, item in scenes.items():
        (folder / f"{name}.png").write_bytes(_png(item.photo))
    code, stdout, _err = run(capsys, "batch", folder, "--select-subject", "--prompt", "a red ball",
                             "--provider", "local", "--out", out, "--json")
    assert code == 0
    summary = json.loads(stdout)
    assert [entry["status"] for entry in summary["files"]] == ["edited", "edited"]
    for name, item in scenes.items():
        record = json.loads(next(out.glob(f"{name}*.json")).read_text())
        mask = out / record["mask"]["file"] if "file" in record.get("mask", {}) else None
        assert mask is not None and mask.exists()
        assert iou(np.asarray(Image.open(mask).convert("L")), item.truth) >= 0.9


def test_a_batch_box_outside_a_photo_fails_that_photo_only(capsys, tmp_path):
    folder, out = tmp_path / "photos", tmp_path / "out"
    folder.mkdir()
    (folder / "big.png").write_bytes(_png(ellipse_scene(640, 480).photo))
    (folder / "small.png").write_bytes(_png(ellipse_scene(200, 150).photo))
    code, stdout, _err = run(capsys, "batch", folder, "--select-box", "210,81,250,316", "--prompt", "x",
                             "--provider", "local", "--out", out, "--json")
    statuses = {entry["photo"].rsplit("/", 1)[-1]: entry for entry in json.loads(stdout)["files"]}
    assert code == 1 and statuses["big.png"]["status"] == "edited"
    assert statuses["small.png"]["status"] == "failed" and "4 pixels" in statuses["small.png"]["message"]
