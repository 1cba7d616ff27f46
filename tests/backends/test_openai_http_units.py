"""Small pieces of the HTTP backend on their own: waits, error bodies, image checks, odd answers.

The wire-level behaviour is tested against the loopback fake; `httpx.MockTransport` appears here
only for answers the fake has no reason to give (a JSON answer to a stream request, a TLS error).
"""

from __future__ import annotations

import base64
import datetime
import io
import json
import socket
import ssl
import threading
import zlib

import httpx
import pytest
from PIL import Image

from editor.backends.base import ConnectionFailed, EditError, EditRequest, MalformedResponse, StreamFailed
from editor.backends.http_errors import parse_error_body, redact, retry_after_seconds, retry_wait
from editor.backends.openai_http import OpenAIHttpBackend
from editor.backends.providers import ApiKey
from editor.backends.result_images import image_from_base64, image_from_bytes
from tests.fakes.images import photo_bytes, photo_part

KEY = "sk-unit-test-key-abcdefghijkl"


def test_retry_after_reads_milliseconds_seconds_and_dates():
    now = 1_700_000_000.0
    date = datetime.datetime.fromtimestamp(now + 42, tz=datetime.UTC).strftime("%a, %d %b %Y %H:%M:%S GMT")

    assert retry_after_seconds(httpx.Headers({"retry-after-ms": "1500"})) == 1.5
    assert retry_after_seconds(httpx.Headers({"Retry-After": "2.5"})) == 2.5
    assert retry_after_seconds(httpx.Headers({"Retry-After": date}), now=now) == pytest.approx(42)
    assert retry_after_seconds(httpx.Headers({"Retry-After": "whenever"})) is None
    assert retry_after_seconds(httpx.Headers({})) is None


@pytest.mark.parametrize(("retry_after", "index", "jitter", "expected"), [
    (3.0, 0, 0.0, 3.0),
    (120.0, 0, 0.0, 120.0),
    (121.0, 0, 0.0, 0.5),
    (None, 0, 0.0, 0.5),
    (None, 0, 1.0, 0.375),
    (None, 2, 0.0, 2.0),
    (None, 10, 0.0, 8.0),
    (-1.0, 1, 0.0, 1.0),
])
def test_retry_wait_follows_the_server_then_jittered_backoff(retry_after, index, jitter, expected):
    assert retry_wait(retry_after, index, jitter) == expected


def test_error_bodies_of_every_shape_are_read():
    openai = parse_error_body(json.dumps({"error": {"message": "Bad size", "type": "invalid_request_error",
                                                    "param": "size", "code": "invalid_value"}}).encode())
    requesty = parse_error_body(b'{"error": {"origin": "router", "message": "No provider available"}}')
    bare = parse_error_body(b'{"error": "plain words"}')
    page = parse_error_body(b"<html><head><title>502 Bad Gateway</title></head><body>x</body></html>")
    binary = parse_error_body(b"\xff\xfe\x00garbage")

    assert (openai.message, openai.code, openai.param, openai.type) == (
        "Bad size", "invalid_value", "size", "invalid_request_error")
    assert (requesty.message, requesty.origin) == ("No provider available", "router")
    assert bare.message == "plain words"
    assert page.message == "502 Bad Gateway"
    assert binary.message is not None


def test_echoed_keys_are_redacted_even_when_unknown():
    echoed = {"error": {"message": f"bad key {KEY} and sk-otherkey12345"}}
    body = parse_error_body(json.dumps(echoed).encode(), KEY)

    assert body.message == "bad key [key removed] and [key removed]"
    assert redact(f"Bearer {KEY}", None) == "Bearer [key removed]"


def test_a_key_of_any_shape_is_redacted_when_known():
    body = parse_error_body(b'{"error": "router key custom.Key_42 is invalid"}', "custom.Key_42")

    assert body.message == "router key [key removed] is invalid"


def test_quota_wording_is_recognised():
    assert parse_error_body(b'{"error": {"code": "insufficient_quota"}}').says_quota_exhausted
    assert parse_error_body(b'{"error": {"message": "Credits exhausted for this key"}}').says_quota_exhausted
    assert not parse_error_body(b'{"error": {"message": "Slow down"}}').says_quota_exhausted


def test_result_images_keep_their_bytes_and_learn_their_size():
    data = photo_bytes(20, 10, "JPEG")

    image = image_from_bytes(data, label="image 1")

    assert (image.data, image.content_type, image.width, image.height) == (data, "image/jpeg", 20, 10)


def test_truncated_and_fake_images_are_refused():
    data = photo_bytes(64, 64)
    with pytest.raises(MalformedResponse, match="not a readable image"):
        image_from_bytes(data[: len(data) // 2], label="image 1")
    with pytest.raises(MalformedResponse, match="broken base64"):
        image_from_base64("not base64 at all!", label="image 1")
    with pytest.raises(MalformedResponse, match="not a readable image"):
        image_from_base64(base64.b64encode(b"hello").decode(), label="image 1")


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_a_decompression_bomb_is_refused_even_with_pillows_guard_lifted(monkeypatch):
    # A header claiming 20000×20000 px: refused from the header, before any pixel is decoded,
    # whatever Pillow's process-wide limit is (loading a project used to lift it).
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", None)
    header = bytearray(photo_bytes(8, 8))
    header[16:24] = (20000).to_bytes(4, "big") + (20000).to_bytes(4, "big")  # IHDR width, height
    header[29:33] = zlib.crc32(bytes(header[12:29])).to_bytes(4, "big")

    with pytest.raises(MalformedResponse, match="absurd pixel count"):
        image_from_bytes(bytes(header), label="image 1")


# --- Odd answers through MockTransport ------------------------------------------------------------


def backend_answering(handler) -> OpenAIHttpBackend:
    async def no_wait(seconds: float) -> None:
        return None

    return OpenAIHttpBackend(base_url="https://api.example.test/v1", api_key=ApiKey(KEY),
                             transport=httpx.MockTransport(handler), sleep=no_wait)


def request(stream: bool = True) -> EditRequest:
    return EditRequest(images=(photo_part(8, 8),), prompt="p", stream=stream)


async def test_a_stream_request_answered_with_plain_json_still_works():
    encoded = base64.b64encode(photo_bytes(16, 16)).decode()
    backend = backend_answering(lambda r: httpx.Response(
        200, json={"created": 5, "data": [{"b64_json": encoded}], "quality": "ultra"}))

    result = await backend.edit(request())
    await backend.aclose()

    assert (result.images[0].width, result.created, result.quality) == (16, 5, "ultra")


async def test_a_stream_without_a_final_image_is_malformed():
    encoded = base64.b64encode(photo_bytes(16, 16)).decode()
    partial = json.dumps({"b64_json": encoded, "partial_image_index": 0})
    events = f"event: image_edit.partial_image\ndata: {partial}\n\n"
    backend = backend_answering(lambda r: httpx.Response(
        200, headers={"content-type": "text/event-stream"}, content=events.encode()))

    with pytest.raises(MalformedResponse, match="before any final image"):
        await backend.edit(request())
    await backend.aclose()


async def test_an_error_object_in_an_unnamed_event_fails_the_stream():
    events = 'data: {"error": {"message": "quota gone", "code": "insufficient_quota"}}\n\n'
    backend = backend_answering(lambda r: httpx.Response(
        200, headers={"content-type": "text/event-stream", "request-id": "abc"}, content=events.encode()))

    with pytest.raises(StreamFailed) as caught:
        await backend.edit(request())
    await backend.aclose()

    assert (caught.value.server_message, caught.value.request_id) == ("quota gone", "abc")


async def test_a_certificate_failure_says_so_and_is_not_retried():
    calls = []

    def refuse(http_request: httpx.Request) -> httpx.Response:
        calls.append(http_request)
        raise httpx.ConnectError("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed")

    backend = backend_answering(refuse)
    with pytest.raises(ConnectionFailed, match="certificate could not be verified"):
        await backend.edit(request(stream=False))
    await backend.aclose()

    assert len(calls) == 1


async def test_a_real_self_signed_certificate_is_refused(tmp_path):
    cert, key = self_signed_certificate(tmp_path)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    listener = context.wrap_socket(socket.create_server(("127.0.0.1", 0)), server_side=True)
    port = listener.getsockname()[1]

    def serve_one() -> None:
        try:
            connection, _ = listener.accept()  # the handshake fails on the client's side
            connection.close()
        except (ssl.SSLError, OSError):
            pass

    thread = threading.Thread(target=serve_one, daemon=True)
    thread.start()
    backend = OpenAIHttpBackend(base_url=f"https://127.0.0.1:{port}/v1", api_key=ApiKey(KEY), max_retries=0)
    try:
        with pytest.raises(ConnectionFailed, match="certificate"):
            await backend.edit(request(stream=False))
    finally:
        await backend.aclose()
        listener.close()
        thread.join(timeout=2)


def self_signed_certificate(folder) -> tuple[str, str]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                   .serial_number(x509.random_serial_number()).not_valid_before(now)
                   .not_valid_after(now + datetime.timedelta(days=1))
                   .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return str(cert_path), str(key_path)


# --- Echoed keys ----------------------------------------------------------------------------------


async def test_a_key_echoed_in_the_request_id_and_the_answer_is_never_kept():
    def handler(http_request: httpx.Request) -> httpx.Response:
        image = base64.b64encode(photo_bytes(8, 8)).decode()
        item = {"b64_json": image, "revised_prompt": f"p {KEY}"}
        return httpx.Response(200, headers={"x-request-id": f"req-{KEY}"},
                              json={"created": 1, "data": [item]})

    backend = backend_answering(handler)
    try:
        result = await backend.edit(request(stream=False))
    finally:
        await backend.aclose()
    assert KEY not in str(result.request_id) and KEY not in str(result.images[0].revised_prompt)


async def test_a_key_echoed_in_a_refusal_is_never_printed():
    def handler(http_request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, headers={"x-request-id": KEY},
                              json={"error": {"message": f"bad key {KEY}", "param": None}})

    backend = backend_answering(handler)
    try:
        with pytest.raises(EditError) as caught:
            await backend.edit(request(stream=False))
    finally:
        await backend.aclose()
    error = caught.value
    assert KEY not in str(error) and KEY not in json.dumps(error.details())


def test_the_logging_filter_blanks_every_key_the_process_has_seen(caplog):
    import logging

    from editor.secrets import RedactingFilter

    ApiKey("zz-custom-router-secret-42")  # any key made anywhere is remembered
    handler = logging.StreamHandler(io.StringIO())
    handler.addFilter(RedactingFilter())
    logger = logging.getLogger("test.redaction")
    logger.addHandler(handler)
    try:
        logger.warning("the router said %s", "zz-custom-router-secret-42 is wrong")
        try:
            raise RuntimeError("Authorization: Bearer zz-custom-router-secret-42")
        except RuntimeError:
            logger.exception("failed")
    finally:
        logger.removeHandler(handler)
    written = handler.stream.getvalue()
    assert "zz-custom-router-secret-42" not in written and written.count("[key removed]") >= 2
