"""Where API keys are found: `MASKEDIT_API_KEY`, the provider's own variable (e.g.
`REQUESTY_API_KEY`), then the OS keychain. A key is written only to the keychain, never to a
settings file. A machine without a keychain raises on reads as well as writes; that is caught
and reported as a sentence, so the caller can point the user to the environment variable.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from editor.disk import read_file

if TYPE_CHECKING:
    from editor.backends.providers import ApiKey, ProviderProfile

# keyring (~25 ms) and editor.backends (Pillow) are imported inside the functions that use them:
# the window reads its settings before its first paint, and keys only after it.

log = logging.getLogger(__name__)

KEYRING_SERVICE = "maskedit"
GENERIC_KEY_ENV = "MASKEDIT_API_KEY"


@dataclass(frozen=True)
class KeyLookup:
    """The result of looking for a provider's key: the key (if any), where it came from, and a
    sentence about anything that went wrong on the way (e.g. no keychain on this machine)."""

    key: ApiKey | None
    source: str | None = None
    problem: str | None = None

    @property
    def found(self) -> bool:
        return self.key is not None


class KeychainUnavailable(RuntimeError):
    """The OS keychain cannot be used; the message says what to do instead."""


def find_api_key(profile: ProviderProfile, env: Mapping[str, str] | None = None) -> KeyLookup:
    from editor.backends.providers import ApiKey

    env = os.environ if env is None else env
    for variable in (GENERIC_KEY_ENV, profile.key_env):
        if variable and env.get(variable, "").strip():
            try:
                return KeyLookup(ApiKey(env[variable]), source=variable)
            except ValueError as exc:
                return KeyLookup(None, source=variable, problem=f"{variable}: {exc}")
    # Only now: a key from the environment (a script's, CI's) spares the command line keyring's
    # import (~40 ms with its backends' discovery).
    import keyring
    import keyring.errors

    try:
        stored = keyring.get_password(KEYRING_SERVICE, profile.name)
    except keyring.errors.KeyringError as exc:
        log.info("keychain unavailable for reading: %s", type(exc).__name__)
        return KeyLookup(None, problem=_no_keychain_sentence(profile))
    if stored and stored.strip():
        try:
            return KeyLookup(ApiKey(stored), source="keychain")
        except ValueError as exc:
            return KeyLookup(None, source="keychain", problem=f"The key in the keychain: {exc}")
    return KeyLookup(None)


def store_api_key(profile: ProviderProfile, key: ApiKey) -> None:
    import keyring
    import keyring.errors

    try:
        keyring.set_password(KEYRING_SERVICE, profile.name, key.reveal())
    except keyring.errors.KeyringError as exc:
        log.info("keychain unavailable for writing: %s", type(exc).__name__)
        raise KeychainUnavailable(_no_keychain_sentence(profile)) from None


def forget_api_key(profile: ProviderProfile) -> None:
    import keyring
    import keyring.errors

    try:
        keyring.delete_password(KEYRING_SERVICE, profile.name)
    except keyring.errors.PasswordDeleteError:
        pass
    except keyring.errors.KeyringError:
        raise KeychainUnavailable(_no_keychain_sentence(profile)) from None


def _no_keychain_sentence(profile: ProviderProfile) -> str:
    variables = f"{profile.key_env} (or {GENERIC_KEY_ENV})" if profile.key_env else GENERIC_KEY_ENV
    return (
        "No system keychain is available on this computer, so the key cannot be stored there. "
        f"Set the environment variable {variables} instead."
    )


def read_key_file(path: Path) -> ApiKey:
    """Read a key from a file (first non-empty line); raise ValueError with a human reason."""
    from editor.backends.providers import ApiKey, normalise_key

    try:
        text = read_file(path, limit=64 * 1024).decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError(f"The key file {path} is not text.") from None
    except OSError as exc:
        raise ValueError(f"Cannot read the key file {path}: {exc.strerror or exc}.") from None
    for line in text.splitlines():
        if normalise_key(line):  # a byte-order mark alone is no key
            return ApiKey(line)
    raise ValueError(f"The key file {path} is empty.")
