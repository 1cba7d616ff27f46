"""editor.disk.read_file: a regular file's bytes, whole, or an OSError past the limit — whatever
size the file claimed when it was opened."""

from __future__ import annotations

import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from editor import disk
from editor.disk import NotAFile, read_file


@settings(max_examples=60, deadline=None)
@given(size=st.integers(0, 5000), limit=st.integers(0, 5000))
def test_a_file_within_the_limit_is_read_whole_and_one_past_it_is_refused(tmp_path_factory, size, limit):
    path = tmp_path_factory.mktemp("read") / "f.bin"
    data = os.urandom(size)
    path.write_bytes(data)
    if size <= limit:
        assert read_file(path, limit) == data
    else:
        with pytest.raises(OSError, match="larger than"):
            read_file(path, limit)
    assert read_file(path) == data


@pytest.mark.parametrize(("claimed", "size", "limit"), [(10, 3000, 4096), (10, 5000, 4096), (0, 4096, 4096)])
def test_a_file_that_grew_after_it_was_opened_is_still_read_to_the_limit(tmp_path, monkeypatch, claimed,
                                                                         size, limit):
    path = tmp_path / "growing.bin"
    data = os.urandom(size)
    path.write_bytes(data)
    real = os.fstat

    class Claimed:
        def __init__(self, result):
            self.st_mode, self.st_size = result.st_mode, claimed

    monkeypatch.setattr(disk.os, "fstat", lambda fd: Claimed(real(fd)))
    if size <= limit:
        assert read_file(path, limit) == data
    else:
        with pytest.raises(OSError, match="larger than"):
            read_file(path, limit)


def test_a_pipe_is_refused_at_once(tmp_path):
    os.mkfifo(tmp_path / "pipe")
    with pytest.raises(NotAFile):
        read_file(tmp_path / "pipe", 100)
