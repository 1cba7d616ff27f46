"""Scripted misbehaviour for the fake edit server: one `Fault` answers one API request.

Faults are queued with `FakeEditServer.script(...)` and consumed in order by requests under
`/v1/` (edits and model lists; result downloads under `/files/` never consume one). Once the
queue is empty the server answers normally again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

ErrorShape = Literal["openai", "requesty", "string", "html"]

_DEFAULT_MESSAGES = {
    400: "Invalid request.",
    401: "Incorrect API key provided.",
    402: "Insufficient balance. Add credits to continue.",
    403: "You are not allowed to use this model.",
    404: "The model 'gpt-image-x' does not exist or you do not have access to it.",
    408: "Request timed out.",
    409: "Conflict, please retry.",
    412: "Spend limit reached for this API key.",
    413: "Request entity too large.",
    429: "Rate limit reached for requests. Please try again in 1s.",
    500: "The server had an error while processing your request.",
    502: "Bad gateway.",
    503: "The engine is currently overloaded, please try again later.",
    529: "The provider is overloaded.",
}
_DEFAULT_TYPES = {400: "invalid_request_error", 401: "invalid_request_error", 429: "requests",
                  500: "server_error", 503: "server_error"}


@dataclass(frozen=True)
class Fault:
    """One scripted answer. Build it with the class methods; the fields are the server's business."""

    kind: Literal["status", "malformed_json", "error_in_200", "not_an_image", "missing_url",
                  "drop", "slow", "sse_error", "huge", "drip", "gzip_bomb", "too_many"]
    http_status: int = 200
    message: str = ""
    shape: ErrorShape = "openai"
    error_type: str | None = None
    code: str | None = None
    headers: tuple[tuple[str, str], ...] = field(default=())
    seconds: float = 0.0
    size: int = 0
    mid_body: bool = False
    after_partials: int = 0

    @classmethod
    def status(
        cls,
        status: int,
        message: str | None = None,
        *,
        shape: ErrorShape = "openai",
        error_type: str | None = None,
        code: str | None = None,
        retry_after: str | None = None,
        retry_after_ms: str | None = None,
    ) -> Fault:
        """An HTTP error. `shape`: OpenAI `{"error": {...}}`, Requesty `{"error": {"origin",
        "message"}}`, a bare string error, or an HTML page."""
        headers = []
        if retry_after is not None:
            headers.append(("Retry-After", retry_after))
        if retry_after_ms is not None:
            headers.append(("retry-after-ms", retry_after_ms))
        return cls(kind="status", http_status=status, shape=shape,
                   message=message if message is not None else _DEFAULT_MESSAGES.get(status, "Error."),
                   error_type=error_type or _DEFAULT_TYPES.get(status, "api_error"),
                   code=code, headers=tuple(headers))

    @classmethod
    def quota_exhausted(cls) -> Fault:
        return cls.status(
            429, "You exceeded your current quota, please check your plan and billing details.",
            error_type="insufficient_quota", code="insufficient_quota")

    @classmethod
    def malformed_json(cls) -> Fault:
        """A 200 whose body is cut off in the middle of the JSON."""
        return cls(kind="malformed_json")

    @classmethod
    def error_in_200(cls, message: str = "The image could not be generated.",
                     error_type: str = "server_error") -> Fault:
        return cls(kind="error_in_200", message=message, error_type=error_type)

    @classmethod
    def not_an_image(cls) -> Fault:
        """A 200 whose `b64_json` is valid base64 of bytes that are no image."""
        return cls(kind="not_an_image")

    @classmethod
    def missing_url(cls) -> Fault:
        """A 200 in url mode whose link answers 404."""
        return cls(kind="missing_url")

    @classmethod
    def drop(cls, *, mid_body: bool = False) -> Fault:
        """Close the connection: before any response, or after half of a promised body."""
        return cls(kind="drop", mid_body=mid_body)

    @classmethod
    def slow(cls, seconds: float) -> Fault:
        """Wait `seconds` before answering normally (server shutdown cuts the wait short)."""
        return cls(kind="slow", seconds=seconds)

    @classmethod
    def sse_error(cls, message: str = "Image generation failed.", *, after_partials: int = 0) -> Fault:
        """In a streamed answer: `after_partials` preview events, then an `error` event."""
        return cls(kind="sse_error", message=message, after_partials=after_partials)

    @classmethod
    def drip(cls, seconds: float) -> Fault:
        """A 200 whose body comes one byte every `seconds`: no single read ever times out."""
        return cls(kind="drip", seconds=seconds)

    @classmethod
    def gzip_bomb(cls, size: int) -> Fault:
        """A 200 whose JSON body is `size` bytes of spaces, gzipped twice (a few kB on the wire)."""
        return cls(kind="gzip_bomb", size=size)

    @classmethod
    def too_many(cls, count: int) -> Fault:
        """A normal answer carrying `count` images, whatever n was."""
        return cls(kind="too_many", size=count)

    @classmethod
    def huge(cls, size: int) -> Fault:
        """A 200 JSON body of `size` bytes, written in chunks without holding it in memory."""
        return cls(kind="huge", size=size)
