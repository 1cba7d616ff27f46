"""Driving the real main window in tests: a photo on disk, real mouse strokes and keys, and
waiting for jobs. Shared by the end-to-end and Generate tests (fixtures: tests/ui/conftest.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image
from PySide6.QtCore import QPoint, QPointF, Qt

from editor.core.jobs import Job
from editor.ui.main_window import MainWindow

LEFT, RIGHT = (200, 40, 30), (30, 90, 220)


def write_photo(path: Path, width: int = 400, height: int = 300) -> Path:
    """Left half red-ish, right half blue-ish."""
    pixels = np.zeros((height, width, 3), np.uint8)
    pixels[:, : width // 2] = LEFT
    pixels[:, width // 2 :] = RIGHT
    Image.fromarray(pixels).save(path)
    return path


def wait_idle(qtbot, window: MainWindow) -> None:
    qtbot.waitUntil(lambda: not window.busy(), timeout=15000)


def open_photo(qtbot, window: MainWindow, path: Path) -> None:
    window.open_path(path)
    wait_idle(qtbot, window)


def to_widget(window: MainWindow, x: float, y: float) -> QPoint:
    return window.canvas.image_to_widget(QPointF(x, y)).toPoint()


def paint_stroke(qtbot, window: MainWindow, points: list[tuple[float, float]]) -> None:
    """A real left-button drag across the canvas through image points."""
    canvas = window.canvas
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=to_widget(window, *points[0]))
    for point in points[1:]:
        qtbot.mouseMove(canvas, to_widget(window, *point))
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=to_widget(window, *points[-1]))


def press_keys(qtbot, window: MainWindow, key: Qt.Key, modifiers=Qt.KeyboardModifier.NoModifier,
               target=None) -> None:
    """A key press as the user makes it: to the focused widget (the canvas unless told) of the
    active window."""
    window.activateWindow()
    qtbot.waitActive(window)
    target = target or window.canvas
    target.setFocus()
    qtbot.keyClick(target, key, modifiers)


def generate_with_keys(qtbot, window: MainWindow, target=None) -> Job:
    """Ctrl+Enter as the user presses it; the job it started."""
    before = len(window.queue.jobs())
    press_keys(qtbot, window, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier, target)
    jobs = window.queue.jobs()
    assert len(jobs) == before + 1, window.statusBar().currentMessage()
    return jobs[-1]


def wait_finished(qtbot, window: MainWindow, job_id: str, timeout: int = 30000) -> Job:
    qtbot.waitUntil(lambda: window.queue.job(job_id).state.finished, timeout=timeout)
    qtbot.waitUntil(lambda: not window.results.busy(), timeout=timeout)
    return window.queue.job(job_id)


def service_window(qtbot, loop, tmp_path: Path, edit_server, api_key: str, *, provider: str = "custom",
                   build_backend=None, settings=None, **env: str) -> MainWindow:
    """A shown main window whose jobs go to the loopback fake through the real backend factory;
    `env` adds variables (MASKEDIT_MODEL=…), `settings` replaces the default UserSettings."""
    from editor.app import build_backend as real_backend_factory
    from editor.settings.store import UserSettings

    variables = {"MASKEDIT_PROVIDER": provider, "MASKEDIT_BASE_URL": edit_server.base_url,
                 "MASKEDIT_API_KEY": api_key, **env}
    window = MainWindow(settings or UserSettings(), loop=loop, settings_path=tmp_path / "settings.json",
                        build_backend=build_backend or real_backend_factory, env=variables)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window
