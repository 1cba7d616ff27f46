"""Where the window's jobs go: the backend made for one job's options, and whether a provider has a
key. The app passes the factory (`editor.app.build_backend`); the environment is where scripted
overrides (MASKEDIT_PROVIDER, …) and key variables are read.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from editor.backends.base import InvalidRequest
from editor.backends.providers import PROFILES
from editor.settings.keys import find_api_key

if TYPE_CHECKING:
    from editor.pipeline.options import EditOptions
    from editor.settings.store import UserSettings

    BuildBackend = Callable[[EditOptions, UserSettings, Mapping[str, str]], object]


class Services:
    """The backend factory and the key lookup, with the settings and environment they read."""

    def __init__(self, build_backend: BuildBackend | None, env: Mapping[str, str] | None,
                 settings: Callable[[], UserSettings]):
        self._build_backend, self._settings = build_backend, settings
        self.env: dict[str, str] = dict(os.environ if env is None else env)
        self._keys_found: dict[str, bool] = {}

    def backend_for(self, options: EditOptions):
        """A backend for one job (runs on a worker thread)."""
        if self._build_backend is None:
            raise InvalidRequest("This window has no edit service set up.")
        return self._build_backend(options, self._settings(), self.env)

    def has_key(self, provider: str) -> bool:
        if provider not in self._keys_found:  # the keychain is slow to ask on every keystroke
            self._keys_found[provider] = find_api_key(PROFILES[provider], self.env).found
        return self._keys_found[provider]

    def forget_keys(self) -> None:
        """Settings closed: keys may have been added or removed; look again."""
        self._keys_found.clear()
