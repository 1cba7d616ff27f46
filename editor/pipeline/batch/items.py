"""What a batch is made of: each photo directly in a folder, with the mask it is edited with."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from editor.pipeline.snapshot import InputError

PHOTO_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".tif", ".tiff", ".bmp", ".gif")


class BatchSetupError(InputError):
    """The batch as a whole cannot start: no such folder, no photos, no mask or both kinds given."""


@dataclass(frozen=True)
class BatchItem:
    """One photo of a batch and the mask it is edited with; a `problem` fails it without sending."""

    photo: Path
    mask: Path | None
    problem: str | None = None


def batch_items(folder: Path, *, mask: Path | None = None, mask_dir: Path | None = None,
               out_dir: Path | None = None, selecting: bool = False,
               mask_optional: bool = False) -> list[BatchItem]:
    """Each photo directly in `folder` (sorted by name) with `mask`, one for all, or with the
    image of the same stem in `mask_dir` (a PNG first); with no mask file when `selecting` (each
    photo's mask is selected on it) or, with `mask_optional` (an extension makes its own mask),
    when none is given. Raises BatchSetupError."""
    given = (mask is not None) + (mask_dir is not None) + selecting
    if given > 1 or (given == 0 and not mask_optional):
        raise BatchSetupError("Give one mask for every photo, a folder of masks or a selection"
                              + (", only one of them." if given else "."))
    if out_dir is not None and out_dir.resolve() == folder.resolve():
        raise BatchSetupError(f"Choose an output folder other than {folder}: the next run would take "
                              "the results for photos.")
    photos = sorted(_images_in(folder), key=lambda path: (path.name.casefold(), path.name))
    if not photos:
        raise BatchSetupError(f"{folder} has no photos ({', '.join(s[1:] for s in PHOTO_SUFFIXES)}).")
    if selecting or given == 0:
        return [BatchItem(photo, None) for photo in photos]
    if mask is not None:
        if not mask.is_file():
            raise BatchSetupError(f"{mask} is not a file." if mask.exists() else f"{mask}: no such file.")
        return [BatchItem(photo, mask) for photo in photos]
    masks: dict[str, Path] = {}
    for path in sorted(_images_in(mask_dir), key=lambda path: (path.suffix.lower() != ".png", path.name)):
        masks.setdefault(path.stem, path)
    return [BatchItem(photo, masks.get(photo.stem), None if photo.stem in masks else
                      f"No mask for {photo.name}: {mask_dir} has no {photo.stem}.png "
                      f"(nor another image named {photo.stem}).") for photo in photos]


def _images_in(folder: Path | None) -> list[Path]:
    if folder is None or not folder.is_dir():
        raise BatchSetupError(f"{folder} is not a folder." if folder and folder.exists()
                              else f"{folder}: no such folder.")
    try:
        return [path for path in folder.iterdir() if path.suffix.lower() in PHOTO_SUFFIXES
                and not path.name.startswith(".") and path.is_file()]
    except OSError as exc:
        raise BatchSetupError(f"{folder} cannot be read ({exc.strerror or exc}).") from None
