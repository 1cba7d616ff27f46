"""The window's first paint waits for no heavy library: numpy, OpenCV, Pillow, httpx, qasync,
asyncio and keyring are loaded when first needed, after the window is on screen."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.benchmarks.bench_startup import HEAVY, ROOT, _environment


def test_nothing_heavy_is_imported_before_the_first_paint(tmp_path: Path):
    settings = tmp_path / "config" / "maskedit" / "settings.json"
    settings.parent.mkdir(parents=True)
    settings.write_text(json.dumps({"provider": "local"}))  # a returning user: no sample photo
    env = _environment(tmp_path)
    env.pop("PYTHONPROFILEIMPORTTIME", None)
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "editor"], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-800:]
    imported = {line.split("|")[-1].strip().split(".")[0] for line in done.stderr.splitlines()
                if line.startswith("import time:")}
    assert "editor" in imported and "PySide6" in imported  # the trace is real
    assert not imported & set(HEAVY), sorted(imported & set(HEAVY))


LOADED_AHEAD = """
import sys
from editor.app import _import_job_modules, build_backend
from editor.pipeline.options import EditOptions
from editor.settings.store import UserSettings

_import_job_modules()
before = set(sys.modules)
build_backend(EditOptions(provider="custom", model="gpt-image-1"), UserSettings(),
              {"MASKEDIT_API_KEY": "sk-" + "k" * 40, "MASKEDIT_BASE_URL": "http://127.0.0.1:9/v1"})
print(sorted(set(sys.modules) - before))
"""


def test_what_start_up_loads_ahead_is_all_the_first_generate_imports(tmp_path: Path):
    """editor.app loads the job's modules in a worker after start-up; if the first Generate still
    imported something, it would wait for it on the GUI thread."""
    done = subprocess.run([sys.executable, "-c", LOADED_AHEAD], env=_environment(tmp_path), cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-800:]
    assert done.stdout.strip() == "[]"
