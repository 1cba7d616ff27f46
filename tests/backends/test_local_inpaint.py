"""The offline backend: fills the mask, leaves every other pixel bit-identical, never blocks the loop."""

from __future__ import annotations

import asyncio
import io

import numpy as np
import pytest
from PIL import Image

from editor.backends import local_inpaint
from editor.backends.base import (
    EditBackend,
    EditRequest,
    ImagePart,
    InvalidImage,
    InvalidRequest,
    Progress,
)
from editor.backends.local_inpaint import LocalInpaintBackend
from editor.imaging.mask import coverage_to_api_png

WIDTH, HEIGHT = 160, 120
BLEMISH = (70, 50, 90, 70)  # x0, y0, x1, y1 of a red square on a grey-green textured photo


def photo_pixels(channels: int = 3) -> np.ndarray:
    rng = np.random.default_rng(7)
    pixels = np.empty((HEIGHT, WIDTH, channels), np.uint8)
    pixels[..., :3] = np.array([90, 120, 100]) + rng.integers(-12, 13, (HEIGHT, WIDTH, 3))
    x0, y0, x1, y1 = BLEMISH
    pixels[y0:y1, x0:x1, :3] = (250, 10, 10)
    if channels == 4:
        pixels[..., 3] = rng.integers(100, 256, (HEIGHT, WIDTH))
    return pixels


def blemish_coverage() -> np.ndarray:
    coverage = np.zeros((HEIGHT, WIDTH), np.uint8)
    x0, y0, x1, y1 = BLEMISH
    coverage[y0 - 3 : y1 + 3, x0 - 3 : x1 + 3] = 255
    return coverage


def png(pixels: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "PNG")
    return buffer.getvalue()


def make_request(
    pixels: np.ndarray, coverage: np.ndarray | None = None, *, image_data: bytes | None = None, **options
) -> EditRequest:
    height, width = pixels.shape[:2]
    data = png(pixels) if image_data is None else image_data
    image = ImagePart(data, "photo.png", "image/png", width, height)
    mask = None
    if coverage is not None:
        mask = ImagePart(coverage_to_api_png(coverage), "mask.png", "image/png", width, height)
    return EditRequest(images=(image,), prompt="remove the red square", mask=mask, **options)


def decoded(data: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(data)) as image:
        return np.asarray(image.convert("RGBA" if image.mode == "RGBA" else "RGB"))


def test_it_is_an_edit_backend() -> None:
    backend = LocalInpaintBackend()
    assert isinstance(backend, EditBackend)
    assert backend.name == "local"
    assert backend.description == (
        "Offline: fills what the mask covers from the rest of the photo. The prompt is ignored."
    )


@pytest.mark.parametrize("method", ["telea", "navier-stokes"])
async def test_masked_area_is_filled_and_the_rest_is_bit_identical(method: str) -> None:
    pixels, coverage = photo_pixels(), blemish_coverage()

    result = await LocalInpaintBackend(method=method).edit(make_request(pixels, coverage))

    (image,) = result.images
    assert (image.content_type, image.width, image.height) == ("image/png", WIDTH, HEIGHT)
    assert result.size == f"{WIDTH}x{HEIGHT}" and result.usage is None and result.elapsed_s > 0
    out = decoded(image.data)
    assert out.shape == pixels.shape
    keep = coverage == 0
    np.testing.assert_array_equal(out[keep], pixels[keep])
    x0, y0, x1, y1 = BLEMISH
    filled = out[y0:y1, x0:x1].astype(int)
    assert filled[..., 0].mean() < 140 and filled[..., 1].mean() > 80  # the red is gone


async def test_alpha_is_kept_outside_and_filled_inside() -> None:
    pixels, coverage = photo_pixels(channels=4), blemish_coverage()

    result = await LocalInpaintBackend().edit(make_request(pixels, coverage))

    out = decoded(result.images[0].data)
    assert out.shape == (HEIGHT, WIDTH, 4)
    keep = coverage == 0
    np.testing.assert_array_equal(out[keep], pixels[keep])
    assert out[60, 80, 3] >= 100


@pytest.mark.parametrize(("output_format", "content_type", "pillow_format"), [
    ("jpeg", "image/jpeg", "JPEG"),
    ("webp", "image/webp", "WEBP"),
])
async def test_output_format_is_honoured(output_format: str, content_type: str, pillow_format: str) -> None:
    request = make_request(
        photo_pixels(), blemish_coverage(), output_format=output_format, output_compression=80
    )

    result = await LocalInpaintBackend().edit(request)

    image = result.images[0]
    assert image.content_type == content_type and result.output_format == output_format
    with Image.open(io.BytesIO(image.data)) as opened:
        assert opened.format == pillow_format and opened.size == (WIDTH, HEIGHT)


async def test_one_result_whatever_n_asks_for() -> None:
    result = await LocalInpaintBackend().edit(make_request(photo_pixels(), blemish_coverage(), n=3))
    assert len(result.images) == 1


async def test_missing_mask_is_refused() -> None:
    with pytest.raises(InvalidRequest) as caught:
        await LocalInpaintBackend().edit(make_request(photo_pixels()))
    assert caught.value.message == "The offline backend removes what the mask covers; paint a mask first."


async def test_the_request_is_validated_first() -> None:
    request = make_request(photo_pixels(), blemish_coverage(), output_compression=50)  # png + compression
    with pytest.raises(InvalidRequest, match="Compression applies only"):
        await LocalInpaintBackend().edit(request)


async def test_broken_image_is_an_invalid_image() -> None:
    request = make_request(photo_pixels(), blemish_coverage(), image_data=b"\x89PNG\r\n\x1a\n broken")
    with pytest.raises(InvalidImage, match=r"photo\.png"):
        await LocalInpaintBackend().edit(request)


async def test_mask_of_another_size_than_the_real_image_is_refused() -> None:
    small = photo_pixels()[:100, :100]
    request = make_request(photo_pixels(), blemish_coverage(), image_data=png(small))
    with pytest.raises(InvalidRequest, match="must be the same size"):
        await LocalInpaintBackend().edit(request)


async def test_progress_reports_the_finished_image() -> None:
    seen: list[Progress] = []
    result = await LocalInpaintBackend().edit(make_request(photo_pixels(), blemish_coverage()), seen.append)
    assert [progress.kind for progress in seen] == ["image"]
    assert seen[0].image == result.images[0] and seen[0].index == 0


async def test_pixel_work_runs_off_the_event_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    threads: list[str] = []
    real_to_thread = asyncio.to_thread

    async def spy(function, /, *args, **kwargs):
        threads.append(function.__name__)
        return await real_to_thread(function, *args, **kwargs)

    monkeypatch.setattr(local_inpaint.asyncio, "to_thread", spy)
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0)

    task = asyncio.create_task(ticker())
    try:
        await LocalInpaintBackend().edit(make_request(photo_pixels(), blemish_coverage()))
    finally:
        task.cancel()
    assert threads == ["_render"] and ticks >= 1


async def test_only_the_area_around_the_mask_is_inpainted(monkeypatch: pytest.MonkeyPatch) -> None:
    import cv2

    shapes: list[tuple[int, ...]] = []
    real_inpaint = cv2.inpaint

    def spy(image, mask, radius, flags):
        shapes.append(image.shape)
        return real_inpaint(image, mask, radius, flags)

    monkeypatch.setattr(cv2, "inpaint", spy)
    big = np.full((1200, 1600, 3), 128, np.uint8)
    coverage = np.zeros((1200, 1600), np.uint8)
    coverage[600:610, 800:820] = 255

    await LocalInpaintBackend(method="telea", radius=4).edit(make_request(big, coverage))

    # The mask's box plus a margin of a few radii on each side, far from the full 1600×1200.
    ((height, width, channels),) = shapes
    assert channels == 3
    assert 10 + 2 * 3 * 4 <= height <= 200 and 20 + 2 * 3 * 4 <= width <= 200


async def test_aclose_is_harmless() -> None:
    backend = LocalInpaintBackend()
    await backend.aclose()
    await backend.aclose()


def test_bad_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="method"):
        LocalInpaintBackend(method="magic")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="radius"):
        LocalInpaintBackend(radius=0)
