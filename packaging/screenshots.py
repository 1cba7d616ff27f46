"""The README's pictures: the real Maskedit window on a virtual X server, driven as a user would.

Run it with `make screenshots` (which installs Xvfb and Qt's X11 libraries first), or directly:

    .venv/bin/python packaging/screenshots.py

It starts `Xvfb` on a free display, opens the sample photo in the main window (xcb platform,
1440 × 900), paints a mask with synthesized mouse strokes, generates twice with the offline
backend (no key, no network), opens the comparison and shows the results in the light theme.
Each step is grabbed from the X server,
so the pictures show what the window really painted. HOME and the XDG folders point at a
temporary folder: the user's settings, keys and projects are never read or touched.

Then it extends the canvas of the sample photo to 16:9 (Edit ▸ Extend Canvas) and fills the new
margins offline.

Writes resources/screenshots/{main-window,mask,results,compare,results-light,extend-before,
extend-after}.png (the AppStream metainfo in packaging/linux/ refers to the first four).
"""

from __future__ import annotations

import asyncio
import io
import json
import math
import os
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import qasync
from PIL import Image
from PySide6.QtCore import QBuffer, QEvent, QIODevice, QPointF, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from xvfb import free_display, start_xvfb  # packaging/xvfb.py, beside this script

from editor.app import SAMPLE_PHOTO, configure_application, create_main_window
from editor.core.jobs import JobState
from editor.ui import dialogs, theme

ROOT = Path(__file__).resolve().parents[1]
OUT_DIR = ROOT / "resources" / "screenshots"
WINDOW_SIZE = (1440, 900)
# The spoon of the sample photo (600 × 400), in image pixels: its handle, then rings over its bowl.
# A narrow brush for the handle (wider brushes reach into the cup), a wide one for the bowl.
SPOON_HANDLE = [(414, 66), (413, 95), (409, 125), (404, 150), (398, 175), (389, 200), (382, 222), (376, 242)]
SPOON_BOWL = (366, 286)
BOWL_RINGS = (0, 14, 28, 35)
HANDLE_BRUSH, BOWL_BRUSH = 26.0, 36.0
# The job list at its least, as a user would drag it (the Edit dock fits itself).
RESULTS_SPLIT = (1000, 1)  # the job list at its least
PROMPT = "remove the spoon"
EXTEND_ASPECT = (16, 9)
EXTEND_PROMPT = "more of the wooden table"
SETTLE_S = 0.6  # for layouts, deferred paints and the X server to catch up before a grab


def private_environment(home: Path, display: int) -> None:
    """This process's environment: the virtual display, a throwaway home, offline only."""
    for name in list(os.environ):
        if name.startswith("MASKEDIT_") or name.endswith("_API_KEY"):
            del os.environ[name]
    os.environ.update({
        "DISPLAY": f":{display}",
        "QT_QPA_PLATFORM": "xcb",
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_CACHE_HOME": str(home / "cache"),
        "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",  # never the user's keychain
        "MASKEDIT_PROVIDER": "local",
    })


def save_png(pixmap, name: str) -> int:
    """`pixmap` as an optimized PNG in OUT_DIR; its size. Full colour: a 256-colour palette
    would save a third but turns small UI colours (the green "Done") into others."""
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    pixmap.toImage().save(buffer, "PNG")
    path = OUT_DIR / f"{name}.png"
    Image.open(io.BytesIO(buffer.data().data())).convert("RGB").save(path, optimize=True)
    return path.stat().st_size


async def until(condition: Callable[[], object], timeout: float = 60.0) -> None:
    """Wait (running the event loop) until `condition()` holds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"gave up waiting after {timeout:.0f} s")
        await asyncio.sleep(0.05)


def paint_stroke(window, points: list[tuple[float, float]]) -> None:
    """A left-button drag across the canvas through image points, as mouse events."""
    canvas = window.canvas
    at = [canvas.image_to_widget(QPointF(x, y)).toPoint() for x, y in points]
    left, none = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    QTest.mouseMove(canvas, at[0])
    QTest.mousePress(canvas, left, none, at[0])
    for point in at[1:]:
        QTest.mouseMove(canvas, point)
    QTest.mouseRelease(canvas, left, none, at[-1])


def spoon_strokes() -> list[tuple[float, list[tuple[float, float]]]]:
    """(brush diameter, points): the handle in one stroke, the bowl in rings around its centre."""
    x, y = SPOON_BOWL
    rings = [[(x + r * math.cos(a * math.pi / 8), y + r * math.sin(a * math.pi / 8)) for a in range(17)]
             for r in BOWL_RINGS]
    return [(HANDLE_BRUSH, SPOON_HANDLE), *((BOWL_BRUSH, ring) for ring in rings)]


async def generate(window, model: str) -> None:
    """One Generate with the offline method `model`, to its variant on show."""
    document = window.document
    document.set_options(replace(document.options(), model=model))
    job_id = window.generation.generate()
    if job_id is None:
        raise RuntimeError(f"Generate refused: {window.statusBar().currentMessage()}")
    await until(lambda: window.queue.job(job_id).state.finished and not window.results.busy())
    job = window.queue.job(job_id)
    if job.state is not JobState.DONE:
        raise RuntimeError(f"the job failed: {job.message}")
    await until(lambda: window.results.shown() == (job_id, 0))


async def settle_docks(window) -> None:
    """The window gives its Edit dock the height it needs itself (EditDocks.fit); the job list
    at its least, as a user would drag it."""
    window.docks.fit()
    await asyncio.sleep(0.1)
    window.docks.results_dock.widget().setSizes(list(RESULTS_SPLIT))


async def shoot(window, screen, sizes: dict[str, int]) -> None:
    """Drive the window through the five pictures."""
    def grab(name: str) -> None:
        sizes[name] = save_png(screen.grabWindow(window.winId()), name)

    await until(lambda: window.document.is_open() and not window.busy())
    await settle_docks(window)
    await asyncio.sleep(1.0)
    grab("main-window")

    window.canvas.setFocus()
    for diameter, stroke in spoon_strokes():
        window.canvas.set_brush(replace(window.canvas.brush(), diameter=diameter))  # as the Size slider does
        paint_stroke(window, stroke)
        await asyncio.sleep(0.1)
    window.prompt_panel.editor.setPlainText(PROMPT)
    await asyncio.sleep(SETTLE_S)
    grab("mask")

    QApplication.sendEvent(window.canvas, QEvent(QEvent.Type.Leave))  # the pointer leaves: no brush ring
    window.actions["mask.overlay"].trigger()  # the variant itself, not tinted by the mask
    await generate(window, "telea")
    await generate(window, "navier-stokes")
    await until(lambda: not window.keeper.busy())
    await until(lambda: not window.statusBar().currentMessage(), timeout=15)  # "Job #2 started…" times out
    await asyncio.sleep(SETTLE_S)
    grab("results")

    window.actions["results.compare"].trigger()
    await until(window.comparison.active)
    view = window.comparison.page.view
    await asyncio.sleep(0.3)
    # The divider through the middle of the spoon: the original on its left, the variant right.
    view.set_split(view.transform().to_widget(QPointF(SPOON_BOWL[0], 0)).x() / view.width())
    await asyncio.sleep(SETTLE_S)
    grab("compare")

    window.comparison.leave_for("")
    theme.apply(QApplication.instance(), "light")  # the same window in the light theme
    await asyncio.sleep(SETTLE_S)
    grab("results-light")
    theme.apply(QApplication.instance(), "dark")
    await shoot_extension(window, grab)
    window.close()
    await asyncio.sleep(0.3)


async def shoot_extension(window, grab: Callable[[str], None]) -> None:
    """The sample photo's canvas extended to 16:9 (its mask and overlay as the tool leaves them),
    then its margins filled offline."""
    from editor.imaging.extend import DEFAULT_BAND_PX, extension_for_aspect

    window.actions["mask.clear"].trigger()
    window.prompt_panel.editor.setPlainText(EXTEND_PROMPT)
    window.actions["mask.overlay"].trigger()  # shown again: the margins and the band it masks
    photo = window.document.photo()
    extension = extension_for_aspect((photo.width(), photo.height()), EXTEND_ASPECT, "center")
    window.extender.extend(extension, DEFAULT_BAND_PX)
    await until(lambda: window.document.photo().width() == photo.width() + extension.left + extension.right)
    await asyncio.sleep(SETTLE_S)
    grab("extend-before")
    window.actions["mask.overlay"].trigger()
    await generate(window, "auto")
    await asyncio.sleep(SETTLE_S)
    grab("extend-after")


def run_window(home: Path) -> dict[str, int]:
    """The app's window on the current display through the five pictures; their sizes."""
    # A modal box would stop the script: errors are collected (and fail it), closing does not save.
    errors: list[tuple[str, str]] = []
    dialogs.show_error = lambda _parent, title, message: errors.append((title, message))
    dialogs.ask_save_changes = lambda _parent, _question, _detail: dialogs.DONT_SAVE
    dialogs.confirm_stop_jobs = lambda _parent, _running: True

    settings_path = home / "settings.json"
    settings_path.write_text(json.dumps({"provider": "local"}))
    app = QApplication([sys.argv[0]])
    configure_application(app)
    app.setQuitOnLastWindowClosed(False)  # the loop ends with shoot(), not with the window
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    window = create_main_window([str(SAMPLE_PHOTO)], loop=loop, settings_path=settings_path,
                                window_state_path=home / "window.ini", env=dict(os.environ), first_run=False)
    window.resize(*WINDOW_SIZE)
    window.move(0, 0)
    window.show()
    sizes: dict[str, int] = {}
    with loop:
        loop.run_until_complete(shoot(window, app.primaryScreen(), sizes))
    if errors:
        raise RuntimeError(f"the window showed errors: {errors}")
    return sizes


def main() -> int:
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    display = free_display()
    server = start_xvfb(display)
    try:
        with tempfile.TemporaryDirectory(prefix="maskedit-shots-") as home:
            private_environment(Path(home), display)
            sizes = run_window(Path(home))
    finally:
        server.terminate()
        server.wait(10)
    for name, size in sizes.items():
        print(f"{OUT_DIR.relative_to(ROOT) / name}.png  {size / 1000:.0f} kB")
    print(f"done in {time.monotonic() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
