"""Maskedit's own files: the UI icons, the app icon and the sample photo.

This is the top-level resources/ folder, installed as the package `editor.resources` (setup.py
maps it), so the same paths hold in a source checkout with an editable install, in an installed
wheel and in the PyInstaller bundle, where the folder is copied to editor/resources.
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parent
ICON_DIR = ROOT / "icons"
APP_ICON_DIR = ROOT / "app-icon"
APP_ICON_SVG = APP_ICON_DIR / "maskedit.svg"
SAMPLE_PHOTO = ROOT / "samples" / "coffee.png"
APP_ICON_SIZES = (16, 32, 48, 64, 128, 256, 512)


def app_icon_png(size: int) -> Path:
    """The app icon rendered at `size` px (packaging/render_app_icon.py makes these)."""
    return APP_ICON_DIR / f"maskedit-{size}.png"
