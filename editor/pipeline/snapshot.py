"""What one edit is made from, frozen when it starts: from the window's document, or from files.

`EditSnapshot` holds the photo's pixels (a read-only view, not a copy), a copy of the mask as
coverage (0 = keep, 255 = edit), the prompt, the options and the reference images. The window
takes one from its document; `snapshot_from_files` reads one from a photo file and a mask file
for `maskedit-cli edit` and batches, so all three are planned, encoded and sent alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from editor.disk import NotAFile, read_file
from editor.imaging.upload import PixelOrder
from editor.pipeline.options import EditOptions
from editor.pipeline.plan import DEFAULT_PADDING

if TYPE_CHECKING:  # the selection engine is imported only by a batch that selects
    from editor.pipeline.selection import SelectionRequest

MASK_MODES = ("alpha", "white-edits", "black-edits")


class InputError(Exception):
    """A photo, mask or reference file that cannot be used; `message` says why, for a person."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True, eq=False)
class EditSnapshot:
    """What one edit sends, fixed at the moment it was asked for.

    `photo` is a read-only reference to the pixels, laid out as `photo_order` (see
    editor.imaging.upload.PixelOrder): the document replaces its photo rather than painting into
    it. `coverage` is a copy of the mask (None edits the whole photo). `photo_bytes` is the photo
    file's content, given only when `photo` holds exactly its pixels (then it is sent as it is).
    `photo_name` names the result files. `padding` is crop-to-mask's margin around the mask (a
    share of its box) and `threshold` the coverage from which a pixel is edited. `mask_file` and
    `mask_mode` name the mask file a command line edit was given (recorded, never rewritten);
    `inputs` the files the images came from; `record` is added to the job's saved record.
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
    padding: float = DEFAULT_PADDING
    threshold: int = 128
    mask_file: Path | None = None
    mask_mode: str | None = None
    inputs: tuple[Path, ...] = ()

    @classmethod
    def take(cls, photo: np.ndarray, coverage: np.ndarray | None, *, prompt: str, options: EditOptions,
             **facts) -> EditSnapshot:
        """A snapshot that keeps its promises: a read-only view of `photo`, a copy of `coverage`."""
        view = photo.view()
        view.flags.writeable = False
        mask = None
        if coverage is not None:
            mask = np.array(coverage, dtype=np.uint8, copy=True)
            mask.flags.writeable = False
        return cls(view, prompt, options, mask, **facts)

    @property
    def stem(self) -> str:
        return (Path(self.photo_name).stem if self.photo_name else "") or "photo"

    @property
    def size(self) -> tuple[int, int]:
        return self.photo.shape[1], self.photo.shape[0]


def snapshot_from_files(photo: Path, mask: Path | None, *, prompt: str, options: EditOptions,
                        mask_mode: str = "alpha", references: Sequence[Path] = (),
                        padding: float = DEFAULT_PADDING,
                        selection: SelectionRequest | None = None) -> EditSnapshot:
    """The snapshot for a photo file, a mask file (None edits the whole photo) and reference files;
    or, with `selection`, the mask selected on the photo (editor.pipeline.selection). Slow (decodes
    the photo): call it off the loop. Raises InputError for a file that cannot be read, a mask of
    another size than the photo, or a selection that finds nothing."""
    from editor.imaging.load import ImageLoadError, load_image
    from editor.imaging.mask import MaskError, load_mask

    source = read_input(photo)
    try:
        loaded = load_image(source, name=photo.name)
    except ImageLoadError as error:
        raise InputError(error.message) from None
    pixels = np.asarray(loaded.image)
    coverage = None
    if mask is not None:
        try:
            coverage = load_mask(mask, mask_mode, expected_size=(loaded.width, loaded.height))
        except MaskError as error:
            raise InputError(error.message) from None
    elif selection is not None:
        coverage = selection.coverage(pixels)
    refs = tuple((path.name, read_input(path)) for path in references)
    original = None if loaded.changed_on_load else source
    return EditSnapshot.take(pixels, coverage, prompt=prompt, options=options, photo_bytes=original,
                             photo_name=photo.name, references=refs, padding=padding, mask_file=mask,
                             mask_mode=mask_mode if mask is not None else None,
                             inputs=(photo, *references))


def read_input(path: Path) -> bytes:
    """A file's bytes, or InputError saying why they cannot be read."""
    try:
        return read_file(path)
    except FileNotFoundError:
        raise InputError(f"{path}: no such file.") from None
    except NotAFile as exc:
        raise InputError(f"{path} is {exc.kind}, not an image file.") from None
    except IsADirectoryError:
        raise InputError(f"{path} is a folder, not an image.") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror or exc}).") from None
