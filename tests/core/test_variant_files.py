"""Variants read back from a project stay on disk until shown: their pictures come from the file,
the same as from the bytes; a file that went away is a variant that cannot be shown, never an
error; their sizes come from the record the run wrote, else from the file's header."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

from editor.core.job_record import RECORD_KEY, job_record_from
from editor.core.project import _read_variants
from editor.core.variant_images import result_pixels, thumbnail
from editor.imaging.result_codec import decode_result
from tests.fakes.images import photo_bytes


@pytest.fixture
def saved(tmp_path):
    path = tmp_path / "photo-1-1.png"
    path.write_bytes(photo_bytes(120, 80))
    return path


def test_a_result_file_gives_the_pictures_its_bytes_give(qapp, saved):
    data = saved.read_bytes()
    assert np.array_equal(result_pixels(saved), decode_result(data))
    from_file, from_bytes = thumbnail(saved, 48), thumbnail(data, 48)
    assert from_file.size() == from_bytes.size() and from_file == from_bytes


def test_a_result_file_that_went_away_or_is_no_file_cannot_be_shown(qapp, tmp_path, saved):
    gone = tmp_path / "photo-1-2.png"
    assert result_pixels(gone) is None and thumbnail(gone, 48).isNull()
    assert result_pixels(tmp_path) is None  # a folder where the file was
    os.mkfifo(tmp_path / "photo-1-3.png")
    assert result_pixels(tmp_path / "photo-1-3.png") is None  # refused at once, nothing waited on
    saved.write_bytes(b"not an image")
    assert result_pixels(saved) is None and thumbnail(saved, 48).isNull()


def record_in(folder, results: list[dict]) -> dict:
    return {"started_at": "2026-11-24T10:00:00+00:00", "prompt": "p", "status": "completed",
            "results": results, RECORD_KEY: {"job_id": "job-1", "number": 1}}


def test_restored_variants_hold_no_bytes_and_take_their_size_from_the_record(tmp_path, saved):
    (tmp_path / "photo-1-2.png").write_bytes(photo_bytes(30, 20))
    (tmp_path / "photo-1-3.png").write_bytes(photo_bytes(50, 40))
    record = record_in(tmp_path, [
        {"file": "photo-1-1.png", "width": 1536, "height": 1024},  # the run's own figures are used
        {"file": "photo-1-2.png"},  # a record from 0.1 kept no size: the header tells it
        {"file": "photo-1-3.png", "width": True, "height": "40"},  # not sizes: the header again
    ])
    (tmp_path / "photo-1.json").write_text(json.dumps(record))
    variants = _read_variants(job_record_from(record, tmp_path))
    assert [(v.index, v.width, v.height) for v in variants] == [(0, 1536, 1024), (1, 30, 20), (2, 50, 40)]
    assert all(v.data is None and v.source == v.path and v.path.is_file() for v in variants)


def test_a_restored_file_that_is_no_image_is_left_out(tmp_path, saved):
    (tmp_path / "photo-1-2.png").write_bytes(b"\x89PNG but broken")
    record = record_in(tmp_path, [{"file": "photo-1-1.png"}, {"file": "photo-1-2.png"}])
    assert [v.index for v in _read_variants(job_record_from(record, tmp_path))] == [0]
