"""Safe opening of photos: one decoded, upright, 8-bit sRGB image or a sentence saying why not.

Shared by the GUI and the CLI. Whatever the file holds (CMYK, 16-bit, palette, a camera's
rotation flag, a wide-gamut profile), callers get RGB or RGBA in sRGB, plus flags that say
whether the pixels still match the file so its original bytes can be uploaded untouched.
"""

from __future__ import annotations

import functools
import io
import logging
import math
import os
import struct
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from editor.disk import NotAFile, open_file

log = logging.getLogger(__name__)

DEFAULT_MAX_PIXELS = 250_000_000
# Restricting the formats keeps Pillow away from plugins that shell out (EPS runs Ghostscript)
# when a file merely claims to be a photo. JPEG also opens cameras' multi-picture JPEGs ("MPO").
SUPPORTED_FORMATS = ("PNG", "JPEG", "WEBP", "TIFF", "BMP", "GIF")
_FORMAT_NAMES = "PNG, JPEG, WebP, TIFF, BMP or GIF"
# Everything Pillow's decoders are known to raise on damaged input.
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError, struct.error, zlib.error)
_ORIENTATION_TAG = 0x0112
_HIGH_DEPTH_MODES = ("I;16", "I;16L", "I;16B", "I;16N", "I", "F")
_WORKING_MODES = ("RGB", "RGBA", "L", "LA", "CMYK")
# sRGB primaries adapted to D50, as every sRGB ICC profile stores them.
_SRGB_COLORANTS = ((0.4361, 0.2225, 0.0139), (0.3851, 0.7169, 0.0971), (0.1431, 0.0606, 0.7141))


class ImageLoadError(Exception):
    """A photo could not be opened; `message` is a sentence for a person that names the file."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True, eq=False)
class LoadedImage:
    """A decoded photo ready for painting and upload, and what was done to it on the way in.

    `image` is RGB or RGBA, 8 bits per channel, sRGB, upright. `oriented`, `icc_converted` and
    `mode_converted` say whether its pixels differ from a plain decode of the file; when none is
    set the file's own bytes can be sent as they are.
    """

    image: Image.Image = field(repr=False)
    path: Path | None
    name: str
    source_format: str | None
    original_mode: str
    width: int
    height: int
    has_alpha: bool
    oriented: bool = False
    icc_converted: bool = False
    mode_converted: bool = False
    reduced: bool = False  # decoded at a reduced scale (see load_image's `long_side`)

    @property
    def changed_on_load(self) -> bool:
        """True when the pixels no longer match the file (rotated, colour- or mode-converted,
        or decoded smaller)."""
        return self.oriented or self.icc_converted or self.mode_converted or self.reduced


def load_image(
    source: Path | str | bytes, *, max_pixels: int = DEFAULT_MAX_PIXELS, name: str | None = None,
    long_side: int | None = None,
) -> LoadedImage:
    """Open, fully decode and normalise a photo; raise `ImageLoadError` with a message otherwise.

    The pixel count is checked from the header before any decoding, against `max_pixels`
    (Pillow's own decompression-bomb limit is replaced by this one for the call). With
    `long_side`, an image that is only wanted that large may be decoded at a reduced scale (a
    JPEG at 1/2, 1/4 or 1/8, never below `long_side`): a quarter of the pixels to decode.
    """
    path = None if isinstance(source, bytes | bytearray | memoryview) else Path(source)
    label = name or (path.name if path is not None else "The image")
    with _open_stream(source, path, label) as stream:
        image, reduced = _decode(stream, label, max_pixels, long_side)
    original_mode, source_format = image.mode, image.format
    oriented = _make_upright(image, label)
    icc = image.info.get("icc_profile")
    image = _to_working_mode(image, label)
    image, icc_converted = _to_srgb(image, icc, label)
    image = _to_rgb(image)
    log.debug("Loaded %s: %s %s → %s %dx%d", label, source_format, original_mode, image.mode,
              *image.size)
    return LoadedImage(
        image=image,
        path=path,
        name=label,
        source_format=source_format,
        original_mode=original_mode,
        width=image.width,
        height=image.height,
        has_alpha=image.mode == "RGBA",
        oriented=oriented,
        icc_converted=icc_converted,
        mode_converted=image.mode != original_mode,
        reduced=reduced,
    )


# --- Reading and decoding ----------------------------------------------------------------------


@contextmanager
def _open_stream(source: Path | str | bytes, path: Path | None, label: str) -> Iterator[BinaryIO]:
    if path is None:
        if not source:
            raise ImageLoadError(f"{label} is empty (0 bytes); there is no picture in it.")
        yield io.BytesIO(source)  # type: ignore[arg-type]
        return
    folder = ImageLoadError(f"{label} is a folder, not an image file.")
    try:
        # Our own handle (not a path) keeps Pillow from memory-mapping the file behind our back;
        # open_file refuses a pipe or a device by its type instead of waiting on it.
        stream = open_file(path)
    except NotAFile as exc:
        if exc.kind == "a folder":
            raise folder from None
        raise ImageLoadError(f"{label} is {exc.kind}, not an image file.") from None
    except IsADirectoryError:
        raise folder from None
    except FileNotFoundError:
        raise ImageLoadError(f"{label} was not found; check that it still exists at {path}.") from None
    except PermissionError:
        raise ImageLoadError(
            f"Maskedit is not allowed to read {label}; check the file's permissions."
        ) from None
    except OSError as exc:
        raise ImageLoadError(f"{label} could not be read ({exc.strerror or exc}).") from None
    with stream:
        if os.fstat(stream.fileno()).st_size == 0:
            raise ImageLoadError(f"{label} is empty (0 bytes); there is no picture in it.")
        yield stream


def _decode(stream: BinaryIO, label: str, max_pixels: int, long_side: int | None) -> tuple[Image.Image, bool]:
    try:
        image = Image.open(stream, formats=SUPPORTED_FORMATS)
    except UnidentifiedImageError:
        raise ImageLoadError(
            f"{label} is not an image Maskedit can open; use a {_FORMAT_NAMES} file."
        ) from None
    except _DECODE_ERRORS as exc:
        raise _damaged(label, exc) from None
    _check_pixel_limit(image.size, max_pixels, label)
    full = image.size
    if long_side is not None and max(full) > long_side:
        scale = long_side / max(full)
        image.draft(None, (math.ceil(full[0] * scale), math.ceil(full[1] * scale)))
    try:
        image.load()  # decode everything now: a truncated file must fail here, not half-load
    except MemoryError:
        raise ImageLoadError(
            f"There is not enough memory to open {label}; close other photos or downscale it."
        ) from None
    except _DECODE_ERRORS as exc:
        raise _damaged(label, exc) from None
    return image, image.size != full


def _damaged(label: str, exc: BaseException) -> ImageLoadError:
    log.info("Decoding %s failed: %r", label, exc)
    return ImageLoadError(
        f"{label} is damaged or incomplete and could not be decoded ({exc}). "
        "Try exporting it again from the program that made it."
    )


def _check_pixel_limit(size: tuple[int, int], max_pixels: int, label: str) -> None:
    width, height = size
    if width * height > max_pixels:
        raise ImageLoadError(
            f"{label} is {width} × {height} px ({_megapixels(width * height)} MP); the limit is "
            f"{_megapixels(max_pixels)} MP. Raise it in Settings or downscale the photo first."
        )


def _megapixels(pixels: int) -> str:
    value = pixels / 1_000_000
    return f"{value:.0f}" if value >= 100 else f"{value:.3g}"


# Pillow's own decompression-bomb guard is process-wide. It is set once, never lifted: at the
# largest photo Settings allow, so that load_image's own, configurable limit (checked from the
# header, with a message for people) decides; every other reader checks its own limit too
# (results: backends.result_images, imaging.result_codec).
MAX_SETTABLE_PIXELS = 2_000_000_000
Image.MAX_IMAGE_PIXELS = MAX_SETTABLE_PIXELS


# --- Normalising to 8-bit sRGB ------------------------------------------------------------------


def _to_working_mode(image: Image.Image, label: str) -> Image.Image:
    """Bring any decoded mode to 8-bit L, LA, RGB, RGBA or CMYK (what the colour step takes)."""
    mode = image.mode
    if mode in ("RGB", "L") and "transparency" in image.info:
        return image.convert("RGBA")  # a tRNS colour key becomes real alpha
    if mode in _WORKING_MODES:
        return image
    if mode in _HIGH_DEPTH_MODES:
        return _high_depth_to_l(image)
    if mode == "LAB":
        return ImageCms.profileToProfile(image, ImageCms.createProfile("LAB"), _srgb(), outputMode="RGB")
    has_alpha = "A" in mode or "a" in mode or (mode == "P" and "transparency" in image.info)
    try:
        return image.convert("RGBA" if has_alpha else "RGB")
    except ValueError:
        raise ImageLoadError(f"{label} uses the {mode} colour mode, which Maskedit cannot show.") from None


def _high_depth_to_l(image: Image.Image) -> Image.Image:
    """16-bit, 32-bit and float greys to 8-bit by scaling, never by clipping to black or white."""
    import numpy as np  # only high-bit-depth photos need it; the CLI's common path skips it

    values = np.asarray(image)
    if image.mode.startswith("I;16"):
        scaled = (values.astype(np.uint32) + 128) // 257
    else:
        values = np.nan_to_num(values.astype(np.float64))
        low, high = float(values.min()), float(values.max())
        if image.mode == "F" and low >= 0 and high <= 1:
            scaled = np.rint(values * 255)
        elif image.mode == "I" and low >= 0 and high <= 65535:
            scaled = np.rint(values / 257)  # 16-bit data in Pillow's 32-bit container
        else:
            scaled = np.rint((values - low) * (255 / max(high - low, 1e-12)))
    return Image.fromarray(scaled.astype(np.uint8))


def _to_srgb(image: Image.Image, icc: bytes | None, label: str) -> tuple[Image.Image, bool]:
    """Convert through the embedded ICC profile unless it is absent or already sRGB."""
    if not icc or _is_srgb(icc):
        return image, False
    try:
        if image.mode == "LA":
            converted = _transform(icc, "L", "RGB").apply(image.getchannel("L"))
            converted.putalpha(image.getchannel("A"))
            return converted, True
        out_mode = "RGBA" if image.mode == "RGBA" else "RGB"
        return _transform(icc, image.mode, out_mode).apply(image), True
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError) as exc:
        # A broken or mismatched profile is common in the wild; the plain pixels still show.
        log.warning("Ignoring the colour profile of %s: %s", label, exc)
        return image, False


@functools.lru_cache(maxsize=16)
def _is_srgb(icc: bytes) -> bool:
    """True for an RGB profile named sRGB whose primaries are sRGB's (a name alone can lie)."""
    try:
        profile = ImageCms.ImageCmsProfile(io.BytesIO(icc)).profile
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return False
    if profile.xcolor_space.strip() != "RGB" or "srgb" not in (profile.profile_description or "").lower():
        return False
    colorants = (profile.red_colorant, profile.green_colorant, profile.blue_colorant)
    if any(colorant is None for colorant in colorants):
        return False
    return all(
        abs(got - want) < 0.003
        for (xyz, _xyy), reference in zip(colorants, _SRGB_COLORANTS, strict=True)
        for got, want in zip(xyz, reference, strict=True)
    )


@functools.lru_cache(maxsize=16)
def _transform(icc: bytes, in_mode: str, out_mode: str) -> ImageCms.ImageCmsTransform:
    # Building a transform costs milliseconds; a batch of photos from one camera shares one.
    # NOCACHE: LittleCMS's one-pixel cache is not safe when two threads share a transform.
    source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
    return ImageCms.buildTransform(
        source, _srgb(), in_mode, out_mode,
        renderingIntent=ImageCms.Intent.PERCEPTUAL, flags=ImageCms.Flags.NOCACHE,
    )


@functools.lru_cache(maxsize=1)
def _srgb() -> ImageCms.ImageCmsProfile:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


def _to_rgb(image: Image.Image) -> Image.Image:
    if image.mode in ("RGB", "RGBA"):
        return image
    # Pillow's decoder already undid Adobe's inverted CMYK, so the plain conversion is right.
    return image.convert("RGBA" if image.mode == "LA" else "RGB")


# --- Orientation ----------------------------------------------------------------------------------


def _make_upright(image: Image.Image, label: str) -> bool:
    """Turn the pixels upright in place when the camera's EXIF tag says they are not."""
    try:
        orientation = image.getexif().get(_ORIENTATION_TAG, 1)
    except _DECODE_ERRORS as exc:
        log.info("Ignoring the unreadable EXIF data of %s: %s", label, exc)
        return False
    if orientation not in range(2, 9):
        return False  # exif_transpose would copy the whole photo even when nothing turns
    ImageOps.exif_transpose(image, in_place=True)
    return True
