"""What one Generate sends: the snapshot fixed when the button is pressed, and the edit request
made from its uploads.

`editor.runner` turns these into jobs and re-exports them, so importing them from there keeps
working. Nothing here imports Qt.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from editor.backends.base import EditRequest, ImagePart
from editor.backends.providers import PROFILES
from editor.core.options import EditOptions, capabilities
from editor.imaging.passthrough import EncodedImage
from editor.imaging.prepare import EditContext
from editor.imaging.upload import PixelOrder, Uploads

# The offline backend ignores the prompt, but a request without one is invalid.
OFFLINE_PROMPT = "Remove what the mask covers."


@dataclass(frozen=True, eq=False)
class JobSnapshot:
    """What one Generate sends, fixed at the moment the button was pressed.

    `photo` is a read-only reference to the document's pixels, not a copy: the document replaces
    its photo rather than painting into it. `coverage` is a copy of the mask (0 = keep,
    255 = edit; None edits the whole photo), because painting goes on while the job runs.
    `photo_bytes` is the photo file's content, given only when `photo` holds exactly its pixels
    (then it is sent as it is). `photo_name` names the result files ("photo" when None).
    `photo_order` says how `photo` is laid out (see `editor.imaging.upload.PixelOrder`).
    `take()` makes those guarantees (read-only view, coverage copy). `record` is added to the
    job's saved record (e.g. which project photo it was made from).
    """

    photo: np.ndarray = field(repr=False)
    prompt: str
    options: EditOptions
    coverage: np.ndarray | None = field(default=None, repr=False)
    photo_bytes: bytes | None = field(default=None, repr=False)
    photo_name: str | None = None
    references: tuple[tuple[str, bytes], ...] = field(default=(), repr=False)
    photo_order: PixelOrder = "RGB"
    record: dict = field(default_factory=dict, repr=False)
    context: EditContext | None = None  # crop-to-mask: the part sent; None sends the whole photo

    @classmethod
    def take(cls, photo: np.ndarray, coverage: np.ndarray | None, *, prompt: str, options: EditOptions,
             photo_bytes: bytes | None = None, photo_name: str | None = None,
             references: tuple[tuple[str, bytes], ...] = (), photo_order: PixelOrder = "RGB"
             ) -> JobSnapshot:
        view = photo.view()
        view.flags.writeable = False
        mask = None if coverage is None else np.array(coverage, dtype=np.uint8, copy=True)
        return cls(view, prompt, options, mask, photo_bytes, photo_name, tuple(references), photo_order)

    @property
    def stem(self) -> str:
        return (Path(self.photo_name).stem if self.photo_name else "") or "photo"


def provider_label(options: EditOptions) -> str:
    """"OpenAI · gpt-image-1" — what a job list shows for where the job went."""
    profile = PROFILES.get(options.provider)
    label = profile.label if profile else options.provider
    return f"{label} · {options.model}" if options.model and profile and profile.kind == "http" else label


def edit_request(uploads: Uploads, prompt: str, options: EditOptions) -> EditRequest:
    """The request for `uploads` with `options` (already `normalized`); nothing is checked here."""
    images = [_part(uploads.photo, "image-1")]
    images += [_part(encoded, f"image-{index}") for index, (_, encoded) in enumerate(uploads.references, 2)]
    mask = None
    if uploads.mask is not None:
        mask = ImagePart(uploads.mask, "mask.png", "image/png", uploads.photo.width, uploads.photo.height)
    if capabilities(options.provider, options.model).offline:
        return EditRequest(images=tuple(images), prompt=prompt.strip() or OFFLINE_PROMPT, mask=mask,
                           output_format=options.output_format,
                           output_compression=options.output_compression)
    return EditRequest(
        images=tuple(images), prompt=prompt, mask=mask, model=options.model or _default_model(options),
        n=options.n, size=options.size, quality=options.quality, background=options.background,
        output_format=options.output_format, output_compression=options.output_compression,
        input_fidelity=options.input_fidelity, stream=options.stream,
        partial_images=options.partial_images,
    )


def _part(encoded: EncodedImage, stem: str) -> ImagePart:
    extension = encoded.content_type.split("/")[1].replace("jpeg", "jpg")
    return ImagePart(encoded.data, f"{stem}.{extension}", encoded.content_type, encoded.width, encoded.height)


def _default_model(options: EditOptions) -> str | None:
    profile = PROFILES.get(options.provider)
    return profile.default_model if profile else None
