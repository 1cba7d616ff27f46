"""The `files` body: each image goes up once through the Files API and is named by file id after
that; an id the provider no longer knows is uploaded again, once; uploads are deleted on close.
Against the loopback fake, which keeps uploaded files and checks the JSON body's references."""

from __future__ import annotations

import openai
import pytest

from editor.backends.base import EditRequest, InvalidRequest
from editor.backends.file_ids import LIFETIME_S, MARGIN_S, FileIds, content_key
from tests.fakes.faults import Fault
from tests.fakes.images import mask_part, photo_part

PHOTO = photo_part(64, 48)
MASK = mask_part(64, 48)


def request(prompt: str = "a red bench", *references) -> EditRequest:
    return EditRequest(images=(PHOTO, *references), mask=MASK, prompt=prompt, model="gpt-image-1.5",
                       size="1024x1024")


async def test_five_iterations_upload_each_image_once(make_backend, edit_server):
    backend = make_backend(body="files")
    for number in range(5):
        result = await backend.edit(request(f"iteration {number}"))
        assert len(result.images) == 1

    uploads, edits = edit_server.upload_requests, edit_server.edit_requests
    assert len(uploads) == 2 and len(edits) == 5  # the photo and the mask, once each
    sent = {part.data for upload in uploads for part in upload.files}
    assert sent == {PHOTO.data, MASK.data}
    for upload in uploads:
        assert upload.fields == {"purpose": "vision", "expires_after[anchor]": "created_at",
                                 "expires_after[seconds]": str(LIFETIME_S)}
    ids = {edit.json["images"][0]["file_id"] for edit in edits}
    assert len(ids) == 1 and all("image_url" not in str(edit.json) for edit in edits)
    # Bytes on the wire: one upload of the images, then small JSON documents.
    image_bytes = len(PHOTO.data) + len(MASK.data)
    assert sum(edit.body_size for edit in edits) < 5 * 1024
    assert sum(upload.body_size for upload in uploads) < 1.3 * image_bytes + 2048


async def test_an_id_the_provider_forgot_is_uploaded_again_once(make_backend, edit_server):
    backend = make_backend(body="files")
    await backend.edit(request())
    edit_server.expire_uploads()  # a day went by, or someone deleted them

    result = await backend.edit(request("again"))

    assert len(result.images) == 1
    assert len(edit_server.upload_requests) == 4  # photo and mask, twice
    assert len(edit_server.edit_requests) == 3  # the refused one, then the one that worked


async def test_a_refusal_that_is_not_about_a_file_is_not_retried_with_uploads(make_backend, edit_server):
    backend = make_backend(body="files")
    await backend.edit(request())
    edit_server.script(Fault.status(400, "Invalid value: 'x'.", code="invalid_value"))
    with pytest.raises(Exception, match="400"):
        await backend.edit(request("again"))
    assert len(edit_server.upload_requests) == 2


async def test_a_backend_deletes_its_own_uploads_when_closed(make_backend, edit_server):
    backend = make_backend(body="files")
    await backend.edit(request())
    assert len(edit_server.uploads) == 2

    await backend.aclose()

    assert edit_server.uploads == []
    deletes = [r for r in edit_server.requests if r.method == "DELETE"]
    assert len(deletes) == 2


async def test_a_shared_store_serves_every_backend_and_its_owner_deletes(make_backend, edit_server):
    store = FileIds()
    first = make_backend(body="files", files=store)
    await first.edit(request())
    await first.aclose()  # the window's backends live for one job; the store outlives them
    assert len(edit_server.uploads) == 2

    second = make_backend(body="files", files=store)
    await second.edit(request("next"))
    assert len(edit_server.upload_requests) == 2  # nothing uploaded again

    deleted = await second.delete_files(store.take_all())
    assert deleted == 2 and edit_server.uploads == []


async def test_a_provider_without_the_files_api_gets_a_clear_sentence(make_backend, edit_server):
    edit_server.script(Fault.status(404, "Invalid URL (POST /v1/files)"))
    with pytest.raises(InvalidRequest, match="does not offer the Files API"):
        await make_backend(body="files").edit(request())
    assert edit_server.edit_requests == []


async def test_the_upload_is_the_one_the_official_sdk_sends(make_backend, edit_server, fake_api_key):
    client = openai.AsyncOpenAI(api_key=fake_api_key, base_url=edit_server.base_url, max_retries=0)
    try:
        await client.files.create(file=(PHOTO.filename, PHOTO.data, PHOTO.content_type), purpose="vision",
                                  expires_after={"anchor": "created_at", "seconds": LIFETIME_S})
    finally:
        await client.close()
    await make_backend(body="files").edit(request())
    sdk, ours = edit_server.upload_requests[0], edit_server.upload_requests[1]

    def shape(recorded):
        return sorted((part.name, part.filename, part.content_type, part.data) for part in recorded.parts)

    assert shape(ours) == shape(sdk)


def test_the_store_never_hands_out_an_id_near_its_expiry():
    now = [1000.0]
    store = FileIds(clock=lambda: now[0])
    key = content_key(b"photo")
    store.put(key, "file-1", 5, lifetime_s=3600)
    assert store.get(key) == "file-1"
    now[0] += 3600 - MARGIN_S  # within the margin of its expiry
    assert store.get(key) is None and len(store) == 0
