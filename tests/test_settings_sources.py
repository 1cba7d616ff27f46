"""Where each connection value in use comes from: the environment, the keychain, the settings file
or the default — and always the same value the edits resolve."""

from __future__ import annotations

from pathlib import Path

import pytest

from editor.backends.providers import PROFILES, ApiKey
from editor.settings.environment import base_url_for
from editor.settings.keys import find_api_key, store_api_key
from editor.settings.sources import Origin, effective_base_url, key_origin, key_tail
from editor.settings.store import UserSettings

FILE = Path("/home/someone/.config/maskedit/settings.json")
SAVED = UserSettings(base_urls=(("openai", "https://eu.example/v1"),))


def test_the_environment_base_url_wins_and_says_so():
    env = {"MASKEDIT_BASE_URL": "http://127.0.0.1:9/v1"}
    resolved = effective_base_url(SAVED, "openai", env, FILE)
    assert resolved.value == "http://127.0.0.1:9/v1"
    assert resolved.origin == Origin("environment", variable="MASKEDIT_BASE_URL")
    assert resolved.origin.describe() == "from environment (MASKEDIT_BASE_URL)"


def test_an_environment_base_url_for_another_provider_leaves_this_one_alone():
    env = {"MASKEDIT_BASE_URL": "http://127.0.0.1:9/v1", "MASKEDIT_PROVIDER": "custom"}
    resolved = effective_base_url(SAVED, "openai", env, FILE)
    assert resolved.value == "https://eu.example/v1"
    assert resolved.origin.describe() == f"from settings file {FILE}"
    assert effective_base_url(SAVED, "custom", env, FILE).origin.kind == "environment"


def test_without_a_saved_address_the_providers_default_is_used():
    resolved = effective_base_url(SAVED, "requesty", {}, FILE)
    assert resolved.value == PROFILES["requesty"].base_url
    assert resolved.origin.describe() == "default"
    assert effective_base_url(SAVED, "custom", {}, FILE).value is None  # Custom has no default


@pytest.mark.parametrize("env", [{}, {"MASKEDIT_BASE_URL": "https://env.example/v1"},
                                 {"MASKEDIT_BASE_URL": "https://env.example/v1",
                                  "MASKEDIT_PROVIDER": "openai"}])
@pytest.mark.parametrize("provider", ["requesty", "openai", "custom"])
def test_the_value_shown_is_the_one_edits_use(env, provider):
    edits = base_url_for(SAVED, provider, env) or PROFILES[provider].base_url or None
    assert effective_base_url(SAVED, provider, env, FILE).value == edits


def test_key_origins(memory_keyring):
    profile = PROFILES["openai"]
    store_api_key(profile, ApiKey("sk-in-the-keychain-0001"))
    assert key_origin(find_api_key(profile, {})).describe() == "from the system keychain"
    from_env = key_origin(find_api_key(profile, {"OPENAI_API_KEY": "sk-from-env-0002"}))
    assert from_env.describe() == "from environment (OPENAI_API_KEY)"
    generic = key_origin(find_api_key(profile, {"MASKEDIT_API_KEY": "sk-generic-0003"}))
    assert generic.describe() == "from environment (MASKEDIT_API_KEY)"
    assert key_origin(find_api_key(PROFILES["requesty"], {})) is None


def test_a_key_shows_at_most_its_last_four_characters():
    assert key_tail(ApiKey("sk-proj-abcdefghijkl-wxyz")) == "…wxyz"
    assert key_tail(ApiKey("sk-short-1234")) == ""  # four of 13 characters would be too many
