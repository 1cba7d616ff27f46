"""Masks as coverage arrays: the API's mask PNG, imported mask files, and whole-mask operations.

Coverage is an (H, W) uint8 array: 255 = edit here, 0 = keep, values between are soft edges.
Every function is pure (it returns a new array) and vectorised; OpenCV is imported only inside
the functions that need it, so importing this module stays cheap for the CLI's cold start.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import numpy as np

from editor.imaging.load import ImageLoadError, load_image

MaskConvention = Literal["alpha", "white-edits", "black-edits"]
MASK_CONVENTIONS: tuple[MaskConvention, ...] = ("alpha", "white-edits", "black-edits")

# Above this radius a direct dilation with a round kernel gets slow (its cost grows with the
# kernel's area); a distance transform costs the same for any radius.
_MAX_KERNEL_RADIUS = 16
# Above this sigma the blur runs on a downscaled mask: the result is smooth at that scale anyway.
_MAX_DIRECT_SIGMA = 8.0


class MaskError(Exception):
    """A mask could not be read or used; `message` is a sentence for a person."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --- The API's mask PNG ----------------------------------------------------------------------------


def coverage_to_api_png(coverage: np.ndarray, *, threshold: int = 128) -> bytes:
    """The mask PNG the API reads: RGBA, black, alpha 0 exactly where coverage >= threshold."""
    import cv2

    coverage = _checked(coverage)
    # THRESH_BINARY_INV: 0 where coverage > t, else 255; so t = threshold - 1 gives ">= threshold".
    _, alpha = cv2.threshold(coverage, threshold - 1, 255, cv2.THRESH_BINARY_INV)
    black = np.zeros_like(alpha)
    bgra = cv2.merge([black, black, black, alpha])
    ok, encoded = cv2.imencode(".png", bgra, _png_mask_params(cv2))
    if not ok:
        raise MaskError("The mask could not be encoded as PNG.")
    return encoded.tobytes()


def _png_mask_params(cv2) -> list[int]:
    # Masks are long runs: the Up filter turns repeated rows into zeros and RLE packs them, which
    # is several times faster than adaptive filtering and smaller than the default strategy.
    params = [cv2.IMWRITE_PNG_COMPRESSION, 1, cv2.IMWRITE_PNG_STRATEGY, cv2.IMWRITE_PNG_STRATEGY_RLE]
    if hasattr(cv2, "IMWRITE_PNG_FILTER"):  # OpenCV >= 4.10
        params += [cv2.IMWRITE_PNG_FILTER, cv2.IMWRITE_PNG_FILTER_UP]
    return params


def coverage_png(coverage: np.ndarray) -> bytes:
    """The coverage as an 8-bit grey PNG (white = edit), the way a project keeps a job's mask."""
    import cv2

    pixels = np.ascontiguousarray(_checked(coverage))
    ok, encoded = cv2.imencode(".png", pixels, [cv2.IMWRITE_PNG_COMPRESSION, 1])
    if not ok:
        raise MaskError("The mask could not be encoded as PNG.")
    return encoded.tobytes()


def coverage_from_api_png(data: bytes) -> np.ndarray:
    """Read an API mask PNG back: coverage 255 where alpha is 0 (the area to regenerate), else 0."""
    try:
        loaded = load_image(data, name="The mask PNG")
    except ImageLoadError as exc:
        raise MaskError(exc.message) from None
    if not loaded.has_alpha:
        raise MaskError("The mask PNG has no alpha channel; the API reads the area to edit from it.")
    alpha = np.asarray(loaded.image.getchannel("A"))
    return np.where(alpha == 0, np.uint8(255), np.uint8(0))


# --- Mask files made elsewhere ------------------------------------------------------------------------


def load_mask(
    source: Path | str | bytes,
    convention: MaskConvention,
    *,
    expected_size: tuple[int, int] | None = None,
) -> np.ndarray:
    """Read a mask file as coverage. `expected_size` is the photo's (width, height).

    alpha: transparent = edit; white-edits: white (by luminance) = edit; black-edits: black = edit.
    """
    if convention not in MASK_CONVENTIONS:
        raise MaskError(f"'{convention}' is not a mask convention; use one of {', '.join(MASK_CONVENTIONS)}.")
    try:
        loaded = load_image(source, name="The mask" if isinstance(source, bytes) else None)
    except ImageLoadError as exc:
        raise MaskError(exc.message) from None
    if expected_size is not None and (loaded.width, loaded.height) != tuple(expected_size):
        raise MaskError(
            f"The mask is {loaded.width}×{loaded.height} but the photo is "
            f"{expected_size[0]}×{expected_size[1]}; they must be the same size. "
            "Export the mask at the photo's size."
        )
    if convention == "alpha":
        if not loaded.has_alpha:
            raise MaskError(
                f"{loaded.name} has no transparency, so the alpha convention finds nothing in it. "
                "If white marks the area to edit, choose white-edits; if black does, black-edits."
            )
        coverage = np.invert(np.asarray(loaded.image.getchannel("A")))
    else:
        luminance = np.asarray(loaded.image.convert("L"))
        coverage = luminance.copy() if convention == "white-edits" else np.invert(luminance)
    if not coverage.any():
        raise MaskError(_empty_mask_message(loaded.name, convention))
    return coverage


def _empty_mask_message(name: str, convention: MaskConvention) -> str:
    what = {
        "alpha": "it has no transparent pixel",
        "white-edits": "it is entirely black",
        "black-edits": "it is entirely white",
    }[convention]
    return (
        f"{name} marks nothing to edit with the {convention} convention: {what}. "
        "Check the convention, or paint the area to edit."
    )


# --- Whole-mask operations ------------------------------------------------------------------------------


def invert(coverage: np.ndarray) -> np.ndarray:
    """Edit what was kept and keep what was edited."""
    return np.invert(_checked(coverage))


def grow(coverage: np.ndarray, px: int) -> np.ndarray:
    """Expand the mask by `px` pixels in every direction (a round brush traced along its edge)."""
    coverage = _checked(coverage)
    if px <= 0:
        return coverage.copy()
    import cv2

    if px <= _MAX_KERNEL_RADIUS:
        kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * px + 1, 2 * px + 1))
        return cv2.dilate(coverage, kernel, borderType=cv2.BORDER_CONSTANT, borderValue=0)
    # Distance from each pixel to the mask's half-coverage region; the new edge is a one-pixel
    # anti-aliased ramp `px` away from it. Soft fringes wider than that become hard.
    outside = cv2.compare(coverage, 128, cv2.CMP_LT)
    distance = cv2.distanceTransform(outside, cv2.DIST_L2, cv2.DIST_MASK_PRECISE)
    # 255 * (px + 1 - distance), clipped to 0..255, in two cheap passes over the float array.
    np.minimum(distance, px + 1.0, out=distance)
    ramp = cv2.convertScaleAbs(distance, alpha=-255.0, beta=255.0 * (px + 1))
    return cv2.max(coverage, ramp)


def shrink(coverage: np.ndarray, px: int) -> np.ndarray:
    """Pull the mask's edge in by `px` pixels (the exact dual of `grow`)."""
    return invert(grow(invert(coverage), px))


def feather(coverage: np.ndarray, px: float) -> np.ndarray:
    """Soften the edge over about `px` pixels with a Gaussian blur (sigma = px / 2)."""
    coverage = _checked(coverage)
    if px <= 0:
        return coverage.copy()
    import cv2

    sigma = px / 2.0
    if sigma <= _MAX_DIRECT_SIGMA:
        return cv2.GaussianBlur(coverage, (0, 0), sigma, borderType=cv2.BORDER_REPLICATE)
    height, width = coverage.shape
    scale = _MAX_DIRECT_SIGMA / sigma
    small_size = (max(1, round(width * scale)), max(1, round(height * scale)))
    small = cv2.resize(coverage, small_size, interpolation=cv2.INTER_AREA)
    small = cv2.GaussianBlur(small, (0, 0), sigma * small_size[0] / width, borderType=cv2.BORDER_REPLICATE)
    return cv2.resize(small, (width, height), interpolation=cv2.INTER_LINEAR)


def bounding_box(coverage: np.ndarray, threshold: int = 1) -> tuple[int, int, int, int] | None:
    """(x0, y0, x1, y1), x1 and y1 exclusive, of the pixels with coverage >= threshold; None if none."""
    import cv2

    coverage = _checked(coverage)
    # cv2.threshold, not cv2.compare: compare mistakes a 1×1 image for a scalar and raises.
    marked = coverage if threshold <= 1 else cv2.threshold(coverage, threshold - 1, 255,
                                                            cv2.THRESH_BINARY)[1]
    x, y, w, h = cv2.boundingRect(marked)
    if w == 0 or h == 0:
        return None
    return x, y, x + w, y + h


def coverage_percent(coverage: np.ndarray) -> float:
    """Share of the pixels with any coverage at all, 0..100."""
    coverage = _checked(coverage)
    if coverage.size == 0:
        return 0.0
    return 100.0 * np.count_nonzero(coverage) / coverage.size


def _checked(coverage: np.ndarray) -> np.ndarray:
    """Refuse anything but a 2-D uint8 array; OpenCV wants it contiguous, so make it so."""
    if coverage.ndim != 2 or coverage.dtype != np.uint8:
        raise ValueError(f"coverage must be a 2-D uint8 array, not {coverage.dtype} {coverage.shape}")
    return np.ascontiguousarray(coverage)
