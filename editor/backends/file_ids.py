"""Images uploaded to a provider's Files API, remembered by content so each is sent once.

With the `files` body (editor.backends.wire), the photo, the references and the mask go up once
through `POST /files` and every later edit names them by `file_id`: iterating ten times on a
24 MP photo uploads it once. An entry is kept until shortly before the expiry the upload asked
for, never past it; whoever owns the store deletes what is left when the work is closed.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass

FILE_PURPOSE = "vision"  # what OpenAI's image guide uploads image inputs with (MODELS.md)
LIFETIME_S = 24 * 3600  # expires_after[seconds]; the API takes 3,600–2,592,000
MARGIN_S = 10 * 60  # an id this close to its expiry is not used again: the edit may take minutes


def content_key(data: bytes) -> str:
    """The key of an image's bytes (SHA-256; the same bytes are the same file)."""
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class UploadedFile:
    file_id: str
    expires_at: float  # on `clock`'s scale
    size: int


class FileIds:
    """file ids by content key for one provider (one base URL and key). Used on one event loop."""

    def __init__(self, clock: Callable[[], float] = time.time):
        self._clock = clock
        self._files: dict[str, UploadedFile] = {}

    def get(self, key: str) -> str | None:
        """The id of the file with this content, while it is safely before its expiry."""
        entry = self._files.get(key)
        if entry is None:
            return None
        if entry.expires_at - MARGIN_S <= self._clock():
            del self._files[key]  # the service deletes it soon; never hand it out again
            return None
        return entry.file_id

    def put(self, key: str, file_id: str, size: int, lifetime_s: float = LIFETIME_S) -> None:
        self._files[key] = UploadedFile(file_id, self._clock() + lifetime_s, size)

    def forget(self, file_ids: set[str]) -> None:
        """The service no longer knows these ids (expired or deleted elsewhere)."""
        self._files = {key: entry for key, entry in self._files.items() if entry.file_id not in file_ids}

    def take_all(self) -> list[str]:
        """Every id still held, emptying the store (to delete them at the provider)."""
        ids = [entry.file_id for entry in self._files.values()]
        self._files.clear()
        return ids

    def __len__(self) -> int:
        return len(self._files)
