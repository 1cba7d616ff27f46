"""File-ID mode in the window: with the provider's body set to file IDs, iterating on a photo
uploads it once; the uploads are deleted when another photo opens, when asked, and at close."""

from __future__ import annotations

from editor.settings.store import UserSettings
from tests.ui.window_driving import open_photo, paint_stroke, service_window, wait_finished, write_photo

FILES = UserSettings(body_modes=(("custom", "files"),))


def painted_files_window(qtbot, loop, tmp_path, edit_server, fake_api_key):
    """A window sending file IDs to the fake, with a photo open and a stroke painted."""
    window = service_window(qtbot, loop, tmp_path, edit_server, fake_api_key, settings=FILES)
    open_photo(qtbot, window, write_photo(tmp_path / "photo.png"))
    paint_stroke(qtbot, window, [(100, 100), (200, 150)])
    return window


def iterate(qtbot, window, times: int) -> None:
    for number in range(times):
        window.document.set_prompt(f"a red bicycle, take {number + 1}")
        wait_finished(qtbot, window, window.generation.generate())


def test_five_iterations_upload_the_photo_once_and_close_deletes_it(qtbot, loop, errors, tmp_path,
                                                                     edit_server, fake_api_key):
    window = painted_files_window(qtbot, loop, tmp_path, edit_server, fake_api_key)

    iterate(qtbot, window, 5)

    uploads, edits = edit_server.upload_requests, edit_server.edit_requests
    assert len(edits) == 5 and all(edit.json["images"][0].get("file_id") for edit in edits)
    assert len(uploads) == 2  # the photo (or its crop) and the mask, once each
    assert sum(edit.body_size for edit in edits) < 5 * 2048  # the pixels went up once
    assert window.services.uploads() == 2 and len(edit_server.uploads) == 2

    with qtbot.waitSignal(window.shut_down, timeout=10000):
        assert window.close()
    assert edit_server.uploads == []  # deleted at the provider before the app quits


def test_an_expired_upload_is_sent_again_and_deleting_on_demand(qtbot, loop, errors, tmp_path, edit_server,
                                                                  fake_api_key):
    window = painted_files_window(qtbot, loop, tmp_path, edit_server, fake_api_key)
    iterate(qtbot, window, 1)
    edit_server.expire_uploads()

    iterate(qtbot, window, 1)

    assert [job.state.label for job in window.queue.jobs()] == ["Done", "Done"]
    assert len(edit_server.upload_requests) == 4  # once more after the expiry, then reused
    window.actions["generate.delete_uploads"].trigger()
    qtbot.waitUntil(lambda: edit_server.uploads == [] and not window.busy(), timeout=10000)
    assert window.services.uploads() == 0
    assert "Deleted 2 uploaded images" in window.statusBar().currentMessage()


def test_opening_another_photo_deletes_the_last_ones_uploads(qtbot, loop, errors, tmp_path, edit_server,
                                                             fake_api_key):
    window = painted_files_window(qtbot, loop, tmp_path, edit_server, fake_api_key)
    iterate(qtbot, window, 1)
    assert len(edit_server.uploads) == 2

    open_photo(qtbot, window, write_photo(tmp_path / "other.png"))

    qtbot.waitUntil(lambda: edit_server.uploads == [], timeout=10000)
