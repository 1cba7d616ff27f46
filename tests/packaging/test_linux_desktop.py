"""packaging/linux/: the launcher, the AppStream data and the .maskedit file type are valid, agree
with each other and with pyproject.toml, and install_desktop.py puts them where desktops look."""

from __future__ import annotations

import configparser
import shutil
import subprocess
import sys
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PIL import Image

from editor.app import DESKTOP_ID
from editor.resources import APP_ICON_SIZES, APP_ICON_SVG, app_icon_png

ROOT = Path(__file__).resolve().parents[2]
LINUX = ROOT / "packaging" / "linux"
DESKTOP = LINUX / f"{DESKTOP_ID}.desktop"
METAINFO = LINUX / f"{DESKTOP_ID}.metainfo.xml"
MIME = LINUX / f"{DESKTOP_ID}.mime.xml"
INSTALLER = LINUX / "install_desktop.py"
MIME_NS = {"m": "http://www.freedesktop.org/standards/shared-mime-info"}


def desktop_entry(path: Path = DESKTOP) -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None, delimiters=("=",))
    parser.optionxform = str  # keys are case-sensitive
    parser.read(path, encoding="utf-8")
    return parser["Desktop Entry"]


def project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


@pytest.mark.skipif(shutil.which("desktop-file-validate") is None, reason="needs desktop-file-utils")
def test_the_desktop_file_passes_desktop_file_validate():
    result = subprocess.run(["desktop-file-validate", str(DESKTOP)], capture_output=True, text=True,
                            check=False)
    assert result.returncode == 0 and result.stdout == "", result.stdout


@pytest.mark.skipif(shutil.which("appstreamcli") is None, reason="needs appstream")
def test_the_metainfo_passes_appstreamcli_validate():
    result = subprocess.run(["appstreamcli", "validate", "--no-net", str(METAINFO)], capture_output=True,
                            text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_launcher_metainfo_file_type_and_app_agree():
    entry = desktop_entry()
    assert entry["Exec"] == "maskedit %f" and entry["Icon"] == DESKTOP_ID and entry["Terminal"] == "false"
    assert "application/x-maskedit" in entry["MimeType"].split(";")
    component = ET.parse(METAINFO).getroot()
    assert component.findtext("id") == DESKTOP_ID
    assert component.find("launchable").text == f"{DESKTOP_ID}.desktop"
    assert component.findtext("project_license") == project()["license"]
    programs = set(project()["scripts"]) | set(project()["gui-scripts"])
    assert {b.text for b in component.iter("binary")} == programs
    assert "application/x-maskedit" in {m.text for m in component.iter("mediatype")}
    # The newest release is the version being shipped.
    assert component.find("releases/release").get("version") == project()["version"]
    mime = ET.parse(MIME).getroot().find("m:mime-type", MIME_NS)
    assert mime.get("type") == "application/x-maskedit"
    assert mime.find("m:glob", MIME_NS).get("pattern") == "*.maskedit"
    assert mime.find("m:sub-class-of", MIME_NS).get("type") == "application/zip"  # projects are zips


def test_the_metainfo_screenshots_are_the_readmes():
    names = [Path(image.text).name for image in ET.parse(METAINFO).getroot().iter("image")]
    assert names and all((ROOT / "resources" / "screenshots" / name).is_file() for name in names)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert all(f"resources/screenshots/{name}" in readme for name in names)


def test_every_icon_size_is_a_square_png_of_that_size_drawn_from_the_svg():
    assert ET.parse(APP_ICON_SVG).getroot().tag.endswith("svg")
    for size in APP_ICON_SIZES:
        with Image.open(app_icon_png(size)) as png:
            assert png.format == "PNG" and png.size == (size, size) and png.mode == "RGBA"
            alpha = png.getchannel("A")
            assert alpha.getextrema() == (0, 255)  # a shape on a transparent ground, not a filled square


def install(data_home: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(INSTALLER), "--data-home", str(data_home), *args],
                          capture_output=True, text=True, check=True)


def test_install_desktop_puts_every_file_where_desktops_look_and_uninstall_removes_them(tmp_path):
    data = tmp_path / "share"
    bundle = tmp_path / "My Apps" / "maskedit" / "maskedit"  # a path with a space, quoted in Exec=
    install(data, "--exec", str(bundle))
    launcher = data / "applications" / f"{DESKTOP_ID}.desktop"
    assert desktop_entry(launcher)["Exec"] == f'"{bundle}" %f'
    if shutil.which("desktop-file-validate"):
        assert subprocess.run(["desktop-file-validate", str(launcher)], check=False).returncode == 0
    assert (data / "metainfo" / f"{DESKTOP_ID}.metainfo.xml").read_bytes() == METAINFO.read_bytes()
    assert (data / "mime" / "packages" / f"{DESKTOP_ID}.xml").read_bytes() == MIME.read_bytes()
    assert (data / "icons" / "hicolor" / "scalable" / "apps" / f"{DESKTOP_ID}.svg").is_file()
    for size in APP_ICON_SIZES:
        installed = data / "icons" / "hicolor" / f"{size}x{size}" / "apps" / f"{DESKTOP_ID}.png"
        assert installed.read_bytes() == app_icon_png(size).read_bytes()

    install(data, "--uninstall")
    left = [p for p in data.rglob("*") if p.is_file() and DESKTOP_ID in p.name]
    assert left == []


def test_the_default_launcher_starts_maskedit_from_path(tmp_path):
    data = tmp_path / "share"
    install(data)
    assert desktop_entry(data / "applications" / f"{DESKTOP_ID}.desktop")["Exec"] == "maskedit %f"


def test_the_readme_lists_every_shortcut_of_the_window():
    from editor.ui.actions import ACTIONS

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    spelled = {"Return": "Enter", "Right": "→", "Left": "←", "Del": "Delete"}

    def in_readme(shortcut: str) -> bool:
        for qt_name, readme_name in spelled.items():
            shortcut = shortcut.replace(qt_name, readme_name)
        return shortcut in readme

    missing = [f"{spec.key}: {spec.shortcuts}" for spec in ACTIONS
               if spec.shortcuts and not any(in_readme(key) for key in spec.shortcuts)]
    assert missing == []
