"""Crop-to-mask on the command line, for `edit` and `batch`: a small mask on a big photo sends a
padded crop at a bucket size, and the answer is placed back into the full photo beside it."""

from __future__ import annotations

import io
import json

import cv2
import numpy as np
from PIL import Image

from tests.cli.driving import run
from tests.fakes.painting import MAGENTA

W, H = 3072, 2048
HOLE = (1400, 900, 1700, 1100)



def inputs(tmp_path, make_photo, make_mask, folder=None):
    folder = folder or tmp_path
    folder.mkdir(exist_ok=True)
    photo, mask = folder / "big.png", tmp_path / "mask.png"
    photo.write_bytes(make_photo(W, H))
    mask.write_bytes(make_mask(W, H, HOLE))
    return photo, mask


def size_of(data: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(data)) as image:
        return image.size


def assert_placed(path, photo) -> None:
    placed = np.asarray(Image.open(path).convert("RGB"))
    original = np.asarray(Image.open(photo).convert("RGB"))
    assert placed.shape == original.shape
    coverage = np.zeros((H, W), np.uint8)
    x0, y0, x1, y1 = HOLE
    coverage[y0:y1, x0:x1] = 255
    inside = cv2.erode(coverage, np.ones((9, 9), np.uint8)) == 255
    assert (placed[inside] == MAGENTA).all()
    outside = cv2.dilate(coverage, np.ones((9, 9), np.uint8)) == 0
    assert np.array_equal(placed[outside], original[outside])


def test_edit_sends_the_crop_and_writes_the_full_photo_beside_the_answer(
        capsys, tmp_path, edit_server, fake_api_key, monkeypatch, make_photo, make_mask):
    monkeypatch.setenv("MASKEDIT_API_KEY", fake_api_key)
    photo, mask = inputs(tmp_path, make_photo, make_mask)
    code, out, err = run(capsys, "edit", photo, "--mask", mask, "--prompt", "a red bicycle", "--out",
                         tmp_path / "out", "--provider", "custom", "--base-url", edit_server.base_url,
                         "--model", "gpt-image-1", "--json")
    assert code == 0, err
    sent = edit_server.edit_requests[-1]
    assert sent.fields["size"] == "1536x1024" == "x".join(map(str, size_of(sent.image_bytes[0])))
    assert size_of(sent.mask_bytes) == (1536, 1024)
    summary = json.loads(out)
    assert summary["context"]["size"] == [1536, 1024]
    (placed,) = summary["placed"]
    assert placed.endswith("-1-full.png")
    assert_placed(placed, photo)


def test_context_whole_sends_the_photo_as_it_is(capsys, tmp_path, edit_server, fake_api_key, monkeypatch,
                                               make_photo, make_mask):
    monkeypatch.setenv("MASKEDIT_API_KEY", fake_api_key)
    photo, mask = inputs(tmp_path, make_photo, make_mask)
    code, _, err = run(capsys, "edit", photo, "--mask", mask, "--prompt", "p", "--out", tmp_path / "out",
                       "--provider", "custom", "--base-url", edit_server.base_url, "--model", "gpt-image-1",
                       "--context", "whole")
    assert code == 0, err
    assert edit_server.edit_requests[-1].image_bytes[0] == photo.read_bytes()
    assert not list((tmp_path / "out").glob("*-full.png"))


def test_batch_crops_each_photo_and_places_each_answer_back(capsys, tmp_path, edit_server, fake_api_key,
                                                           monkeypatch, make_photo, make_mask):
    monkeypatch.setenv("MASKEDIT_API_KEY", fake_api_key)
    photo, mask = inputs(tmp_path, make_photo, make_mask, folder=tmp_path / "photos")
    code, out, err = run(capsys, "batch", tmp_path / "photos", "--mask", mask, "--prompt", "p",
                         "--out", tmp_path / "out", "--provider", "custom", "--base-url",
                         edit_server.base_url, "--model", "gpt-image-1", "--json")
    assert code == 0, err
    assert size_of(edit_server.edit_requests[-1].image_bytes[0]) == (1536, 1024)
    (full,) = (tmp_path / "out").glob("*-full.png")
    assert_placed(full, photo)
    assert str(full) in json.dumps(json.loads(out))


def cropped_batch(tmp_path, edit_server, make_photo, make_mask) -> list:
    """The arguments of a batch over one photo whose small mask makes it send a crop."""
    _, mask = inputs(tmp_path, make_photo, make_mask, folder=tmp_path / "photos")
    return ["batch", tmp_path / "photos", "--mask", mask, "--prompt", "p", "--out", tmp_path / "out",
            "--provider", "custom", "--base-url", edit_server.base_url, "--model", "gpt-image-1"]


def test_a_crop_whose_full_photo_was_not_written_is_done_again(capsys, tmp_path, edit_server, fake_api_key,
                                                               monkeypatch, make_photo, make_mask):
    monkeypatch.setenv("MASKEDIT_API_KEY", fake_api_key)
    args = cropped_batch(tmp_path, edit_server, make_photo, make_mask)
    assert run(capsys, *args)[0] == 0
    assert run(capsys, *args)[0] == 0
    assert len(edit_server.edit_requests) == 1  # done: skipped
    next((tmp_path / "out").glob("*-full.png")).unlink()  # killed before the photo was placed back
    assert run(capsys, *args)[0] == 0
    assert len(edit_server.edit_requests) == 2


def test_a_half_written_full_photo_is_not_taken_for_done(capsys, tmp_path, edit_server, fake_api_key,
                                                          monkeypatch, make_photo, make_mask):
    monkeypatch.setenv("MASKEDIT_API_KEY", fake_api_key)
    args = cropped_batch(tmp_path, edit_server, make_photo, make_mask)
    assert run(capsys, *args)[0] == 0
    full = next((tmp_path / "out").glob("*-full.png"))
    sidecar = json.loads(next((tmp_path / "out").glob("*.json")).read_text())
    assert sidecar["results"][0]["full"]["file"] == full.name  # its hash is recorded
    full.write_bytes(full.read_bytes()[: full.stat().st_size // 2])  # as a kill mid-write left it once

    assert run(capsys, *args)[0] == 0

    assert len(edit_server.edit_requests) == 2  # done again, not skipped
    (again,) = [path for path in (tmp_path / "out").glob("*-full.png") if path != full]
    Image.open(again).load()  # whole
