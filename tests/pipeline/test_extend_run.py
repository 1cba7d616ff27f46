"""ExtendRun: each step sent as planned, the answers placed back, the photo bit-identical outside
the band, the result saved; against a double, the loopback fake server and the offline backend."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from editor.backends import create_backend
from editor.backends.base import EditResult, ResultImage
from editor.backends.providers import PROFILES, ApiKey
from editor.imaging.extend import Extension, extended_canvas, extension_mask
from editor.pipeline.events import VariantReady
from editor.pipeline.extend_run import ExtendRun
from editor.pipeline.options import EditOptions
from editor.pipeline.snapshot import EditSnapshot
from tests.imaging.seam_metrics import coffee

GREEN = (20, 180, 40)
BAND = 32


def png(pixels: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "PNG")
    return buffer.getvalue()


class PaintingBackend:
    """Answers at the requested size with the sent image, its masked area painted green; records
    each request's size and the sent image."""

    name, description, base_url = "custom", "a painting double", "https://paint.example/v1"

    def __init__(self) -> None:
        self.sizes: list[str] = []
        self.sent: list[np.ndarray] = []

    async def edit(self, request, on_progress=None):
        self.sizes.append(request.size)
        with Image.open(io.BytesIO(request.images[0].data)) as sent:
            picture = np.array(sent.convert("RGB"))
        with Image.open(io.BytesIO(request.mask.data)) as mask:
            edited = np.array(mask.getchannel("A")) == 0
        self.sent.append(picture)
        picture[edited] = GREEN
        images = tuple(ResultImage(png(picture), "image/png", picture.shape[1], picture.shape[0])
                       for _ in range(request.n or 1))
        return EditResult(images=images)

    async def aclose(self) -> None:
        pass


def snapshot(photo: np.ndarray, extension: Extension, options: EditOptions) -> EditSnapshot:
    height, width = photo.shape[:2]
    canvas = extended_canvas(photo, extension)
    coverage = extension_mask((width, height), extension, BAND)
    return EditSnapshot.take(canvas, coverage, prompt="more table", options=options, photo_name="coffee.png")


def photo_pixels(width: int, height: int) -> np.ndarray:
    """Gradients with a little noise: quick to encode, and no two rows alike."""
    y, x = np.mgrid[0:height, 0:width]
    noise = np.random.default_rng(5).integers(0, 12, (height, width, 3))
    return (np.dstack((x * 200 // width, y * 200 // height, (x + y) % 160)) + noise).astype(np.uint8)


def check_placed(placed: np.ndarray, photo: np.ndarray, extension: Extension) -> None:
    height, width = photo.shape[:2]
    x, y = extension.left, extension.top
    kept = extension_mask((width, height), extension, BAND)[y:y + height, x:x + width] == 0
    assert np.array_equal(placed[y:y + height, x:x + width][kept], photo[kept])


async def test_a_small_canvas_is_sent_whole_and_finished(tmp_path):
    photo = coffee()
    extension = Extension(100, 0, 100, 0)
    backend = PaintingBackend()
    events = []
    run = ExtendRun(snapshot(photo, extension, EditOptions(provider="custom", model="gpt-image-1", n=2)),
                    tmp_path, extension=extension, band_px=BAND, on_event=events.append)
    outcome = await run.run(backend)
    assert outcome.status == "completed", outcome.message
    assert backend.sizes == ["1536x1024"]
    ready = [event for event in events if isinstance(event, VariantReady)]
    assert len(ready) == 2 and all(event.path.exists() for event in ready)
    placed = ready[0].pixels
    assert placed.shape == (400, 800, 4) and (placed[..., 3] == 255).all()
    placed = placed[..., :3]
    check_placed(placed, photo, extension)
    margin = placed[:, :100].reshape(-1, 3).astype(int)
    assert np.abs(margin - GREEN).max() <= 2  # scaled back with Lanczos: still the answer's colour
    assert set(outcome.files) == {event.path for event in ready} and outcome.sidecar.exists()
    assert len(list((tmp_path / "extension-steps").glob("*-[0-9].png"))) == 2  # the answers, kept


async def test_a_wide_margin_goes_in_strips_each_conditioned_on_the_one_before(tmp_path):
    photo = photo_pixels(1200, 2000)
    extension = Extension(0, 0, 400, 0)
    backend = PaintingBackend()
    run = ExtendRun(snapshot(photo, extension, EditOptions(provider="custom", model="gpt-image-1", n=1)),
                    tmp_path, extension=extension, band_px=BAND)
    outcome = await run.run(backend)
    assert outcome.status == "completed", outcome.message
    assert backend.sizes == ["1024x1536"] * 2
    # The second strip sees what the first drew (green) where they overlap, unmasked there.
    second = backend.sent[1]
    first_crop, second_crop = (step.crop for step in run.plan().steps[:2])
    overlap_rows = first_crop[1] + first_crop[3] - second_crop[1]
    drawn = second[:overlap_rows - 2 * BAND, -100:]
    assert np.abs(drawn.reshape(-1, 3).astype(int) - GREEN).max() <= 3
    placed = np.asarray(Image.open(outcome.files[-1]).convert("RGB"))
    assert placed.shape == (2000, 1600, 3)
    check_placed(placed, photo, extension)


async def test_the_fake_server_takes_every_request(tmp_path, edit_server, fake_api_key):
    photo = photo_pixels(1800, 1400)
    extension = Extension(0, 300, 0, 0)
    for model in ("gpt-image-1", "gpt-image-2"):
        backend = create_backend(PROFILES["custom"], api_key=ApiKey(fake_api_key),
                                 base_url=edit_server.base_url, model=model)
        run = ExtendRun(snapshot(photo, extension, EditOptions(provider="custom", model=model)),
                        tmp_path / model, extension=extension, band_px=BAND)
        try:
            outcome = await run.run(backend)
        finally:
            await backend.aclose()
        assert outcome.status == "completed", outcome.message
        placed = np.asarray(Image.open(outcome.files[-1]).convert("RGB"))
        check_placed(placed, photo, extension)
    assert len(edit_server.edit_requests) >= 2


@pytest.mark.parametrize("channels", [3, 4])
async def test_offline_extends_without_a_key(tmp_path, channels):
    photo = coffee()
    if channels == 4:
        photo = np.dstack((photo, np.full(photo.shape[:2], 255, np.uint8)))
    extension = Extension(0, 0, 160, 0)
    backend = create_backend(PROFILES["local"])
    run = ExtendRun(snapshot(photo, extension, EditOptions(provider="local", model="auto")), tmp_path,
                    extension=extension, band_px=BAND)
    outcome = await run.run(backend)
    assert outcome.status == "completed", outcome.message
    placed = np.asarray(Image.open(outcome.files[-1]))
    assert placed.shape[:2] == (400, 760)
    check_placed(placed[..., :3], photo[..., :3], extension)
    margin = placed[:, 600:, :3].astype(float)
    assert margin.std() > 10  # texture, not a flat or black stripe
    assert margin.mean() > 40
