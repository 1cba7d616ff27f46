"""A virtual X server for what must run on a real one: the README's screenshots and the test
that drives the window with real X input (tests/ui/test_real_input.py).

    python3 packaging/xvfb.py COMMAND...

runs COMMAND with DISPLAY set to a fresh Xvfb (1600×1000, 24-bit) and QT_QPA_PLATFORM=xcb, stops
the server afterwards and exits with COMMAND's status. `make test` uses it for that test.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

SCREEN = "1600x1000x24"


def free_display() -> int:
    """A display number no X server holds."""
    for number in range(99, 200):
        if not (Path(f"/tmp/.X{number}-lock").exists() or Path(f"/tmp/.X11-unix/X{number}").exists()):
            return number
    raise RuntimeError("no free X display between :99 and :199")


def start_xvfb(number: int, screen: str = SCREEN) -> subprocess.Popen:
    """Xvfb on :number, once its socket is there."""
    server = subprocess.Popen(["Xvfb", f":{number}", "-screen", "0", screen, "-nolisten", "tcp"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 15
    while not Path(f"/tmp/.X11-unix/X{number}").exists():
        if server.poll() is not None or time.monotonic() > deadline:
            server.kill()
            raise RuntimeError(f"Xvfb did not start on :{number}")
        time.sleep(0.05)
    return server


def main(command: list[str]) -> int:
    if not command:
        print(__doc__, file=sys.stderr)
        return 2
    display = free_display()
    server = start_xvfb(display)
    try:
        env = {**os.environ, "DISPLAY": f":{display}", "QT_QPA_PLATFORM": "xcb"}
        return subprocess.run(command, env=env, check=False).returncode
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
