"""The real `maskedit` start-up, as a process: frame first, then everything else, then a clean exit."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest


@pytest.mark.slow
def test_the_app_starts_in_two_stages_and_exits_cleanly_on_ctrl_c(tmp_path, make_photo):
    photo = tmp_path / "photo.png"
    photo.write_bytes(make_photo(320, 200))
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path / "config"),
               XDG_DATA_HOME=str(tmp_path / "data"), XDG_CACHE_HOME=str(tmp_path / "cache"))
    log_file = tmp_path / "data" / "maskedit" / "maskedit.log"
    process = subprocess.Popen([sys.executable, "-m", "editor", str(photo)], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and process.poll() is None:
            if log_file.exists() and "started" in log_file.read_text():
                break  # the second stage (event loop, canvas, Generate side) has run
            time.sleep(0.1)
        assert process.poll() is None, process.communicate()[1]
        assert "started" in log_file.read_text()
        time.sleep(0.5)  # let the command-line photo finish opening
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=15)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, stderr
    assert "Traceback" not in stderr and "Traceback" not in log_file.read_text()
    assert (tmp_path / "config" / "maskedit" / "settings.json").exists()
