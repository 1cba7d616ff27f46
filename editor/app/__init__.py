"""Composition root: the QApplication, the qasync event loop, settings, the window, the backend
for each job, shutdown.

`maskedit photo.jpg` (or `python -m editor photo.jpg`) opens the photo given on the command line.
The first start (no settings file yet) opens a sample photo; without a key it starts offline and
says how to add one. For scripted use and tests these environment variables override the
session (never saved): MASKEDIT_PROVIDER, MASKEDIT_BASE_URL, MASKEDIT_MODEL, MASKEDIT_API_KEY.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_API", "pyside6")  # qasync would otherwise take PyQt5 if it is installed

import atexit
import logging
import signal
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QSize, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

import editor
from editor.app.main_thread_gc import MainThreadCollector
from editor.resources import APP_ICON_SIZES, SAMPLE_PHOTO, app_icon_png
from editor.secrets import install_redaction
from editor.settings.keys import find_api_key
from editor.settings.store import UserSettings, config_dir, data_dir, load_settings
from editor.settings.store import settings_path as default_settings_path
from editor.ui.main_window import MainWindow

if TYPE_CHECKING:
    import asyncio

    from editor.backends.base import EditBackend
    from editor.backends.file_ids import FileIds
    from editor.pipeline.options import EditOptions

log = logging.getLogger(__name__)

LOG_FILE = "maskedit.log"
WINDOW_STATE_FILE = "window.ini"
# The desktop file, the AppStream id and the icon name (packaging/linux/).
DESKTOP_ID = "io.github.maskedit.Maskedit"
# Only for tests/benchmarks/bench_startup.py: quit right after the window's first paint, so a
# whole process measures "start to window shown". Not a user option.
EXIT_AFTER_SHOW_ENV = "MASKEDIT_EXIT_AFTER_SHOW"


def configure_logging() -> Path | None:
    """Warnings to stderr; everything from INFO up to a small rotating file. Returns the file.

    The file handler (logging.handlers brings socket and pickle, ~10 ms) is made after the
    window's first paint, by `attach_log_file`; until then records wait in memory, and they are
    written at exit if the window never painted."""
    root = logging.getLogger()
    if root.handlers:  # embedded (tests, another host): leave their logging alone, keys aside
        install_redaction(root)
        return None
    root.setLevel(logging.INFO)
    console = logging.StreamHandler()
    console.setLevel(logging.WARNING)
    root.addHandler(console)
    path = data_dir() / LOG_FILE
    early = _EarlyRecords(path)
    root.addHandler(early)
    install_redaction(root)  # no key reaches the terminal or the log file, whoever logs it
    atexit.register(attach_log_file)
    return path


class _EarlyRecords(logging.Handler):
    """Holds the records logged before the log file is opened (a bounded number)."""

    LIMIT = 1000

    def __init__(self, path: Path) -> None:
        super().__init__(logging.INFO)
        self.path = path
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if len(self.records) < self.LIMIT:
            self.records.append(record)


def attach_log_file() -> Path | None:
    """Open the rotating log file in place of the records held since start; the file, or None
    when there is none (embedded, already open, or it cannot be written: said on stderr)."""
    import logging.handlers

    root = logging.getLogger()
    early = next((handler for handler in root.handlers if isinstance(handler, _EarlyRecords)), None)
    if early is None:
        return None
    root.removeHandler(early)
    try:
        early.path.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(early.path, maxBytes=1_000_000, backupCount=2,
                                                       encoding="utf-8")
    except OSError as exc:
        log.warning("no log file (%s)", exc)
        return None
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    install_redaction(root)
    for record in early.records:  # redacted when they were held, and again here
        handler.handle(record)
    return early.path


def configure_application(app: QApplication) -> None:
    app.setApplicationName("Maskedit")
    app.setOrganizationName("Maskedit")
    app.setDesktopFileName(DESKTOP_ID)  # Wayland matches the window to the .desktop file by it
    app.setWindowIcon(app_icon())  # the style (Fusion) comes with the theme: ui.theme.apply
    if app.findChild(MainThreadCollector) is None:
        MainThreadCollector(app)  # Qt objects in reference cycles are freed on the GUI thread


def app_icon() -> QIcon:
    """The app icon from its PNG sizes (no SVG plugin needed; crisp at 16 px as drawn)."""
    icon = QIcon()
    for size in APP_ICON_SIZES:
        icon.addFile(str(app_icon_png(size)), QSize(size, size))
    return icon


def photo_arguments(arguments: Sequence[str]) -> list[str]:
    """The photo paths among command-line arguments (Qt's own -options already removed)."""
    return [arg for arg in arguments if arg and not arg.startswith("-")]


def build_backend(options: EditOptions, settings: UserSettings, env: Mapping[str, str], *,
                  files: FileIds | None = None) -> EditBackend:
    """The backend for one job, from its provider: the key (MASKEDIT_API_KEY, the provider's own
    variable, then the keychain), the base URL (MASKEDIT_BASE_URL, then Settings), the request
    body and the timeout; `files` keeps file IDs across jobs. Raises InvalidRequest with a sentence
    when the provider cannot be used as configured."""
    # httpx or OpenCV, Pillow and numpy: loaded for the first job, never before the first paint.
    from editor.backends import create_backend
    from editor.backends.base import InvalidRequest
    from editor.backends.providers import PROFILES
    from editor.settings.environment import base_url_for

    profile = PROFILES.get(options.provider)
    if profile is None:
        raise InvalidRequest(f"There is no provider called '{options.provider}'. Choose one in the options.")
    key = None
    if profile.needs_key:
        lookup = find_api_key(profile, env)
        if not lookup.found:
            raise InvalidRequest(lookup.problem or f"No API key for {profile.label}. "
                                 "Open Settings → Provider to add one.")
        key = lookup.key
    return create_backend(profile, api_key=key, base_url=base_url_for(settings, profile.name, env),
                          model=options.model or None, read_timeout=settings.read_timeout_s,
                          body=settings.body_for(profile.name), files=files)


def _start_state(settings_path: Path | None, window_state_path: Path | None,
                 first_run: bool | None) -> tuple[UserSettings, Path | None, bool]:
    """The settings, where the window state lives, and whether this is the first run."""
    if first_run is None:
        first_run = not (settings_path or default_settings_path()).exists()
    settings = load_settings(settings_path)
    if window_state_path is None and settings_path is None:
        window_state_path = config_dir() / WINDOW_STATE_FILE
    return settings, window_state_path, first_run


def create_main_window(paths: Sequence[str], *, loop: asyncio.AbstractEventLoop,
                       settings_path: Path | None = None,
                       window_state_path: Path | None = None,
                       env: Mapping[str, str] | None = None,
                       first_run: bool | None = None) -> MainWindow:
    """The object graph as main() builds it, in one go and without running the event loop
    (tests use this; main() builds the same in two stages around the first paint).

    `first_run` (default: no settings file yet) opens the sample photo when no photo is given,
    and shows how to add a key when none is found."""
    settings, window_state_path, first_run = _start_state(settings_path, window_state_path, first_run)
    window = MainWindow(settings, loop=loop, settings_path=settings_path, window_state_path=window_state_path,
                        build_backend=build_backend, env=env)
    _open_start_photo(window, paths, first_run)
    return window


def _open_start_photo(window: MainWindow, paths: Sequence[str], first_run: bool) -> None:
    """The command-line photo, or on the first run the sample and the hint about keys; and the
    offer to restore the work of a window that died."""
    if window.offer_restore():
        first_run = False
    if paths:
        window.open_path(paths[0])
    elif first_run and SAMPLE_PHOTO.is_file():
        window.open_path(SAMPLE_PHOTO)
    if first_run and window.document.options().provider == "local":
        window.show_first_run_hint()
    if len(paths) > 1:
        window.statusBar().showMessage("Maskedit edits one photo at a time; the first one is opening.", 8000)



class _QuitAfterFirstPaint(QObject):
    """The benchmark's hook (MASKEDIT_EXIT_AFTER_SHOW=1): quit once the window has painted."""

    def eventFilter(self, watched, event) -> bool:
        if event.type() == QEvent.Type.Paint:
            watched.removeEventFilter(self)
            QTimer.singleShot(0, QApplication.quit)
        return False


async def _load_job_modules() -> None:
    """Import what the first Generate needs (httpx, the HTTP backend, keyring: ~150 ms) in a worker
    while the window is already usable, then set it aside from collections like the rest of
    start-up: the first Generate neither waits for the imports nor pays for the collector's first
    walk over them (~25 ms on the GUI thread). Then what killed Maskedit processes left in
    memory while encoding is removed."""
    import asyncio

    await asyncio.to_thread(_import_job_modules)
    MainThreadCollector.settle()
    await asyncio.to_thread(_remove_stale_memory_files)


def _remove_stale_memory_files() -> None:
    from editor.imaging.prepare import remove_stale_memory_files

    if removed := remove_stale_memory_files():
        log.info("removed %d encoding files left by Maskedit processes that were killed", removed)


def _import_job_modules() -> None:
    # Imported for their being loaded: what build_backend and the HTTP backend import, and the
    # asyncio side of anyio, which httpcore imports at its first request (on the GUI thread): a
    # private module of a library httpx brings, so its absence is no error.
    import contextlib

    import keyring.errors  # noqa: F401
    with contextlib.suppress(ImportError):
        import anyio._backends._asyncio  # noqa: F401

    import editor.backends.openai_http
    import editor.settings.environment  # noqa: F401


def _log_start_up_error(error: BaseException) -> None:
    # Not worth a dialog: the first Generate imports the same modules and says what is wrong.
    log.warning("loading the job modules ahead failed: %s", error)


def _announce_start(app: QApplication, log_file: Path | None) -> None:
    # The version lookup (importlib.metadata, ~20 ms) waits until the window is on screen.
    app.setApplicationVersion(editor.__version__)
    log.info("Maskedit %s started (log: %s)", editor.__version__, log_file)


def install_error_hooks(window: MainWindow, loop: asyncio.AbstractEventLoop) -> None:
    """Errors escaping a slot or a task are logged and shown as a sentence, never a traceback."""

    def excepthook(kind, error, traceback) -> None:
        if issubclass(kind, KeyboardInterrupt):
            window.close()
            return
        window.report_unexpected(error.with_traceback(traceback))

    def loop_errors(_loop, context: dict) -> None:
        error = context.get("exception")
        if error is None:
            log.warning("event loop: %s", context.get("message"))
        else:
            window.report_unexpected(error)

    sys.excepthook = excepthook
    loop.set_exception_handler(loop_errors)


def _start_event_loop(app: QApplication) -> asyncio.AbstractEventLoop:
    """The qasync loop on the Qt loop that is already running: asyncio (~30 ms to import) loads
    after the window's first paint."""
    import asyncio

    import qasync

    from editor.app.worker_threads import WorkerExecutor, hand_over_quickly

    loop = qasync.QEventLoop(app, already_running=True)
    # Pixel work in worker threads never holds the GUI thread still for a frame.
    hand_over_quickly()
    loop.set_default_executor(WorkerExecutor())
    asyncio.set_event_loop(loop)
    return loop


def _close_event_loop(loop: asyncio.AbstractEventLoop) -> None:
    import asyncio

    loop.stop()
    loop.close()  # waits for the worker threads of asyncio.to_thread
    asyncio.events._set_running_loop(None)  # already_running mode set it; nothing else clears it


def main(argv: Sequence[str] | None = None) -> int:
    """Start the window in two stages: its frame (menus, tool bars, the empty state, the docks'
    frames) is shown with Qt alone; right after its first paint the event loop starts, the
    canvas, document and Generate side are built and the command-line photo opens."""
    argv = list(sys.argv if argv is None else argv)
    if "--version" in argv[1:]:  # answered before Qt starts: no window, no display needed
        print(f"maskedit {editor.__version__}")  # print: a no-op, not a crash, without a console
        return 0
    configure_logging()
    existing = QApplication.instance()
    app = existing or QApplication(argv)
    configure_application(app)
    arguments = argv[1:] if existing else app.arguments()[1:]
    paths = photo_arguments(arguments)
    settings, window_state_path, first_run = _start_state(None, None, None)
    window = MainWindow(settings, loop=None, window_state_path=window_state_path,
                        build_backend=build_backend, staged=True)
    loops: list[asyncio.AbstractEventLoop] = []

    def finish_start() -> None:
        loops.append(_start_event_loop(app))
        install_error_hooks(window, loops[0])
        window.complete(loops[0])
        MainThreadCollector.settle()  # numpy, OpenCV, Pillow and the whole window, before any photo
        window.tasks.group("start-up", on_error=_log_start_up_error).start(_load_job_modules())
        _open_start_photo(window, paths, first_run)
        _announce_start(app, attach_log_file())

    window.after_first_paint(finish_start)
    # Closing the window cancels and awaits every task it owns (a job in flight closes its
    # connection and keeps what arrived); the app quits when that is done.
    app.setQuitOnLastWindowClosed(False)
    window.shut_down.connect(app.quit)
    # Ctrl+C in the terminal closes the window the normal way (settings saved). Qt's loop does
    # not run Python code by itself, so a timer gives the signal handler a chance to run.
    signal.signal(signal.SIGINT, lambda *_: window.close())
    heartbeat = QTimer(interval=250)
    heartbeat.timeout.connect(lambda: None)
    heartbeat.start()
    if os.environ.get(EXIT_AFTER_SHOW_ENV) == "1":
        quit_after_paint = _QuitAfterFirstPaint(window)
        window.installEventFilter(quit_after_paint)
    MainThreadCollector.settle()  # the frame, its modules and Qt's enums stay for the session
    window.show()
    try:
        app.exec()
    finally:
        if loops:
            _close_event_loop(loops[0])
        sys.excepthook = sys.__excepthook__
        signal.signal(signal.SIGINT, signal.default_int_handler)
    return 0
