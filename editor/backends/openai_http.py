"""The edit backend for OpenAI-compatible `POST /images/edits` services (Requesty, OpenAI, routers).

One `httpx.AsyncClient` per backend, created on first use. An edit is validated before anything
leaves the machine, sent as multipart or JSON (`wire`), retried on the failures that pass with
time (`http_errors`) and read as JSON or as an event stream (`edit_response`). Cancelling the
task that awaits `edit()` stops it wherever it is and closes the connection.
"""

from __future__ import annotations

import asyncio
import io
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from typing import TypeVar
from urllib.parse import urlsplit

import httpx

from editor.backends.base import (
    AuthenticationFailed,
    BadRequest,
    EditError,
    EditRequest,
    EditResult,
    ImagePart,
    InvalidRequest,
    MalformedResponse,
    Progress,
    ProgressCallback,
)
from editor.backends.edit_response import (
    ACCEPTED_ENCODINGS,
    AnswerReader,
    let_go,
    limit_body,
    parse_json,
    read_body,
)
from editor.backends.file_ids import FILE_PURPOSE, LIFETIME_S, FileIds, content_key
from editor.backends.http_errors import (
    ErrorContext,
    error_for_status,
    error_for_transport,
    name_the_field,
    parse_error_body,
    redact,
    retry_after_seconds,
    retry_reason,
    retry_wait,
)
from editor.backends.providers import BODY_MODES, PROFILES, ApiKey, BodyMode, check_base_url, is_loopback
from editor.backends.wire import USER_AGENT, EncodedBody, body_kind, encode_body, json_document

logger = logging.getLogger(__name__)

T = TypeVar("T")
Exchange = Callable[[httpx.Response, ErrorContext], Awaitable[T]]

_ERROR_BODY_LIMIT = 1024 * 1024
SLOWEST_UPLOAD_BYTES_S = 50_000  # the upload allowance of the answer deadline assumes this line speed
DELETE_TIMEOUT_S = 10.0  # deleting uploaded files at close: they expire on their own anyway
_GENERIC_KEY_ENV = "MASKEDIT_API_KEY"


class OpenAIHttpBackend:
    """Performs edits through an OpenAI-compatible HTTP API.

    `body` chooses multipart (what the official SDKs send) or JSON with data URLs. Failures that
    pass with time (408, 409, 429, 5xx, timeouts, lost connections) are retried up to
    `max_retries` times, waiting as the server asks or with jittered backoff; `sleep` is
    injectable so tests can record those waits instead of sitting through them.
    """

    def __init__(
        self,
        *,
        base_url: str,
        api_key: ApiKey | None,
        name: str = "custom",
        description: str = "",
        body: BodyMode = "auto",
        files: FileIds | None = None,
        read_timeout: float = 300.0,
        connect_timeout: float = 10.0,
        max_retries: int = 2,
        extra_headers: Mapping[str, str] | None = None,
        max_response_bytes: int = 256 * 1024 * 1024,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        try:
            self.base_url = check_base_url(base_url)
        except ValueError as exc:
            raise InvalidRequest(str(exc)) from None
        if body not in BODY_MODES:
            raise ValueError(f"body must be one of {', '.join(BODY_MODES)}, not {body!r}")
        self.name = name
        self.description = description
        self._api_key = api_key
        self._body = body
        # File ids of the `files` body: shared when the caller keeps them across edits (the window,
        # per provider), else this backend's own, deleted at the provider when it is closed.
        self._owns_files = files is None
        self._files = files if files is not None else FileIds()
        self._timeout = httpx.Timeout(connect=connect_timeout, read=read_timeout,
                                      write=read_timeout, pool=connect_timeout)
        self._max_retries = max(0, max_retries)
        # The key goes in its own header; an extra header must never replace or duplicate it.
        self._extra_headers = {k: v for k, v in (extra_headers or {}).items()
                               if k.lower() != "authorization"}
        self._max_response_bytes = max_response_bytes
        self._transport = transport
        self._sleep = sleep
        self._client: httpx.AsyncClient | None = None
        self._host = urlsplit(self.base_url).netloc
        self._loopback = is_loopback(urlsplit(self.base_url).hostname)
        profile = PROFILES.get(name)
        self._key_env = (profile.key_env if profile else None) or _GENERIC_KEY_ENV

    def __repr__(self) -> str:
        return f"OpenAIHttpBackend(name={self.name!r}, base_url={self.base_url!r}, body={self._body!r})"

    # --- Public API ------------------------------------------------------------------------------

    async def edit(self, request: EditRequest, on_progress: ProgressCallback | None = None) -> EditResult:
        """Send one edit and return its images; raises an `EditError` subclass on failure."""
        # Both decode or base64 whole images: off the event loop, which in the app is the GUI thread.
        await asyncio.to_thread(request.validate)
        secret = self._require_secret()
        report = _Reporter(on_progress)
        started = time.monotonic()
        if self._body == "files":
            result, attempts = await self._edit_with_file_ids(request, secret, report)
        else:
            body = await asyncio.to_thread(encode_body, request, body_kind(self._body, request))
            result, attempts = await self._send_edit(request, body, secret, report)
        return replace(result, attempts=attempts, elapsed_s=time.monotonic() - started)

    async def _send_edit(self, request: EditRequest, body: EncodedBody, secret: str, report: _Reporter
                         ) -> tuple[EditResult, int]:
        async def attempt(number: int) -> EditResult:
            return await self._edit_attempt(request, body, secret, number, report)

        try:
            return await self._with_retries(attempt, report)
        except BadRequest as error:
            name_the_field(error, request)
            raise

    async def _edit_with_file_ids(self, request: EditRequest, secret: str, report: _Reporter
                                  ) -> tuple[EditResult, int]:
        """The JSON body naming each image by file id, uploading only what the provider does not
        hold yet. An id the provider no longer knows (expired, deleted) is uploaded again, once."""
        parts = (*request.images, *((request.mask,) if request.mask is not None else ()))
        keys = await asyncio.to_thread(lambda: [content_key(part.data) for part in parts])
        for last_try in (False, True):
            ids = [await self._file_id(part, key, secret, report)
                   for part, key in zip(parts, keys, strict=True)]
            body = EncodedBody(kind="json", json=json_document(request, file_ids=ids))
            try:
                return await self._send_edit(request, body, secret, report)
            except EditError as error:
                if last_try or not _names_a_missing_file(error, ids):
                    raise
                logger.info("the provider no longer knows a file id; uploading again")
                self._files.forget(set(ids))
        raise AssertionError("unreachable")  # the loop returns or raises

    async def _file_id(self, part: ImagePart, key: str, secret: str, report: _Reporter) -> str:
        known = self._files.get(key)
        if known is not None:
            return known
        report(Progress(kind="sending", message=f"Uploading {part.filename} once to {self._host}; "
                                                "later edits reuse it"))
        client = self._ensure_client()
        form = {"purpose": FILE_PURPOSE, "expires_after[anchor]": "created_at",
                "expires_after[seconds]": str(LIFETIME_S)}

        async def attempt(number: int) -> tuple[str, float | None]:
            http_request = client.build_request(
                "POST", f"{self.base_url}/files", headers=self._headers(secret, accept="application/json"),
                data=form, files=[("file", (part.filename, io.BytesIO(part.data), part.content_type))])
            return await self._exchange(http_request, self._context(secret, number - 1), self._read_file)

        try:
            (file_id, expires_at), _ = await self._with_retries(attempt, report)
        except EditError as error:
            if error.status in (404, 405):
                raise InvalidRequest(
                    f"{self._host} does not offer the Files API (POST /files answered {error.status}), so "
                    "images cannot be sent as file IDs. Choose the multipart or JSON body for this provider "
                    "in Settings (or --body multipart).", status=error.status,
                    request_id=error.request_id) from None
            raise
        lifetime = LIFETIME_S if expires_at is None else min(LIFETIME_S, expires_at - time.time())
        self._files.put(key, file_id, len(part.data), lifetime)
        return file_id

    async def _read_file(self, response: httpx.Response, ctx: ErrorContext) -> tuple[str, float | None]:
        document = parse_json(await read_body(response, _ERROR_BODY_LIMIT))
        file_id = document.get("id") if isinstance(document, Mapping) else None
        if not isinstance(file_id, str) or not file_id:
            raise MalformedResponse("The provider's Files API answered without a file id.")
        expires_at = document.get("expires_at")
        return file_id, float(expires_at) if isinstance(expires_at, int | float) else None

    async def delete_files(self, file_ids: list[str], timeout_s: float = DELETE_TIMEOUT_S) -> int:
        """Delete uploaded files at the provider (ids it no longer knows count as deleted); how many
        are gone. Failures are logged, not raised: the files expire on their own anyway."""
        if not file_ids:
            return 0
        secret = self._require_secret()
        client = self._ensure_client()

        async def delete(file_id: str) -> bool:
            http_request = client.build_request("DELETE", f"{self.base_url}/files/{file_id}",
                                                headers=self._headers(secret, accept="application/json"))
            try:
                await self._exchange(http_request, self._context(secret, 0), _ignore_body)
            except EditError as error:
                if error.status == 404:
                    return True
                logger.info("could not delete %s at %s: %s", file_id, self._host, error.message)
                return False
            return True

        try:
            async with asyncio.timeout(timeout_s):
                done = [await delete(file_id) for file_id in file_ids]
        except TimeoutError:
            logger.info("deleting uploaded files at %s took longer than %.0f s", self._host, timeout_s)
            return 0
        return sum(done)

    async def list_models(self) -> list[str]:
        """Model ids the provider offers (`GET {base}/models`), for a "Test connection" button.

        Not retried: the person pressing the button wants the first answer, good or bad.
        """
        secret = self._require_secret()
        client = self._ensure_client()
        http_request = client.build_request("GET", f"{self.base_url}/models",
                                            headers=self._headers(secret, accept="application/json"))
        return await self._exchange(http_request, self._context(secret, 0), self._read_model_ids)

    def prepare_connection(self) -> None:
        """Build the HTTP client now: it loads the TLS certificate bundle (50-130 ms). Call it from
        a worker thread so the event loop never pays for that; otherwise the first request does."""
        self._ensure_client()

    async def aclose(self) -> None:
        """Close the connection; files this backend uploaded for itself are deleted first."""
        if self._owns_files and len(self._files) and self._api_key is not None:
            await self.delete_files(self._files.take_all())
        if self._client is not None:
            client, self._client = self._client, None
            await client.aclose()

    # --- One attempt ---------------------------------------------------------------------------------

    async def _with_retries(self, operation: Callable[[int], Awaitable[T]], report: _Reporter
                            ) -> tuple[T, int]:
        number = 1
        while True:
            try:
                return await operation(number), number
            except EditError as error:
                if not error.retryable or number > self._max_retries:
                    raise
                wait = retry_wait(error.retry_after_s, number - 1)
                logger.info("%s (%s); retry %d of %d in %.2f s", type(error).__name__, error.status,
                            number, self._max_retries, wait)
                report(Progress(kind="retrying", attempt=number + 1, wait_s=wait,
                                message=retry_reason(error)))
                await self._sleep(wait)
                number += 1

    async def _edit_attempt(self, request: EditRequest, body: EncodedBody, secret: str, number: int,
                            report: _Reporter) -> EditResult:
        total = self._max_retries + 1
        report(Progress(kind="sending", attempt=number,
                        message=f"Sending the edit to {self._host}"
                        + (f" (attempt {number} of {total})" if number > 1 else "")))

        # The whole answer must arrive within the read timeout of the upload's end: a server that
        # drips a byte a second passes every per-read timeout but not this deadline. Until the
        # upload is known to be done, the upload gets time for its size at a slow line's speed.
        answer_s = self._timeout.read or 300.0
        upload_s = max(60.0, body.size / SLOWEST_UPLOAD_BYTES_S)
        deadline = asyncio.timeout(upload_s + answer_s)

        async def on_trace(event: str, info: Mapping[str, object]) -> None:
            # httpcore reports when the last byte of the upload left; the model works from here.
            if event.endswith("send_request_body.complete"):
                deadline.reschedule(asyncio.get_running_loop().time() + answer_s)
                report(Progress(kind="waiting", attempt=number,
                                message="Uploaded; waiting for the model to finish"))

        client = self._ensure_client()
        accept = "text/event-stream" if request.stream else "application/json"
        http_request = client.build_request(
            "POST", f"{self.base_url}/images/edits", headers=self._headers(secret, accept=accept),
            extensions={"trace": on_trace}, **body.httpx_arguments())

        async def read(response: httpx.Response, ctx: ErrorContext) -> EditResult:
            reader = AnswerReader(ctx=ctx, status=response.status_code, report=report,
                                  fetch=lambda url: self._download(url, secret, ctx),
                                  expected=request.n or 1,
                                  partials=3 if request.partial_images is None else request.partial_images)
            if "text/event-stream" in response.headers.get("content-type", ""):
                result = await reader.from_events(response)
            else:
                raw = await read_body(response, self._max_response_bytes)
                result = await reader.from_document(parse_json(raw))
            return replace(result, request_id=ctx.request_id)

        ctx = self._context(secret, number - 1)
        try:
            async with deadline:
                return await self._exchange(http_request, ctx, read)
        except TimeoutError:  # the same words as a read that timed out
            raise error_for_transport(httpx.ReadTimeout("the whole answer took too long"), ctx) from None

    async def _exchange(self, http_request: httpx.Request, ctx: ErrorContext, read: Exchange[T]) -> T:
        """Send, turn a failure status or transport error into an `EditError`, else `read` the answer."""
        client = self._ensure_client()
        started = time.monotonic()
        response: httpx.Response | None = None
        try:
            response = await client.send(http_request, stream=True)
            ctx = replace(ctx, request_id=_request_id(response.headers, ctx.secret))
            self._log(http_request, ctx, started, status=response.status_code)
            limit_body(response, self._max_response_bytes)  # error pages too: a bomb is a bomb
            if not 200 <= response.status_code < 300:
                raise await self._status_error(response, ctx)
            return await read(response, ctx)
        except httpx.TransportError as exc:
            self._log(http_request, ctx, started, failure=type(exc).__name__)
            raise error_for_transport(exc, ctx) from None
        except httpx.DecodingError:
            raise MalformedResponse("The provider's answer could not be decompressed.",
                                    status=response.status_code if response else None,
                                    request_id=ctx.request_id) from None
        except EditError as error:
            _fill_facts(error, response, ctx)
            raise
        finally:
            if response is not None:
                await response.aclose()
                let_go(response)

    async def _status_error(self, response: httpx.Response, ctx: ErrorContext) -> EditError:
        try:
            raw = await read_body(response, _ERROR_BODY_LIMIT)
        except EditError:
            raw = b""  # an oversized error page says nothing useful; the status still does
        return error_for_status(response.status_code, parse_error_body(raw, ctx.secret), ctx,
                                retry_after_s=retry_after_seconds(response.headers))

    async def _download(self, url: str, secret: str, ctx: ErrorContext) -> bytes:
        """Fetch a result image the answer linked to; the key goes only to the provider's own host."""
        if urlsplit(url).scheme not in ("http", "https"):
            raise MalformedResponse("The provider linked to its image with an address that is not "
                                    "a web link.")
        headers = self._headers(secret) if self._same_origin(url) else {}
        client = self._ensure_client()
        started = time.monotonic()
        http_request = client.build_request("GET", url, headers=headers)
        response: httpx.Response | None = None
        try:
            response = await client.send(http_request, stream=True, follow_redirects=True)
            self._log(http_request, ctx, started, status=response.status_code)
            if response.status_code != 200:
                raise MalformedResponse(
                    f"The image the provider linked to could not be downloaded ({response.status_code}). "
                    "Try again; links to results expire after a while.",
                    status=response.status_code, request_id=ctx.request_id)
            limit_body(response, self._max_response_bytes)
            return await read_body(response, self._max_response_bytes)
        except httpx.TransportError as exc:
            error = error_for_transport(exc, ctx)
            error.retryable = False  # the edit itself succeeded (and was billed); do not redo it
            raise error from None
        finally:
            if response is not None:
                await response.aclose()
                let_go(response)

    async def _read_model_ids(self, response: httpx.Response, ctx: ErrorContext) -> list[str]:
        document = parse_json(await read_body(response, self._max_response_bytes))
        items = document.get("data") if isinstance(document, Mapping) else document
        if not isinstance(items, list):
            raise MalformedResponse("The provider's model list could not be read. Check the base URL.")
        ids = (item.get("id") if isinstance(item, Mapping) else item for item in items)
        return [model for model in ids if isinstance(model, str) and model]

    # --- Plumbing --------------------------------------------------------------------------------

    def _require_secret(self) -> str:
        if self._api_key is None:
            raise AuthenticationFailed(
                f"No API key is set for this provider, so nothing was sent. Set {self._key_env} "
                "or add the key in Settings → Provider.")
        return self._api_key.reveal()

    def _ensure_client(self) -> httpx.AsyncClient:
        if self._client is None:
            # Loopback never goes through a proxy (HTTP_PROXY would otherwise get the key); gzip and
            # deflate only, which the answer budget inflates with a bound (edit_response.limit_body).
            self._client = httpx.AsyncClient(
                timeout=self._timeout, transport=self._transport, trust_env=not self._loopback,
                headers={"User-Agent": USER_AGENT, "Accept-Encoding": ACCEPTED_ENCODINGS})
        return self._client

    def _headers(self, secret: str, *, accept: str = "*/*") -> dict[str, str]:
        return {**self._extra_headers, "Accept": accept, "Authorization": f"Bearer {secret}"}

    def _same_origin(self, url: str) -> bool:
        ours, theirs = urlsplit(self.base_url), urlsplit(url)
        return (ours.scheme, ours.netloc) == (theirs.scheme, theirs.netloc)

    def _context(self, secret: str, retries: int) -> ErrorContext:
        return ErrorContext(host=self._host, key_env=self._key_env, secret=secret, retries=retries,
                            read_timeout=self._timeout.read or 0.0,
                            connect_timeout=self._timeout.connect or 0.0)

    def _log(self, http_request: httpx.Request, ctx: ErrorContext, started: float, *,
             status: int | None = None, failure: str | None = None) -> None:
        # Method, address, outcome and timing only: headers and bodies carry the key and the photo.
        logger.info("%s %s -> %s request_id=%s %.2f s", http_request.method,
                    redact(str(http_request.url), ctx.secret), status if failure is None else failure,
                    ctx.request_id, time.monotonic() - started)


class _Reporter:
    """Calls the progress callback; a broken display must not sink an edit that was paid for."""

    def __init__(self, callback: ProgressCallback | None) -> None:
        self._callback = callback

    def __call__(self, progress: Progress) -> None:
        if self._callback is None:
            return
        try:
            self._callback(progress)
        except Exception:
            logger.exception("progress callback failed on %s", progress.kind)


async def _ignore_body(response: httpx.Response, ctx: ErrorContext) -> None:
    await read_body(response, _ERROR_BODY_LIMIT)


def _names_a_missing_file(error: EditError, file_ids: list[str]) -> bool:
    """Does this refusal say one of our file ids is unknown (expired or deleted at the provider)?
    The exact wording is unconfirmed: a 400 or 404 that names one of the ids, or says file_not_found."""
    if error.status not in (400, 404):
        return False
    said = " ".join(filter(None, (error.server_message, error.code, error.param)))
    return "file_not_found" in said or any(file_id in said for file_id in file_ids)


def _request_id(headers: httpx.Headers, secret: str | None = None) -> str | None:
    """The provider's id of this request, for support: short, and never a key a server echoed."""
    value = headers.get("x-request-id") or headers.get("request-id")
    return redact(value[:200], secret) if value else None


def _fill_facts(error: EditError, response: httpx.Response | None, ctx: ErrorContext) -> None:
    # Errors raised while reading the body know nothing of the exchange; support needs both ids.
    if error.status is None and response is not None:
        error.status = response.status_code
    if error.request_id is None:
        error.request_id = ctx.request_id
