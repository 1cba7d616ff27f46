"""What `pipx install .` does, checked offline: build the wheel from this checkout, install it into
a fresh virtual environment of its own, and run the two programs it puts on PATH from outside the
checkout. (pipx would also download the dependencies; here the fresh environment borrows them from
the test environment, so the test needs no network beyond the build backend.)"""

from __future__ import annotations

import json
import subprocess
import sys
import sysconfig
import tomllib
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parents[2]
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(out),
                    str(ROOT)], check=True, capture_output=True, cwd=out)
    (built,) = out.glob("maskedit-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Path:
    """A fresh venv with the wheel installed; the dependencies come from this environment."""
    venv = tmp_path_factory.mktemp("pipx") / "maskedit"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    asked = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                           capture_output=True, text=True, check=True)
    purelib = Path(asked.stdout.strip())
    (purelib / "borrowed-dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-deps",
                    str(wheel)], check=True, capture_output=True)
    return venv


def run(program: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(program), *args], capture_output=True, text=True, cwd=cwd, check=True,
                          env={"PATH": "/usr/bin:/bin", "HOME": str(cwd), "QT_QPA_PLATFORM": "offscreen"})


def test_the_wheel_carries_the_code_and_resources_but_not_the_screenshots(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    for required in ("editor/app/__init__.py", "editor/cli/__init__.py", "editor/pipeline/run.py",
                     "editor/resources/__init__.py", "editor/resources/samples/coffee.png",
                     "editor/resources/app-icon/maskedit.svg", "editor/resources/app-icon/maskedit-256.png"):
        assert required in names
    icons = {Path(n).name for n in names if n.startswith("editor/resources/icons/")}
    assert icons == {p.name for p in (ROOT / "resources" / "icons").glob("*.svg")}
    assert not [n for n in names if "screenshots" in n or n.startswith(("tests/", "packaging/"))]
    entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "[console_scripts]\nmaskedit-cli = editor.cli:main" in text
    assert "[gui_scripts]\nmaskedit = editor.app:main" in text


def test_both_programs_are_on_the_environments_path_and_print_the_version(installed, tmp_path):
    for program in ("maskedit-cli", "maskedit"):
        assert run(installed / "bin" / program, "--version", cwd=tmp_path).stdout == f"{program} {VERSION}\n"


def test_the_installed_cli_edits_offline_with_its_own_resources(installed, tmp_path):
    where = run(installed / "bin" / "python", "-c", "import editor.resources as r; print(r.SAMPLE_PHOTO)",
                cwd=tmp_path).stdout.strip()
    sample = Path(where)
    assert sample.is_file() and installed in sample.parents  # the installed copy, not the checkout's
    photo = np.asarray(Image.open(sample).convert("RGB"))
    height, width = photo.shape[:2]
    box = (width // 3, height // 3, width // 2, height // 2)
    mask = Image.new("RGBA", (width, height), (0, 0, 0, 255))
    ImageDraw.Draw(mask).rectangle(box, fill=(0, 0, 0, 0))
    mask.save(tmp_path / "mask.png")
    result = run(installed / "bin" / "maskedit-cli", "edit", str(sample), "--mask",
                 str(tmp_path / "mask.png"), "--prompt", "remove", "--provider", "local",
                 "--out", str(tmp_path / "out"), "--json", cwd=tmp_path)
    summary = json.loads(result.stdout)
    assert summary["status"] == "completed"
    edited = np.asarray(Image.open(summary["files"][0]).convert("RGB"))
    changed = np.any(edited != photo, axis=2)
    inside = np.zeros_like(changed)
    inside[box[1]:box[3] + 1, box[0]:box[2] + 1] = True
    assert changed[inside].any() and not changed[~inside].any()
