"""One photo's request, for `maskedit-cli edit` and batches alike: the photo, its references and
its mask read in and put in the API's form. Raises InputError, with a message for a person, for a
file that cannot be used; nothing is sent then."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from editor.backends.base import EditRequest, ImagePart
from editor.imaging.load import DEFAULT_MAX_PIXELS
from editor.imaging.passthrough import EncodedImage, pass_through


class InputError(Exception):
    """A photo or mask that cannot be used, with `message` for a person; nothing was sent."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def check_template(template: EditRequest) -> None:
    """Raise InvalidRequest when `template`'s options would fail every request, before any is sent."""
    probe = ImagePart(b"", "probe.png", "image/png", 1, 1)
    replace(template, images=(probe,)).validate(allow_custom_size=True)


def prepare_request(photo: Path, mask: Path | None, template: EditRequest, *, mask_mode: str = "alpha",
                    references: Sequence[Path] = ()) -> tuple[EditRequest, list[Path]]:
    """`template` (prompt and options; its images are ignored) with `photo`, `references` and
    `mask` read in, and the input paths in request order. Raises InputError for a file that
    cannot be read or a mask of another size than the photo.

    Files the API takes as they are go out byte for byte, like the official SDK sends them; only
    the others are decoded and converted (which also explains what is wrong with them).
    """
    inputs = [photo, *references]
    parts = []
    for index, path in enumerate(inputs):
        encoded = _upload_form(path, _read_input(path))
        ext = encoded.content_type.split("/")[1].replace("jpeg", "jpg")
        parts.append(ImagePart(encoded.data, f"image-{index + 1}.{ext}", encoded.content_type,
                               encoded.width, encoded.height))
    mask_part = None if mask is None else _mask_part(mask, mask_mode, parts[0])
    return replace(template, images=tuple(parts), mask=mask_part), inputs


def _upload_form(path: Path, source: bytes) -> EncodedImage:
    encoded = pass_through(source, max_pixels=DEFAULT_MAX_PIXELS)
    if encoded is not None:
        return encoded
    from editor.imaging.load import ImageLoadError, load_image
    from editor.imaging.prepare import encode_for_api

    try:
        return encode_for_api(load_image(source, name=path.name), source)
    except ImageLoadError as exc:
        raise InputError(exc.message) from None


def _mask_part(path: Path, mode: str, first: ImagePart) -> ImagePart:
    """The mask in the API's form: a PNG with alpha 0 where the edit goes, sized like `first`."""
    if mode == "alpha":
        encoded = pass_through(_read_input(path), max_pixels=DEFAULT_MAX_PIXELS, modes=("RGBA", "LA"))
        if encoded and encoded.content_type == "image/png" and \
                (encoded.width, encoded.height) == (first.width, first.height):
            return ImagePart(encoded.data, "mask.png", "image/png", first.width, first.height)
    from editor.imaging.mask import MaskError, coverage_to_api_png, load_mask

    try:
        coverage = load_mask(path, mode, expected_size=(first.width, first.height))
    except MaskError as exc:
        raise InputError(exc.message) from None
    return ImagePart(coverage_to_api_png(coverage), "mask.png", "image/png", first.width, first.height)


def _read_input(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file.") from None
    except IsADirectoryError:
        raise InputError(f"{path} is a folder, not an image.") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror or exc}).") from None
