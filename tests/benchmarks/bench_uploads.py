"""upload_bytes: what five iterations on a 24 MP photo send, as file IDs against one upload of the
images (the floor), with multipart beside it. Bytes are counted by the loopback fake as received,
so the figure does not depend on the machine's speed."""

from __future__ import annotations

import asyncio
import io

import numpy as np
from PIL import Image

from editor.backends.base import EditRequest, ImagePart
from editor.backends.openai_http import OpenAIHttpBackend
from editor.backends.providers import ApiKey
from tests.benchmarks.harness import Figure
from tests.fakes.edit_server import FakeEditServer

WIDTH, HEIGHT = 6000, 4000
ITERATIONS = 5


def _photo() -> bytes:
    rng = np.random.default_rng(7)
    y, x = np.mgrid[0:HEIGHT, 0:WIDTH]
    base = np.stack([(x / 24) % 256, (y / 16) % 256, ((x + y) / 40) % 256], axis=-1)
    pixels = (base + rng.integers(0, 16, size=base.shape)).clip(0, 255).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels, "RGB").save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def _mask() -> bytes:
    rgba = np.zeros((HEIGHT, WIDTH, 4), np.uint8)
    rgba[..., 3] = 255
    rgba[1500:2500, 2500:3700, 3] = 0
    buffer = io.BytesIO()
    Image.fromarray(rgba, "RGBA").save(buffer, "PNG")
    return buffer.getvalue()


async def _sent(body: str, photo: ImagePart, mask: ImagePart) -> int:
    with FakeEditServer() as server:
        backend = OpenAIHttpBackend(base_url=server.base_url, api_key=ApiKey(server.api_key), body=body)
        try:
            for number in range(ITERATIONS):
                request = EditRequest(images=(photo,), mask=mask, prompt=f"a wooden bench, take {number}",
                                      model="gpt-image-1.5", size="1536x1024", quality="low")
                await backend.edit(request)
        finally:
            await backend.aclose()
        return sum(r.body_size for r in server.requests if r.method == "POST")


def measure() -> list[Figure]:
    photo = ImagePart(_photo(), "photo.jpg", "image/jpeg", WIDTH, HEIGHT)
    mask = ImagePart(_mask(), "mask.png", "image/png", WIDTH, HEIGHT)
    one_upload = len(photo.data) + len(mask.data)
    files = asyncio.run(_sent("files", photo, mask))
    multipart = asyncio.run(_sent("multipart", photo, mask))
    mb = 1e6
    return [Figure(
        "upload_bytes_file_ids", files / mb, "MB", one_upload / mb, "one upload of the photo and mask",
        target="ratio <= 1.3", passed=files <= 1.3 * one_upload,
        notes=f"{ITERATIONS} edits of a {WIDTH}×{HEIGHT} JPEG ({len(photo.data) / mb:.1f} MB) with its mask; "
              f"multipart sends {multipart / mb:.1f} MB ({multipart / one_upload:.2f}× one upload)")]
