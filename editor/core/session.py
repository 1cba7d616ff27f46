"""The project on disk: nothing received is ever lost.

A project is a folder in the data folder (`projects/<id>/`) that always holds the working
document and every result, so a crash loses nothing:

    project.json       the manifest: the document (photo, mask, prompt, options, references),
                       the variants' stars and discards, where the project was last saved
    photos/            every photo version by content hash (the opened file as it is; applied
                       edits as PNG) — the original is never overwritten
    mask.png           the working mask (8-bit grey: white = edit)
    references/        the reference images, by content hash
    results/           each job's images and its JSON record (written by the runner before an
                       image is shown), and the mask the job was sent with
    session.lock       present while a window has the project open (its process id)

A `.maskedit` file is that folder zipped (without the lock). Plain Python, no Qt: every method
here may run in a worker thread; each file is written atomically (temp file, fsync, rename).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import secrets
import shutil
import sys
import time
import zipfile
from dataclasses import asdict
from datetime import datetime
from pathlib import Path, PurePosixPath

import cv2
import numpy as np

from editor.core.job_record import RECORD_KEY, JobRecord, job_record_from
from editor.core.project_state import (
    DocumentState,
    ProjectState,
    VariantFlags,
    flag_key,
    state_from_manifest,
    with_flags,
)
from editor.disk import write_atomically

# The manifest's values moved to project_state, the jobs' records to job_record; still importable
# from here.
__all__ = ["FORMAT", "FORMAT_VERSION", "LOCK", "MANIFEST", "PROJECT_SUFFIX", "RECORD_KEY", "RESULTS",
           "DocumentState", "JobRecord", "Project", "ProjectError", "ProjectState", "VariantFlags",
           "flag_key", "interrupted_projects", "with_flags"]

log = logging.getLogger(__name__)

FORMAT = "maskedit-project"
FORMAT_VERSION = 1
MANIFEST = "project.json"
LOCK = "session.lock"
PROJECT_SUFFIX = ".maskedit"
RESULTS = "results"
_PNG_FAST = [cv2.IMWRITE_PNG_COMPRESSION, 1]


class ProjectError(Exception):
    """A project could not be read or written; `message` is a sentence for a person."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Project:
    """One project folder. Create with `Project.create(projects_dir)` or open an existing folder."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    @classmethod
    def create(cls, projects_dir: Path) -> Project:
        name = datetime.now().strftime("%Y%m%d-%H%M%S-") + secrets.token_hex(3)
        project = cls(Path(projects_dir) / name)
        _mkdir(project.root / RESULTS)
        return project

    @property
    def id(self) -> str:
        return self.root.name

    @property
    def results_dir(self) -> Path:
        return self.root / RESULTS

    def path(self, relative: str) -> Path:
        """The file `relative` (as stored in the manifest) inside the project, never outside it."""
        parts = PurePosixPath(relative).parts
        if not parts or PurePosixPath(relative).is_absolute() or ".." in parts:
            raise ProjectError(f"The project refers to a file outside itself ({relative}).")
        return self.root.joinpath(*parts)

    # --- the lock: which projects were open when their window died -------------------------

    def lock(self) -> None:
        _write(self.root / LOCK, json.dumps({"pid": os.getpid(), "since": time.time()}).encode())

    def unlock(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            (self.root / LOCK).unlink()

    def lock_pid(self) -> int | None:
        try:
            return int(json.loads((self.root / LOCK).read_text())["pid"])
        except (OSError, ValueError, KeyError, TypeError):
            return None if not (self.root / LOCK).exists() else 0

    def was_interrupted(self) -> bool:
        """Locked by a process that is no longer running: its window closed without saying so."""
        pid = self.lock_pid()
        return pid is not None and pid != os.getpid() and not _process_alive(pid)

    # --- storing the document --------------------------------------------------------------

    def store_photo(self, data: bytes, extension: str, relative: str | None = None) -> str:
        """Keep an encoded photo and return its name in the project: `relative` when one was
        reserved for it (see `photo_name`), else a name made from its content (stored once)."""
        if relative is None:
            relative = f"photos/{hashlib.sha256(data).hexdigest()[:24]}.{extension.lstrip('.').lower()}"
        target = self.path(relative)
        if not target.exists():
            _write(target, data)
        return relative

    @staticmethod
    def photo_name(extension: str) -> str:
        """A new name for a photo that will be stored later (a job's record names it at once)."""
        return f"photos/{secrets.token_hex(12)}.{extension.lstrip('.').lower()}"

    def store_photo_pixels(self, pixels: np.ndarray, relative: str | None = None) -> str:
        """Keep a photo given as (h, w, 3|4) RGB(A) pixels, as PNG."""
        code = cv2.COLOR_RGBA2BGRA if pixels.shape[2] == 4 else cv2.COLOR_RGB2BGR
        ok, encoded = cv2.imencode(".png", cv2.cvtColor(np.ascontiguousarray(pixels), code), _PNG_FAST)
        if not ok:
            raise ProjectError("The photo could not be encoded for the project.")
        return self.store_photo(encoded.tobytes(), "png", relative)

    def store_mask(self, coverage: np.ndarray, relative: str = "mask.png") -> str:
        ok, encoded = cv2.imencode(".png", np.ascontiguousarray(coverage), _PNG_FAST)
        if not ok:
            raise ProjectError("The mask could not be encoded for the project.")
        _write(self.path(relative), encoded.tobytes())
        return relative

    def store_reference(self, name: str, data: bytes) -> str:
        suffix = Path(name).suffix.lower()[:6] or ".img"
        relative = f"references/{hashlib.sha256(data).hexdigest()[:24]}{suffix}"
        if not self.path(relative).exists():
            _write(self.path(relative), data)
        return relative

    def read_bytes(self, relative: str) -> bytes:
        try:
            return self.path(relative).read_bytes()
        except OSError as error:
            reason = error.strerror or error
            raise ProjectError(f"{relative} is missing from the project ({reason}).") from error

    def read_mask(self, relative: str, size: tuple[int, int] | None = None) -> np.ndarray:
        """A stored mask as (h, w) uint8 coverage, scaled to `size` = (width, height) if given."""
        coverage = cv2.imdecode(np.frombuffer(self.read_bytes(relative), np.uint8), cv2.IMREAD_GRAYSCALE)
        if coverage is None:
            raise ProjectError(f"The mask {relative} in the project is damaged.")
        if size is not None and (coverage.shape[1], coverage.shape[0]) != size:
            coverage = cv2.resize(coverage, size, interpolation=cv2.INTER_LINEAR)
        return coverage

    # --- the manifest --------------------------------------------------------------------

    def save_state(self, state: ProjectState) -> None:
        document = asdict(state.document)
        document["references"] = [list(pair) for pair in state.document.references]
        manifest = {
            "format": FORMAT, "version": FORMAT_VERSION, "id": self.id, "created": state.created,
            "modified": time.time(), "saved_to": state.saved_to, "document": document,
            "variants": {key: asdict(flags) for key, flags in state.flags.items()
                         if flags != VariantFlags()},
        }
        _write(self.root / MANIFEST, (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode())

    def load_state(self) -> ProjectState:
        try:
            manifest = json.loads((self.root / MANIFEST).read_text(encoding="utf-8"))
        except FileNotFoundError:
            return ProjectState()
        except (OSError, ValueError) as error:
            raise ProjectError(f"The project's manifest cannot be read ({error}).") from error
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise ProjectError("This is not a Maskedit project.")
        if int(manifest.get("version", 0)) > FORMAT_VERSION:
            raise ProjectError("This project was saved by a newer Maskedit; update Maskedit to open it.")
        return state_from_manifest(manifest)

    # --- the jobs' records -----------------------------------------------------------------

    def job_records(self) -> list[JobRecord]:
        """Every job whose record is in results/, oldest first; unreadable records are skipped."""
        records = []
        for path in sorted(self.results_dir.glob("*.json")):
            try:
                record = json.loads(path.read_text(encoding="utf-8"))
                records.append(job_record_from(record, self.results_dir))
            except (OSError, ValueError, KeyError, TypeError) as error:
                log.warning("skipping the job record %s: %s", path.name, error)
        return sorted(records, key=lambda job: (job.number, job.started_at))

    def has_results(self) -> bool:
        return any(self.results_dir.glob("*.json"))

    # --- project files ---------------------------------------------------------------------

    def save_as(self, destination: Path) -> None:
        """Zip the whole project into `destination` (a .maskedit file), atomically."""
        destination = Path(destination)

        def zip_into(stream) -> None:
            with zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
                for path in sorted(self.root.rglob("*")):
                    if path.is_file() and path.name != LOCK and not path.name.startswith("."):
                        relative = path.relative_to(self.root).as_posix()
                        # Images are compressed already: storing them is as small and much faster.
                        kind = zipfile.ZIP_DEFLATED if path.suffix in (".json",) else zipfile.ZIP_STORED
                        archive.write(path, relative, compress_type=kind)

        try:
            write_atomically(destination, zip_into)
        except OSError as error:
            raise ProjectError(f"The project could not be saved to {destination.parent}: "
                               f"{error.strerror or error}.") from error

    @classmethod
    def open_file(cls, source: Path, projects_dir: Path) -> Project:
        """Unpack a .maskedit file into the data folder and return it as a project.

        Opening the same file again reuses its folder: files already there are kept (results that
        arrived after the last save stay), the manifest comes from the file.
        """
        source = Path(source)
        try:
            with zipfile.ZipFile(source) as archive:
                manifest = json.loads(archive.read(MANIFEST).decode("utf-8"))
                if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
                    raise ProjectError(f"{source.name} is not a Maskedit project.")
                name = _safe_id(str(manifest.get("id") or source.stem))
                project = cls(Path(projects_dir) / name)
                _extract(archive, project)
        except (zipfile.BadZipFile, KeyError, ValueError, UnicodeDecodeError) as error:
            raise ProjectError(f"{source.name} is not a Maskedit project or it is damaged.") from error
        except OSError as error:
            raise ProjectError(f"{source.name} could not be opened: {error.strerror or error}.") from error
        _mkdir(project.results_dir)
        return project

    def remove(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


def interrupted_projects(projects_dir: Path) -> list[Project]:
    """Projects whose window died without closing them (kill, crash, power cut), newest first."""
    if not Path(projects_dir).is_dir():
        return []
    found = [Project(path) for path in Path(projects_dir).iterdir() if (path / LOCK).exists()]
    found = [project for project in found if project.was_interrupted()]
    return sorted(found, key=lambda project: _mtime(project.root / MANIFEST), reverse=True)


def _extract(archive: zipfile.ZipFile, project: Project) -> None:
    for info in archive.infolist():
        if info.is_dir() or info.filename == LOCK:
            continue
        target = project.path(info.filename)  # refuses names that climb out of the folder
        if target.exists() and info.filename != MANIFEST:
            continue
        _write(target, archive.read(info))


def _safe_id(name: str) -> str:
    cleaned = "".join(ch for ch in name if ch.isalnum() or ch in "-_")[:64]
    return cleaned or datetime.now().strftime("%Y%m%d-%H%M%S-") + secrets.token_hex(3)


def _process_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    if sys.platform == "win32":
        return _windows_process_alive(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process with that id: treat the project as in use
    except OSError:
        return False
    return True


def _windows_process_alive(pid: int) -> bool:
    # os.kill(pid, 0) would send Ctrl+C there; ask whether the process still runs instead.
    import ctypes

    kernel32 = ctypes.windll.kernel32
    handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
    if not handle:
        return False
    try:
        code = ctypes.c_ulong()
        return bool(kernel32.GetExitCodeProcess(handle, ctypes.byref(code))) and code.value == 259
    finally:
        kernel32.CloseHandle(handle)


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def _mkdir(path: Path) -> None:
    path.mkdir(parents=True, exist_ok=True)


def _write(path: Path, data: bytes) -> None:
    write_atomically(path, data)
