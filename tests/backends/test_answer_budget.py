"""The answer budget and the base-URL policy: what a hostile or broken server can no longer do.
Each test failed on the main of issue 18's audit."""

from __future__ import annotations

import time
import tracemalloc

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from editor.backends.base import EditRequest, MalformedResponse, RequestTimedOut
from editor.backends.providers import check_base_url, is_loopback
from tests.fakes.faults import Fault
from tests.fakes.images import photo_part


def simple_request(**options) -> EditRequest:
    return EditRequest(images=(photo_part(32, 32),), prompt="a hat", **{"size": "1024x1024", **options})


@pytest.mark.parametrize("url", ["http://127.example.com/v1", "http://127.0.0.1.nip.io/v1",
                                 "http://localhost.example.com/v1", "http://10.0.0.1/v1"])
def test_plain_http_to_a_lookalike_of_loopback_is_refused(url):
    with pytest.raises(ValueError, match="plain http"):
        check_base_url(url)


@pytest.mark.parametrize("host", ["127.0.0.1", "127.3.2.1", "::1", "[::1]", "localhost"])
def test_loopback_is_an_ip_literal_or_localhost(host):
    assert is_loopback(host)
    literal = f"[{host}]" if ":" in host and not host.startswith("[") else host
    assert check_base_url(f"http://{literal}:8080/v1")


async def test_loopback_never_goes_through_a_proxy(make_backend, edit_server, monkeypatch):
    # A proxy that does not exist: a request sent through it fails to connect.
    for name in ("HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)

    result = await make_backend(max_retries=0).edit(simple_request())

    assert len(result.images) == 1 and len(edit_server.edit_requests) == 1


async def test_a_double_gzip_bomb_stops_at_the_cap_in_bounded_memory(make_backend, edit_server):
    edit_server.script(Fault.gzip_bomb(256 * 1024 * 1024))  # 256 MB of spaces, a few kB sent
    backend = make_backend(max_response_bytes=8 * 1024 * 1024, max_retries=0)
    tracemalloc.start()
    try:
        with pytest.raises(MalformedResponse, match="too large"):
            await backend.edit(simple_request())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 48 * 1024 * 1024  # never the whole 256 MB, nor even the 8 MB cap many times over


@pytest.mark.parametrize("count", [3, 12])
async def test_more_images_than_asked_for_are_not_read(make_backend, edit_server, count):
    edit_server.script(Fault.too_many(count))
    result = await make_backend().edit(simple_request(n=1))
    assert len(result.images) == 1


async def test_more_streamed_images_than_asked_for_are_not_read(make_backend, edit_server):
    edit_server.script(Fault.too_many(5))
    result = await make_backend().edit(simple_request(n=2, stream=True, partial_images=1))
    assert len(result.images) == 2


async def test_a_server_dripping_bytes_hits_the_deadline(make_backend, edit_server):
    edit_server.script(Fault.drip(0.05))  # every read gets a byte well within the read timeout
    started = time.monotonic()
    with pytest.raises(RequestTimedOut):
        await make_backend(read_timeout=0.6, max_retries=0).edit(simple_request())
    assert time.monotonic() - started < 3


# --- Keys ------------------------------------------------------------------------------------


@pytest.mark.parametrize("pasted", ["\ufeffsk-abc123", "sk-abc\u200b123", "sk-abc\u00a0123", " sk-abc123\r\n",
                                    "sk-\u2060abc123"])
def test_the_key_normaliser_removes_what_a_paste_drags_along(pasted):
    from editor.backends.providers import ApiKey

    assert ApiKey(pasted).reveal() == "sk-abc123"


def test_a_key_with_letters_no_key_has_is_refused_with_a_sentence():
    from editor.backends.providers import ApiKey

    with pytest.raises(ValueError, match="U\\+00E9"):
        ApiKey("sk-café")


# --- Any answer ------------------------------------------------------------------------------

_IMAGE = None


def _valid_answer() -> bytes:
    global _IMAGE
    import base64
    import json

    from tests.fakes.images import photo_bytes

    _IMAGE = _IMAGE or base64.b64encode(photo_bytes(24, 16)).decode()
    return json.dumps({"created": 1, "data": [{"b64_json": _IMAGE, "revised_prompt": "p"}],
                       "size": "1024x1024", "usage": {"total_tokens": 5}}).encode()


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")  # refused all the same
@settings(max_examples=80, deadline=None)
@given(data=st.data())
async def test_any_damaged_answer_is_a_clear_error_in_bounded_memory(data):
    import json

    import httpx

    from editor.backends.base import EditError
    from editor.backends.openai_http import OpenAIHttpBackend
    from editor.backends.providers import ApiKey

    body = bytearray(_valid_answer())
    damage = data.draw(st.sampled_from(["truncate", "flip", "wrong type", "huge size", "many"]))
    if damage == "truncate":
        body = body[: data.draw(st.integers(0, len(body) - 1))]
    elif damage == "flip":
        for _ in range(data.draw(st.integers(1, 6))):
            body[data.draw(st.integers(0, len(body) - 1))] ^= 1 << data.draw(st.integers(0, 7))
    elif damage == "wrong type":
        document = json.loads(bytes(body))
        key = data.draw(st.sampled_from(["data", "usage", "size", "created"]))
        document[key] = data.draw(st.sampled_from([None, 7, "x", [], {}, [1, 2], {"b64_json": 3}]))
        body = bytearray(json.dumps(document).encode())
    elif damage == "huge size":
        body = bytearray(json.dumps({"created": 1, "data": [{"b64_json": _huge_png_b64()}]}).encode())
    else:
        document = json.loads(bytes(body))
        document["data"] = document["data"] * data.draw(st.integers(2, 200))
        body = bytearray(json.dumps(document).encode())

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=bytes(body), headers={"content-type": "application/json"})

    backend = OpenAIHttpBackend(base_url="https://api.example.test/v1", api_key=ApiKey("sk-test-12345678"),
                                transport=httpx.MockTransport(answer), max_retries=0)
    tracemalloc.start()
    try:
        result = await backend.edit(simple_request())
        assert len(result.images) == 1  # never more than asked for
    except EditError as error:
        assert error.message  # a sentence
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        await backend.aclose()
    assert peak < 256 * 1024 * 1024


def _huge_png_b64() -> str:
    import base64
    import zlib

    from tests.fakes.images import photo_bytes

    header = bytearray(photo_bytes(8, 8))
    header[16:24] = (50000).to_bytes(4, "big") + (50000).to_bytes(4, "big")
    header[29:33] = zlib.crc32(bytes(header[12:29])).to_bytes(4, "big")
    return base64.b64encode(bytes(header)).decode()
