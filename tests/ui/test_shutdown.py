"""Closing the window: one owner cancels and awaits every task, so a job in flight ends cancelled
with its connection closed and what arrived kept, before the app is told it may quit."""

from __future__ import annotations

from editor.app import build_backend
from editor.core.jobs import JobState
from tests.fakes.faults import Fault
from tests.ui.window_driving import open_photo, paint_stroke, service_window, write_photo


def test_closing_awaits_every_task_and_closes_every_connection(qtbot, loop, errors, tmp_path, edit_server,
                                                               fake_api_key):
    built = []

    def recording_backend(options, settings, env):
        built.append(build_backend(options, settings, env))
        return built[-1]

    window = service_window(qtbot, loop, tmp_path, edit_server, fake_api_key, build_backend=recording_backend)
    open_photo(qtbot, window, write_photo(tmp_path / "photo.png"))
    paint_stroke(qtbot, window, [(100, 100), (200, 150)])
    window.document.set_prompt("a red bicycle")
    edit_server.script(Fault.slow(20), Fault.slow(20))
    first, second = window.generator.generate(), window.generator.generate()
    qtbot.waitUntil(lambda: len(edit_server.edit_requests) == 2, timeout=10000)
    assert window.tasks.busy()

    with qtbot.waitSignal(window.shut_down, timeout=10000):
        assert window.close()

    assert [window.queue.job(job).state for job in (first, second)] == [JobState.CANCELLED] * 2
    assert len(built) == 2 and all(backend._client is None for backend in built)
    assert not window.tasks.busy() and window.tasks.tasks() == []
