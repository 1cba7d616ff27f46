"""The project folder and .maskedit files: what is stored comes back, and a dead window's project
is found again."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile

import numpy as np
import pytest

from editor.core.job_record import RECORD_KEY
from editor.core.project_state import DocumentState, ProjectState, VariantFlags, with_flags
from editor.core.session import LOCK, Project, ProjectError, interrupted_projects


def coverage() -> np.ndarray:
    mask = np.zeros((40, 60), np.uint8)
    mask[10:30, 20:50] = 255
    mask[12, 22] = 77
    return mask


def write_record(project: Project, job_id: str, number: int, image: bytes = b"\x89PNG fake") -> None:
    name = f"photo-{number}"
    (project.results_dir / f"{name}-1.png").write_bytes(image)
    record = {"started_at": "2026-11-24T10:00:00+00:00", "prompt": f"prompt {number}", "status": "completed",
              "elapsed_s": 2.5, "usage": {"total_tokens": 100 * number}, "request_id": f"req-{number}",
              "results": [{"file": f"{name}-1.png"}, {"file": "gone.png"}],
              "mask": {"path": f"/elsewhere/{name}-mask.png", "file": f"{name}-mask.png", "mode": "coverage"},
              RECORD_KEY: {"job_id": job_id, "number": number, "provider_label": "Requesty",
                           "options": {"n": 1}, "source_photo": "photos/a.png"}}
    (project.results_dir / f"{name}.json").write_text(json.dumps(record))


def test_document_and_flags_round_trip_through_the_manifest(tmp_path):
    project = Project.create(tmp_path)
    photo = project.store_photo(b"jpeg bytes", "JPG")
    assert photo.startswith("photos/") and photo.endswith(".jpg")
    assert project.store_photo(b"jpeg bytes", "jpg") == photo  # once per content
    mask = project.store_mask(coverage())
    reference = project.store_reference("cat.webp", b"webp bytes")
    document = DocumentState(photo_file=photo, original_photo_file=photo, photo_name="a.jpg",
                             photo_path="/x/a.jpg", mask_file=mask, prompt="a red car ☕",
                             options={"n": 2, "model": "m"}, references=(("cat.webp", reference),),
                             photo_from=("job-1-abc", 1))
    state = with_flags(ProjectState(document=document), "job-1-abc", 0, starred=True)
    project.save_state(state)
    loaded = Project(project.root).load_state()
    assert loaded.document == document
    assert loaded.flags == {"job-1-abc/0": VariantFlags(starred=True)}
    assert np.array_equal(project.read_mask(mask), coverage())
    assert project.read_mask(mask, (30, 20)).shape == (20, 30)
    assert project.read_bytes(reference) == b"webp bytes"


def test_photo_pixels_are_stored_losslessly(tmp_path):
    project = Project.create(tmp_path)
    pixels = np.random.default_rng(1).integers(0, 256, (16, 24, 4), np.uint8)
    relative = project.store_photo_pixels(pixels)
    import cv2

    back = cv2.cvtColor(cv2.imdecode(np.frombuffer(project.read_bytes(relative), np.uint8),
                                     cv2.IMREAD_UNCHANGED), cv2.COLOR_BGRA2RGBA)
    assert np.array_equal(back, pixels)


def test_job_records_come_back_in_job_order_with_the_files_that_exist(tmp_path):
    project = Project.create(tmp_path)
    write_record(project, "job-2-b", 2)
    write_record(project, "job-1-a", 1)
    (project.results_dir / "broken.json").write_text("{not json")
    records = project.job_records()
    assert [record.job_id for record in records] == ["job-1-a", "job-2-b"]
    first = records[0]
    assert first.prompt == "prompt 1" and first.usage == {"total_tokens": 100}
    assert [path.name for path in first.files] == ["photo-1-1.png"]
    # As JobWriter writes them: the mask beside the images, named relative to the project.
    assert first.mask_file == "results/photo-1-mask.png" and first.source_photo == "photos/a.png"


def test_a_project_file_holds_everything_and_reopens(tmp_path):
    project = Project.create(tmp_path / "data")
    photo = project.store_photo(b"png bytes", "png")
    project.save_state(ProjectState(document=DocumentState(photo_file=photo, prompt="hello")))
    write_record(project, "job-1-a", 1, image=b"result bytes")
    project.lock()
    target = tmp_path / "mine.maskedit"
    project.save_as(target)
    with zipfile.ZipFile(target) as archive:
        names = set(archive.namelist())
    assert LOCK not in names and "project.json" in names and photo in names
    project.unlock()
    project.remove()
    opened = Project.open_file(target, tmp_path / "data").settle()
    assert opened.load_state().document.prompt == "hello"
    assert opened.read_bytes(photo) == b"png bytes"
    assert [r.job_id for r in opened.job_records()] == ["job-1-a"]
    assert opened.job_records()[0].files[0].read_bytes() == b"result bytes"


def test_reopening_a_project_file_keeps_results_that_arrived_after_it_was_saved(tmp_path):
    project = Project.create(tmp_path / "data")
    project.save_state(ProjectState(document=DocumentState(prompt="saved")))
    target = tmp_path / "p.maskedit"
    project.save_as(target)
    write_record(project, "job-1-a", 1)
    again = Project.open_file(target, tmp_path / "data").settle()
    assert again.root == project.root
    assert [r.job_id for r in again.job_records()] == ["job-1-a"]


def test_reopening_a_project_unpacks_only_what_its_folder_lacks(tmp_path, monkeypatch):
    from editor.core import session

    project = Project.create(tmp_path / "data")
    photo = project.store_photo(b"png bytes", "png")
    project.save_state(ProjectState(document=DocumentState(photo_file=photo, prompt="saved")))
    write_record(project, "job-1-a", 1, image=b"first")
    write_record(project, "job-2-b", 2, image=b"second")
    target = tmp_path / "p.maskedit"
    project.save_as(target)
    (project.results_dir / "photo-2-1.png").write_bytes(b"second, as the folder has it")
    (project.results_dir / "photo-1-1.png").unlink()  # lost from the folder: the file has it
    unpacked: list[str] = []
    real = session._extract
    monkeypatch.setattr(session, "_extract", lambda archive, members, staging: (
        unpacked.extend(info.filename for info, _parts in members), real(archive, members, staging))[1])

    again = Project.open_file(target, tmp_path / "data").settle()

    assert sorted(unpacked) == sorted([photo, "project.json", "results/photo-1-1.png"])
    assert again.root == project.root and again.load_state().document.prompt == "saved"
    assert (again.results_dir / "photo-1-1.png").read_bytes() == b"first"
    assert (again.results_dir / "photo-2-1.png").read_bytes() == b"second, as the folder has it"
    assert [r.job_id for r in again.job_records()] == ["job-1-a", "job-2-b"]


@pytest.mark.parametrize("content", [b"not a zip", b""])
def test_a_damaged_project_file_is_a_sentence(tmp_path, content):
    path = tmp_path / "bad.maskedit"
    path.write_bytes(content)
    with pytest.raises(ProjectError, match="not a Maskedit project or it is damaged"):
        Project.open_file(path, tmp_path / "data")


@pytest.mark.parametrize("name", ["../../escaped.txt", "..\\..\\escaped.txt", "C:\\escaped.txt",
                                  "/escaped.txt", "photos/../../escaped.txt", "elsewhere/escaped.txt",
                                  "photos/a/b/c/d.png"])
def test_a_project_file_cannot_write_outside_its_folder(tmp_path, name):
    path = tmp_path / "evil.maskedit"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("project.json", json.dumps({"format": "maskedit-project", "id": "evil"}))
        archive.writestr(name, "x")
    with pytest.raises(ProjectError, match="no Maskedit project has"):
        Project.open_file(path, tmp_path / "data")
    assert not list(tmp_path.rglob("escaped.txt"))
    assert not (tmp_path / "data").exists() or not list((tmp_path / "data").iterdir())  # nothing left


def test_a_newer_format_is_refused_with_a_sentence(tmp_path):
    project = Project.create(tmp_path)
    (project.root / "project.json").write_text(json.dumps({"format": "maskedit-project", "version": 99}))
    with pytest.raises(ProjectError, match="newer Maskedit"):
        project.load_state()


def test_only_projects_of_dead_processes_count_as_interrupted(tmp_path):
    mine, dead, clean = (Project.create(tmp_path) for _ in range(3))
    mine.lock()
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    (dead.root / LOCK).write_text(json.dumps({"pid": child.pid}))
    assert [project.root for project in interrupted_projects(tmp_path)] == [dead.root]
    assert not mine.was_interrupted() and not clean.was_interrupted()
    assert os.getpid() == mine.lock_pid()
