"""A mask made by selecting, for the command line and batches: the same engine as the window's
selection tools (editor.imaging.selection), driven by a frozen request instead of a pointer."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from editor.imaging.selection import (
    Checkpoint,
    ObjectHints,
    SelectionError,
    edge_band,
    magic_wand,
    refine_edge,
    select_object,
    subject_box,
)
from editor.imaging.selection.steps import no_checkpoint
from editor.pipeline.snapshot import InputError

# Refining a whole selection's outline brushes a band this share of the photo's longer side wide
# (at least MIN_REFINE_BAND pixels), as a user would with the refine-edge brush along the edge.
REFINE_BAND_SHARE = 0.006
MIN_REFINE_BAND = 8


@dataclass(frozen=True)
class SelectionRequest:
    """What to select in each photo: a box (x, y, w, h), the centred subject, or the colour at a
    point (the magic wand, within `tolerance` ΔE, touching the point unless `everywhere`);
    `refine` redraws the outline from the photo; `model` selects boxes with an ONNX model."""

    box: tuple[int, int, int, int] | None = None
    subject: bool = False
    point: tuple[int, int] | None = None
    tolerance: float = 32.0
    everywhere: bool = False
    refine: bool = False
    model: Path | None = None

    def __post_init__(self) -> None:
        if sum((self.box is not None, self.subject, self.point is not None)) != 1:
            raise ValueError("a selection request needs exactly one of box, subject and point")

    def coverage(self, photo: np.ndarray, checkpoint: Checkpoint = no_checkpoint) -> np.ndarray:
        """The selection on `photo` ((H, W, 3+) uint8) as coverage; InputError says why none can
        be made."""
        height, width = photo.shape[:2]
        try:
            if self.point is not None:
                coverage = magic_wand(photo, self.point, self.tolerance, contiguous=not self.everywhere,
                                      checkpoint=checkpoint)
            else:
                box = self.box if self.box is not None else subject_box(width, height)
                coverage = self._object(photo, box, checkpoint)
            if self.refine:
                band_width = max(MIN_REFINE_BAND, round(max(width, height) * REFINE_BAND_SHARE))
                coverage = refine_edge(photo, coverage, edge_band(coverage, band_width))
        except SelectionError as error:
            raise InputError(error.message) from None
        if not coverage.any():
            raise InputError("The selection found nothing there; try another box, point or tolerance.")
        return coverage

    def _object(self, photo: np.ndarray, box: tuple[int, int, int, int],
                checkpoint: Checkpoint) -> np.ndarray:
        if self.model is not None:
            from editor.imaging.selection.model import SegmentationModel

            return SegmentationModel(self.model).select(photo, box, checkpoint=checkpoint)
        return select_object(photo, ObjectHints(box=box), checkpoint=checkpoint)


def mask_png(coverage: np.ndarray) -> bytes:
    """The mask file every `--mask` reads: black, transparent where selected, soft edges kept in
    the alpha (alpha = 255 − coverage), so reading it back gives the same coverage."""
    import cv2

    alpha = 255 - coverage
    black = np.zeros_like(alpha)
    ok, encoded = cv2.imencode(".png", cv2.merge([black, black, black, alpha]),
                               [cv2.IMWRITE_PNG_COMPRESSION, 3])
    if not ok:
        raise InputError("The mask could not be encoded as PNG.")
    return encoded.tobytes()
