"""The command line's selection flags: `maskedit-cli mask` (a mask selected on a photo, written
as a PNG every `--mask` reads) and batch's `--select-box` / `--select-subject`. No Qt."""

from __future__ import annotations

import argparse
from pathlib import Path

from editor.imaging.selection import MAX_TOLERANCE
from editor.pipeline.selection import SelectionRequest

_MODEL_HELP = ("ONNX segmentation model for --box and --subject (needs onnxruntime; 'none': GrabCut); "
               "default: the one chosen in Settings, if any")


def add_mask_command(commands) -> None:
    """`maskedit-cli mask PHOTO (--box | --subject | --point) --out MASK.png`."""
    mask = commands.add_parser(
        "mask", help="select in PHOTO and write the mask (transparent = selected), for --mask",
        description="Select in PHOTO as the window's selection tools do and write the mask as a PNG: "
        "black, transparent where selected, with soft edges. Give it to edit or batch as --mask.")
    mask.add_argument("photo", type=Path, metavar="PHOTO")
    what = mask.add_mutually_exclusive_group(required=True)
    what.add_argument("--box", type=_box, metavar="X,Y,W,H",
                      help="select the object inside this box (pixels), following its edges")
    what.add_argument("--subject", action="store_true",
                      help="select the centred subject: the box is the whole photo less a 4%% margin")
    what.add_argument("--point", type=_point, metavar="X,Y",
                      help="magic wand: the colours near the colour at this pixel")
    mask.add_argument("--tolerance", type=_tolerance, default=32.0,
                      help=f"with --point, the colour distance (ΔE in Lab, 0-{MAX_TOLERANCE}; default 32)")
    mask.add_argument("--global", dest="everywhere", action="store_true",
                      help="with --point, take that colour everywhere, not only where it touches the point")
    mask.add_argument("--refine", action="store_true",
                      help="redraw the selection's outline from the photo (hair, foliage, soft edges)")
    mask.add_argument("--segmentation-model", metavar="FILE", help=_MODEL_HELP)
    mask.add_argument("--out", type=Path, required=True, metavar="MASK.png", help="the mask file to write")


def add_batch_selection(masks: argparse._MutuallyExclusiveGroup, batch: argparse.ArgumentParser) -> None:
    """Batch's alternatives to --mask: a mask selected on each photo."""
    masks.add_argument("--select-box", type=_box, metavar="X,Y,W,H",
                       help="select the object in this box (pixels) of each photo as its mask")
    masks.add_argument("--select-subject", action="store_true",
                       help="select each photo's centred subject as its mask")
    batch.add_argument("--select-refine", action="store_true",
                       help="with --select-box/--select-subject, redraw each outline from the photo")
    batch.add_argument("--segmentation-model", metavar="FILE", help=_MODEL_HELP)


def mask_request(args: argparse.Namespace, model: Path | None) -> SelectionRequest:
    return SelectionRequest(box=args.box, subject=args.subject, point=args.point, tolerance=args.tolerance,
                            everywhere=args.everywhere, refine=args.refine, model=model)


def batch_request(args: argparse.Namespace, model: Path | None) -> SelectionRequest | None:
    if args.select_box is None and not args.select_subject:
        return None
    return SelectionRequest(box=args.select_box, subject=args.select_subject, refine=args.select_refine,
                            model=model)


def _numbers(text: str, count: int, what: str) -> tuple[int, ...]:
    parts = text.replace(" ", "").split(",")
    try:
        values = tuple(int(part) for part in parts)
    except ValueError:
        values = ()
    if len(values) != count:
        raise argparse.ArgumentTypeError(f"'{text}' is not {what}")
    return values


def _box(text: str) -> tuple[int, int, int, int]:
    x, y, w, h = _numbers(text, 4, "X,Y,W,H in whole pixels")
    if w <= 0 or h <= 0:
        raise argparse.ArgumentTypeError(f"'{text}': the box's width and height must be positive")
    return x, y, w, h


def _point(text: str) -> tuple[int, int]:
    x, y = _numbers(text, 2, "X,Y in whole pixels")
    return x, y


def _tolerance(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number") from None
    if not 0 <= value <= MAX_TOLERANCE:
        raise argparse.ArgumentTypeError(f"{text} is not between 0 and {MAX_TOLERANCE}")
    return value
