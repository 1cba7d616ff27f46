"""Add Maskedit to this user's Linux desktop: launcher, icons, .maskedit file type, AppStream data.

    python3 packaging/linux/install_desktop.py                      # Exec=maskedit (pip/pipx on PATH)
    python3 packaging/linux/install_desktop.py --exec ~/Apps/maskedit/maskedit    # the bundle
    python3 packaging/linux/install_desktop.py --uninstall

Everything goes under $XDG_DATA_HOME (~/.local/share): nothing needs root and nothing outside
that folder is touched. `make install-desktop` runs it for the checkout's .venv. Standard library
only, so any python3 can run it.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

APP_ID = "io.github.maskedit.Maskedit"
HERE = Path(__file__).resolve().parent
ICON_DIR = HERE.parents[1] / "resources" / "app-icon"  # maskedit.svg and maskedit-<size>.png


def data_home() -> Path:
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")


def desktop_exec(command: str) -> str:
    """`command` as the first word of an Exec= line (quoted as the Desktop Entry spec asks)."""
    if not any(ch in command for ch in " \t\n\"'\\><~|&;$*?#()`="):
        return command
    escaped = "".join("\\" + ch if ch in '"`$\\' else ch for ch in command)
    return f'"{escaped}"'.replace("\\", "\\\\")  # the .desktop string level escapes backslashes again


def desktop_entry(command: str) -> str:
    """The launcher with Exec= pointing at `command`."""
    lines = (HERE / f"{APP_ID}.desktop").read_text(encoding="utf-8").splitlines()
    return "\n".join(f"Exec={desktop_exec(command)} %f" if line.startswith("Exec=") else line
                     for line in lines) + "\n"


def planned_files(root: Path) -> dict[Path, Path | None]:
    """Every file installed under `root`, with its source (None: the launcher, which is written)."""
    files: dict[Path, Path | None] = {
        root / "applications" / f"{APP_ID}.desktop": None,
        root / "metainfo" / f"{APP_ID}.metainfo.xml": HERE / f"{APP_ID}.metainfo.xml",
        root / "mime" / "packages" / f"{APP_ID}.xml": HERE / f"{APP_ID}.mime.xml",
        root / "icons" / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg": ICON_DIR / "maskedit.svg",
    }
    for png in ICON_DIR.glob("maskedit-*.png"):
        size = png.stem.removeprefix("maskedit-")
        files[root / "icons" / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png"] = png
    return files


def refresh_caches(root: Path) -> list[str]:
    """Let the desktop see the change now; each tool is optional. Returns the tools that ran."""
    commands = (
        ["update-mime-database", str(root / "mime")],
        ["update-desktop-database", "-q", str(root / "applications")],
        ["gtk-update-icon-cache", "-q", "-f", "-t", str(root / "icons" / "hicolor")],
    )
    ran = []
    for command in commands:
        if shutil.which(command[0]) and Path(command[-1]).is_dir():
            subprocess.run(command, check=False, stdout=subprocess.DEVNULL)
            ran.append(command[0])
    return ran


def install(root: Path, command: str) -> list[Path]:
    written = []
    for target, source in planned_files(root).items():
        target.parent.mkdir(parents=True, exist_ok=True)
        if source is None:
            target.write_text(desktop_entry(command), encoding="utf-8")
        else:
            shutil.copyfile(source, target)
        written.append(target)
    return written


def uninstall(root: Path) -> list[Path]:
    removed = []
    for target in planned_files(root):
        if target.exists():
            target.unlink()
            removed.append(target)
    return removed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--exec", dest="command", default="maskedit",
                        help="the program the launcher starts (default: maskedit, found on PATH)")
    parser.add_argument("--data-home", type=Path, default=None,
                        help="install under this folder instead of $XDG_DATA_HOME or ~/.local/share")
    parser.add_argument("--uninstall", action="store_true", help="remove what an install added")
    args = parser.parse_args(argv)
    root = (args.data_home or data_home()).expanduser()
    if args.uninstall:
        changed = uninstall(root)
        verb = "removed"
    else:
        command = args.command
        if os.sep in command:
            command = str(Path(command).expanduser().absolute())
        elif shutil.which(command) is None:
            print(f"note: '{command}' is not on PATH yet; the launcher starts it once it is.",
                  file=sys.stderr)
        changed = install(root, command)
        verb = "installed"
    for path in changed:
        print(f"{verb} {path}")
    refresh_caches(root)
    return 0


if __name__ == "__main__":
    sys.exit(main())
