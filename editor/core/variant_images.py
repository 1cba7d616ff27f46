"""Pictures of variants: thumbnails, the variant laid over the photo (editor.imaging.composite) and
its spill (editor.imaging.spill). Every function here runs in a worker thread; none touches a widget.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QBrush, QColor, QImage, QPainter

from editor.core.generate import JobContext, photo_pixels
from editor.disk import read_file
from editor.imaging.composite import composite
from editor.imaging.result_codec import decode_result
from editor.imaging.spill import SpillFigures, SpillReport, describe_spill
from editor.imaging.spill import measure_spill as measure_spill_report

log = logging.getLogger(__name__)

# The largest result file read back: four times the largest result any model makes, as RGBA PNG.
MAX_RESULT_FILE_BYTES = 256 * 1024 * 1024

_CHECKER = QBrush(QColor(200, 200, 200), Qt.BrushStyle.Dense4Pattern)


@dataclass(frozen=True)
class VariantImage:
    """A variant at the photo's size as applying it would make the photo, and its spill (0..1);
    `spill_report` has the spill meter's figures and its heat map (editor.imaging.spill)."""

    image: QImage
    spill: float
    spill_report: SpillReport | None = None


# A result as the views get it (Variant.source): decoded once by the pipeline, still encoded (a
# streamed preview), or only in its file (a variant read back from a project).
Encoded = bytes | np.ndarray | Path


def encoded_bytes(data: bytes | Path) -> bytes | None:
    """The result's encoded bytes, read from its file when it is only there; None when the file
    cannot be read (moved away, or not a result) — the view says it cannot show it."""
    if not isinstance(data, Path):
        return data
    try:
        return read_file(data, MAX_RESULT_FILE_BYTES)
    except OSError as error:
        log.warning("the result %s cannot be read: %s", data.name, error)
        return None


def result_pixels(data: Encoded) -> np.ndarray | None:
    """The result as (h, w, 3|4) RGB(A) pixels; None if it cannot be read or decoded."""
    if isinstance(data, np.ndarray):
        return data
    encoded = encoded_bytes(data)
    return None if encoded is None else decode_result(encoded)


def thumbnail(data: Encoded, size: int) -> QImage:
    """A small copy of a result, transparency shown over a checkerboard."""
    if isinstance(data, np.ndarray):
        small = cv2.resize(data, _fit(data.shape[1], data.shape[0], size), interpolation=cv2.INTER_AREA)
        image = qimage_from_pixels(small)
    else:
        encoded = encoded_bytes(data)
        image = QImage() if encoded is None else QImage.fromData(encoded)
    if image.isNull():
        return image
    small = image.scaled(size, size, Qt.AspectRatioMode.KeepAspectRatio,
                         Qt.TransformationMode.SmoothTransformation)
    if not small.hasAlphaChannel():
        return small
    board = QImage(small.size(), QImage.Format.Format_RGB32)
    board.fill(QColor(245, 245, 245))
    painter = QPainter(board)
    painter.fillRect(QRect(0, 0, board.width(), board.height()), _CHECKER)
    painter.drawImage(0, 0, small)
    painter.end()
    return board


def _fit(width: int, height: int, size: int) -> tuple[int, int]:
    scale = min(size / width, size / height)
    return max(1, round(width * scale)), max(1, round(height * scale))


def qimage_from_pixels(pixels: np.ndarray) -> QImage:
    """(h, w, 3|4) RGB(A) pixels as a QImage in the canvas's formats (RGB32 / premultiplied ARGB32)."""
    height, width = pixels.shape[:2]
    if pixels.shape[2] == 3:
        bgra = cv2.cvtColor(np.ascontiguousarray(pixels), cv2.COLOR_RGB2BGRA)
        return QImage(bgra.data, width, height, width * 4, QImage.Format.Format_RGB32).copy()
    bgra = cv2.cvtColor(np.ascontiguousarray(pixels), cv2.COLOR_RGBA2BGRA)
    image = QImage(bgra.data, width, height, width * 4, QImage.Format.Format_ARGB32)
    return image.convertToFormat(QImage.Format.Format_ARGB32_Premultiplied)


def with_heat(made: VariantImage) -> QImage | None:
    """The variant as shown with the spill heat map over it (where the model changed the photo
    outside the mask); None when it has no spill report. Worker thread."""
    if made.spill_report is None:
        return None
    from editor.imaging.spill import paint_heat

    pixels, _owner = photo_pixels(made.image)
    return qimage_from_pixels(paint_heat(pixels, made.spill_report))


def composite_variant(data: Encoded, context: JobContext, *, mode: str = "strict",
                      feather_px: float = 2.0, harmonize: bool = True) -> VariantImage | None:
    """The variant mapped onto the job's photo: in strict mode pasted through the job's mask (every
    pixel outside it is the photo's own) and, with `harmonize`, its colour and tone matched to the
    photo along the mask's edge; in whole mode the model's entire output. A result with
    transparency keeps it (the canvas shows a checkerboard through it). None if unreadable."""
    result = result_pixels(data)
    if result is None:
        return None
    pixels, _owner = photo_pixels(context.photo)
    coverage = np.asarray(context.coverage)
    if result.shape[2] == 4 and pixels.shape[2] == 3:
        pixels = np.dstack((pixels, np.full(pixels.shape[:2], 255, np.uint8)))
    made = composite(pixels, result, coverage, mode="whole" if mode == "whole" else "strict",
                     feather_px=feather_px, crop=context.crop, harmonize=harmonize)
    return VariantImage(qimage_from_pixels(made.pixels), made.spill, made.report)


def measure_spill(data: Encoded, context: JobContext) -> float | None:
    """Share of the pixels outside the job's mask that the model changed; None if unreadable."""
    report = spill_report(data, context)
    return None if report is None else report.share


def spill_report(data: Encoded, context: JobContext) -> SpillReport | None:
    """All the spill meter says about a variant: the share changed, the mean change, and the heat
    map over the part of the photo the model saw (`report.region`); None if unreadable."""
    result = result_pixels(data)
    if result is None:
        return None
    pixels, _owner = photo_pixels(context.photo)
    coverage = np.asarray(context.coverage)
    region = None
    if context.crop is not None:  # the model saw only the crop: its spill is measured there
        x, y, w, h = context.crop
        pixels, coverage, region = pixels[y:y + h, x:x + w], coverage[y:y + h, x:x + w], (x, y, w, h)
    return measure_spill_report(pixels, result, coverage, region=region)


def spill_text(spill: float | SpillFigures | SpillReport | None) -> str:
    """What a variant says about its spill: "changed 34 % outside the mask" for the share a
    variant's marks keep; with the figures, "changed 83 % of the photo outside the mask slightly
    (mean change 2.1 of 255)"."""
    return describe_spill(spill)
