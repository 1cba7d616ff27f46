"""Where each connection value an edit will use comes from: the environment, the system keychain,
the settings file or the provider's default.

Settings shows this beside each value. Without it a MASKEDIT_BASE_URL or OPENAI_API_KEY set in a
shell silently beat what the user saved, and the dialog showed the saved value as if it were the
one in use. The values are found by the same calls the edits make (`base_url_for`,
`find_api_key`); this module only adds where they come from.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from editor.backends.providers import PROFILES
from editor.settings.environment import ENV_BASE_URL, base_url_for, env_base_url

if TYPE_CHECKING:
    from editor.backends.providers import ApiKey
    from editor.settings.keys import KeyLookup
    from editor.settings.store import UserSettings

# A key shorter than this shows no tail: four characters would be too large a part of it.
MIN_KEY_FOR_TAIL = 16


@dataclass(frozen=True)
class Origin:
    """Where a value comes from. `variable` names the environment variable (kind "environment"),
    `path` the settings file (kind "file")."""

    kind: Literal["environment", "keychain", "file", "default"]
    variable: str | None = None
    path: Path | None = None

    def describe(self) -> str:
        """The words Settings puts beside the value, e.g. "from environment (MASKEDIT_BASE_URL)"."""
        if self.kind == "environment":
            return f"from environment ({self.variable})"
        if self.kind == "keychain":
            return "from the system keychain"
        if self.kind == "file":
            return f"from settings file {self.path}"
        return "default"


@dataclass(frozen=True)
class BaseUrl:
    """The base URL a provider's edits go to and where it comes from; `value` is None only for a
    provider without a default address (Custom) that has none set."""

    value: str | None
    origin: Origin


def effective_base_url(settings: UserSettings, provider: str, env: Mapping[str, str],
                       settings_file: Path) -> BaseUrl:
    """The address an edit for `provider` goes to (`base_url_for`, as the edits ask it) and its
    origin: the environment when MASKEDIT_BASE_URL applies to this provider, else `settings_file`
    when `settings` sets one, else the provider's default."""
    value = base_url_for(settings, provider, env)
    if env_base_url(env, provider) is not None:
        return BaseUrl(value, Origin("environment", variable=ENV_BASE_URL))
    if value:
        return BaseUrl(value, Origin("file", path=settings_file))
    return BaseUrl(PROFILES[provider].base_url or None, Origin("default"))


def key_origin(lookup: KeyLookup) -> Origin | None:
    """Where the key `find_api_key` found comes from: its environment variable or the keychain;
    None when it found none."""
    if not lookup.found:
        return None
    if lookup.source == "keychain":
        return Origin("keychain")
    return Origin("environment", variable=lookup.source)


def key_tail(key: ApiKey) -> str:
    """The last four characters of a key ("…f3a9"), enough to tell two keys apart and too few to
    use; empty for a key shorter than MIN_KEY_FOR_TAIL."""
    value = key.reveal()
    return f"…{value[-4:]}" if len(value) >= MIN_KEY_FOR_TAIL else ""
