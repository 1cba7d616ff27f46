"""Remembering the edit options across restarts: `EditOptions` to and from the plain name → value
pairs `UserSettings` stores, and the prompt and options a session starts with.

No widgets here: the options panel, the Settings dialog and the window's start-up and shutdown
all use it, and it reads stored values that may be old or hand-edited, so it checks each one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields, replace

from editor.backends.providers import PROFILES
from editor.core.document import Document
from editor.pipeline.options import EditOptions, normalized
from editor.settings.keys import find_api_key
from editor.settings.store import UserSettings

_REMEMBERED = tuple(f.name for f in fields(EditOptions) if f.name not in ("provider", "model"))
# The type each remembered field takes besides None.
_KINDS = {"provider": str, "model": str, "n": int, "size": str, "context": str, "quality": str,
          "background": str, "output_format": str, "output_compression": int, "input_fidelity": str,
          "stream": bool, "partial_images": int, "complexity": str, "moderation": str}
# None leaves these out of the request
_OPTIONAL = ("output_compression", "input_fidelity", "partial_images", "complexity", "moderation")


def options_to_pairs(options: EditOptions, *, with_provider: bool = False) -> tuple[tuple[str, object], ...]:
    """The options as pairs for `UserSettings` (provider and model only when asked: the last
    ones used live in `UserSettings.provider` / `.model`)."""
    names = (("provider", "model") if with_provider else ()) + _REMEMBERED
    return tuple((name, getattr(options, name)) for name in names)


def choices_to_pairs(choices: Mapping[str, EditOptions]) -> tuple[tuple[str, object], ...]:
    """Each provider's last options as "provider.name" pairs for `UserSettings.provider_options`."""
    return tuple(sorted(
        (f"{provider}.{name}", value) for provider, options in choices.items() if provider in PROFILES
        for name, value in (("model", options.model), *options_to_pairs(options))))


def choices_from_pairs(pairs) -> dict[str, tuple[tuple[str, object], ...]]:
    """Stored "provider.name" pairs back as provider → (name, value) pairs; unknown providers and
    malformed names are skipped (options_from_pairs checks each value)."""
    grouped: dict[str, list[tuple[str, object]]] = {}
    for key, value in pairs:
        provider, _, name = str(key).partition(".")
        if provider in PROFILES and name and name != "provider":
            grouped.setdefault(provider, []).append((name, value))
    return {provider: tuple(found) for provider, found in grouped.items()}


def options_from_pairs(pairs, base: EditOptions | None = None) -> EditOptions:
    """`base` with the stored pairs applied; unknown names and values of the wrong type are
    skipped, a provider without a model gets the provider's first model."""
    base = base or EditOptions()
    changes: dict[str, object] = {}
    for name, value in pairs:
        kind = _KINDS.get(name)
        if kind is None or (value is None and name not in _OPTIONAL):
            continue
        if value is None or (isinstance(value, kind) and (kind is bool or not isinstance(value, bool))):
            changes[name] = value
    if changes.get("provider") not in PROFILES:
        changes.pop("provider", None)
        changes.pop("model", None)
    elif "model" not in changes:
        changes["model"] = PROFILES[changes["provider"]].default_model or ""
    return normalized(replace(base, **changes))


def initial_options(settings: UserSettings, env: Mapping[str, str] | None = None) -> EditOptions:
    """The options a session starts with: the last ones used, over the defaults from Settings.
    With neither remembered: Requesty when its key is found, else offline (as the CLI does)."""
    defaults = options_from_pairs(settings.default_options)
    if settings.provider in PROFILES:
        model = settings.model or PROFILES[settings.provider].default_model or ""
        return options_from_pairs(settings.last_options, replace(defaults, provider=settings.provider,
                                                                 model=model))
    if "provider" not in dict(settings.default_options):
        provider = "requesty" if find_api_key(PROFILES["requesty"], env).found else "local"
        defaults = normalized(replace(defaults, provider=provider,
                                      model=PROFILES[provider].default_model or ""))
    return options_from_pairs(settings.last_options, defaults)


def restore_edit_state(document: Document, settings: UserSettings,
                       env: Mapping[str, str] | None = None) -> None:
    """Give `document` the prompt and options remembered in `settings` (at start-up)."""
    document.set_options(initial_options(settings, env))
    document.set_prompt(settings.last_prompt)


def remembered_edit_state(settings: UserSettings, document: Document,
                          prompt_history: tuple[str, ...]) -> UserSettings:
    """`settings` with the document's prompt and options and the prompt history, for saving."""
    options = document.options()
    return replace(settings, provider=options.provider, model=options.model,
                   last_options=options_to_pairs(options), last_prompt=document.prompt(),
                   prompt_history=prompt_history)
