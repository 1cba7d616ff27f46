"""Turning what went wrong on the wire into an `EditError` a designer can act on.

Covers both error bodies seen in the wild (OpenAI's `{"error": {"message", "type", "param",
"code"}}` and Requesty's `{"error": {"origin", "message"}}`, plus bare strings and HTML pages),
the status → class table, transport failures, and when and how long to wait before a retry.
Every text that came from the server passes through `redact` so an echoed key never survives.
"""

from __future__ import annotations

import email.utils
import html
import json
import random
import re
import ssl
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

import httpx

from editor import secrets
from editor.backends.base import (
    AuthenticationFailed,
    BadRequest,
    ConnectionFailed,
    EditError,
    EditRequest,
    MalformedResponse,
    ModelNotFound,
    PayloadTooLarge,
    PaymentRequired,
    PermissionDenied,
    QuotaExhausted,
    RateLimited,
    RequestTimedOut,
    ServerError,
    SpendLimitReached,
)

MAX_RETRY_AFTER_S = 120.0
_BACKOFF_START_S = 0.5
_BACKOFF_CAP_S = 8.0
_MAX_SERVER_TEXT = 500

# Words a 429 uses when waiting will not help: the money or quota is gone, not the rate.
_QUOTA_MARKERS = (
    "insufficient_quota", "quota", "billing_hard_limit", "billing hard limit",
    "credits exhausted", "credit exhausted", "out of credits", "insufficient credits",
)
# Key-shaped tokens are masked even when we do not know them: a server may echo another key.
_TAG = re.compile(r"<[^>]+>")
_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True)
class ErrorContext:
    """What an error message needs to know about the backend and the attempt it ended."""

    host: str
    key_env: str
    read_timeout: float
    connect_timeout: float
    secret: str | None = field(default=None, repr=False)
    retries: int = 0
    request_id: str | None = None


@dataclass(frozen=True)
class ErrorBody:
    """The facts an error body carried; every field may be missing."""

    message: str | None = None
    type: str | None = None
    code: str | None = None
    param: str | None = None
    origin: str | None = None

    @property
    def says_quota_exhausted(self) -> bool:
        text = " ".join(filter(None, (self.code, self.type, self.message))).lower()
        return any(marker in text for marker in _QUOTA_MARKERS)


def redact(text: str, secret: str | None) -> str:
    """`text` without `secret` or any other key (editor.secrets is the one redactor)."""
    return secrets.redact(text, (secret,))


def parse_error_body(raw: bytes, secret: str | None = None) -> ErrorBody:
    """Read any error body leniently: JSON in either shape, a bare string, or an HTML page."""
    try:
        document = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return ErrorBody(message=_page_text(raw, secret))
    return error_body_from_json(document, secret)


def error_body_from_json(document: object, secret: str | None = None) -> ErrorBody:
    error = document.get("error", document) if isinstance(document, Mapping) else document
    if isinstance(error, str):
        return ErrorBody(message=_clean(error, secret))
    if not isinstance(error, Mapping):
        return ErrorBody()
    return ErrorBody(
        message=_clean(error.get("message") or error.get("detail"), secret),
        type=_clean(error.get("type"), secret),
        code=_clean(error.get("code"), secret),
        param=_clean(error.get("param"), secret),
        origin=_clean(error.get("origin"), secret),
    )


def _clean(value: object, secret: str | None) -> str | None:
    if value is None or isinstance(value, Mapping | list):
        return None
    text = " ".join(str(value).split())
    return redact(text, secret)[:_MAX_SERVER_TEXT] or None


def _page_text(raw: bytes, secret: str | None) -> str | None:
    text = raw.decode("utf-8", errors="replace")
    title = _TITLE.search(text)
    if title:
        text = title.group(1)
    return _clean(html.unescape(_TAG.sub(" ", text)), secret)


# --- Status codes -------------------------------------------------------------------------------


def error_for_status(
    status: int, body: ErrorBody, ctx: ErrorContext, *, retry_after_s: float | None = None
) -> EditError:
    """The error for an HTTP failure status, with every fact filled in."""
    cls, message = _class_and_message(status, body, ctx)
    return cls(
        message,
        status=status,
        request_id=ctx.request_id,
        server_message=body.message,
        code=body.code or body.type,
        retry_after_s=retry_after_s,
        param=body.param,
    )


def _class_and_message(status: int, body: ErrorBody, ctx: ErrorContext) -> tuple[type[EditError], str]:
    tried = _tried(ctx.retries)
    if status == 400:
        return BadRequest, (
            "The provider refused the request as invalid (400). Check the options and images; "
            "the service's own words below say which one."
        )
    if status == 401:
        return AuthenticationFailed, (
            f"The API key was rejected (401). Open Settings → Provider to check it, "
            f"or set {ctx.key_env}."
        )
    if status == 402:
        return PaymentRequired, (
            "The provider says the account has no credit left (402). "
            "Add credit at the provider, then try again."
        )
    if status == 403:
        return PermissionDenied, (
            "The provider refused access (403): this key may not use this model or endpoint. "
            "Check the key's permissions at the provider, or choose another model."
        )
    if status == 404:
        return ModelNotFound, (
            "The provider does not know this model or address (404). "
            "Check the model name and the base URL in Settings → Provider."
        )
    if status == 412:
        return SpendLimitReached, (
            "A spend limit on the key or account was reached (412). "
            "Raise the limit at the provider, or wait until it resets."
        )
    if status == 413:
        return PayloadTooLarge, (
            "The upload is too large for the provider (413). "
            "Use a smaller image, a smaller mask area or fewer reference images."
        )
    if status == 429:
        if body.says_quota_exhausted:
            return QuotaExhausted, (
                "The provider says the quota or credit is used up (429). Add credit or raise the "
                "quota at the provider; waiting will not help."
            )
        return RateLimited, f"The provider is limiting how fast requests may come (429){tried}. " \
            "Try again in a minute."
    if status in (408, 409) or status >= 500:
        return ServerError, (
            f"The provider had trouble answering ({status}){tried}. "
            "This is on their side; try again in a few minutes."
        )
    if 300 <= status < 400:
        return MalformedResponse, (
            f"The provider answered with an unexpected redirect ({status}). "
            "Check the base URL in Settings → Provider."
        )
    return BadRequest, (
        f"The provider refused the request ({status}). "
        "Check the options and images; the service's own words below may say why."
    )


def error_in_successful_answer(body: ErrorBody, status: int, ctx: ErrorContext) -> EditError:
    """A 200 whose JSON holds `error`: classified by its code, never retried (it may be billed)."""
    if body.says_quota_exhausted:
        cls, message = _class_and_message(429, body, ctx)
    elif (body.type or "").startswith("invalid_request"):
        cls, message = _class_and_message(400, body, ctx)
    else:
        cls, message = ServerError, (
            "The provider reported an error instead of an image. Try again; if it keeps "
            "happening, copy the details for support."
        )
    error = cls(message, status=status, request_id=ctx.request_id, server_message=body.message,
                code=body.code or body.type)
    error.retryable = False
    return error


def _tried(retries: int) -> str:
    if retries <= 0:
        return ""
    return f"; retried {retries} time{'s' if retries != 1 else ''}"


# --- Transport failures -------------------------------------------------------------------------


def error_for_transport(exc: httpx.TransportError, ctx: ErrorContext) -> EditError:
    """The error for a failure below HTTP: timeouts, refused or dropped connections, TLS."""
    tried = _tried(ctx.retries)
    facts = {"request_id": ctx.request_id, "code": type(exc).__name__}
    if isinstance(exc, httpx.ConnectTimeout | httpx.PoolTimeout):
        return RequestTimedOut(
            f"Could not connect to {ctx.host} within {ctx.connect_timeout:g} s{tried}. "
            "Check the internet connection and the base URL.", **facts)
    if isinstance(exc, httpx.TimeoutException):
        return RequestTimedOut(
            f"No answer after {ctx.read_timeout:g} s{tried}. The provider may be busy; try again, "
            "or allow more time in Settings → Provider.", **facts)
    if _is_certificate_failure(exc):
        error = ConnectionFailed(
            f"The secure connection to {ctx.host} failed: its certificate could not be verified. "
            "Check the base URL; a proxy or antivirus that inspects HTTPS can also cause this.",
            **facts)
        error.retryable = False  # a certificate does not fix itself between attempts
        return error
    if isinstance(exc, httpx.ConnectError):
        return ConnectionFailed(
            f"Could not reach {ctx.host}{tried}. Check the internet connection and the base URL "
            "in Settings → Provider.", **facts)
    return ConnectionFailed(
        f"The connection to {ctx.host} dropped before the answer was complete{tried}. "
        "Try again.", **facts)


def _is_certificate_failure(exc: BaseException) -> bool:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ssl.SSLCertVerificationError):
            return True
        if "CERTIFICATE_VERIFY_FAILED" in str(current):
            return True
        current = current.__cause__ or current.__context__
    return False


# --- Waiting before a retry ---------------------------------------------------------------------


def retry_after_seconds(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """The wait the server asked for: `retry-after-ms`, else `Retry-After` (seconds or a date)."""
    millis = headers.get("retry-after-ms")
    if millis is not None:
        try:
            return float(millis) / 1000
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return when.timestamp() - (time.time() if now is None else now)


def retry_wait(retry_after_s: float | None, retry_index: int, jitter: float | None = None) -> float:
    """Seconds to wait before retry number `retry_index` (0-based), as the official SDK does."""
    if retry_after_s is not None and 0 < retry_after_s <= MAX_RETRY_AFTER_S:
        return retry_after_s
    backoff = min(_BACKOFF_START_S * 2**retry_index, _BACKOFF_CAP_S)
    # Jitter spreads the retries of many clients hit by the same outage.
    return backoff * (1 - 0.25 * (random.random() if jitter is None else jitter))


def retry_reason(error: EditError) -> str:
    if isinstance(error, RateLimited):
        return "The provider is rate limiting; trying again."
    if isinstance(error, RequestTimedOut):
        return "No answer in time; trying again."
    if isinstance(error, ConnectionFailed):
        return "The connection failed; trying again."
    return f"The provider had trouble ({error.status}); trying again."


# The request fields a refusal may name, as the options call them.
_FIELD_LABELS = {"size": "size", "quality": "quality", "background": "background",
                 "output_format": "output format", "output_compression": "compression",
                 "input_fidelity": "input fidelity", "complexity": "complexity", "moderation": "moderation",
                 "n": "number of variants", "partial_images": "number of previews", "stream": "previews",
                 "model": "model"}
_NAMED_FIELD = re.compile(r"'([a-z_]+)'")


def name_the_field(error: EditError, request: EditRequest) -> None:
    """A 400 that names a field of `request` gets a sentence saying which field, with which value,
    the model refused and what to change (the service's own words stay in `server_message`)."""
    if error.status != 400:
        return
    named = [error.param or "", *_NAMED_FIELD.findall(error.server_message or "")]
    field_name = next((name for name in named if name in _FIELD_LABELS), None)
    if field_name is None:
        return
    label = _FIELD_LABELS[field_name]
    value = getattr(request, field_name, None)
    model = request.model or "the model"
    if field_name == "model":
        error.message = (f"The provider does not know the model '{model}' (400). Choose another model in "
                         "the options or check its name with Settings → Test Connection.")
        return
    shown = f" '{value}'" if value not in (None, "", True, False) else ""
    error.message = (f"{model} refused the {label}{shown} (400). Choose another {label} in the options, "
                     "or leave it at its default, and try again; your prompt, mask and earlier results "
                     "are kept.")
