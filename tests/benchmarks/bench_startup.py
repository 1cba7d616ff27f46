"""cold_start: process start to the main window's first paint, against a bare PySide6 window.
startup_imports: the time both spend importing (python -X importtime), Maskedit's split by
top-level package, so a regression names its cause (a package that was not there before, or one
that grew).

Both sides are whole processes under QT_QPA_PLATFORM=offscreen that quit right after their
window's first paint: Maskedit through its benchmark-only MASKEDIT_EXIT_AFTER_SHOW=1 hook
(editor/app.py), the floor a script that shows an empty QMainWindow. Runs alternate so machine
noise hits both alike; the figure is the ratio of medians. Maskedit starts as a returning user
does (a settings file, no photo), in private XDG folders so no real settings are touched.
"""

from __future__ import annotations

import compileall
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import editor
from tests.benchmarks.harness import Figure, median

RUNS = 25  # more runs: a few ms of machine noise moves a ~2x ratio visibly
IMPORT_RUNS = 5
IMPORTS_LISTED = 8
# What the window's first paint must never wait for: each is loaded when first needed.
HEAVY = ("numpy", "cv2", "PIL", "httpx", "qasync", "asyncio", "keyring")
ROOT = Path(__file__).resolve().parents[2]

BARE_SCRIPT = textwrap.dedent(
    """
    import sys
    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QApplication, QMainWindow

    class QuitAfterPaint(QObject):
        def eventFilter(self, watched, event):
            if event.type() == QEvent.Type.Paint:
                watched.removeEventFilter(self)
                QTimer.singleShot(0, QApplication.quit)
            return False

    app = QApplication(sys.argv)
    window = QMainWindow()
    window.resize(1400, 900)
    hook = QuitAfterPaint(window)
    window.installEventFilter(hook)
    window.show()
    sys.exit(app.exec())
    """
)


def _environment(home: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(QT_QPA_PLATFORM="offscreen", QT_API="pyside6", MASKEDIT_EXIT_AFTER_SHOW="1",
               XDG_CONFIG_HOME=str(home / "config"), XDG_DATA_HOME=str(home / "data"),
               XDG_CACHE_HOME=str(home / "cache"), XDG_STATE_HOME=str(home / "state"),
               PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring")
    for variable in ("MASKEDIT_API_KEY", "REQUESTY_API_KEY", "OPENAI_API_KEY", "MASKEDIT_PROVIDER",
                     "MASKEDIT_BASE_URL", "MASKEDIT_MODEL"):
        env.pop(variable, None)
    return env


def _timed_run(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, timeout=120)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{command[:3]} failed ({done.returncode}): {done.stderr.decode()[-800:]}")
    return elapsed * 1000


def _import_ms(command: list[str], env: dict[str, str]) -> dict[str, float]:
    """Milliseconds each top-level package took to import (its modules' own times, so the
    packages add up to the whole), from one run under -X importtime."""
    done = subprocess.run([command[0], "-X", "importtime", *command[1:]], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise RuntimeError(f"{command[:3]} failed ({done.returncode}): {done.stderr[-800:]}")
    packages: dict[str, float] = {}
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        own, _cumulative, name = line.removeprefix("import time:").split("|")
        package = name.strip().split(".")[0]
        packages[package] = packages.get(package, 0.0) + int(own) / 1000
    return packages


def _imports_figure(app_command: list[str], bare_command: list[str], env: dict[str, str]) -> Figure:
    app_runs, bare_runs = [], []
    for _ in range(IMPORT_RUNS):
        app_runs.append(_import_ms(app_command, env))
        bare_runs.append(_import_ms(bare_command, env))
    names = {name for run in app_runs for name in run}
    per_package = {name: median([run.get(name, 0.0) for run in app_runs]) for name in names}
    value = median([sum(run.values()) for run in app_runs])
    floor = median([sum(run.values()) for run in bare_runs])
    biggest = sorted(per_package.items(), key=lambda item: -item[1])[:IMPORTS_LISTED]
    listed = ", ".join(f"{name} {ms:.0f}" for name, ms in biggest)
    absent = [name for name in HEAVY if name in names]
    return Figure(
        metric="startup_imports", value=value, unit="ms", floor=floor,
        floor_label="the bare window's imports", target="no heavy import",
        passed=not absent,
        notes=f"median of {IMPORT_RUNS}, ms per top-level package: {listed}; heavy: {'/'.join(HEAVY)}"
              + (f"; imported before the first paint: {', '.join(absent)}" if absent else ""),
    )


def measure() -> list[Figure]:
    with tempfile.TemporaryDirectory(prefix="maskedit-startup-") as folder:
        home = Path(folder)
        settings = home / "config" / "maskedit" / "settings.json"
        settings.parent.mkdir(parents=True)
        settings.write_text(json.dumps({"provider": "local"}))  # a returning user, not the first run
        bare = home / "bare_window.py"
        bare.write_text(BARE_SCRIPT)
        env = _environment(home)
        # An installed Maskedit starts from bytecode (pip compiles it, as it did every dependency
        # here); this checkout's editable install never wrote any, and PYTHONDONTWRITEBYTECODE may
        # keep it that way. Compile it once, like an install would, so neither side recompiles.
        compileall.compile_dir(str(Path(editor.__file__).parent), quiet=1)
        app_command = [sys.executable, "-m", "editor"]
        bare_command = [sys.executable, str(bare)]
        _timed_run(app_command, env)  # warm the OS file cache for both, uncounted
        _timed_run(bare_command, env)
        app_ms, bare_ms = [], []
        for _ in range(RUNS):
            app_ms.append(_timed_run(app_command, env))
            bare_ms.append(_timed_run(bare_command, env))
        imports = _imports_figure(app_command, bare_command, env)
    value, floor = median(app_ms), median(bare_ms)
    spread = f"app {min(app_ms):.0f}–{max(app_ms):.0f} ms, bare {min(bare_ms):.0f}–{max(bare_ms):.0f} ms"
    pairs = sorted(a / b for a, b in zip(app_ms, bare_ms, strict=True))
    spread += (f"; ratio run by run: median {median(pairs):.2f}, middle half {pairs[len(pairs) // 4]:.2f}–"
               f"{pairs[3 * len(pairs) // 4]:.2f}")
    return [Figure(
        metric="cold_start", value=value, unit="ms", floor=floor,
        floor_label="bare PySide6 QMainWindow, first paint",
        target="ratio <= 2", passed=value / floor <= 2,
        notes=f"{RUNS} alternating runs each; {spread}",
    ), imports]
