"""Files on disk: the one atomic writer every part of Maskedit uses, and the one way to open a
file for reading that refuses what is not a file.

A file is written to a unique temporary name beside its target, flushed to the disk, renamed over
the target and the folder synced, so a crash, a kill or a full disk leaves either the old file or
the new one, never half of one. A FIFO, a device or a socket given where a file is expected is
refused by its type before anything waits on it (opening a FIFO blocks until someone writes;
/dev/zero never ends). Imports nothing of Maskedit's, so every layer may use it.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

Content = bytes | Callable[[BinaryIO], None]

_KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a pipe"), (stat.S_ISCHR, "a device"),
          (stat.S_ISBLK, "a device"), (stat.S_ISSOCK, "a socket"))


class NotAFile(OSError):
    """A path that names something other than a regular file; `kind` says what ("a pipe", …)."""

    def __init__(self, path: Path, kind: str):
        super().__init__(f"{Path(path).name} is {kind}, not a file")
        self.path, self.kind = Path(path), kind


def open_file(path: Path | str) -> BinaryIO:
    """Open a regular file for reading in binary. Raises NotAFile for anything else (checked on the
    opened handle, so nothing is waited on), FileNotFoundError, PermissionError or OSError."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            kind = next((name for test, name in _KINDS if test(mode)), "not a regular file")
            raise NotAFile(Path(path), kind)
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_file(path: Path | str, limit: int | None = None) -> bytes:
    """The bytes of a regular file (see open_file); with `limit`, OSError when it holds more."""
    with open_file(path) as stream:
        if limit is None:
            data = stream.read()
        else:
            # Sized by the file, not the limit: reading up to a limit of hundreds of MB allocates
            # all of it first, for a file of a few kB. One byte more tells whether it grew since.
            expected = min(os.fstat(stream.fileno()).st_size, limit)
            data = stream.read(expected + 1)
            if expected < len(data) <= limit:
                data += stream.read(limit + 1 - len(data))
    if limit is not None and len(data) > limit:
        raise OSError(f"{Path(path).name} is larger than {limit:,} bytes")
    return data


def write_atomically(path: Path, content: Content, *, make_folder: bool = True) -> None:
    """Write `content` (bytes, or a function that writes into the open file) to `path` atomically.

    `make_folder` creates the folder when it is missing (a results folder); without it a missing
    folder is an error (the user chose it). Raises OSError (disk full, no permission…) with no
    temporary file left behind.
    """
    path = Path(path)
    folder = path.parent
    if make_folder:
        folder.mkdir(parents=True, exist_ok=True)
    # os.urandom, not the secrets module: its hashing imports cost the start-up ~10 ms.
    temp = folder / f".{path.name}.{os.urandom(4).hex()}.part"
    # O_EXCL: a stale temporary of another writer is never written into; 0o666 lets the umask
    # decide permissions, as for any file the user saves.
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as stream:
            if isinstance(content, bytes | bytearray | memoryview):
                stream.write(content)
            else:
                content(stream)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise
    _sync_folder(folder)


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable; folders cannot be opened for syncing on Windows."""
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
