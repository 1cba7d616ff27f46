"""Files written all or nothing: the one atomic writer every part of Maskedit uses.

A file is written to a unique temporary name beside its target, flushed to the disk, renamed over
the target and the folder synced, so a crash, a kill or a full disk leaves either the old file or
the new one, never half of one. Imports nothing of Maskedit's, so every layer may use it.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

Content = bytes | Callable[[BinaryIO], None]


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
    temp = folder / f".{path.name}.{secrets.token_hex(4)}.part"
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
