"""load_image against a corpus of awkward files generated on the fly (nothing big is committed)."""

from __future__ import annotations

import io
import os
import struct
import warnings
import zlib
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image, ImageCms

from editor.imaging.load import MAX_SETTABLE_PIXELS, ImageLoadError, LoadedImage, load_image

RED = (255, 0, 0)


def noise_rgb(width: int, height: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (height, width, 3), dtype=np.uint8)


def save(image: Image.Image, path: Path, image_format: str | None = None, **options) -> Path:
    image.save(path, image_format, **options)
    return path


def srgb_profile_bytes() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def red_green_swapped_profile() -> bytes:
    """A real RGB matrix profile that is not sRGB: sRGB with its red and green colorants swapped.

    Its description still says "sRGB", so it also proves the sRGB check reads the primaries.
    """
    profile = bytearray(srgb_profile_bytes())
    (count,) = struct.unpack_from(">I", profile, 128)
    entries = {}
    for index in range(count):
        signature, offset, size = struct.unpack_from(">4sII", profile, 132 + 12 * index)
        entries[signature] = (index, offset, size)
    red, green = entries[b"rXYZ"], entries[b"gXYZ"]
    struct.pack_into(">4sII", profile, 132 + 12 * red[0], b"rXYZ", green[1], green[2])
    struct.pack_into(">4sII", profile, 132 + 12 * green[0], b"gXYZ", red[1], red[2])
    return bytes(profile)


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header announces a huge grey image but carries almost no pixel data."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64))
            + chunk(b"IEND", b""))


def pixels(loaded: LoadedImage) -> np.ndarray:
    return np.asarray(loaded.image)


# --- The common case: nothing to do ---------------------------------------------------------------


def test_plain_rgb_png_loads_untouched(tmp_path: Path) -> None:
    source = noise_rgb(64, 48)
    path = save(Image.fromarray(source), tmp_path / "photo.png")

    loaded = load_image(path)

    assert loaded.image.mode == "RGB"
    assert (loaded.width, loaded.height) == (64, 48)
    assert loaded.path == path and loaded.name == "photo.png"
    assert loaded.source_format == "PNG" and loaded.original_mode == "RGB"
    assert not loaded.has_alpha
    assert not (loaded.oriented or loaded.icc_converted or loaded.mode_converted or loaded.changed_on_load)
    np.testing.assert_array_equal(pixels(loaded), source)


def test_rgba_png_keeps_alpha(tmp_path: Path) -> None:
    rgba = np.dstack([noise_rgb(10, 10), np.tile(np.arange(10, dtype=np.uint8) * 25, (10, 1))])
    loaded = load_image(save(Image.fromarray(rgba), tmp_path / "cut-out.png"))
    assert loaded.image.mode == "RGBA" and loaded.has_alpha and not loaded.changed_on_load
    np.testing.assert_array_equal(pixels(loaded), rgba)


def test_bytes_source_uses_the_given_name() -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (3, 2), RED).save(buffer, "PNG")
    loaded = load_image(buffer.getvalue(), name="upload.png")
    assert loaded.path is None and loaded.name == "upload.png" and loaded.image.size == (3, 2)


@pytest.mark.parametrize("size", [(1, 1), (20000, 10), (10, 20000)])
def test_extreme_shapes(tmp_path: Path, size: tuple[int, int]) -> None:
    loaded = load_image(save(Image.new("RGB", size, RED), tmp_path / "thin.png"))
    assert (loaded.width, loaded.height) == size
    assert loaded.image.getpixel((size[0] - 1, size[1] - 1)) == RED


@pytest.mark.parametrize(("image_format", "suffix", "options"), [
    ("BMP", "bmp", {}),
    ("WEBP", "webp", {"lossless": True}),
    ("TIFF", "tif", {}),
])
def test_other_formats_decode_exactly(tmp_path: Path, image_format: str, suffix: str, options) -> None:
    source = noise_rgb(33, 17, seed=3)
    loaded = load_image(save(Image.fromarray(source), tmp_path / f"photo.{suffix}", image_format, **options))
    assert loaded.source_format == image_format and loaded.image.mode == "RGB"
    np.testing.assert_array_equal(pixels(loaded), source)


def test_gif_opens_its_first_frame(tmp_path: Path) -> None:
    frames = [Image.new("RGB", (8, 8), colour) for colour in (RED, (0, 0, 255), (0, 255, 0))]
    path = tmp_path / "anim.gif"
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=100, loop=0)

    loaded = load_image(path)

    assert loaded.source_format == "GIF" and loaded.image.mode == "RGB" and loaded.mode_converted
    assert loaded.image.getpixel((4, 4)) == RED


# --- Modes ----------------------------------------------------------------------------------------


def test_cmyk_jpeg_opens_as_rgb_with_its_colour(tmp_path: Path) -> None:
    path = save(Image.new("CMYK", (16, 16), (0, 255, 255, 0)), tmp_path / "print.jpg", quality=95)
    loaded = load_image(path)
    assert loaded.original_mode == "CMYK" and loaded.image.mode == "RGB" and loaded.mode_converted
    red, green, blue = loaded.image.getpixel((8, 8))
    assert red > 230 and green < 30 and blue < 30


def test_cmyk_grey_is_not_inverted(tmp_path: Path) -> None:
    # 0 % ink is white and full black ink is black, whatever way the JPEG stores it.
    image = Image.new("CMYK", (16, 8), (0, 0, 0, 0))
    image.paste((0, 0, 0, 255), (8, 0, 16, 8))
    loaded = load_image(save(image, tmp_path / "print.jpg", quality=95))
    assert min(loaded.image.getpixel((2, 4))) > 240
    assert max(loaded.image.getpixel((13, 4))) < 15


def test_16_bit_grey_png_is_scaled_not_clipped(tmp_path: Path) -> None:
    gradient = np.tile(np.linspace(0, 65535, 256).round().astype(np.uint16), (4, 1))
    path = tmp_path / "scan.png"
    assert cv2.imwrite(str(path), gradient)

    loaded = load_image(path)

    assert loaded.original_mode.startswith("I;16") and loaded.image.mode == "RGB" and loaded.mode_converted
    row = pixels(loaded)[0, :, 0].astype(int)
    assert row[0] == 0 and row[-1] == 255
    assert np.all(np.diff(row) >= 0) and len(np.unique(row)) > 250  # a ramp, not black and white
    assert abs(row[128] - 128) <= 1
    assert np.all(pixels(loaded)[..., 0] == pixels(loaded)[..., 2])


def test_16_bit_rgb_tiff_keeps_colours_and_midtones(tmp_path: Path) -> None:
    bgr = np.zeros((8, 8, 3), np.uint16)
    bgr[:, :4] = (0, 0, 65535)  # OpenCV writes BGR: this is pure red
    bgr[:, 4:] = (32768, 32768, 32768)
    path = tmp_path / "scan.tif"
    assert cv2.imwrite(str(path), bgr)

    loaded = load_image(path)

    assert loaded.source_format == "TIFF" and loaded.image.mode == "RGB"
    assert loaded.image.getpixel((1, 1)) == RED
    assert all(abs(value - 128) <= 1 for value in loaded.image.getpixel((6, 6)))


def test_16_bit_grey_tiff(tmp_path: Path) -> None:
    path = tmp_path / "grey.tif"
    assert cv2.imwrite(str(path), np.full((4, 4), 65535 // 4, np.uint16))
    loaded = load_image(path)
    assert loaded.image.mode == "RGB" and abs(loaded.image.getpixel((0, 0))[0] - 64) <= 1


@pytest.mark.parametrize(("mode", "values", "expected"), [
    ("F", [0.0, 0.5, 1.0], [0, 128, 255]),
    ("F", [-2.0, 0.0, 2.0], [0, 128, 255]),
    ("I", [0, 32896, 65535], [0, 128, 255]),
    ("I", [-1000, 0, 1000], [0, 128, 255]),
])
def test_high_depth_modes_map_to_8_bit(tmp_path: Path, mode: str, values, expected) -> None:
    dtype = np.float32 if mode == "F" else np.int32
    image = Image.fromarray(np.array([values], dtype=dtype))
    assert image.mode == mode
    loaded = load_image(save(image, tmp_path / "data.tif"))
    assert list(pixels(loaded)[0, :, 0]) == expected


def test_palette_with_transparency_becomes_rgba(tmp_path: Path) -> None:
    image = Image.new("P", (4, 4), 1)
    image.putpalette([0, 0, 0, 255, 0, 0] + [0] * 762)
    image.putpixel((0, 0), 0)
    path = save(image, tmp_path / "icon.png", transparency=0)

    loaded = load_image(path)

    assert loaded.original_mode == "P" and loaded.image.mode == "RGBA" and loaded.has_alpha
    assert loaded.image.getpixel((0, 0))[3] == 0
    assert loaded.image.getpixel((2, 2)) == (255, 0, 0, 255)


def test_palette_without_transparency_becomes_rgb(tmp_path: Path) -> None:
    loaded = load_image(save(Image.new("RGB", (4, 4), RED).convert("P"), tmp_path / "flat.png"))
    assert loaded.image.mode == "RGB" and loaded.image.getpixel((1, 1)) == RED


def test_rgb_with_colour_key_becomes_rgba(tmp_path: Path) -> None:
    image = Image.new("RGB", (4, 4), RED)
    image.putpixel((0, 0), (0, 255, 0))
    loaded = load_image(save(image, tmp_path / "key.png", transparency=(0, 255, 0)))
    assert loaded.image.mode == "RGBA"
    assert loaded.image.getpixel((0, 0))[3] == 0 and loaded.image.getpixel((1, 1)) == (255, 0, 0, 255)


def test_grey_and_grey_alpha(tmp_path: Path) -> None:
    grey = load_image(save(Image.new("L", (4, 4), 77), tmp_path / "grey.png"))
    assert grey.image.mode == "RGB" and grey.image.getpixel((0, 0)) == (77, 77, 77) and grey.mode_converted
    grey_alpha = load_image(save(Image.new("LA", (4, 4), (77, 9)), tmp_path / "ga.png"))
    assert grey_alpha.image.mode == "RGBA" and grey_alpha.image.getpixel((0, 0)) == (77, 77, 77, 9)


def test_bilevel_tiff(tmp_path: Path) -> None:
    image = Image.new("1", (8, 8), 0)
    image.putpixel((3, 3), 1)
    loaded = load_image(save(image, tmp_path / "fax.tif"))
    assert loaded.image.getpixel((3, 3)) == (255, 255, 255) and loaded.image.getpixel((0, 0)) == (0, 0, 0)


# --- Orientation ----------------------------------------------------------------------------------


def oriented_jpeg(path: Path, orientation: int) -> Path:
    image = Image.new("RGB", (40, 20), (0, 0, 255))
    image.paste(RED, (0, 0, 8, 8))  # the top-left corner of the stored pixels
    exif = Image.Exif()
    exif[0x0112] = orientation
    return save(image, path, quality=95, exif=exif)


def test_exif_orientation_6_turns_the_photo_upright(tmp_path: Path) -> None:
    loaded = load_image(oriented_jpeg(tmp_path / "phone.jpg", 6))

    assert loaded.oriented and loaded.changed_on_load
    assert (loaded.width, loaded.height) == (20, 40) == loaded.image.size
    # Orientation 6 means "rotate 90° clockwise to view": stored top-left lands top-right.
    red, _, blue = loaded.image.getpixel((16, 3))
    assert red > 200 and blue < 60
    assert loaded.image.getpixel((3, 3))[2] > 200


def test_orientation_1_changes_nothing(tmp_path: Path) -> None:
    loaded = load_image(oriented_jpeg(tmp_path / "upright.jpg", 1))
    assert not loaded.oriented and not loaded.changed_on_load and loaded.image.size == (40, 20)


# --- Colour profiles -----------------------------------------------------------------------------


def test_srgb_profile_is_left_alone(tmp_path: Path) -> None:
    source = noise_rgb(16, 16)
    path = save(Image.fromarray(source), tmp_path / "srgb.png", icc_profile=srgb_profile_bytes())
    loaded = load_image(path)
    assert not loaded.icc_converted and not loaded.changed_on_load
    np.testing.assert_array_equal(pixels(loaded), source)


@pytest.mark.parametrize("mode", ["RGB", "RGBA"])
def test_non_srgb_profile_is_converted_to_srgb(tmp_path: Path, mode: str) -> None:
    colour = (*RED, 128)[: len(mode)]
    image = Image.new(mode, (8, 8), colour)
    path = save(image, tmp_path / "wide.png", icc_profile=red_green_swapped_profile())

    loaded = load_image(path)

    assert loaded.icc_converted and loaded.changed_on_load and loaded.image.mode == mode
    converted = loaded.image.getpixel((4, 4))
    assert converted[1] > 230 and converted[0] < 30 and converted[2] < 30  # its "red" is sRGB green
    if mode == "RGBA":
        assert converted[3] == 128


def test_broken_profile_is_ignored(tmp_path: Path) -> None:
    path = save(Image.new("RGB", (4, 4), RED), tmp_path / "odd.png", icc_profile=b"not a profile at all")
    loaded = load_image(path)
    assert not loaded.icc_converted and loaded.image.getpixel((0, 0)) == RED


# --- Refusals ------------------------------------------------------------------------------------


def message_of(source, **options) -> str:
    with pytest.raises(ImageLoadError) as caught:
        load_image(source, **options)
    assert str(caught.value) == caught.value.message
    return caught.value.message


@pytest.mark.parametrize("image_format", ["PNG", "JPEG"])
def test_truncated_files_are_refused_not_half_loaded(tmp_path: Path, image_format: str) -> None:
    buffer = io.BytesIO()
    Image.fromarray(noise_rgb(256, 256)).save(buffer, image_format)
    path = tmp_path / f"cut.{image_format.lower()}"
    path.write_bytes(buffer.getvalue()[: len(buffer.getvalue()) // 2])
    message = message_of(path)
    assert message.startswith(f"cut.{image_format.lower()} is damaged or incomplete")


def test_empty_file(tmp_path: Path) -> None:
    (tmp_path / "empty.png").write_bytes(b"")
    assert message_of(tmp_path / "empty.png") == "empty.png is empty (0 bytes); there is no picture in it."
    assert "empty" in message_of(b"")


def test_text_named_png(tmp_path: Path) -> None:
    (tmp_path / "notes.png").write_text("shopping list: eggs, milk")
    assert message_of(tmp_path / "notes.png").startswith("notes.png is not an image Maskedit can open")


def test_postscript_is_not_handed_to_ghostscript(tmp_path: Path) -> None:
    (tmp_path / "evil.png").write_bytes(b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\n")
    assert "not an image Maskedit can open" in message_of(tmp_path / "evil.png")


def test_missing_file_and_folder(tmp_path: Path) -> None:
    assert message_of(tmp_path / "gone.jpg").startswith("gone.jpg was not found")
    (tmp_path / "album").mkdir()
    assert message_of(tmp_path / "album") == "album is a folder, not an image file."


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="needs POSIX permissions, not root")
def test_unreadable_file(tmp_path: Path) -> None:
    path = save(Image.new("RGB", (2, 2)), tmp_path / "secret.png")
    path.chmod(0)
    try:
        assert "not allowed to read secret.png" in message_of(path)
    finally:
        path.chmod(0o600)


def test_pixel_limit_is_checked_from_the_header_with_a_clear_message(tmp_path: Path) -> None:
    path = save(Image.new("RGB", (200, 100)), tmp_path / "photo.tif")
    assert message_of(path, max_pixels=10_000) == (
        "photo.tif is 200 × 100 px (0.02 MP); the limit is 0.01 MP. "
        "Raise it in Settings or downscale the photo first."
    )


@pytest.mark.parametrize(("size", "limit", "expected"), [
    ((20000, 15000), 250_000_000, "is 20000 × 15000 px (300 MP); the limit is 250 MP."),
    ((12000, 10000), 100_000_000, "is 12000 × 10000 px (120 MP); the limit is 100 MP."),
])
def test_bomb_sized_headers_never_reach_pillows_own_check(size, limit, expected) -> None:
    before = Image.MAX_IMAGE_PIXELS
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any DecompressionBombWarning fails the test
        message = message_of(png_header_only(*size), max_pixels=limit, name="huge.png")
    assert message.startswith(f"huge.png {expected}")
    assert before == Image.MAX_IMAGE_PIXELS  # restored


def test_within_our_limit_but_over_pillows_default_level_is_never_a_bomb_and_nothing_is_lifted() -> None:
    # 120 MP: over Pillow's default guard (89 MP) and under ours. The guard is one fixed ceiling,
    # set once: loading never switches it off for the rest of the process.
    before = Image.MAX_IMAGE_PIXELS
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no DecompressionBombWarning
        message = message_of(png_header_only(12000, 10000), max_pixels=250_000_000, name="big.png")
    assert "damaged or incomplete" in message  # it got past every size check to the decode
    assert Image.MAX_IMAGE_PIXELS == before == MAX_SETTABLE_PIXELS


def test_permission_denied_is_explained(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The skip above hits when tests run as root, which ignores file modes: refuse the open instead.
    from editor.imaging import load as load_module

    path = save(Image.new("RGB", (2, 2)), tmp_path / "locked.png")

    def refuse(*_args, **_kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(load_module, "open_file", refuse)
    assert message_of(path) == "Maskedit is not allowed to read locked.png; check the file's permissions."


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_pipe_or_a_device_is_refused_by_its_type_without_waiting(tmp_path):
    pipe = tmp_path / "photo.png"
    os.mkfifo(pipe)  # opening it would wait for a writer that never comes
    with pytest.raises(ImageLoadError, match="is a pipe, not an image file"):
        load_image(pipe)
    if Path("/dev/zero").exists():
        with pytest.raises(ImageLoadError, match="is a device"):
            load_image(Path("/dev/zero"))


def _jpeg(width: int, height: int) -> bytes:
    rng = np.random.default_rng(3)
    pixels = rng.integers(0, 255, (height, width, 3), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def test_a_big_jpeg_wanted_smaller_decodes_at_a_reduced_scale_never_below_the_size_asked():
    loaded = load_image(_jpeg(4000, 2400), long_side=900)
    assert (loaded.width, loaded.height) == (1000, 600)  # 1/4: the smallest scale still ≥ 900 long
    assert loaded.reduced and loaded.changed_on_load  # never passed through as the file's bytes
    whole = load_image(_jpeg(4000, 2400), long_side=4000)
    assert (whole.width, whole.height) == (4000, 2400) and not whole.reduced
