"""The answer budget and the base-URL policy: what a hostile or broken server can no longer do.
Each test failed on the main of issue 18's audit."""

from __future__ import annotations

import time
import tracemalloc

import pytest

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
