"""Paste masks kept in the project folder, carried by a project file, and skipped when damaged."""

from __future__ import annotations

import numpy as np

from editor.core.paste_masks import PasteSnapshot
from editor.core.paste_store import LIST, read_pastes, write_pastes
from editor.core.project_state import DocumentState, ProjectState
from editor.core.session import Project


def coverage(value: int, box: tuple[int, int, int, int]) -> np.ndarray:
    mask = np.zeros((30, 40), np.uint8)
    x0, y0, x1, y1 = box
    mask[y0:y1, x0:x1] = value
    return mask


def test_paste_masks_round_trip_through_a_project_file(tmp_path):
    project = Project.create(tmp_path / "data")
    project.save_state(ProjectState(document=DocumentState(prompt="hi")))
    own, mix = coverage(255, (5, 5, 20, 20)), coverage(200, (10, 0, 40, 8))
    write_pastes(project, {("job-1-ab", 0): PasteSnapshot(own, ((("job-2-cd", 1), mix),), 7.5)})
    write_pastes(project, {("job-2-cd", 1): PasteSnapshot(mix, (), None)})  # the first stays listed
    target = tmp_path / "mine.maskedit"
    project.save_as(target)
    project.remove()
    opened = Project.open_file(target, tmp_path / "data").settle()
    pastes = read_pastes(opened, (40, 30))
    assert set(pastes) == {("job-1-ab", 0), ("job-2-cd", 1)}
    first = pastes["job-1-ab", 0]
    assert np.array_equal(first.own, own) and first.feather == 7.5
    assert first.mixes[0][0] == ("job-2-cd", 1) and np.array_equal(first.mixes[0][1], mix)
    assert pastes["job-2-cd", 1].feather is None and pastes["job-2-cd", 1].mixes == ()
    assert [record.job_id for record in opened.job_records()] == []  # no job record mistaken


def test_a_project_without_paste_masks_has_none(tmp_path):
    assert read_pastes(Project.create(tmp_path / "data"), (40, 30)) == {}


def test_damaged_entries_are_skipped_and_the_rest_read(tmp_path):
    project = Project.create(tmp_path / "data")
    write_pastes(project, {("job-1-ab", 0): PasteSnapshot(coverage(255, (0, 0, 4, 4)), (), 2.0)})
    listed = project.path(LIST).read_text()
    outside = '{"job": "x", "index": 0, "mask": "../../etc/passwd"},'
    project.path(LIST).write_text(listed.replace("[", "[" + outside, 1))
    assert set(read_pastes(project, (40, 30))) == {("job-1-ab", 0)}
    project.path(LIST).write_text("not json")
    assert read_pastes(project, (40, 30)) == {}
