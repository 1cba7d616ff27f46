"""Smoke test of the built bundle (`make bundle-test`): run what a user runs, from the bundle alone.

    python packaging/smoke_test.py [dist/maskedit]

Every program starts with a clean environment (a private HOME and XDG folders, no PYTHONPATH,
outside the source tree), so nothing can come from the checkout or its virtual environment:

1. the bundle carries the UI icons, the app icon, the sample photo and the packages' metadata;
2. `maskedit-cli --version` and `maskedit --version` print pyproject.toml's version;
3. `maskedit-cli edit` makes an offline edit of the bundled sample photo through a mask: the
   pixels under the mask change, every other pixel stays as it was;
4. the window starts offscreen and quits after its first paint (MASKEDIT_EXIT_AFTER_SHOW=1);
5. on a first run the window opens the bundled sample photo, and closes cleanly on Ctrl+C;
6. on Linux, every library in the bundle finds the libraries it links to (ldd).

Needs Pillow and numpy to check the edit's pixels (the project's .venv has both).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import tomllib
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parents[1]
EXE_SUFFIX = ".exe" if sys.platform == "win32" else ""
START_TIMEOUT_S = 60
# Left to the user's system on purpose (PyInstaller does not bundle them either): C library, the
# graphics drivers' GL/EGL/DRM, and the X and Wayland client libraries that match the display server.
HOST_LIBRARIES = re.compile(r"(libc|libm|libdl|libpthread|librt|ld-linux.*|libE?(Open)?GLX?\w*|libdrm"
                            r"|libxcb(-dri\w*)?|libwayland-(client|cursor|egl|server))\.so(\.[\d.]+)?")


class SmokeFailure(Exception):
    """One check of the bundle did not hold."""


def project_version() -> str:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]


def clean_env(home: Path, **extra: str) -> dict[str, str]:
    """Only what a user's session would have, pointed at a private home."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home), "LANG": "C.UTF-8",
           "XDG_CONFIG_HOME": str(home / "config"), "XDG_DATA_HOME": str(home / "data"),
           "XDG_CACHE_HOME": str(home / "cache"), "XDG_STATE_HOME": str(home / "state")}
    for name in ("SYSTEMROOT", "TEMP", "TMP"):  # Windows cannot start processes without them
        if name in os.environ:
            env[name] = os.environ[name]
    env.update(extra)
    return env


def run(command: list[str], home: Path, timeout: float = START_TIMEOUT_S, **extra: str):
    result = subprocess.run(command, env=clean_env(home, **extra), cwd=home, capture_output=True,
                            text=True, timeout=timeout, check=False)
    if result.returncode != 0:
        raise SmokeFailure(f"{Path(command[0]).name} exited with {result.returncode}:\n{result.stderr}")
    if "Traceback" in result.stderr:
        raise SmokeFailure(f"{Path(command[0]).name} printed a traceback:\n{result.stderr}")
    return result


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class Bundle:
    """The one-folder bundle: its two executables and its _internal folder."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.gui = folder / f"maskedit{EXE_SUFFIX}"
        self.cli = folder / f"maskedit-cli{EXE_SUFFIX}"
        self.internal = folder / "_internal"
        self.resources = self.internal / "editor" / "resources"
        self.sample = self.resources / "samples" / "coffee.png"


def check_files(bundle: Bundle, version: str) -> str:
    for program in (bundle.gui, bundle.cli):
        if not program.is_file() or not os.access(program, os.X_OK):
            raise SmokeFailure(f"{program} is missing or not executable")
    source_icons = sorted(p.name for p in (ROOT / "resources" / "icons").glob("*.svg"))
    bundled_icons = sorted(p.name for p in (bundle.resources / "icons").glob("*.svg"))
    if not source_icons or bundled_icons != source_icons:
        raise SmokeFailure(f"UI icons differ: missing {sorted(set(source_icons) - set(bundled_icons))}")
    for relative in ["samples/coffee.png", "app-icon/maskedit.svg",
                     *(f"app-icon/{p.name}" for p in (ROOT / "resources" / "app-icon").glob("*.png"))]:
        bundled, source = bundle.resources / relative, ROOT / "resources" / relative
        if not bundled.is_file() or sha256(bundled) != sha256(source):
            raise SmokeFailure(f"{relative} is missing from the bundle or differs from resources/")
    if (bundle.resources / "screenshots").exists():
        raise SmokeFailure("resources/screenshots/ should stay out of the bundle")
    if not (bundle.internal / f"maskedit-{version}.dist-info").is_dir():
        raise SmokeFailure(f"maskedit-{version}.dist-info is missing: the version cannot be read")
    return f"{len(bundled_icons)} UI icons, the app icon, the sample photo and maskedit's metadata"


def check_versions(bundle: Bundle, version: str, home: Path) -> str:
    for program, name in ((bundle.cli, "maskedit-cli"), (bundle.gui, "maskedit")):
        # --version must work without any display: no QT_QPA_PLATFORM, no DISPLAY.
        printed = run([str(program), "--version"], home).stdout.strip()
        if printed != f"{name} {version}":
            raise SmokeFailure(f"{name} --version printed {printed!r}, expected '{name} {version}'")
    return f"maskedit {version}, maskedit-cli {version}"


def check_offline_edit(bundle: Bundle, home: Path) -> str:
    photo = np.asarray(Image.open(bundle.sample).convert("RGB"))
    height, width = photo.shape[:2]
    box = (width * 2 // 5, height * 2 // 5, width * 3 // 5, height * 3 // 5)
    mask = Image.new("RGBA", (width, height), (0, 0, 0, 255))
    ImageDraw.Draw(mask).rectangle(box, fill=(0, 0, 0, 0))  # transparent = edit (the API's form)
    mask_path, out = home / "mask.png", home / "out"
    mask.save(mask_path)
    result = run([str(bundle.cli), "edit", str(bundle.sample), "--mask", str(mask_path), "--prompt",
                  "remove", "--provider", "local", "--out", str(out), "--json"], home)
    summary = json.loads(result.stdout)
    if summary.get("status") != "completed" or len(summary.get("files", [])) != 1:
        raise SmokeFailure(f"the offline edit did not complete: {result.stdout}")
    edited = np.asarray(Image.open(summary["files"][0]).convert("RGB"))
    if edited.shape != photo.shape:
        raise SmokeFailure(f"the edit is {edited.shape}, the photo {photo.shape}")
    inside = np.zeros((height, width), dtype=bool)
    inside[box[1]:box[3] + 1, box[0]:box[2] + 1] = True
    changed = np.any(edited != photo, axis=2)
    if changed[~inside].any():
        raise SmokeFailure(f"{int(changed[~inside].sum())} pixels outside the mask changed")
    if changed[inside].mean() < 0.5:
        raise SmokeFailure("the offline edit left the masked area almost untouched")
    return f"{int(changed.sum())} pixels changed, all inside the mask"


def check_window_paints(bundle: Bundle, home: Path) -> str:
    started = time.monotonic()
    run([str(bundle.gui)], home, QT_QPA_PLATFORM="offscreen", MASKEDIT_EXIT_AFTER_SHOW="1")
    return f"first paint and exit in {time.monotonic() - started:.1f} s"


def wait_for(condition: Callable[[], bool], process: subprocess.Popen, what: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while not condition():
        if process.poll() is not None:
            raise SmokeFailure(f"the window exited ({process.returncode}) before {what}:\n"
                               f"{process.communicate()[1]}")
        if time.monotonic() > deadline:
            process.kill()
            raise SmokeFailure(f"no {what} within {START_TIMEOUT_S} s")
        time.sleep(0.2)


def check_first_run(bundle: Bundle, home: Path) -> str:
    """The whole start-up (event loop, canvas, Pillow/numpy/OpenCV side) and the sample photo."""
    if sys.platform == "win32":
        return "skipped: closing the window with Ctrl+C needs POSIX signals"
    log = home / "data" / "maskedit" / "maskedit.log"
    projects = home / "data" / "maskedit" / "projects"
    process = subprocess.Popen([str(bundle.gui)], env=clean_env(home, QT_QPA_PLATFORM="offscreen"),
                               cwd=home, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_for(lambda: log.is_file() and "started" in log.read_text(encoding="utf-8"), process,
                 "'started' in the log")
        sample = sha256(bundle.sample)
        # The window keeps the photo it opened in its project folder (crash recovery): the sample's
        # bytes there mean the bundled sample photo was found and opened.
        wait_for(lambda: sample in {sha256(p) for p in projects.glob("*/photos/*")}, process,
                 "the sample photo in the window's project")
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    if process.returncode != 0 or "Traceback" in stderr or "Traceback" in log.read_text(encoding="utf-8"):
        raise SmokeFailure(f"the window did not close cleanly ({process.returncode}):\n{stderr}")
    return "the sample photo opened on the first run; Ctrl+C closed the window with exit code 0"


def check_libraries(bundle: Bundle) -> str:
    if not sys.platform.startswith("linux") or shutil.which("ldd") is None:
        return "skipped: ldd is for Linux"
    libraries = [p for p in bundle.internal.rglob("*.so*") if p.is_file() and not p.is_symlink()]
    missing, from_host = set(), set()
    env = dict(os.environ, LD_LIBRARY_PATH=str(bundle.internal))  # as the bootloader sets it
    for library in libraries:
        listing = subprocess.run(["ldd", str(library)], capture_output=True, text=True, env=env,
                                 check=False).stdout
        for line in listing.splitlines():
            name = line.split("=>")[0].strip()
            if "not found" not in line:
                continue
            if HOST_LIBRARIES.fullmatch(name):
                from_host.add(name)
            else:
                missing.add(f"{library.relative_to(bundle.internal)}: {name}")
    if missing:
        raise SmokeFailure("libraries that cannot be loaded:\n" + "\n".join(sorted(missing)))
    host = f" (left to the system and absent here: {', '.join(sorted(from_host))})" if from_host else ""
    return f"{len(libraries)} libraries, none missing a bundled dependency{host}"


def main(argv: list[str]) -> int:
    bundle = Bundle((Path(argv[0]) if argv else ROOT / "dist" / "maskedit").resolve())
    version = project_version()
    files = [p for p in bundle.folder.rglob("*") if p.is_file() and not p.is_symlink()]
    size_mb = sum(p.stat().st_size for p in files) / 1e6
    print(f"bundle {bundle.folder} ({size_mb:.0f} MB), version {version}")
    checks: list[tuple[str, Callable[[Path], str]]] = [
        ("files", lambda _home: check_files(bundle, version)),
        ("--version", lambda home: check_versions(bundle, version, home)),
        ("offline edit", lambda home: check_offline_edit(bundle, home)),
        ("window paints", lambda home: check_window_paints(bundle, home)),
        ("first run", lambda home: check_first_run(bundle, home)),
        ("libraries", lambda _home: check_libraries(bundle)),
    ]
    failed = 0
    for name, check in checks:
        with tempfile.TemporaryDirectory(prefix="maskedit-smoke-") as home:
            try:
                print(f"ok   {name}: {check(Path(home))}", flush=True)
            except (SmokeFailure, subprocess.TimeoutExpired, OSError) as exc:
                failed += 1
                print(f"FAIL {name}: {exc}", flush=True)
    print("bundle smoke test " + ("failed" if failed else "passed"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
