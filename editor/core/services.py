"""Where the window's jobs go: the backend made for one job's options, whether a provider has a
key, and the images uploaded as file IDs. The app passes the factory (`editor.app.build_backend`);
the environment is where scripted overrides (MASKEDIT_PROVIDER, …) and key variables are read.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from editor.backends.base import EditError, InvalidRequest
from editor.backends.file_ids import FileIds
from editor.backends.providers import PROFILES
from editor.pipeline.options import EditOptions
from editor.settings.environment import base_url_for
from editor.settings.keys import find_api_key

if TYPE_CHECKING:
    from editor.settings.store import UserSettings

    BuildBackend = Callable[[EditOptions, UserSettings, Mapping[str, str]], object]


log = logging.getLogger(__name__)


class Services:
    """The backend factory, the key lookup and the file-ID stores, with the settings and
    environment they read."""

    def __init__(self, build_backend: BuildBackend | None, env: Mapping[str, str] | None,
                 settings: Callable[[], UserSettings]):
        self._build_backend, self._settings = build_backend, settings
        self.env: dict[str, str] = dict(os.environ if env is None else env)
        self._keys_found: dict[str, bool] = {}
        # Images uploaded as file IDs, per provider and address: kept across jobs, deleted when
        # the project closes (see delete_uploads).
        self._file_ids: dict[tuple[str, str | None], FileIds] = {}

    def backend_for(self, options: EditOptions):
        """A backend for one job (runs on a worker thread)."""
        if self._build_backend is None:
            raise InvalidRequest("This window has no edit service set up.")
        settings = self._settings()
        if settings.body_for(options.provider) != "files":
            return self._build_backend(options, settings, self.env)
        return self._build_backend(options, settings, self.env, files=self._store(options.provider))

    def _store(self, provider: str) -> FileIds:
        where = (provider, base_url_for(self._settings(), provider, self.env))
        return self._file_ids.setdefault(where, FileIds())

    def uploads(self) -> int:
        """How many images are held at providers as file IDs."""
        return sum(len(store) for store in self._file_ids.values())

    async def delete_uploads(self) -> int:
        """Delete every image uploaded as a file ID at its provider; how many were deleted. Never
        raises for a provider that cannot be reached: the uploads expire on their own."""
        deleted = 0
        for (provider, url), store in list(self._file_ids.items()):
            ids = store.take_all()
            if not ids or self._build_backend is None:
                continue
            settings = self._settings()
            if url != base_url_for(settings, provider, self.env):
                settings = settings.with_base_url(provider, url or "")  # the address they went to
            try:
                backend = self._build_backend(EditOptions(provider=provider), settings, self.env)
            except EditError as error:
                log.info("could not delete %d uploads at %s: %s", len(ids), provider, error.message)
                continue
            try:
                deleted += await backend.delete_files(ids)
            finally:
                await backend.aclose()
        return deleted

    def has_key(self, provider: str) -> bool:
        if provider not in self._keys_found:  # the keychain is slow to ask on every keystroke
            self._keys_found[provider] = find_api_key(PROFILES[provider], self.env).found
        return self._keys_found[provider]

    def forget_keys(self) -> None:
        """Settings closed: keys may have been added or removed; look again."""
        self._keys_found.clear()
