"""The projects kept in the data folder: which are listed as drafts, what the list says of each,
their pictures (a hostile file gets none), and deleting one."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import numpy as np
from PIL import Image

from editor.core.drafts import THUMB_SIDE, THUMBNAILS, delete_draft, list_drafts
from editor.core.project_state import DocumentState, ProjectState
from editor.core.session import LOCK, Project
from tests.core.test_session import write_record


def picture(path: Path, size=(600, 400), colour=(200, 40, 30)) -> bytes:
    Image.new("RGB", size, colour).save(path)
    return path.read_bytes()


def kept(tmp_path: Path, name: str, *, results: int = 1, saved_to: str | None = None) -> Project:
    project = Project.create(tmp_path)
    project.save_state(ProjectState(document=DocumentState(photo_name=name), saved_to=saved_to))
    for number in range(1, results + 1):
        write_record(project, f"job-{number}", number, picture(tmp_path / "source.png"))
    return project


def test_only_projects_that_hold_a_result_or_a_file_are_listed_newest_first(tmp_path):
    old = kept(tmp_path, "old.png", results=2)
    saved = kept(tmp_path, "saved.png", results=0, saved_to=str(tmp_path / "saved.maskedit"))
    empty = kept(tmp_path, "nothing.png", results=0)
    for age, project in ((300, old), (100, saved)):
        stamp = time.time() - age
        for path in [project.root / "project.json", project.results_dir, *project.results_dir.iterdir()]:
            os.utime(path, (stamp, stamp))

    drafts = list_drafts(tmp_path)
    assert [d.title for d in drafts] == ["saved.png", "old.png"]
    assert empty.root not in [d.root for d in drafts]
    assert drafts[1].summary() == "2 jobs · 2 results"
    assert drafts[0].saved_to == tmp_path / "saved.maskedit" and not drafts[0].saved
    assert list_drafts(tmp_path, exclude=old.root) == drafts[:1]


def test_a_project_open_in_a_live_window_is_not_listed_but_a_dead_windows_is(tmp_path):
    live = kept(tmp_path, "live.png")
    (live.root / LOCK).write_text(json.dumps({"pid": os.getppid()}))  # a running process, not us
    dead = kept(tmp_path, "dead.png")
    (dead.root / LOCK).write_text(json.dumps({"pid": 2 ** 22 + 12345}))
    [draft] = list_drafts(tmp_path)
    assert draft.title == "dead.png" and draft.interrupted


def test_unfinished_jobs_are_counted_as_possibly_billed(tmp_path):
    project = kept(tmp_path, "street.png", results=1)
    record = json.loads((project.results_dir / "photo-1.json").read_text())
    record["status"] = "cancelled"
    (project.results_dir / "photo-1.json").write_text(json.dumps(record))
    [draft] = list_drafts(tmp_path)
    assert draft.summary() == "1 job · 1 result · 1 cancelled, failed or interrupted"


def test_the_picture_is_the_newest_result_small_and_cached(tmp_path):
    project = kept(tmp_path, "street.png")
    [draft] = list_drafts(tmp_path)
    assert draft.thumbnail == tmp_path / THUMBNAILS / f"{project.id}.png"
    with Image.open(draft.thumbnail) as image:
        assert max(image.size) == THUMB_SIDE
        assert np.asarray(image.convert("RGB"))[10, 10].tolist() == [200, 40, 30]
    made = draft.thumbnail.stat().st_mtime_ns
    assert list_drafts(tmp_path)[0].thumbnail.stat().st_mtime_ns == made  # not made again


def test_a_damaged_or_hostile_result_gets_no_picture_and_does_not_hide_the_draft(tmp_path):
    project = kept(tmp_path, "street.png")
    (project.results_dir / "photo-1-1.png").write_bytes(b"\x89PNG\r\n\x1a\n not really")
    [draft] = list_drafts(tmp_path)
    assert draft.thumbnail is None and draft.results == 1


def test_a_damaged_manifest_is_skipped(tmp_path):
    kept(tmp_path, "good.png")
    broken = kept(tmp_path, "broken.png")
    (broken.root / "project.json").write_text("{not json")
    assert [d.title for d in list_drafts(tmp_path)] == ["good.png"]


def test_deleting_a_draft_removes_its_folder_and_picture_but_not_its_file(tmp_path):
    saved = tmp_path / "street.maskedit"
    saved.write_bytes(b"zip")
    project = kept(tmp_path, "street.png", saved_to=str(saved))
    [draft] = list_drafts(tmp_path)
    assert draft.saved
    delete_draft(draft)
    assert not project.root.exists() and not draft.thumbnail.exists() and saved.is_file()
    assert list_drafts(tmp_path) == []
