"""The fake edit service itself: it must refuse what the real one refuses and answer like it.

Driven with a plain synchronous httpx client so these checks do not depend on the backend.
"""

from __future__ import annotations

import base64
import io
import json
import subprocess
import sys
import threading
import time

import httpx
import numpy as np
import pytest
from PIL import Image

from tests.fakes.edit_server import FakeEditServer
from tests.fakes.faults import Fault
from tests.fakes.images import mask_bytes, photo_bytes


@pytest.fixture
def client(edit_server, fake_api_key):
    with httpx.Client(base_url=edit_server.base_url, headers={"Authorization": f"Bearer {fake_api_key}"},
                      timeout=10) as http:
        yield http


def post_edit(client, fields=None, files=None):
    data = {"prompt": "p", "size": "1024x1024", **(fields or {})}
    files = files if files is not None else [("image", ("photo.png", photo_bytes(32, 32), "image/png"))]
    return client.post("/images/edits", data=data, files=files)


def error_of(response) -> dict:
    return response.json()["error"]


def decode(b64: str) -> np.ndarray:
    with Image.open(io.BytesIO(base64.b64decode(b64))) as img:
        return np.array(img.convert("RGB"))


# --- What it refuses ------------------------------------------------------------------------------


def test_a_missing_or_wrong_key_gets_an_openai_shaped_401(edit_server):
    missing = httpx.post(f"{edit_server.base_url}/images/edits", data={"prompt": "p"})
    wrong = httpx.get(f"{edit_server.base_url}/models", headers={"Authorization": "Bearer sk-nope-123456"})

    assert (missing.status_code, wrong.status_code) == (401, 401)
    assert error_of(missing)["code"] == error_of(wrong)["code"] == "invalid_api_key"
    assert "sk-nope-123456" not in wrong.text
    assert (missing.headers["x-request-id"], wrong.headers["x-request-id"]) == ("req_1", "req_2")


@pytest.mark.parametrize(("fields", "param", "code"), [
    ({"response_format": "b64_json"}, "response_format", "unknown_parameter"),
    ({"colour": "red"}, "colour", "unknown_parameter"),
    ({"n": "11"}, "n", "integer_above_max_value"),
    ({"n": "0"}, "n", "integer_below_min_value"),
    ({"n": "two"}, "n", "invalid_type"),
    ({"size": "999x999"}, "size", "invalid_value"),
    ({"size": "2048x1152", "model": "gpt-image-1"}, "size", "invalid_value"),
    ({"size": "512x512", "model": "gpt-image-2"}, "size", "invalid_value"),  # under 655,360 px
    ({"size": "3840x1024", "model": "gpt-image-2"}, "size", "invalid_value"),  # past 3:1
    ({"size": "4096x2048", "model": "openai/gpt-image-2.5-flare"}, "size", "invalid_value"),  # past 3840
    ({"size": "2048x1152", "model": "gpt-image-2.6-sunburst"}, "size", "invalid_value"),  # unconfirmed
    ({"quality": "ultra"}, "quality", "invalid_value"),
    ({"background": "clear"}, "background", "invalid_value"),
    ({"output_format": "gif"}, "output_format", "invalid_value"),
    ({"output_compression": "101"}, "output_compression", "integer_above_max_value"),
    ({"input_fidelity": "medium"}, "input_fidelity", "invalid_value"),
    ({"partial_images": "4", "stream": "true"}, "partial_images", "integer_above_max_value"),
    ({"prompt": "x" * 32_001}, "prompt", "string_above_max_length"),
    ({"background": "transparent", "output_format": "jpeg"}, "background", "invalid_value"),
])
def test_bad_fields_are_refused_like_the_service_does(client, fields, param, code):
    response = post_edit(client, fields)

    assert response.status_code == 400
    assert (error_of(response)["param"], error_of(response)["code"]) == (param, code)
    assert error_of(response)["type"] == "invalid_request_error"


def test_repeated_plain_image_is_a_duplicate_parameter(client):
    image = ("photo.png", photo_bytes(16, 16), "image/png")

    response = post_edit(client, files=[("image", image), ("image", image)])

    assert response.status_code == 400
    assert error_of(response)["message"].startswith("Duplicate parameter: 'image'.")


def test_mixing_image_and_image_array_is_refused(client):
    image = ("photo.png", photo_bytes(16, 16), "image/png")

    response = post_edit(client, files=[("image", image), ("image[]", image)])

    assert response.status_code == 400 and "both 'image' and 'image[]'" in error_of(response)["message"]


@pytest.mark.parametrize("part", [
    ("photo.png", photo_bytes(16, 16), "application/octet-stream"),
    (None, photo_bytes(16, 16), "image/png"),
    ("photo.gif", photo_bytes(16, 16, "GIF"), "image/gif"),
    ("photo.png", photo_bytes(16, 16, "BMP"), "image/png"),
])
def test_file_parts_must_be_named_images_of_an_accepted_type(client, part):
    response = post_edit(client, files=[("image", part)])

    assert response.status_code == 400
    assert error_of(response)["code"] == "unsupported_file_mimetype"


@pytest.mark.parametrize(("mask", "words"), [
    (mask_bytes(16, 16), "does not match image size"),
    (photo_bytes(32, 32, "JPEG"), "must be a PNG"),
    (photo_bytes(32, 32), "got RGB"),
    (b"\0" * (4 * 1024 * 1024), "smaller than 4 MB"),
])
def test_the_mask_must_be_a_small_png_with_alpha_the_size_of_the_first_image(client, mask, words):
    files = [("image", ("photo.png", photo_bytes(32, 32), "image/png")),
             ("mask", ("mask.png", mask, "image/png"))]

    response = post_edit(client, files=files)

    assert response.status_code == 400 and words in error_of(response)["message"]


def test_the_json_form_is_checked_the_same_way(client):
    photo = base64.b64encode(photo_bytes(16, 16)).decode()
    good = {"prompt": "p", "images": [{"image_url": f"data:image/png;base64,{photo}"}], "n": 1,
            "stream": False}

    ok = client.post("/images/edits", json=good)
    as_text = client.post("/images/edits", json={**good, "n": "1"})
    gif_images = [{"image_url": f"data:image/gif;base64,{photo}"}]
    gif = client.post("/images/edits", json={**good, "images": gif_images})

    assert ok.status_code == 200 and len(ok.json()["data"]) == 1
    assert error_of(as_text)["code"] == "invalid_type"
    assert error_of(gif)["code"] == "unsupported_file_mimetype"


# --- How it answers -------------------------------------------------------------------------------


def test_outputs_are_the_first_image_painted_where_the_mask_is_clear(client):
    files = [("image[]", ("a.png", photo_bytes(64, 32), "image/png")),
             ("image[]", ("b.png", photo_bytes(10, 10), "image/png")),
             ("mask", ("mask.png", mask_bytes(64, 32, hole=(0, 0, 32, 16)), "image/png"))]

    response = post_edit(client, {"n": "2", "size": "1536x1024", "output_format": "png"}, files)

    document = response.json()
    assert response.status_code == 200 and response.headers["x-request-id"] == "req_1"
    assert len(document["data"]) == 2 and document["size"] == "1536x1024"
    image = decode(document["data"][0]["b64_json"])
    assert image.shape == (1024, 1536, 3)
    assert (image[:512, :768] == (255, 0, 255)).all()
    assert not (image[512:, :] == (255, 0, 255)).all(axis=-1).any()
    assert document["usage"]["total_tokens"] == (document["usage"]["input_tokens"]
                                                 + document["usage"]["output_tokens"])


def test_spill_alters_about_that_share_of_the_protected_pixels(edit_server, client):
    edit_server.spill = 0.1
    edit_server.colour = (0, 255, 0)
    files = [("image", ("a.png", photo_bytes(64, 64), "image/png")),
             ("mask", ("mask.png", mask_bytes(64, 64, hole=(0, 0, 32, 64)), "image/png"))]
    clean = Image.open(io.BytesIO(photo_bytes(64, 64))).convert("RGB").resize((1024, 1024),
                                                                            Image.Resampling.BILINEAR)

    image = decode(post_edit(client, files=files).json()["data"][0]["b64_json"])

    assert (image[:, :512] == (0, 255, 0)).all()
    changed = (image[:, 512:] != np.array(clean)[:, 512:]).any(axis=-1).mean()
    assert 0.08 < changed < 0.12


def test_auto_size_follows_the_first_images_shape(client):
    tall = [("image", ("a.png", photo_bytes(30, 60), "image/png"))]

    document = post_edit(client, {"size": "auto", "output_format": "jpeg"}, tall).json()

    assert document["size"] == "1024x1536" and document["output_format"] == "jpeg"
    assert base64.b64decode(document["data"][0]["b64_json"])[:3] == b"\xff\xd8\xff"


def test_streaming_sends_partials_then_one_completed_event_per_image(client):
    response = post_edit(client, {"stream": "true", "partial_images": "2", "n": "2"})

    assert response.headers["content-type"] == "text/event-stream"
    events = [block.split("\n") for block in response.text.strip().split("\n\n")]
    names = [lines[0].removeprefix("event: ") for lines in events]
    payloads = [json.loads(lines[1].removeprefix("data: ")) for lines in events]
    assert names == ["image_edit.partial_image"] * 2 + ["image_edit.completed"] * 2
    assert [p.get("partial_image_index") for p in payloads[:2]] == [0, 1]
    assert all("usage" in p for p in payloads[2:]) and "usage" not in payloads[0]


def test_url_mode_links_to_files_served_without_the_key(edit_server, client):
    edit_server.result_mode = "url"

    url = post_edit(client).json()["data"][0]["url"]
    downloaded = httpx.get(url)

    assert url.startswith(f"{edit_server.origin}/files/")
    assert downloaded.status_code == 200 and downloaded.headers["content-type"] == "image/png"
    assert downloaded.content[:8] == b"\x89PNG\r\n\x1a\n"


def test_models_are_listed_openai_style(edit_server, client):
    document = client.get("/models").json()

    assert document["object"] == "list"
    assert [m["id"] for m in document["data"]] == list(edit_server.models)


# --- Recording and scripting ----------------------------------------------------------------------


def test_requests_are_recorded_with_fields_and_exact_file_bytes(edit_server, client):
    photo = photo_bytes(16, 16)

    post_edit(client, {"quality": "low"}, [("image", ("p.png", photo, "image/png"))])

    [sent] = edit_server.edit_requests
    assert (sent.method, sent.path) == ("POST", "/v1/images/edits")
    assert sent.fields == {"prompt": "p", "size": "1024x1024", "quality": "low"}
    assert sent.files[0].data == photo and sent.files[0].filename == "p.png"
    assert sent.body_size > len(photo)


def test_faults_are_consumed_in_order_then_answers_are_normal(edit_server, client):
    edit_server.script(Fault.status(429, retry_after="3"), Fault.status(502, "down", shape="requesty"),
                       Fault.malformed_json())

    answers = [post_edit(client) for _ in range(4)]

    assert [a.status_code for a in answers] == [429, 502, 200, 200]
    assert answers[0].headers["retry-after"] == "3"
    assert answers[1].json() == {"error": {"origin": "provider", "message": "down"}}
    with pytest.raises(ValueError):
        answers[2].json()
    assert answers[3].json()["data"]
    assert edit_server.pending_faults == 0


def test_a_huge_answer_is_streamed_to_its_full_length(edit_server, client):
    edit_server.script(Fault.huge(3_000_000))

    with client.stream("POST", "/images/edits", data={"prompt": "p"},
                       files=[("image", ("p.png", photo_bytes(8, 8), "image/png"))]) as response:
        received = sum(len(chunk) for chunk in response.iter_bytes())

    assert received == 3_000_000


def test_a_dropped_connection_gives_no_answer(edit_server, client):
    edit_server.script(Fault.drop())

    with pytest.raises(httpx.RemoteProtocolError):
        post_edit(client)


def test_a_slow_answer_does_not_hold_up_others_or_shutdown(fake_api_key):
    server = FakeEditServer(api_key=fake_api_key).start()
    server.script(Fault.slow(30))
    slow_result: list[object] = []

    def slow_call() -> None:
        try:
            slow_result.append(httpx.get(f"{server.base_url}/models", timeout=60,
                                         headers={"Authorization": f"Bearer {fake_api_key}"}))
        except httpx.HTTPError as exc:
            slow_result.append(exc)

    thread = threading.Thread(target=slow_call)
    thread.start()
    while not server.requests:
        time.sleep(0.01)
    quick = httpx.get(f"{server.base_url}/models", headers={"Authorization": f"Bearer {fake_api_key}"})
    started = time.monotonic()
    server.close()
    thread.join(timeout=5)

    assert quick.status_code == 200
    assert time.monotonic() - started < 2
    assert isinstance(slow_result[0], httpx.HTTPError)


def test_it_runs_standalone_for_benchmarks():
    process = subprocess.Popen([sys.executable, "-m", "tests.fakes.edit_server", "--api-key", "sk-bench-1"],
                               stdout=subprocess.PIPE, text=True)
    try:
        base_url = process.stdout.readline().strip().removeprefix("BASE_URL=")
        api_key = process.stdout.readline().strip().removeprefix("API_KEY=")
        response = httpx.get(f"{base_url}/models", headers={"Authorization": f"Bearer {api_key}"})
    finally:
        process.terminate()
        process.wait(timeout=10)

    assert base_url.startswith("http://127.0.0.1:") and base_url.endswith("/v1")
    assert api_key == "sk-bench-1" and response.status_code == 200
    assert process.returncode == 0
