"""`maskedit-cli mask`: select in a photo as the window does and write the mask PNG; and the
segmentation model the selection flags name (or Settings chose). No Qt."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from editor.cli.args import UsageError
from editor.cli.select_args import mask_request
from editor.disk import write_atomically
from editor.pipeline.selection import mask_png
from editor.pipeline.snapshot import InputError, read_input
from editor.settings.store import load_settings


def segmentation_model(args: argparse.Namespace) -> Path | None:
    """The model --segmentation-model names ('none': no model), else the one chosen in Settings."""
    chosen = args.segmentation_model
    if chosen is None:
        chosen = load_settings().selection_model or None
    if chosen is None or chosen.lower() == "none":
        return None
    return Path(chosen).expanduser()


def cmd_mask(args: argparse.Namespace) -> int:
    from editor.imaging.load import ImageLoadError, load_image

    request = mask_request(args, segmentation_model(args))
    try:
        loaded = load_image(read_input(args.photo), name=args.photo.name)
        photo = np.asarray(loaded.image.convert("RGB"))
        coverage = request.coverage(photo)
        write_atomically(args.out, mask_png(coverage))
    except ImageLoadError as error:
        raise UsageError(error.message) from None
    except InputError as error:
        raise UsageError(error.message) from None
    except OSError as exc:
        raise UsageError(f"Cannot write {args.out}: {exc.strerror or exc}.") from None
    selected = float(np.count_nonzero(coverage >= 128)) / coverage.size * 100
    print(args.out)
    print(f"Selected {selected:.1f} % of {loaded.width}×{loaded.height}.", file=sys.stderr)
    return 0
