"""Who performs an edit: the HTTP backend (OpenAI, Requesty, any compatible router) or the
offline OpenCV backend. `create_backend` is the one place a profile becomes a backend.

Backends are imported lazily so that the CLI only pays for what it uses (OpenCV for the offline
backend, httpx for the HTTP one).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from editor.backends.base import EditBackend, InvalidRequest
from editor.backends.providers import (
    ApiKey,
    ProviderProfile,
    check_base_url,
)

if TYPE_CHECKING:
    from editor.backends.file_ids import FileIds

__all__ = ["create_backend"]


def create_backend(
    profile: ProviderProfile,
    *,
    api_key: ApiKey | None = None,
    base_url: str | None = None,
    model: str | None = None,
    read_timeout: float = 300.0,
    body: str | None = None,
    files: FileIds | None = None,
) -> EditBackend:
    """Build the backend for `profile`; raise InvalidRequest with a human reason when the
    profile cannot work as configured (no base URL for a custom provider, plain http, …)."""
    if profile.kind == "local":
        from editor.backends.local_inpaint import INPAINT_METHODS, LocalInpaintBackend

        method = model if model in INPAINT_METHODS else "auto"
        return LocalInpaintBackend(method=method)

    from editor.backends.openai_http import OpenAIHttpBackend

    url = base_url or profile.base_url
    if not url:
        raise InvalidRequest(
            f"The {profile.label} provider needs a base URL, e.g. https://my-router.example/v1."
        )
    try:
        url = check_base_url(url)
    except ValueError as exc:
        raise InvalidRequest(str(exc)) from None
    return OpenAIHttpBackend(
        base_url=url,
        api_key=api_key,
        name=profile.name,
        description=f"{profile.label} at {url}",
        body=body or profile.body,
        files=files,
        read_timeout=read_timeout,
        extra_headers=dict(profile.extra_headers),
    )
