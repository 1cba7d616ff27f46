"""Which provider, model and base URL an edit goes to: the one resolving the window and the
command line share.

`MASKEDIT_PROVIDER`, `MASKEDIT_BASE_URL` and `MASKEDIT_MODEL` override, for the session, what the
window remembers (they are never saved); on the command line a flag beats them. The key has its
own lookup (editor.settings.keys: MASKEDIT_API_KEY, the provider's variable, the keychain).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from editor.backends.providers import DEFAULT_PROVIDER, PROFILES, ProviderProfile
from editor.settings.store import UserSettings

ENV_PROVIDER = "MASKEDIT_PROVIDER"
ENV_BASE_URL = "MASKEDIT_BASE_URL"
ENV_MODEL = "MASKEDIT_MODEL"


class UnknownProvider(ValueError):
    """A provider name that is not one of PROFILES; the message lists the known ones."""


@dataclass(frozen=True)
class ProviderChoice:
    """Where edits go: the provider, the model (None: the provider's default) and the base URL
    (None: the provider's own). `forced` says the environment chose the provider."""

    profile: ProviderProfile
    model: str | None
    base_url: str | None
    forced: bool = False


def forced_provider(env: Mapping[str, str]) -> str | None:
    """The provider MASKEDIT_PROVIDER names, if it names one."""
    name = env.get(ENV_PROVIDER, "").strip().lower()
    return name if name in PROFILES else None


def env_base_url(env: Mapping[str, str], provider: str) -> str | None:
    """The base URL MASKEDIT_BASE_URL sets for `provider`, if it applies to it: to the provider
    MASKEDIT_PROVIDER names, or to every HTTP provider when it names none. Settings asks this to say
    that the environment wins; `base_url_for` asks it so both agree on when it does."""
    override = env.get(ENV_BASE_URL, "").strip()
    return override if override and forced_provider(env) in (None, provider) else None


def base_url_for(settings: UserSettings | None, provider: str, env: Mapping[str, str]) -> str | None:
    """The base URL a provider's edits go to: MASKEDIT_BASE_URL (see `env_base_url`), else the one
    set in Settings."""
    override = env_base_url(env, provider)
    if override:
        return override
    return settings.base_url_for(provider) if settings is not None else None


def effective_settings(settings: UserSettings, env: Mapping[str, str]) -> UserSettings:
    """The settings with the environment's base URL applied, for the views (not for saving)."""
    result = settings
    for provider, profile in PROFILES.items():
        url = base_url_for(settings, provider, env)
        if profile.needs_key and url and url != settings.base_url_for(provider):
            result = result.with_base_url(provider, url)
    return result


def choose_provider(env: Mapping[str, str], *, provider: str | None = None, model: str | None = None,
                    base_url: str | None = None, remembered: tuple[str, str] | None = None,
                    settings: UserSettings | None = None) -> ProviderChoice:
    """The provider, model and base URL for an edit. Explicit values (command-line flags) come
    first, then the environment, then what is `remembered` (the window's (provider, model)), then
    the default provider and its first model. Raises UnknownProvider for a name not in PROFILES."""
    forced = forced_provider(env)
    name = (provider or env.get(ENV_PROVIDER, "").strip().lower() or (remembered or ("", ""))[0]
            or DEFAULT_PROVIDER)
    if name not in PROFILES:
        raise UnknownProvider(f"Unknown provider '{name}' (choose from {', '.join(PROFILES)}).")
    profile = PROFILES[name]
    chosen_model = model or env.get(ENV_MODEL, "").strip() or None
    if chosen_model is None and remembered is not None and remembered[0] == name and remembered[1]:
        chosen_model = remembered[1]
    url = base_url or (base_url_for(settings, name, env) if profile.needs_key else None)
    return ProviderChoice(profile, chosen_model or profile.default_model, url,
                          forced=provider is None and forced == name)
