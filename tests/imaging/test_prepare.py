"""encode_for_api: the file's own bytes when possible, a lossless PNG otherwise, JPEG as a last resort."""

from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from editor.imaging import prepare
from editor.imaging.load import ImageLoadError, load_image
from editor.imaging.prepare import EncodedImage, ImageTooLarge, encode_array_png, encode_for_api, png_bytes


def noise(width: int, height: int, channels: int = 3, seed: int = 1) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (height, width, channels), dtype=np.uint8)


def encoded(image: Image.Image, image_format: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, image_format, **options)
    return buffer.getvalue()


def decode(result: EncodedImage) -> Image.Image:
    image = Image.open(io.BytesIO(result.data))
    image.load()
    return image


@pytest.mark.parametrize(("image_format", "content_type", "options"), [
    ("PNG", "image/png", {}),
    ("JPEG", "image/jpeg", {"quality": 80}),
    ("WEBP", "image/webp", {"quality": 80}),
])
def test_untouched_api_formats_pass_through_byte_for_byte(image_format, content_type, options) -> None:
    source = encoded(Image.fromarray(noise(40, 30)), image_format, **options)
    loaded = load_image(source, name="photo")

    result = encode_for_api(loaded, source)

    assert result.data == source
    assert (result.content_type, result.width, result.height) == (content_type, 40, 30)


def test_without_source_bytes_a_lossless_png_is_made() -> None:
    pixels = noise(40, 30, channels=4)
    loaded = load_image(encoded(Image.fromarray(pixels), "PNG"))

    result = encode_for_api(loaded)

    assert result.content_type == "image/png" and (result.width, result.height) == (40, 30)
    image = decode(result)
    assert image.mode == "RGBA"
    np.testing.assert_array_equal(np.asarray(image), pixels)


@pytest.mark.parametrize("image_format", ["TIFF", "BMP", "GIF"])
def test_formats_the_api_refuses_become_png(tmp_path: Path, image_format: str) -> None:
    image = Image.fromarray(noise(24, 16))
    if image_format == "GIF":
        image = image.convert("P")
    path = tmp_path / f"photo.{image_format.lower()}"
    image.save(path, image_format)
    loaded = load_image(path)

    result = encode_for_api(loaded, path.read_bytes())

    assert result.content_type == "image/png" and (result.width, result.height) == (24, 16)
    np.testing.assert_array_equal(np.asarray(decode(result)), np.asarray(loaded.image))


def test_cmyk_jpeg_becomes_rgb_png(tmp_path: Path) -> None:
    path = tmp_path / "print.jpg"
    Image.new("CMYK", (20, 10), (0, 255, 255, 0)).save(path, quality=95)
    result = encode_for_api(load_image(path), path.read_bytes())
    image = decode(result)
    assert result.content_type == "image/png" and image.mode == "RGB" and image.size == (20, 10)
    assert image.getpixel((5, 5))[0] > 230


def test_rotated_jpeg_is_sent_upright(tmp_path: Path) -> None:
    exif = Image.Exif()
    exif[0x0112] = 6
    path = tmp_path / "phone.jpg"
    Image.fromarray(noise(40, 20)).save(path, quality=90, exif=exif)
    loaded = load_image(path)

    result = encode_for_api(loaded, path.read_bytes())

    assert result.content_type == "image/png" and (result.width, result.height) == (20, 40)
    assert decode(result).size == (20, 40)


def test_source_over_the_limit_is_not_passed_through() -> None:
    source = encoded(Image.fromarray(noise(64, 64)), "JPEG", quality=95)
    loaded = load_image(source)
    result = encode_for_api(loaded, source, max_bytes=len(source) - 1)
    assert result.data != source and len(result.data) <= len(source) - 1


def test_bytes_that_are_not_what_the_loader_saw_are_not_passed_on() -> None:
    loaded = load_image(encoded(Image.fromarray(noise(10, 10)), "PNG"))
    result = encode_for_api(loaded, b"GIF89a pretending")
    assert result.content_type == "image/png" and result.data.startswith(b"\x89PNG")


def test_too_large_png_without_alpha_falls_back_to_jpeg() -> None:
    loaded = load_image(encoded(Image.fromarray(noise(128, 128)), "PNG"))
    png_size = len(encode_for_api(loaded).data)

    result = encode_for_api(loaded, max_bytes=png_size - 1)

    assert result.content_type == "image/jpeg" and len(result.data) < png_size
    assert decode(result).size == (128, 128)


def test_too_large_even_as_jpeg_is_refused_with_a_message() -> None:
    loaded = load_image(encoded(Image.fromarray(noise(128, 128)), "PNG"), name="huge.png")
    with pytest.raises(ImageTooLarge) as caught:
        encode_for_api(loaded, max_bytes=1000)
    assert isinstance(caught.value, ImageLoadError)
    assert caught.value.message.startswith("huge.png is too large to upload: even as a JPEG")


def test_too_large_with_alpha_is_refused_rather_than_losing_transparency() -> None:
    loaded = load_image(encoded(Image.fromarray(noise(64, 64, channels=4)), "PNG"), name="cut-out.png")
    with pytest.raises(ImageTooLarge, match="keep its transparency"):
        encode_for_api(loaded, max_bytes=1000)


@pytest.mark.parametrize("channels", [3, 4])
def test_encode_array_png_round_trip(channels: int) -> None:
    pixels = noise(31, 17, channels=channels)
    with Image.open(io.BytesIO(encode_array_png(pixels))) as image:
        assert image.mode == ("RGB" if channels == 3 else "RGBA")
        np.testing.assert_array_equal(np.asarray(image), pixels)


def test_encode_array_png_refuses_other_shapes() -> None:
    with pytest.raises(ValueError, match="uint8"):
        encode_array_png(np.zeros((4, 4), np.uint8))
    with pytest.raises(ValueError, match="uint8"):
        encode_array_png(np.zeros((4, 4, 3), np.uint16))


def test_bytes_in_pieces_are_the_arrays_bytes_whatever_its_size_and_layout():
    import numpy as np

    from editor.imaging.prepare import _PIECE, bytes_in_pieces

    data = np.random.default_rng(5).integers(0, 255, 3 * _PIECE + 17, dtype=np.uint8)
    assert bytes_in_pieces(data) == data.tobytes()
    strided = data[: 2 * _PIECE].reshape(-1, 2)[:, 0]  # not contiguous
    assert bytes_in_pieces(strided) == strided.tobytes()
    assert bytes_in_pieces(np.zeros(0, np.uint8)) == b""


def _leftovers() -> set[str]:
    import glob

    return set(glob.glob(os.path.join(prepare._MEMORY_FOLDER, "maskedit-*")))


@pytest.mark.parametrize("shape", [(90, 120, 3), (90, 120, 4), (90, 120)], ids=["bgr", "bgra", "grey"])
def test_png_bytes_are_opencvs_own_png_and_leave_no_file(shape) -> None:
    """Written through a file in memory, the PNG is byte for byte the one imencode makes."""
    import cv2

    pixels = np.random.default_rng(3).integers(0, 256, shape, dtype=np.uint8)
    params = [cv2.IMWRITE_PNG_COMPRESSION, 1, cv2.IMWRITE_PNG_STRATEGY, cv2.IMWRITE_PNG_STRATEGY_RLE]
    before = _leftovers()
    assert png_bytes(pixels, params) == cv2.imencode(".png", pixels, params)[1].tobytes()
    assert _leftovers() == before


@pytest.mark.parametrize("failure", ["no-folder", "imwrite-false", "imwrite-raises"])
def test_png_bytes_encode_in_memory_when_the_file_cannot_be_written(monkeypatch, tmp_path, failure) -> None:
    import cv2

    pixels = np.random.default_rng(4).integers(0, 256, (40, 50, 3), dtype=np.uint8)
    params = [cv2.IMWRITE_PNG_COMPRESSION, 1]
    if failure == "no-folder":
        monkeypatch.setattr(prepare, "_MEMORY_FOLDER", str(tmp_path / "absent"))
    else:
        monkeypatch.setattr(prepare, "_MEMORY_FOLDER", str(tmp_path))

        def imwrite(*_args):
            if failure == "imwrite-raises":
                raise cv2.error("No space left on device")
            return False

        monkeypatch.setattr(cv2, "imwrite", imwrite)
    assert png_bytes(pixels, params) == cv2.imencode(".png", pixels, params)[1].tobytes()
    assert list(tmp_path.iterdir()) == []  # nothing left where the file was to be


def test_encoding_files_of_processes_that_no_longer_run_are_removed(monkeypatch, tmp_path) -> None:
    import subprocess
    import sys

    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True)
    dead = int(gone.stdout)  # a process that ran and ended: its id names no running process now
    monkeypatch.setattr(prepare, "_MEMORY_FOLDER", str(tmp_path))
    left = tmp_path / f"maskedit-{dead}-abc123.png"
    ours = tmp_path / f"maskedit-{os.getpid()}-def456.png"
    other = tmp_path / "maskedit-notes.png"  # not named like an encoding file: not touched
    for path in (left, ours, other):
        path.write_bytes(b"png")
    assert prepare.remove_stale_memory_files() == 1
    assert not left.exists() and ours.exists() and other.exists()
