"""Reading an edit's answer into an `EditResult`: the JSON document, or the event stream.

Parsing is lenient the way the spec asks: only `created` is promised, enum values stay open
strings, unknown keys and event types are ignored. What is never lenient is the answer budget: a
body is read as a stream and abandoned as soon as it passes the cap, counted both as sent and as
inflated (gzip and deflate are inflated here, a piece at a time, so a compression bomb stops at
the cap instead of filling memory); at most the images asked for are read; every image's
declared pixel count is checked before its pixels are decoded (result_images).
"""

from __future__ import annotations

import asyncio
import json
import logging
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, replace

import httpx
from httpx_sse import EventSource, ServerSentEvent

from editor.backends.base import (
    EditError,
    EditResult,
    MalformedResponse,
    Progress,
    ResultImage,
    StreamFailed,
    Usage,
)
from editor.backends.http_errors import (
    ErrorContext,
    error_body_from_json,
    error_for_transport,
    error_in_successful_answer,
    redact,
)
from editor.backends.result_images import image_from_base64, image_from_bytes

ImageFetcher = Callable[[str], Awaitable[bytes]]
Report = Callable[[Progress], None]

logger = logging.getLogger(__name__)

# What the client says it reads: the two encodings limit_body inflates with a bound.
ACCEPTED_ENCODINGS = "gzip, deflate"
_PIECE = 1024 * 1024  # inflated at most this much per step
_MAX_TEXT = 32_000  # a revised prompt is a prompt: no longer than one


def too_large(limit: int) -> MalformedResponse:
    return MalformedResponse(
        f"The provider's answer is too large (over {limit / 1024 / 1024:g} MB) and was not read. "
        "Ask for fewer or smaller images, or check the base URL."
    )


class LimitedStream(httpx.AsyncByteStream):
    """A response body that raises `MalformedResponse` once more than `limit` bytes arrived."""

    def __init__(self, inner: httpx.AsyncByteStream, limit: int) -> None:
        self._inner = inner
        self._limit = limit
        self._received = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._inner:
            self._received += len(chunk)
            if self._received > self._limit:
                raise too_large(self._limit)
            yield chunk

    async def aclose(self) -> None:
        await self._inner.aclose()


class InflatingStream(httpx.AsyncByteStream):
    """A gzip/deflate body inflated layer by layer, a piece at a time, never past `limit` bytes."""

    def __init__(self, inner: httpx.AsyncByteStream, encodings: list[str], limit: int) -> None:
        self._inner = inner
        # Content-Encoding lists the encodings in the order they were applied: undo them backwards.
        self._layers = [zlib.decompressobj(zlib.MAX_WBITS | 32) for _ in encodings]
        self._limit = limit
        self._produced = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self._inner:
                for piece in self._inflate(chunk, 0):
                    yield self._count(piece)
            for level, layer in enumerate(self._layers):
                for piece in self._inflate(layer.flush(), level + 1):
                    yield self._count(piece)
        except zlib.error:
            raise MalformedResponse("The provider's answer could not be decompressed.") from None

    def _inflate(self, data: bytes, level: int) -> Iterator[bytes]:
        if level == len(self._layers):
            if data:
                yield data
            return
        layer = self._layers[level]
        while data:
            out = layer.decompress(data, _PIECE)
            data = layer.unconsumed_tail
            yield from self._inflate(out, level + 1)

    def _count(self, piece: bytes) -> bytes:
        self._produced += len(piece)
        if self._produced > self._limit:
            raise too_large(self._limit)
        return piece

    async def aclose(self) -> None:
        await self._inner.aclose()


def limit_body(response: httpx.Response, limit: int) -> None:
    """Refuse an announced oversized body at once, and cap the rest while it streams in, as sent
    and as inflated. Call before anything reads the body."""
    announced = response.headers.get("content-length", "")
    if announced.isdigit() and int(announced) > limit:
        raise too_large(limit)
    encodings = [e.strip().lower() for e in response.headers.get("content-encoding", "").split(",")]
    encodings = [e for e in encodings if e and e != "identity"]
    if any(e not in ("gzip", "x-gzip", "deflate") for e in encodings):
        raise MalformedResponse(f"The provider's answer is encoded as {', '.join(encodings)}, which was "
                                "not asked for and cannot be read.")
    if not isinstance(response.stream, httpx.AsyncByteStream):
        return
    stream: httpx.AsyncByteStream = LimitedStream(response.stream, limit)
    if encodings:
        stream = InflatingStream(stream, encodings, limit)
        del response.headers["content-encoding"]  # inflated here; httpx must not do it again
    response.stream = stream


def let_go(response: httpx.Response) -> None:
    """Cut httpx's reference cycle around a closed response (its stream points back at it), so
    that what the exchange held (the request's body: the uploaded images, tens of MB) is freed by
    reference counting as soon as the job lets go of it, bit by bit, and not all at once by the
    next collection on the GUI thread (20-30 ms of freeing in one go)."""
    response.stream = httpx.ByteStream(b"")


async def read_body(response: httpx.Response, limit: int) -> bytes:
    """The decoded body, at most `limit` bytes (compressed bodies are counted after inflating)."""
    chunks: list[bytes] = []
    received = 0
    async for chunk in response.aiter_bytes():
        received += len(chunk)
        if received > limit:
            raise too_large(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def parse_json(raw: bytes) -> object:
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise MalformedResponse(
            "The provider's answer is not valid JSON, so no image could be read from it. "
            "Try again; if it keeps happening, check the base URL."
        ) from None


@dataclass(frozen=True)
class AnswerReader:
    """Turns one successful answer into an `EditResult`, reporting each image as it is ready."""

    ctx: ErrorContext
    status: int
    report: Report
    fetch: ImageFetcher
    expected: int = 1  # the images asked for (n); any more are not read
    partials: int = 0  # the previews asked for

    async def from_document(self, document: object) -> EditResult:
        if not isinstance(document, Mapping):
            raise MalformedResponse("The provider's answer is not an edit result. Check the base URL.")
        if document.get("error") is not None:
            raise error_in_successful_answer(error_body_from_json(document, self.ctx.secret),
                                             self.status, self.ctx)
        items = document.get("data")
        if not isinstance(items, list) or not items:
            raise MalformedResponse("The provider answered without any image. Try again.")
        if len(items) > self.expected:
            logger.warning("the provider sent %d images for %d asked; only those asked for are kept",
                           len(items), self.expected)
            items = items[:self.expected]
        images = []
        for index, item in enumerate(items):
            image = await self._image_from_item(item, index)
            images.append(image)
            self.report(Progress(kind="image", index=index, image=image))
        return _with_facts(EditResult(images=tuple(images)), document)

    async def _image_from_item(self, item: object, index: int) -> ResultImage:
        label = f"image {index + 1}"
        if not isinstance(item, Mapping):
            raise MalformedResponse(f"The provider's answer has no usable entry for {label}.")
        revised = _text(item.get("revised_prompt"))
        if item.get("b64_json"):
            return await asyncio.to_thread(image_from_base64, item["b64_json"], label=label,
                                           revised_prompt=revised)
        url = item.get("url")
        if isinstance(url, str) and url:
            data = await self.fetch(url)
            return await asyncio.to_thread(image_from_bytes, data, label=label, revised_prompt=revised)
        raise MalformedResponse(f"The provider's answer has neither data nor a link for {label}.")

    async def from_events(self, response: httpx.Response) -> EditResult:
        """Read `image_edit.*` events; once one arrived, a failure is final (never retried)."""
        finals: list[ResultImage] = []
        last_facts: Mapping[str, object] = {}
        arrived = False
        previews = 0
        try:
            async for event in EventSource(response).aiter_sse():
                payload = _event_payload(event)
                if payload is None:
                    continue
                arrived = True
                kind = str(payload.get("type") or event.event)
                self._raise_if_error(event, kind, payload)
                if kind.endswith("partial_image"):
                    if previews < self.partials:
                        previews += 1
                        await self._partial(payload)
                elif kind.endswith("completed"):
                    if len(finals) < self.expected:
                        finals.append(await self._final(payload, len(finals)))
                    else:
                        logger.warning("the provider streamed more images than the %d asked for",
                                       self.expected)
                    last_facts = payload
        except httpx.TransportError as exc:
            if not arrived:
                raise
            error = error_for_transport(exc, self.ctx)
            error.retryable = False
            raise error from None
        except EditError as error:
            error.retryable = error.retryable and not arrived
            raise
        if not finals:
            raise MalformedResponse("The provider's stream ended before any final image arrived. Try again.")
        return _with_facts(EditResult(images=tuple(finals)), last_facts)

    def _raise_if_error(self, event: ServerSentEvent, kind: str, payload: Mapping[str, object]) -> None:
        if event.event != "error" and kind != "error" and payload.get("error") is None:
            return
        body = error_body_from_json(payload, self.ctx.secret)
        raise StreamFailed(
            "The provider stopped the edit partway and sent an error instead of the image. "
            "Try again; the service's own words below may say why.",
            status=self.status, request_id=self.ctx.request_id,
            server_message=body.message, code=body.code or body.type,
        )

    async def _partial(self, payload: Mapping[str, object]) -> None:
        index = payload.get("partial_image_index")
        index = index if isinstance(index, int) else None
        image = await asyncio.to_thread(image_from_base64, payload.get("b64_json"),
                                        label=f"preview {(index or 0) + 1}")
        self.report(Progress(kind="partial", index=index, image=image))

    async def _final(self, payload: Mapping[str, object], index: int) -> ResultImage:
        image = await asyncio.to_thread(image_from_base64, payload.get("b64_json"),
                                        label=f"image {index + 1}",
                                        revised_prompt=_text(payload.get("revised_prompt")))
        self.report(Progress(kind="image", index=index, image=image))
        return image


def _event_payload(event: ServerSentEvent) -> Mapping[str, object] | None:
    data = event.data.strip()
    if not data or data == "[DONE]":
        return None
    try:
        payload = json.loads(data)
    except ValueError:
        raise MalformedResponse("The provider's event stream carried something that is not JSON.") from None
    if isinstance(payload, str) and event.event == "error":
        return {"type": "error", "error": payload}
    if not isinstance(payload, Mapping):
        raise MalformedResponse("The provider's event stream carried an unexpected value.")
    return payload


def _with_facts(result: EditResult, facts: Mapping[str, object]) -> EditResult:
    created = facts.get("created", facts.get("created_at"))
    return replace(
        result,
        usage=Usage.from_json(facts.get("usage")),
        size=_text(facts.get("size")),
        quality=_text(facts.get("quality")),
        background=_text(facts.get("background")),
        output_format=_text(facts.get("output_format")),
        created=created if isinstance(created, int) and not isinstance(created, bool) else None,
    )


def _text(value: object) -> str | None:
    """A short text field of the answer, never a key the server echoed."""
    return redact(value[:_MAX_TEXT], None) if isinstance(value, str) and value else None
