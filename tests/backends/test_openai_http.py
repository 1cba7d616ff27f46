"""OpenAIHttpBackend against the loopback fake service: what goes over the wire, what comes back."""

from __future__ import annotations

import io
from dataclasses import replace

import numpy as np
import pytest
from PIL import Image

from editor import __version__
from editor.backends.base import EditRequest, ImagePart, InvalidRequest, Progress
from tests.fakes.images import mask_part, photo_part

MAGENTA = (255, 0, 255)


def pixels(data: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(data)) as img:
        return np.array(img.convert("RGB"))


async def test_one_image_goes_as_a_single_part_named_image(make_backend, edit_server, fake_api_key):
    photo = photo_part(64, 48)
    request = EditRequest(images=(photo,), prompt="a red ball", size="1024x1024")

    result = await make_backend().edit(request)

    [sent] = edit_server.edit_requests
    assert sent.part_names == ("prompt", "size", "image")
    [image] = sent.files
    assert (image.filename, image.content_type, image.data) == ("photo.png", "image/png", photo.data)
    assert sent.fields == {"prompt": "a red ball", "size": "1024x1024"}
    assert sent.headers["authorization"] == f"Bearer {fake_api_key}"
    assert sent.headers["user-agent"] == f"maskedit/{__version__}"
    assert sent.headers["content-type"].startswith("multipart/form-data; boundary=")
    assert sent.headers["accept"] == "application/json"
    assert len(result.images) == 1 and result.attempts == 1
    assert result.request_id == "req_1"
    assert result.images[0].content_type == "image/png"


async def test_three_images_and_a_mask_go_as_image_array_parts_then_mask(make_backend, edit_server):
    first = photo_part(80, 60, "PNG", filename="photo.png")
    second = photo_part(40, 40, "JPEG", filename="ref-a.jpg")
    third = photo_part(40, 40, "WEBP", filename="ref-b.webp")
    mask = mask_part(80, 60, hole=(10, 10, 30, 20))
    request = EditRequest(images=(first, second, third), mask=mask, prompt="swap", size="1024x1024")

    await make_backend().edit(request)

    [sent] = edit_server.edit_requests
    assert sent.part_names == ("prompt", "size", "image[]", "image[]", "image[]", "mask")
    described = [(p.name, p.filename, p.content_type) for p in sent.files]
    assert described == [("image[]", "photo.png", "image/png"), ("image[]", "ref-a.jpg", "image/jpeg"),
                         ("image[]", "ref-b.webp", "image/webp"), ("mask", "mask.png", "image/png")]
    assert sent.image_bytes == [first.data, second.data, third.data]
    assert sent.mask_bytes == mask.data
    sent_alpha = np.array(Image.open(io.BytesIO(sent.mask_bytes)).getchannel("A"))
    assert (sent_alpha[10:20, 10:30] == 0).all()
    assert (sent_alpha == 0).sum() == 20 * 10


async def test_every_option_is_sent_with_exactly_its_value(make_backend, edit_server):
    request = EditRequest(
        images=(photo_part(64, 64),), mask=mask_part(64, 64), prompt="a cat", model="gpt-image-1", n=2,
        size="1536x1024", quality="high", background="opaque", output_format="webp",
        output_compression=80, input_fidelity="high", user="designer-7",
    )

    result = await make_backend().edit(request)

    assert edit_server.edit_requests[0].fields == {
        "prompt": "a cat", "background": "opaque", "input_fidelity": "high", "model": "gpt-image-1",
        "n": "2", "output_compression": "80", "output_format": "webp", "quality": "high",
        "size": "1536x1024", "user": "designer-7",
    }
    assert [(i.content_type, i.width, i.height) for i in result.images] == [("image/webp", 1536, 1024)] * 2
    assert (result.size, result.quality, result.background, result.output_format) == (
        "1536x1024", "high", "opaque", "webp")
    assert result.usage is not None and result.usage.total_tokens > 0
    assert isinstance(result.created, int)


async def test_unset_options_are_left_out(make_backend, edit_server):
    await make_backend().edit(EditRequest(images=(photo_part(32, 32),), prompt="just this"))

    assert edit_server.edit_requests[0].fields == {"prompt": "just this"}


@pytest.mark.parametrize(("size", "photo", "expected"), [
    ("1024x1536", (64, 64), (1024, 1536)),
    ("1536x1024", (64, 64), (1536, 1024)),
    ("auto", (90, 40), (1536, 1024)),
    (None, (40, 90), (1024, 1536)),
])
async def test_outputs_come_at_the_requested_size(make_backend, size, photo, expected):
    request = EditRequest(images=(photo_part(*photo),), prompt="p", size=size)

    result = await make_backend().edit(request)

    assert (result.images[0].width, result.images[0].height) == expected
    assert result.size == f"{expected[0]}x{expected[1]}"


async def test_the_edit_lands_inside_the_mask_and_bytes_are_kept_as_received(make_backend, edit_server):
    request = EditRequest(images=(photo_part(64, 64),), mask=mask_part(64, 64, hole=(0, 0, 32, 64)),
                          prompt="p", size="1024x1024")
    edit_server.result_mode = "url"  # lets the test fetch the very bytes the server sent

    result = await make_backend().edit(request)

    [download] = [r for r in edit_server.requests if r.path.startswith("/files/")]
    file_id = download.path.removeprefix("/files/").rpartition(".")[0]
    assert result.images[0].data == edit_server.stored_file(file_id)[0]
    image = pixels(result.images[0].data)
    assert (image[:, :512] == MAGENTA).all()
    assert not (image[:, 512:] == MAGENTA).all(axis=-1).any()


async def test_json_body_carries_data_urls_and_real_json_types(make_backend, edit_server):
    photo, mask = photo_part(48, 48), mask_part(48, 48)
    request = EditRequest(images=(photo, photo_part(16, 16, "JPEG")), mask=mask, prompt="p", n=2,
                          size="1024x1024", output_format="jpeg", output_compression=50, stream=True,
                          partial_images=1)

    result = await make_backend(body="json").edit(request)

    [sent] = edit_server.edit_requests
    assert sent.headers["content-type"] == "application/json"
    document = dict(sent.json)
    images, mask_doc = document.pop("images"), document.pop("mask")
    assert document == {"prompt": "p", "n": 2, "output_compression": 50, "output_format": "jpeg",
                        "partial_images": 1, "size": "1024x1024", "stream": True}
    assert images[0]["image_url"].startswith("data:image/png;base64,")
    assert images[1]["image_url"].startswith("data:image/jpeg;base64,")
    assert mask_doc["image_url"].startswith("data:image/png;base64,")
    assert sent.image_bytes[0] == photo.data and sent.mask_bytes == mask.data
    assert [i.content_type for i in result.images] == ["image/jpeg", "image/jpeg"]


async def test_json_body_refuses_an_image_too_large_for_a_data_url(make_backend, edit_server):
    big = ImagePart(data=b"\0" * 16_000_000, filename="big.png", content_type="image/png",
                    width=4000, height=4000)

    with pytest.raises(InvalidRequest, match="too large to send as JSON"):
        await make_backend(body="json").edit(EditRequest(images=(big,), prompt="p"))

    assert edit_server.requests == []


async def test_url_results_are_downloaded_with_the_key_only_on_the_same_host(make_backend, edit_server):
    edit_server.result_mode = "url"
    request = EditRequest(images=(photo_part(32, 32),), prompt="p", size="1024x1024", n=2)

    same_host = await make_backend().edit(request)
    edit_server.url_host = "localhost"  # same server, but a different origin for the client
    foreign = await make_backend().edit(request)

    downloads = [r for r in edit_server.requests if r.path.startswith("/files/")]
    assert len(downloads) == 4
    assert ["authorization" in d.headers for d in downloads] == [True, True, False, False]
    assert [d.headers["host"].split(":")[0] for d in downloads[2:]] == ["localhost", "localhost"]
    for result in (same_host, foreign):
        assert [(i.width, i.height) for i in result.images] == [(1024, 1024), (1024, 1024)]


async def test_streaming_reports_partials_then_the_image_in_order(make_backend, edit_server):
    seen: list[Progress] = []
    request = EditRequest(images=(photo_part(32, 32),), prompt="p", size="1024x1024", stream=True,
                          partial_images=2)

    result = await make_backend().edit(request, seen.append)

    assert [(p.kind, p.index) for p in seen] == [
        ("sending", None), ("waiting", None), ("partial", 0), ("partial", 1), ("image", 0)]
    assert all(p.image is not None and p.image.width == 1024 for p in seen[2:])
    [sent] = edit_server.edit_requests
    assert sent.headers["accept"] == "text/event-stream"
    assert sent.fields["stream"] == "true" and sent.fields["partial_images"] == "2"
    assert len(result.images) == 1
    assert result.usage is not None and result.usage.output_tokens == 1056
    assert result.request_id == "req_1"


async def test_streaming_with_two_variants_gives_two_completed_images(make_backend):
    seen: list[Progress] = []
    request = EditRequest(images=(photo_part(32, 32),), prompt="p", size="1024x1024", stream=True, n=2)

    result = await make_backend().edit(request, seen.append)

    assert len(result.images) == 2
    assert [(p.kind, p.index) for p in seen if p.kind == "image"] == [("image", 0), ("image", 1)]
    assert not [p for p in seen if p.kind == "partial"]


async def test_non_streamed_progress_is_sending_waiting_then_each_image(make_backend):
    seen: list[Progress] = []
    request = EditRequest(images=(photo_part(32, 32),), prompt="p", size="1024x1024", n=2)

    await make_backend().edit(request, seen.append)

    assert [(p.kind, p.attempt, p.index) for p in seen] == [
        ("sending", 1, None), ("waiting", 1, None), ("image", 1, 0), ("image", 1, 1)]


async def test_a_broken_progress_callback_does_not_sink_the_edit(make_backend):
    def explode(progress: Progress) -> None:
        raise RuntimeError("display bug")

    result = await make_backend().edit(EditRequest(images=(photo_part(16, 16),), prompt="p"), explode)

    assert len(result.images) == 1


async def test_extra_headers_are_sent_but_cannot_replace_the_key(make_backend, edit_server, fake_api_key):
    backend = make_backend(extra_headers={"X-Title": "Maskedit", "Authorization": "Bearer other"})

    await backend.edit(EditRequest(images=(photo_part(16, 16),), prompt="p"))

    headers = edit_server.edit_requests[0].headers
    assert headers["x-title"] == "Maskedit"
    assert headers["authorization"] == f"Bearer {fake_api_key}"


async def test_custom_sizes_pass_where_the_model_takes_them(make_backend):
    request = EditRequest(images=(photo_part(32, 32),), prompt="p", model="gpt-image-2", size="1024x640")

    with pytest.raises(InvalidRequest):
        await make_backend().edit(replace(request, model="gpt-image-1"))
    with pytest.raises(InvalidRequest, match="655,360"):
        await make_backend().edit(replace(request, size="256x128"))
    result = await make_backend().edit(request)

    assert (result.images[0].width, result.images[0].height) == (1024, 640)


async def test_list_models_reads_the_model_ids(make_backend, edit_server):
    models = await make_backend().list_models()

    assert models == list(edit_server.models)
    assert edit_server.requests[0].path == "/v1/models"


async def test_one_client_is_reused_and_closing_twice_is_harmless(make_backend, edit_server):
    backend = make_backend()
    request = EditRequest(images=(photo_part(16, 16),), prompt="p")

    await backend.edit(request)
    await backend.edit(request)
    await backend.aclose()
    await backend.aclose()
    await backend.edit(request)  # a closed backend opens a fresh client when used again

    assert len(edit_server.edit_requests) == 3


async def test_an_answered_edit_lets_go_of_the_uploaded_images_without_a_collection(make_backend):
    """httpx's response and its stream point at each other; left so, the request body (the
    uploaded images) waits for the cyclic collector, which then frees it all at once on the GUI
    thread. Reference counting alone must free it when the edit is done."""
    import gc
    import sys

    photo, mask = photo_part(64, 48), mask_part(64, 48)
    baseline = sys.getrefcount(photo.data), sys.getrefcount(mask.data)
    backend = make_backend()
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        request = EditRequest(images=(photo,), mask=mask, prompt="a red ball", size="1024x1024")
        result = await backend.edit(request)
        del request
        assert (sys.getrefcount(photo.data), sys.getrefcount(mask.data)) == baseline
    finally:
        if was_enabled:
            gc.enable()
    assert len(result.images) == 1
