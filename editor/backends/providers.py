"""Provider profiles: where edits go, which models exist there, and where the key is found.

A profile is configuration only; `editor.backends.create_backend` turns one into a backend.
`ApiKey` wraps the secret so that a repr, an f-string or a log record never shows it.
"""

from __future__ import annotations

import ipaddress
import socket
import unicodedata
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from editor import secrets


def normalise_key(text: str) -> str:
    """The one key normaliser: what was pasted, without what a paste drags along (a byte-order
    mark, zero-width and other invisible format characters, spaces of any kind, line breaks).
    Raises ValueError with a sentence when what is left cannot be a key: an HTTP header carries
    only printable ASCII, and no provider's key has anything else."""
    kept = "".join(ch for ch in text if not ch.isspace() and unicodedata.category(ch) != "Cf")
    strange = sorted({ch for ch in kept if not (" " < ch < "\x7f")})
    if strange:
        shown = ", ".join(f"U+{ord(ch):04X}" for ch in strange[:3])
        raise ValueError(f"The API key contains characters no key has ({shown}). Copy it again from "
                         "the provider's dashboard and paste it as plain text.")
    return kept


class ApiKey:
    """A secret that says nothing about itself; call `reveal()` at the one place it is sent."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        value = normalise_key(value)
        if not value:
            raise ValueError("The API key is empty.")
        self._value = value
        secrets.remember(value)  # blanked out of every log line, message and record from now on

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "ApiKey(****)"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ApiKey) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __reduce__(self):
        raise TypeError("an API key is not pickled or serialised")


# How a provider's requests are written: `auto` is multipart (what the official SDKs send) unless
# the request has a field only JSON carries (moderation); `files` is JSON with file IDs (each image
# uploaded once to the Files API and reused); see editor.backends.wire.
BodyMode = Literal["auto", "multipart", "json", "files"]
BODY_MODES: tuple[str, ...] = ("auto", "multipart", "json", "files")


@dataclass(frozen=True)
class ProviderProfile:
    """A place edits can go.

    `body` is how requests are encoded: "multipart" (what the official SDKs send) or "json"
    (data URLs). `key_env` is the provider's own environment variable for the key.
    """

    name: str
    label: str
    kind: Literal["http", "local"]
    base_url: str = ""
    models: tuple[str, ...] = ()
    key_env: str | None = None
    body: BodyMode = "auto"
    extra_headers: tuple[tuple[str, str], ...] = ()

    @property
    def default_model(self) -> str | None:
        return self.models[0] if self.models else None

    @property
    def needs_key(self) -> bool:
        return self.kind == "http"


PROFILES: dict[str, ProviderProfile] = {
    profile.name: profile
    for profile in (
        ProviderProfile(
            name="requesty",
            label="Requesty",
            kind="http",
            base_url="https://router.requesty.ai/v1",
            models=("azure/openai/gpt-image-1", "azure/openai/gpt-image-1.5"),
            key_env="REQUESTY_API_KEY",
            # Requesty reads these for its per-app analytics; they identify the app, not the user.
            extra_headers=(("HTTP-Referer", "https://github.com/maskedit/maskedit"),
                           ("X-Title", "Maskedit")),
        ),
        ProviderProfile(
            name="openai",
            label="OpenAI",
            kind="http",
            base_url="https://api.openai.com/v1",
            models=("gpt-image-1", "gpt-image-1.5", "gpt-image-1-mini", "gpt-image-2",
                    "gpt-image-2.5-sunburst", "gpt-image-2.5-flare", "gpt-image-2.6-sunburst",
                    "gpt-image-2.6-flare", "chatgpt-image-latest"),
            key_env="OPENAI_API_KEY",
        ),
        ProviderProfile(
            name="custom",
            label="Custom (OpenAI-compatible)",
            kind="http",
            base_url="",
            models=(),
            key_env=None,
        ),
        ProviderProfile(
            name="local",
            label="Offline (OpenCV inpainting)",
            kind="local",
            models=("auto", "telea", "navier-stokes"),
        ),
    )
}

DEFAULT_PROVIDER = "requesty"

def is_loopback(host: str | None) -> bool:
    """Is `host` this computer? An IP literal in 127.0.0.0/8 or ::1, or the name localhost when
    every address it resolves to is one. A name that merely starts with "127." is not."""
    if not host:
        return False
    host = host.strip("[]").lower().rstrip(".")
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        pass
    if host != "localhost":
        return False
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except OSError:
        return False
    return bool(addresses) and all(ipaddress.ip_address(a.split("%")[0]).is_loopback for a in addresses)


def check_base_url(url: str) -> str:
    """Return the URL without a trailing slash, or raise ValueError with a human reason.

    Plain http is refused except to loopback: the key travels in a header on every request.
    """
    url = url.strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"'{url}' is not a web address (it should start with https://).")
    host = parts.hostname
    if parts.scheme == "http" and not is_loopback(host):
        raise ValueError(
            f"'{url}' uses plain http, which would send your API key unencrypted. "
            "Use https:// (plain http is allowed only to this computer: localhost/127.0.0.1)."
        )
    return url
