"""OpenAIHttpBackend when things go wrong: every failure becomes the right EditError, retried or not."""

from __future__ import annotations

import email.utils
import socket
import time

import pytest

from editor.backends.base import (
    AuthenticationFailed,
    BadRequest,
    ConnectionFailed,
    EditRequest,
    InvalidRequest,
    MalformedResponse,
    ModelNotFound,
    PayloadTooLarge,
    PaymentRequired,
    PermissionDenied,
    Progress,
    QuotaExhausted,
    RateLimited,
    RequestTimedOut,
    ServerError,
    SpendLimitReached,
)
from editor.backends.openai_http import OpenAIHttpBackend
from editor.backends.providers import ApiKey
from tests.fakes.faults import Fault
from tests.fakes.images import mask_part, photo_part


def simple_request(**options) -> EditRequest:
    return EditRequest(images=(photo_part(32, 32),), prompt="a hat", **{"size": "1024x1024", **options})


# --- Refused before sending -----------------------------------------------------------------------


async def test_an_invalid_request_is_refused_before_anything_is_sent(make_backend, edit_server):
    with pytest.raises(InvalidRequest, match="between 1 and 10"):
        await make_backend().edit(simple_request(n=11))
    with pytest.raises(InvalidRequest, match="same size"):
        await make_backend().edit(EditRequest(images=(photo_part(32, 32),), mask=mask_part(16, 16),
                                              prompt="p"))

    assert edit_server.requests == []


async def test_a_missing_key_is_reported_without_sending(make_backend, edit_server):
    backend = make_backend(api_key=None, name="requesty")

    with pytest.raises(AuthenticationFailed, match="REQUESTY_API_KEY") as caught:
        await backend.edit(simple_request())
    with pytest.raises(AuthenticationFailed):
        await backend.list_models()

    assert "Settings" in caught.value.message
    assert edit_server.requests == []


def test_plain_http_to_another_computer_is_refused():
    with pytest.raises(InvalidRequest, match="plain http"):
        OpenAIHttpBackend(base_url="http://example.com/v1", api_key=ApiKey("sk-x"))


# --- Status codes ---------------------------------------------------------------------------------


async def test_a_400_from_the_services_own_checks_keeps_its_facts(make_backend, edit_server):
    # A model the capability table does not know may be sent any size the user typed; this server refuses it.
    request = simple_request(model="router-image-model", size="512x512")

    with pytest.raises(BadRequest) as caught:
        await make_backend().edit(request)

    error = caught.value
    assert (error.status, error.request_id, error.code) == (400, "req_1", "invalid_value")
    assert "Invalid value: '512x512'" in error.server_message
    assert "(400)" in error.message
    assert len(edit_server.edit_requests) == 1


async def test_a_400_that_names_a_field_says_which_field_and_model(make_backend, edit_server):
    edit_server.script(Fault.status(400, "Unknown parameter: 'input_fidelity'.", code="unknown_parameter"))

    with pytest.raises(BadRequest) as caught:
        await make_backend().edit(simple_request(model="router-image-model", input_fidelity="high"))

    error = caught.value
    assert error.message.startswith("router-image-model refused the input fidelity 'high' (400).")
    assert "Choose another input fidelity" in error.message
    assert error.server_message == "Unknown parameter: 'input_fidelity'."  # the service's words kept


async def test_the_fakes_own_size_refusal_is_named_too(make_backend, edit_server):
    with pytest.raises(BadRequest) as caught:
        await make_backend().edit(simple_request(model="router-image-model", size="512x512"))
    assert caught.value.param == "size"
    assert "refused the size '512x512'" in caught.value.message


@pytest.mark.parametrize(("fault", "server_message"), [
    (Fault.status(400, "Model not supported", shape="requesty"), "Model not supported"),
    (Fault.status(400, "bare words", shape="string"), "bare words"),
    (Fault.status(400, "Bad Request", shape="html"), "400 Bad Gateway"),
])
async def test_every_error_body_shape_is_read(make_backend, edit_server, fault, server_message):
    edit_server.script(fault)

    with pytest.raises(BadRequest) as caught:
        await make_backend().edit(simple_request())

    assert caught.value.server_message == server_message
    assert caught.value.request_id == "req_1"


@pytest.mark.parametrize(("status", "error_class", "advice"), [
    (401, AuthenticationFailed, "Settings → Provider"),
    (402, PaymentRequired, "Add credit"),
    (403, PermissionDenied, "permissions"),
    (404, ModelNotFound, "model name"),
    (412, SpendLimitReached, "spend limit"),
    (413, PayloadTooLarge, "too large"),
])
async def test_client_errors_map_to_their_class_and_are_not_retried(
        make_backend, edit_server, sleeps, status, error_class, advice):
    edit_server.script(Fault.status(status, code=f"code_{status}"))

    with pytest.raises(error_class) as caught:
        await make_backend().edit(simple_request())

    error = caught.value
    assert type(error) is error_class
    assert f"({status})" in error.message and advice in error.message
    assert (error.status, error.request_id, error.code) == (status, "req_1", f"code_{status}")
    assert error.server_message
    assert len(edit_server.edit_requests) == 1 and sleeps.waits == []


async def test_a_wrong_key_is_rejected_by_the_service_and_names_the_variable(make_backend, edit_server):
    backend = make_backend(api_key=ApiKey("sk-wrong-key-1234567890"), name="requesty")

    with pytest.raises(AuthenticationFailed, match="REQUESTY_API_KEY") as caught:
        await backend.edit(simple_request())

    assert caught.value.code == "invalid_api_key"


# --- Retries --------------------------------------------------------------------------------------


async def test_429_waits_as_many_seconds_as_retry_after_says(make_backend, edit_server, sleeps):
    edit_server.script(Fault.status(429, retry_after="1"))
    seen: list[Progress] = []

    result = await make_backend().edit(simple_request(), seen.append)

    assert sleeps.waits == [1.0]
    assert result.attempts == 2 and len(edit_server.edit_requests) == 2
    [retrying] = [p for p in seen if p.kind == "retrying"]
    assert (retrying.attempt, retrying.wait_s) == (2, 1.0)
    assert "rate" in retrying.message
    assert [p.kind for p in seen] == ["sending", "waiting", "retrying", "sending", "waiting", "image"]


async def test_429_understands_an_http_date(make_backend, edit_server, sleeps):
    edit_server.script(Fault.status(429, retry_after=email.utils.formatdate(time.time() + 30, usegmt=True)))

    await make_backend().edit(simple_request())

    [wait] = sleeps.waits
    assert 27 <= wait <= 31


async def test_retry_after_ms_wins_over_retry_after(make_backend, edit_server, sleeps):
    edit_server.script(Fault.status(429, retry_after="7", retry_after_ms="250"))

    await make_backend().edit(simple_request())

    assert sleeps.waits == [0.25]


@pytest.mark.parametrize("retry_after", ["3600", "0", "-5", "soon"])
async def test_an_unusable_retry_after_falls_back_to_backoff(make_backend, edit_server, sleeps, retry_after):
    edit_server.script(Fault.status(429, retry_after=retry_after))

    await make_backend().edit(simple_request())

    [wait] = sleeps.waits
    assert 0.375 <= wait <= 0.5


async def test_exhausted_quota_is_not_retried(make_backend, edit_server, sleeps):
    edit_server.script(Fault.quota_exhausted())

    with pytest.raises(QuotaExhausted) as caught:
        await make_backend().edit(simple_request())

    assert caught.value.code == "insufficient_quota"
    assert "waiting will not help" in caught.value.message
    assert len(edit_server.edit_requests) == 1 and sleeps.waits == []


@pytest.mark.parametrize("status", [500, 502, 503, 529, 408, 409])
async def test_server_trouble_is_retried_twice_then_reported(make_backend, edit_server, sleeps, status):
    edit_server.script(*[Fault.status(status)] * 3)

    with pytest.raises(ServerError) as caught:
        await make_backend().edit(simple_request())

    assert len(edit_server.edit_requests) == 3
    first, second = sleeps.waits
    assert 0.375 <= first <= 0.5 and 0.75 <= second <= 1.0
    assert "retried 2 times" in caught.value.message
    assert caught.value.request_id == "req_3"


async def test_backoff_is_capped_at_eight_seconds(make_backend, edit_server, sleeps):
    edit_server.script(*[Fault.status(503)] * 7)

    with pytest.raises(ServerError):
        await make_backend(max_retries=6).edit(simple_request())

    assert len(sleeps.waits) == 6
    assert all(6 <= wait <= 8 for wait in sleeps.waits[4:])


async def test_a_rate_limit_that_never_lifts_says_so(make_backend, edit_server, sleeps):
    edit_server.script(*[Fault.status(429)] * 3)

    with pytest.raises(RateLimited, match=r"retried 2 times\. Try again in a minute"):
        await make_backend().edit(simple_request())


async def test_success_after_one_503(make_backend, edit_server, sleeps):
    edit_server.script(Fault.status(503))

    result = await make_backend().edit(simple_request())

    assert result.attempts == 2 and len(result.images) == 1
    assert len(sleeps.waits) == 1 and result.request_id == "req_2"


async def test_no_retries_when_max_retries_is_zero(make_backend, edit_server, sleeps):
    edit_server.script(Fault.status(503))

    with pytest.raises(ServerError):
        await make_backend(max_retries=0).edit(simple_request())

    assert len(edit_server.edit_requests) == 1 and sleeps.waits == []


# --- Broken answers -------------------------------------------------------------------------------


@pytest.mark.parametrize(("fault", "error_class", "words"), [
    (Fault.malformed_json(), MalformedResponse, "not valid JSON"),
    (Fault.not_an_image(), MalformedResponse, "not a readable image"),
    (Fault.error_in_200("The model melted."), ServerError, "instead of an image"),
])
async def test_broken_successful_answers_fail_clearly_without_retry(
        make_backend, edit_server, sleeps, fault, error_class, words):
    edit_server.script(fault)

    with pytest.raises(error_class, match=words) as caught:
        await make_backend().edit(simple_request())

    assert (caught.value.status, caught.value.request_id) == (200, "req_1")
    assert len(edit_server.edit_requests) == 1 and sleeps.waits == []


async def test_a_200_with_an_error_keeps_the_servers_words(make_backend, edit_server):
    edit_server.script(Fault.error_in_200("Your request was rejected by the safety system.",
                                          error_type="invalid_request_error"))

    with pytest.raises(BadRequest) as caught:
        await make_backend().edit(simple_request())

    assert caught.value.server_message == "Your request was rejected by the safety system."


async def test_a_result_link_that_404s(make_backend, edit_server, sleeps):
    edit_server.script(Fault.missing_url())

    with pytest.raises(MalformedResponse, match=r"could not be downloaded \(404\)") as caught:
        await make_backend().edit(simple_request())

    assert caught.value.status == 404 and caught.value.request_id == "req_1"
    assert len(edit_server.edit_requests) == 1


@pytest.mark.parametrize("mid_body", [False, True])
async def test_a_dropped_connection_is_retried_then_reported(make_backend, edit_server, sleeps, mid_body):
    edit_server.script(*[Fault.drop(mid_body=mid_body)] * 3)

    with pytest.raises(ConnectionFailed, match="dropped") as caught:
        await make_backend().edit(simple_request())

    assert len(edit_server.edit_requests) == 3 and len(sleeps.waits) == 2
    assert "retried 2 times" in caught.value.message


async def test_success_after_one_dropped_connection(make_backend, edit_server):
    edit_server.script(Fault.drop())

    result = await make_backend().edit(simple_request())

    assert result.attempts == 2


async def test_a_slow_service_times_out(make_backend, edit_server, sleeps):
    edit_server.script(Fault.slow(5), Fault.slow(5))
    started = time.monotonic()

    with pytest.raises(RequestTimedOut, match=r"No answer after 0.3 s; retried 1 time") as caught:
        await make_backend(read_timeout=0.3, max_retries=1).edit(simple_request())

    assert time.monotonic() - started < 3
    assert len(edit_server.edit_requests) == 2 and len(sleeps.waits) == 1
    assert caught.value.retryable


async def test_an_answer_over_the_size_cap_is_abandoned(make_backend, edit_server):
    edit_server.script(Fault.huge(50_000_000))

    with pytest.raises(MalformedResponse, match="too large"):
        await make_backend(max_response_bytes=1_000_000).edit(simple_request())


async def test_a_stream_over_the_size_cap_is_cut_off_while_it_streams(make_backend, edit_server):
    request = simple_request(stream=True, partial_images=3)

    with pytest.raises(MalformedResponse, match="too large"):
        await make_backend(max_response_bytes=20_000).edit(request)

    assert len(edit_server.edit_requests) == 1


async def test_a_refused_port_is_a_connection_failure(make_backend, sleeps):
    with socket.socket() as probe:  # a port nobody listens on once the probe closes
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    with pytest.raises(ConnectionFailed, match=r"Could not reach 127\.0\.0\.1"):
        await make_backend(base_url=f"http://127.0.0.1:{port}/v1").edit(simple_request())

    assert len(sleeps.waits) == 2


async def test_an_unresolvable_host_is_a_connection_failure(make_backend):
    backend = make_backend(base_url="https://no-such-host.invalid/v1", max_retries=0, connect_timeout=3)

    with pytest.raises(ConnectionFailed, match=r"no-such-host\.invalid"):
        await backend.edit(simple_request())
