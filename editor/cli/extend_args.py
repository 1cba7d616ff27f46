"""maskedit-cli's extension flags (`--extend`, `--aspect`, `--anchor`, `--band`) for `edit` and
`batch`, and the ExtendSpec they ask for. Bad values are refused in one line, nothing sent."""

from __future__ import annotations

import argparse

from editor.imaging.extend import (
    ANCHORS,
    DEFAULT_BAND_PX,
    MAX_BAND_PX,
    ExtensionError,
    parse_aspect,
    parse_sides,
)
from editor.pipeline.extend_input import ExtendSpec


def add_extend_flags(sub: argparse.ArgumentParser) -> None:
    group = sub.add_mutually_exclusive_group()
    group.add_argument("--extend", type=_sides, metavar="LEFT,TOP,RIGHT,BOTTOM",
                       help="extend the canvas by these pixels per side and fill the new margins "
                       "(outpainting); the prompt says what to put there")
    group.add_argument("--aspect", type=_aspect, metavar="W:H",
                       help="extend the canvas to this aspect (1:1, 4:5, 3:2, 16:9, 9:16 or any W:H)")
    sub.add_argument("--anchor", choices=ANCHORS, default="center",
                     help="with --aspect, where the photo stays (default center)")
    sub.add_argument("--band", type=_band, default=DEFAULT_BAND_PX,
                     help=f"with an extension, how far the blended seam reaches into the photo, "
                     f"0-{MAX_BAND_PX} px (default {DEFAULT_BAND_PX})")


def extend_spec(args: argparse.Namespace) -> ExtendSpec | None:
    """The extension the flags ask for, or None when they ask for none."""
    if args.extend is None and args.aspect is None:
        return None
    return ExtendSpec(sides=args.extend, aspect=args.aspect, anchor=args.anchor, band_px=args.band)


def _sides(text: str):
    try:
        extension = parse_sides(text)
    except ExtensionError as error:
        raise argparse.ArgumentTypeError(error.message) from None
    for name, value in zip(("left", "top", "right", "bottom"), extension.sides, strict=True):
        if value < 0:
            raise argparse.ArgumentTypeError(f"an extension cannot be negative ({value} px on the {name})")
    if extension.empty:
        raise argparse.ArgumentTypeError("nothing to extend: every side is 0 px")
    return extension


def _aspect(text: str) -> tuple[int, int]:
    try:
        return parse_aspect(text)
    except ExtensionError as error:
        raise argparse.ArgumentTypeError(error.message) from None


def _band(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number of pixels") from None
    if not 0 <= value <= MAX_BAND_PX:
        raise argparse.ArgumentTypeError(f"the band must be 0-{MAX_BAND_PX} px, not {value}")
    return value
