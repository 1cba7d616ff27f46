"""Fixtures of the command-line tests."""

from __future__ import annotations

import pytest


@pytest.fixture
def http_args(edit_server, fake_api_key, monkeypatch):
    """The flags that point `maskedit-cli` at the loopback fake, with its key in the environment."""
    monkeypatch.setenv("MASKEDIT_API_KEY", fake_api_key)
    return ["--provider", "custom", "--base-url", edit_server.base_url, "--model", "gpt-image-1"]
