"""Key lookup order, keychain trouble, http refusal and the settings file."""

from __future__ import annotations

import logging

import pytest

from editor.backends.providers import PROFILES, ApiKey, check_base_url
from editor.settings.keys import (
    KeychainUnavailable,
    find_api_key,
    forget_api_key,
    read_key_file,
    store_api_key,
)
from editor.settings.store import UserSettings, load_settings, save_settings, settings_path

REQUESTY = PROFILES["requesty"]


def test_generic_variable_wins_over_provider_variable_and_keychain(memory_keyring):
    store_api_key(REQUESTY, ApiKey("from-keychain"))
    env = {"MASKEDIT_API_KEY": "generic", "REQUESTY_API_KEY": "specific"}
    assert find_api_key(REQUESTY, env).key == ApiKey("generic")
    assert find_api_key(REQUESTY, {"REQUESTY_API_KEY": "specific"}).source == "REQUESTY_API_KEY"
    found = find_api_key(REQUESTY, {})
    assert found.key == ApiKey("from-keychain") and found.source == "keychain"


def test_keys_are_per_provider(memory_keyring):
    store_api_key(PROFILES["openai"], ApiKey("sk-openai"))
    assert not find_api_key(REQUESTY, {}).found
    forget_api_key(PROFILES["openai"])
    assert not find_api_key(PROFILES["openai"], {}).found


def test_no_keychain_is_a_sentence_not_a_crash(no_keyring):
    lookup = find_api_key(REQUESTY, {})
    assert not lookup.found
    assert "REQUESTY_API_KEY" in lookup.problem
    with pytest.raises(KeychainUnavailable, match="environment variable"):
        store_api_key(REQUESTY, ApiKey("sk-x"))
    # the environment still works without a keychain
    assert find_api_key(REQUESTY, {"REQUESTY_API_KEY": "k"}).found


def test_api_key_never_shows_itself(caplog):
    key = ApiKey("sk-secret-123")
    caplog.set_level(logging.DEBUG)
    logging.getLogger("test").info("key %s %r %s", key, key, [key])
    assert "sk-secret-123" not in caplog.text
    assert "sk-secret-123" not in f"{key} {key!r}"
    with pytest.raises(TypeError):
        import pickle

        pickle.dumps(key)


def test_key_file(tmp_path):
    path = tmp_path / "key.txt"
    path.write_text("\n  sk-file  \n")
    assert read_key_file(path) == ApiKey("sk-file")
    path.write_text("\n")
    with pytest.raises(ValueError, match="empty"):
        read_key_file(path)
    with pytest.raises(ValueError, match="Cannot read"):
        read_key_file(tmp_path / "missing.txt")


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080/v1", "http://localhost/v1", "https://router.requesty.ai/v1/"])
def test_allowed_base_urls(url):
    assert not check_base_url(url).endswith("/")


@pytest.mark.parametrize("url", ["http://router.example.com/v1", "http://10.0.0.5/v1", "ftp://x", "router"])
def test_refused_base_urls(url):
    with pytest.raises(ValueError):
        check_base_url(url)


def test_settings_round_trip_and_damaged_file(tmp_path):
    path = tmp_path / "settings.json"
    settings = UserSettings(provider="openai", overlay_opacity=0.3, base_urls=(("custom", "https://x/v1"),))
    settings = settings.with_recent("/photos/a.jpg")
    save_settings(settings, path)
    assert load_settings(path) == settings
    path.write_text("{not json")
    assert load_settings(path) == UserSettings()
    path.write_text('{"overlay_opacity": "high", "undo_cap_mb": 256, "unknown": 1}')
    loaded = load_settings(path)
    assert loaded.overlay_opacity == 0.5 and loaded.undo_cap_mb == 256


def test_settings_live_in_the_xdg_config_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    save_settings(UserSettings(provider="local"))
    assert settings_path() == tmp_path / "maskedit" / "settings.json"
    assert load_settings().provider == "local"


def test_recent_files_are_unique_and_capped():
    settings = UserSettings()
    for index in range(15):
        settings = settings.with_recent(f"/p/{index}.png")
    settings = settings.with_recent("/p/3.png")
    assert settings.recent_files[0] == "/p/3.png"
    assert len(settings.recent_files) == 10 and len(set(settings.recent_files)) == 10


def test_a_save_overtaken_by_a_newer_one_writes_nothing(tmp_path):
    """Saves run in workers; whichever runs last, the file holds the newest settings."""
    from editor.settings.store import SettingsWriter

    path = tmp_path / "settings.json"
    writer = SettingsWriter(path)
    old, new = writer.ticket(), writer.ticket()
    writer.write(UserSettings(provider="openai"), new)
    writer.write(UserSettings(provider="local"), old)  # its worker ran late
    assert load_settings(path).provider == "openai"
    writer.write(UserSettings(provider="custom"), writer.ticket())
    assert load_settings(path).provider == "custom"
