"""What the command line and batches ask of an extension, and the snapshot made from a photo file.

`ExtendSpec` is the request as typed: pixels per side, or an aspect with an anchor, and the
overlap band. It becomes an exact Extension per photo (an aspect extends each photo of a batch
by what that photo needs), checked against the pixel limit with one clear line when it cannot.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from editor.imaging.extend import (
    DEFAULT_BAND_PX,
    MAX_BAND_PX,
    Extension,
    ExtensionError,
    extended_canvas,
    extension_for_aspect,
    extension_mask,
)
from editor.pipeline.options import EditOptions
from editor.pipeline.snapshot import EditSnapshot, InputError


@dataclass(frozen=True)
class ExtendSpec:
    """Either `sides` (pixels per side) or `aspect` (width, height) with `anchor`; `band_px` the
    overlap band reaching into the photo."""

    sides: Extension | None = None
    aspect: tuple[int, int] | None = None
    anchor: str = "center"
    band_px: int = DEFAULT_BAND_PX

    def __post_init__(self) -> None:
        if (self.sides is None) == (self.aspect is None):
            raise ExtensionError("Give either pixels per side or an aspect, not both or neither.")
        if not 0 <= self.band_px <= MAX_BAND_PX:
            raise ExtensionError(f"The overlap band must be 0-{MAX_BAND_PX} px, not {self.band_px}.")

    def extension_for(self, photo_size: tuple[int, int], *, max_pixels: int | None = None) -> Extension:
        """The exact extension of a photo of `photo_size`, or ExtensionError in one line."""
        if self.sides is not None:
            extension = self.sides
        else:
            assert self.aspect is not None
            extension = extension_for_aspect(photo_size, self.aspect, self.anchor)
        limits = {} if max_pixels is None else {"max_pixels": max_pixels}
        return extension.checked(photo_size, **limits)


def extension_snapshot(photo: Path, mask: Path | None, spec: ExtendSpec, *, prompt: str,
                       options: EditOptions, mask_mode: str = "alpha", references: Sequence[Path] = ()
                       ) -> tuple[EditSnapshot, Extension]:
    """The extended canvas of a photo file as a snapshot, its mask the extension's (plus what a
    mask file of the photo's size marks), and the extension. Slow: call it off the loop. Raises
    InputError for a file that cannot be used or an extension that cannot be made."""
    from editor.pipeline.snapshot import snapshot_from_files

    plain = snapshot_from_files(photo, mask, prompt=prompt, options=options, mask_mode=mask_mode,
                                references=references)
    try:
        extension = spec.extension_for(plain.size)
    except ExtensionError as error:
        raise InputError(f"{photo.name}: {error.message}") from None
    canvas = extended_canvas(np.asarray(plain.photo), extension)
    coverage = extension_mask(plain.size, extension, spec.band_px)
    if plain.coverage is not None:
        x, y, (width, height) = extension.left, extension.top, plain.size
        region = coverage[y:y + height, x:x + width]
        np.maximum(region, plain.coverage, out=region)
    snapshot = EditSnapshot.take(canvas, coverage, prompt=prompt, options=options, photo_name=photo.name,
                                 references=plain.references, mask_file=mask,
                                 mask_mode=plain.mask_mode, inputs=plain.inputs)
    return snapshot, extension
