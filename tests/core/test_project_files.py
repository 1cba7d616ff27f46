"""Project files and folders under hostile and broken input: one reader with limits, a clear
ProjectError for every kind of damage, bounded memory and time, and locks that know their holder.
Each test failed on the main of issue 18's audit."""

from __future__ import annotations

import json
import os
import time
import tracemalloc
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from editor.core.job_record import RECORD_KEY
from editor.core.project_state import DocumentState, ProjectState
from editor.core.session import LOCK, MAX_MEMBERS, Project, ProjectError
from tests.fakes.images import photo_bytes

MANIFEST = {"format": "maskedit-project", "version": 1, "id": "p1"}


def project_file(tmp_path, members: dict[str, bytes], name: str = "p.maskedit",
                 compression: int = zipfile.ZIP_DEFLATED):
    path = tmp_path / name
    with zipfile.ZipFile(path, "w", compression) as archive:
        for member, data in members.items():
            archive.writestr(member, data)
    return path


_SOUND: dict[str, bytes] = {}


def sound_bytes(tmp_path) -> bytes:
    """The bytes of sound_file, made once (the property test needs the same file every time)."""
    if "file" not in _SOUND:
        _SOUND["file"] = sound_file(tmp_path).read_bytes()
    return _SOUND["file"]


def sound_file(tmp_path):
    """A real project with a photo, a mask and one job, saved as a .maskedit file."""
    project = Project.create(tmp_path / "made")
    photo = project.store_photo(photo_bytes(64, 48), "png")
    project.save_state(ProjectState(document=DocumentState(photo_file=photo, prompt="a bench")))
    (project.results_dir / "photo-1.png").write_bytes(photo_bytes(32, 32))
    record = {"started_at": "2026-11-24T10:00:00+00:00", "prompt": "a bench", "status": "completed",
              "results": [{"file": "photo-1.png"}],
              RECORD_KEY: {"job_id": "job-1", "number": 1, "options": {}, "source_photo": photo}}
    (project.results_dir / "photo-1.json").write_text(json.dumps(record))
    target = tmp_path / "sound.maskedit"
    project.save_as(target)
    return target


def test_a_zip_bomb_member_is_refused_before_it_is_unpacked(tmp_path):
    path = project_file(tmp_path, {"project.json": json.dumps(MANIFEST).encode(),
                                   "photos/a.png": b"\0" * (64 * 1024 * 1024)})  # packs ~1000:1
    tracemalloc.start()
    try:
        with pytest.raises(ProjectError, match="would unpack to"):
            Project.open_file(path, tmp_path / "data")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 16 * 1024 * 1024
    assert not any((tmp_path / "data").glob("*/photos/a.png"))


def test_too_many_members_are_refused(tmp_path):
    path = tmp_path / "many.maskedit"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("project.json", json.dumps(MANIFEST))
        for index in range(MAX_MEMBERS + 1):
            archive.writestr(f"results/r{index}.json", b"")
    with pytest.raises(ProjectError, match="files; a project holds far fewer"):
        Project.open_file(path, tmp_path / "data")


@pytest.mark.parametrize("manifest", [
    {**MANIFEST, "document": ["x"]}, {**MANIFEST, "document": {"prompt": 5}},
    {**MANIFEST, "document": {"options": ["n", 2]}}, {**MANIFEST, "document": {"references": [["a"]]}},
    {**MANIFEST, "document": {"references": "ab"}}, {**MANIFEST, "document": {"photo_from": ["job", "x"]}},
    {**MANIFEST, "document": {"photo_file": 7}}, {**MANIFEST, "document": {"photo_file": "../../etc/passwd"}},
    {**MANIFEST, "document": {"mask_file": "/etc/passwd"}}, {**MANIFEST, "variants": ["a"]},
    {**MANIFEST, "version": "1"}, {**MANIFEST, "saved_to": 3}, {**MANIFEST, "created": "yesterday"},
    {**MANIFEST, "document": {"photo_from": [1, 2, 3]}}, {**MANIFEST, "document": {"references": [[1, 2]]}},
])
def test_every_malformed_manifest_is_a_clear_project_error(tmp_path, manifest):
    path = project_file(tmp_path, {"project.json": json.dumps(manifest).encode()})
    with pytest.raises(ProjectError):
        Project.open_file(path, tmp_path / "data").load_state()


def test_a_deeply_nested_manifest_is_refused_not_recursed(tmp_path):
    path = project_file(tmp_path, {"project.json": b"[" * 100_000 + b"]" * 100_000},
                        compression=zipfile.ZIP_STORED)  # packed well, it is refused as a bomb first
    with pytest.raises(ProjectError, match=r"nested too deeply|damaged"):
        Project.open_file(path, tmp_path / "data")


def test_job_records_pointing_outside_the_project_are_skipped(tmp_path):
    project = Project.create(tmp_path)
    (tmp_path / "secret.png").write_bytes(photo_bytes(8, 8))
    for number, (file, photo) in enumerate([("../../secret.png", "photos/a.png"),
                                            ("ok.png", "../../secret.png"), ("ok.png", "C:\\x.png")], 1):
        record = {"started_at": "2026-11-24T10:00:00+00:00", "results": [{"file": file}],
                  RECORD_KEY: {"job_id": f"job-{number}", "number": number, "source_photo": photo}}
        (project.results_dir / f"r{number}.json").write_text(json.dumps(record))
    assert project.job_records() == []


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_sidecar_that_is_a_pipe_a_device_or_too_deep_is_skipped_at_once(tmp_path):
    project = Project.create(tmp_path)
    os.mkfifo(project.results_dir / "a.json")
    if os.path.exists("/dev/zero"):
        os.symlink("/dev/zero", project.results_dir / "b.json")
    (project.results_dir / "c.json").write_bytes(b"[" * 200_000)
    started = time.monotonic()
    assert project.job_records() == []
    assert time.monotonic() - started < 2


def test_a_stale_lock_whose_id_now_belongs_to_another_process_counts_as_interrupted(tmp_path):
    project = Project.create(tmp_path)
    # The parent process is alive, but it started long before this lock's holder did.
    (project.root / LOCK).write_text(json.dumps({"pid": os.getppid(), "started": time.time() + 10}))
    assert project.was_interrupted() and not project.held_elsewhere()


def test_a_project_held_by_a_running_window_is_not_opened_twice(tmp_path):
    sound = sound_file(tmp_path)
    first = Project.open_file(sound, tmp_path / "data").settle()
    import psutil

    parent = psutil.Process(os.getppid())
    (first.root / LOCK).write_text(json.dumps({"pid": parent.pid, "started": parent.create_time()}))
    with pytest.raises(ProjectError, match="open in another Maskedit window"):
        Project.open_file(sound, tmp_path / "data")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_damage_to_a_project_file_is_a_clear_error_in_bounded_time_and_memory(tmp_path_factory, data):
    tmp_path = tmp_path_factory.mktemp("damaged")
    content = bytearray(sound_bytes(tmp_path))
    damage = data.draw(st.sampled_from(["truncate", "flip", "splice"]))
    if damage == "truncate":
        content = content[: data.draw(st.integers(0, len(content) - 1))]
    elif damage == "flip":
        for _ in range(data.draw(st.integers(1, 8))):
            content[data.draw(st.integers(0, len(content) - 1))] ^= 1 << data.draw(st.integers(0, 7))
    else:
        at = data.draw(st.integers(0, len(content)))
        content[at:at] = data.draw(st.binary(min_size=1, max_size=64))
    path = tmp_path / "damaged.maskedit"
    path.write_bytes(bytes(content))
    started = time.monotonic()
    tracemalloc.start()
    try:
        project = Project.open_file(path, tmp_path / "data")
        project.load_state()
        project.job_records()
    except ProjectError as error:
        assert str(error)  # a sentence, not a traceback
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert peak < 256 * 1024 * 1024 and time.monotonic() - started < 10


def test_a_sound_file_opens_and_its_job_comes_back(tmp_path):
    project = Project.open_file(sound_file(tmp_path), tmp_path / "data").settle()
    assert project.load_state().document.prompt == "a bench"
    assert [record.job_id for record in project.job_records()] == ["job-1"]


def test_results_named_after_a_photo_with_colons_or_question_marks_come_back(tmp_path):
    # Results are named after the photo; on Linux and macOS a photo may be "shot: final?.png".
    project = Project.create(tmp_path / "made")
    photo = project.store_photo(photo_bytes(64, 48), "png")
    project.save_state(ProjectState(document=DocumentState(photo_file=photo, photo_name="shot: final?.png")))
    (project.results_dir / "shot: final?-job-1.png").write_bytes(photo_bytes(32, 32))
    record = {"started_at": "2026-11-24T10:00:00+00:00", "results": [{"file": "shot: final?-job-1.png"}],
              "mask": {"file": "shot: final?-job-mask.png"},
              RECORD_KEY: {"job_id": "job-1", "number": 1, "source_photo": photo}}
    (project.results_dir / "shot: final?-job.json").write_text(json.dumps(record))
    project.save_as(tmp_path / "colons.maskedit")

    opened = Project.open_file(tmp_path / "colons.maskedit", tmp_path / "data").settle()

    (job,) = opened.job_records()
    assert [path.name for path in job.files] == ["shot: final?-job-1.png"]


def test_a_member_marked_encrypted_is_refused_with_a_sentence(tmp_path):
    # A flipped bit in a real file's directory once reached the user as zipfile's RuntimeError.
    content = bytearray(sound_bytes(tmp_path))
    entry = content.index(b"PK\x01\x02")  # the central directory's entries, the first of them
    while content[entry + 46:entry + 46 + len(b"project.json")] != b"project.json":
        entry = content.index(b"PK\x01\x02", entry + 4)
    content[entry + 8] |= 0x1  # its general-purpose flags: encrypted
    path = tmp_path / "locked.maskedit"
    path.write_bytes(bytes(content))
    with pytest.raises(ProjectError, match=r"project\.json is encrypted"):
        Project.open_file(path, tmp_path / "data")
    assert not any((tmp_path / "data").glob(".opening-*"))  # nothing of it left behind


def test_a_file_holding_one_name_twice_is_refused_and_nothing_is_left(tmp_path):
    import warnings

    path = tmp_path / "twice.maskedit"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns of the duplicate name it is asked to write
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("project.json", json.dumps(MANIFEST))
            archive.writestr("results/a.png", b"first")
            archive.writestr("results/a.png", b"second")
    with pytest.raises(ProjectError, match="could not be opened"):
        Project.open_file(path, tmp_path / "data")
    assert not any((tmp_path / "data").glob(".opening-*"))


@pytest.mark.parametrize("whole", [True, False], ids=["read-whole", "streamed"])
def test_every_member_unpacks_to_its_exact_bytes(tmp_path, monkeypatch, whole):
    from editor.core import session

    if not whole:
        monkeypatch.setattr(session, "_READ_WHOLE", 0)  # as a photo of over 8 MB is unpacked
    source = sound_file(tmp_path)
    project = Project.open_file(source, tmp_path / "data").settle()
    with zipfile.ZipFile(source) as archive:
        for info in archive.infolist():
            assert project.path(info.filename).read_bytes() == archive.read(info)
