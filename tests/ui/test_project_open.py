"""Opening a project never touches the current one until the new one has loaded: a broken,
photo-less or oversized project leaves the window, its mask and its autosave as they were."""

from __future__ import annotations

import json
import zipfile
from dataclasses import replace

import pytest

from editor.core.job_record import RECORD_KEY
from editor.core.session import LOCK, Project
from tests.ui.test_end_to_end import painted_window
from tests.ui.window_driving import wait_idle


def saved_project(qtbot, window, tmp_path, name="saved.maskedit"):
    target = tmp_path / name
    qtbot.waitUntil(lambda: not window.busy())
    window._run("save", window.projects.save_to(target))
    qtbot.waitUntil(lambda: target.exists() and not window.busy(), timeout=10000)
    return target


def photo_less(tmp_path):
    path = tmp_path / "empty.maskedit"
    with zipfile.ZipFile(path, "w") as archive:
        manifest = {"format": "maskedit-project", "version": 1, "id": "empty",
                    "document": {"prompt": "nothing here"}}
        archive.writestr("project.json", json.dumps(manifest))
    return path


@pytest.mark.parametrize("broken", ["photo-less", "damaged", "oversized photo"])
def test_a_project_that_cannot_load_leaves_the_current_one_untouched(qtbot, loop, errors, tmp_path, broken):
    window = painted_window(qtbot, loop, tmp_path)
    if broken == "oversized photo":
        big = Project.create(tmp_path / "other")
        from editor.core.project_state import DocumentState, ProjectState
        from tests.fakes.images import photo_bytes

        photo = big.store_photo(photo_bytes(1400, 1000), "png")  # 1.4 MP over a 1 MP limit
        big.save_state(ProjectState(document=DocumentState(photo_file=photo)))
        path = tmp_path / "big.maskedit"
        big.save_as(path)
        window._settings = replace(window._settings, max_megapixels=1)
    elif broken == "damaged":
        path = tmp_path / "damaged.maskedit"
        path.write_bytes(b"PK\x03\x04 not really a zip")
    else:
        path = photo_less(tmp_path)
    current = window.keeper.project
    window.keeper.save_soon()
    qtbot.waitUntil(lambda: not window.keeper.busy())
    mask_before = window.document.mask().array().copy()
    prompt_before = window.document.prompt()

    window.open_path(path)
    wait_idle(qtbot, window)

    assert errors and errors[-1][0] == "Cannot open this project"
    assert window.keeper.project.root == current.root and current.root.exists()
    assert (current.root / LOCK).exists() and (current.root / "project.json").exists()
    assert window.document.prompt() == prompt_before
    assert (window.document.mask().array() == mask_before).all()
    assert not list(current.root.parent.glob(".opening-*"))  # the staging folder went away


def test_reopening_the_same_project_keeps_its_own_lock(qtbot, loop, errors, tmp_path):
    window = painted_window(qtbot, loop, tmp_path)
    path = saved_project(qtbot, window, tmp_path)
    window.open_path(path)
    wait_idle(qtbot, window)
    assert not errors
    project = window.keeper.project
    window.open_path(path)  # the same file again
    wait_idle(qtbot, window)
    assert not errors and window.keeper.project.root == project.root
    assert (project.root / LOCK).exists()
    assert json.loads((project.root / LOCK).read_text())["started"]


def test_a_project_with_many_jobs_opens_each_old_photo_once(qtbot, loop, errors, tmp_path, monkeypatch):
    window = painted_window(qtbot, loop, tmp_path)
    path = saved_project(qtbot, window, tmp_path)
    with zipfile.ZipFile(path, "a") as archive:
        manifest = json.loads(archive.read("project.json"))
        photo = manifest["document"]["photo_file"]
        old = "photos/old-version.png"
        archive.writestr(old, (tmp_path / "street.png").read_bytes())
        for number in range(1, 31):
            record = {"started_at": "2026-11-24T10:00:00+00:00", "status": "completed", "results": [],
                      RECORD_KEY: {"job_id": f"job-{number}", "number": number, "source_photo": old}}
            archive.writestr(f"results/job-{number}.json", json.dumps(record))
    assert photo != old
    import editor.core.photo as photos

    decoded = []
    real = photos.decode_photo
    monkeypatch.setattr(photos, "decode_photo", lambda *args: decoded.append(1) or real(*args))
    window.open_path(path)
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: len(window.queue.jobs()) == 30, timeout=20000)
    assert len(decoded) == 2  # the document's photo, and the old one once for all 30 jobs


def test_a_data_folder_that_cannot_be_written_still_gives_a_whole_window(qtbot, loop, errors, tmp_path):
    from editor.settings.store import UserSettings
    from editor.ui.main_window import MainWindow

    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")  # (a read-only folder, as root sees it: nothing can go below)
    window = MainWindow(UserSettings(data_folder=str(blocked / "data")), loop=loop,
                        settings_path=tmp_path / "settings.json", env={})
    qtbot.addWidget(window)
    window.show()
    assert window.keeper.project.root.exists() and window.results is not None
    assert window.problem_notice is not None and "cannot be written" in window.problem_notice.text.text()
