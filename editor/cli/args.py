"""maskedit-cli's command line: its flags, and UsageError for bad usage (exit code 2, one line).

Imports no Qt, like the rest of the command line.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

from editor import __version__
from editor.backends.models import (
    BACKGROUNDS,
    COMPLEXITIES,
    FIDELITIES,
    MODERATIONS,
    OUTPUT_FORMATS,
    QUALITIES,
)
from editor.backends.providers import BODY_MODES, PROFILES
from editor.cli.extend_args import add_extend_flags
from editor.cli.select_args import add_batch_selection, add_mask_command


class UsageError(Exception):
    """Bad usage or bad input, reported in one line with exit code 2; nothing was sent."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, no usage dump
        raise UsageError(f"{message} (see '{self.prog} --help')")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="maskedit-cli", description="Headless image edits with Maskedit's engine.")
    parser.add_argument("--version", action="version", version=f"maskedit-cli {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log requests to stderr")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    commands.add_parser("providers", help="list providers and whether a key is found")
    edit = commands.add_parser("edit", help="edit IMAGE (the first) guided by a prompt and a mask")
    edit.add_argument("images", nargs="+", metavar="IMAGE", help="photo to edit, then up to 15 references")
    edit.add_argument("--prompt", required=True, help="what to change")
    edit.add_argument("--mask", type=Path, help="mask image, the size of the first IMAGE")
    edit.add_argument("--out", type=Path, default=Path("."), help="output folder (default: here)")
    _add_request_flags(edit)
    batch = commands.add_parser("batch", help="edit every photo of DIR with one prompt; re-run to resume")
    batch.add_argument("folder", type=Path, metavar="DIR", help="folder of photos (not searched recursively)")
    batch.add_argument("--prompt", required=True, help="what to change in every photo")
    # A mask is required unless the canvas is extended (then the extension makes it); cmd_batch checks.
    masks = batch.add_mutually_exclusive_group()
    masks.add_argument("--mask", type=Path, help="one mask for every photo (each must be its size)")
    masks.add_argument("--mask-dir", type=Path, help="folder with a mask per photo, named like the photo")
    add_batch_selection(masks, batch)
    batch.add_argument("--out", type=Path, required=True, help="output folder; finished photos are skipped")
    batch.add_argument("--concurrency", type=_int_in(1, 16), default=2, help="edits at once (default 2)")
    _add_request_flags(batch)
    add_mask_command(commands)
    return parser


def _add_request_flags(sub: argparse.ArgumentParser) -> None:
    """The provider and option flags `edit` and `batch` share."""
    add_extend_flags(sub)
    sub.add_argument("--mask-mode", choices=("alpha", "white-edits", "black-edits"), default="alpha",
                     help="how the mask marks the area to edit (default: transparent = edit)")
    sub.add_argument("--provider", choices=tuple(PROFILES), help="default: requesty if a key is found, "
                     "else the offline backend")
    sub.add_argument("--base-url", help="API base URL (required for --provider custom)")
    sub.add_argument("--model", help="model id (default: the provider's first model)")
    sub.add_argument("--body", choices=BODY_MODES,
                     help="request encoding: multipart, json (data URLs), files (JSON with file IDs: each "
                     "image uploaded once and reused) or auto (default: multipart, json with --moderation)")
    sub.add_argument("-n", type=_int_in(1, 10), dest="n", help="number of variants, 1-10")
    sub.add_argument("--size", default=None, help="auto, 1024x1024, 1536x1024 or 1024x1536 (default auto)")
    sub.add_argument("--quality", choices=QUALITIES, help="xhigh and max: gpt-image-2.5 and later")
    sub.add_argument("--background", choices=BACKGROUNDS)
    sub.add_argument("--format", choices=OUTPUT_FORMATS, dest="output_format")
    sub.add_argument("--compression", type=_int_in(0, 100), help="0-100, for jpeg/webp")
    sub.add_argument("--fidelity", choices=FIDELITIES)
    sub.add_argument("--complexity", choices=COMPLEXITIES, help="planning effort (gpt-image-2.6 only)")
    sub.add_argument("--moderation", choices=MODERATIONS,
                     help="content moderation strictness (sent in a JSON body)")
    sub.add_argument("--stream", action="store_true", help="stream, with partial previews")
    sub.add_argument("--partial-images", type=_int_in(0, 3), help="partial previews with --stream, 0-3")
    sub.add_argument("--context", choices=("auto", "mask", "whole"), default="auto",
                     help="what the model sees: auto (a padded crop around the mask when it is small on a "
                     "large photo), mask (always that crop) or whole (the photo); default auto")
    sub.add_argument("--padding", type=_int_in(0, 200), default=32,
                     help="with a crop, the surroundings sent per side, in %% of the mask's size "
                     "(default 32)")
    sub.add_argument("--harmonize", action=argparse.BooleanOptionalAction, default=True,
                     help="when an answer for a crop is placed back into the whole photo, match its colour "
                     "and tone to the photo along the mask's edge; --no-harmonize pastes it exactly "
                     "(default on; no pixel outside the mask changes either way)")
    sub.add_argument("--timeout", type=_seconds, default=300.0, help="read timeout in seconds (default 300)")
    sub.add_argument("--json", action="store_true", help="print one JSON summary instead of lines")
    sub.add_argument("--api-key-file", type=Path, help="read the API key from this file")


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number of seconds") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"'{text}' is not a positive number of seconds")
    return value


def _int_in(low: int, high: int):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{value} is not between {low} and {high}")
        return value

    return parse
