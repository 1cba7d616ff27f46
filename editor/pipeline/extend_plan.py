"""Planning an extension: which parts of the extended canvas are sent, at which sizes, in how many
requests. The window, the command line and batches all plan here.

A canvas the model answers at full detail in one request is sent whole. On a larger canvas, each
extended side is sent as strips along its edge: a window of the model's largest steady size (the
capability table, editor.backends.models) holding the new margin, the overlap band and as much of
the photo as fits, at full detail (scale 1, or larger on a small photo). A side longer than one
window takes several, each overlapping the one before by a quarter, so it is conditioned on what
that one drew. Left and right go first along the photo's height, then top and bottom across the
whole width, corners included. Where a margin is too deep for a window to hold it with some
photo beside it, the whole extended canvas is sent once, scaled down, and its answer scaled back
up with Lanczos. The offline backend fills the whole canvas at full size in one pass.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

from editor.backends.models import STEADY_PIXELS, SizeRules, model_spec
from editor.imaging.extend import Extension
from editor.pipeline.options import EditOptions, capabilities
from editor.pipeline.plan import choose_size

# The standard buckets' tall window; free sizes get the same 2:3 shape at STEADY_PIXELS.
STANDARD_WINDOW = (1024, 1536)
# At least this much of the photo beside a margin, so the model sees what it continues.
MIN_CONTEXT_PX = 64
OVERLAP_SHARE = 0.25
SIDES = ("left", "right", "top", "bottom")


@dataclass(frozen=True)
class ExtendStep:
    """One request: `crop` = (x, y, width, height) of the extended canvas, sent scaled to `size`
    (None: as it is, offline); `side` names the edge it works on, or "canvas" for the whole."""

    crop: tuple[int, int, int, int]
    size: tuple[int, int] | None
    side: str = "canvas"

    @property
    def scale(self) -> float:
        """Sent pixels per canvas pixel (1: full detail; below 1: scaled down)."""
        if self.size is None:
            return 1.0
        return min(self.size[0] / self.crop[2], self.size[1] / self.crop[3])


@dataclass(frozen=True)
class ExtendPlan:
    """What extending a photo of `photo_size` by `extension` sends: `steps` in order, each later
    one conditioned on the earlier ones' answers; `variants` chains (the first step asks for all
    of them at once, each later step one per chain)."""

    photo_size: tuple[int, int]
    extension: Extension
    band_px: int
    steps: tuple[ExtendStep, ...]
    variants: int = 1
    cost: tuple[float, float] | None = None  # US dollars, lowest and highest; None: not published

    @property
    def canvas_size(self) -> tuple[int, int]:
        return self.extension.canvas_size(self.photo_size)

    @property
    def requests(self) -> int:
        return 1 + (len(self.steps) - 1) * self.variants

    @property
    def scaled_down(self) -> bool:
        return any(step.scale < 1 for step in self.steps)

    def text(self) -> str:
        """One line for the window and the command line: what will be sent."""
        width, height = self.canvas_size
        if self.steps[0].size is None:
            return f"Canvas {width}×{height} · filled offline in one pass"
        sizes = sorted({f"{step.size[0]}×{step.size[1]}" for step in self.steps if step.size})
        if len(self.steps) == 1:
            how = "whole, scaled down" if self.scaled_down else "whole, full detail"
            return f"Canvas {width}×{height} → {sizes[0]} ({how})"
        return (f"Canvas {width}×{height} → {len(self.steps)} strips of {', '.join(sizes)} along the "
                f"edges, full detail · {self.requests} requests")

    def cost_text(self) -> str:
        """The price of the plan's images, or "" where it is not published or free."""
        if not self.cost or self.cost[1] == 0:
            return ""
        low, high = self.cost
        shown = f"${low:.2f}" if abs(high - low) < 0.005 else f"${low:.2f}–${high:.2f}"
        return f"≈ {shown} for the output images"


def plan_extension(photo_size: tuple[int, int], extension: Extension, options: EditOptions, *,
                   band_px: int) -> ExtendPlan:
    """The plan for extending a photo of `photo_size` by `extension` with `options`."""
    caps = capabilities(options.provider, options.model)
    canvas_w, canvas_h = extension.canvas_size(photo_size)
    variants = max(1, options.n or 1)
    if caps.offline:
        return ExtendPlan(photo_size, extension, band_px, (ExtendStep((0, 0, canvas_w, canvas_h), None),))
    rules = caps.spec.size_rules if caps.spec is not None else None
    window = _window(rules)
    whole = ExtendStep((0, 0, canvas_w, canvas_h), choose_size(canvas_w, canvas_h, rules=rules))
    if whole.scale >= 1 or not _strips_fit(photo_size, extension, band_px, window):
        steps = (whole,)
    else:
        steps = tuple(step for side in SIDES for step in _side_steps(photo_size, extension, side, window))
    plan = ExtendPlan(photo_size, extension, band_px, steps, variants)
    return dataclasses.replace(plan, cost=plan_cost(plan, options))


def _window(rules: SizeRules | None) -> tuple[int, int]:
    """The model's largest steady answer as (short, long), a 2:3 shape."""
    if rules is None:
        return STANDARD_WINDOW
    return rules.fit(2 / 3, STEADY_PIXELS)


@dataclass(frozen=True)
class _Tiling:
    """How one side is tiled: its windows run from `start` for `length` canvas px along the edge,
    each `tile` = (across, along) canvas px, sent at `size` = (width, height)."""

    start: int
    length: int
    tile: tuple[int, int]
    size: tuple[int, int]


def _tiling(photo_size: tuple[int, int], extension: Extension, side: str,
            window: tuple[int, int]) -> _Tiling:
    width, height = photo_size
    canvas_w, _ = extension.canvas_size(photo_size)
    short, long = window
    vertical = side in ("left", "right")
    # Left and right run along the photo's rows; top and bottom across the whole canvas.
    start, length = (extension.top, height) if vertical else (0, canvas_w)
    across = getattr(extension, side) + (width if vertical else height)
    scale = min(1.0, length / long, across / short)  # on a small photo the window shrinks to fit
    tile = (max(1, math.floor(short * scale)), max(1, math.floor(long * scale)))
    return _Tiling(start, length, tile, (short, long) if vertical else (long, short))


def _strips_fit(photo_size: tuple[int, int], extension: Extension, band_px: int,
                window: tuple[int, int]) -> bool:
    """Whether each margin, its band and some photo fit across its side's window."""
    for side in SIDES:
        margin = getattr(extension, side)
        depth = _tiling(photo_size, extension, side, window).tile[0]
        if margin and depth < margin + band_px + MIN_CONTEXT_PX:
            return False
    return True


def _side_steps(photo_size: tuple[int, int], extension: Extension, side: str,
                window: tuple[int, int]) -> list[ExtendStep]:
    """The strips along one side, spread evenly along the edge, each overlapping the one before."""
    if not getattr(extension, side):
        return []
    tiling = _tiling(photo_size, extension, side, window)
    depth, tile_long = tiling.tile
    length = tiling.length
    count = 1
    if length > tile_long:
        count = math.ceil((length - tile_long) / (tile_long * (1 - OVERLAP_SHARE))) + 1
    canvas = extension.canvas_size(photo_size)
    offsets = [tiling.start + (0 if count == 1 else round(index * (length - tile_long) / (count - 1)))
               for index in range(count)]
    return [_strip(side, (offset, tile_long), depth, canvas, tiling.size) for offset in offsets]


def _strip(side: str, along: tuple[int, int], depth: int, canvas: tuple[int, int],
           size: tuple[int, int]) -> ExtendStep:
    offset, length = along
    canvas_w, canvas_h = canvas
    if side == "left":
        crop = (0, offset, depth, length)
    elif side == "right":
        crop = (canvas_w - depth, offset, depth, length)
    elif side == "top":
        crop = (offset, 0, length, depth)
    else:
        crop = (offset, canvas_h - depth, length, depth)
    return ExtendStep(crop, size, side)


def plan_cost(plan: ExtendPlan, options: EditOptions) -> tuple[float, float] | None:
    """(lowest, highest) US dollars for every image the plan asks for (each step draws one per
    variant: the first all at once, each later one per chain), where per-image prices are
    published for its sizes (the standard ones); None otherwise. Offline: free."""
    if plan.steps[0].size is None:
        return 0.0, 0.0
    prices = model_spec(options.model).prices
    if prices is None or prices.per_image is None:
        return None
    qualities = tuple(prices.per_image) if options.quality in (None, "auto") else (options.quality,)
    low = high = 0.0
    for step in plan.steps:
        size = f"{step.size[0]}x{step.size[1]}"
        each = [price for quality in qualities if (price := prices.per_variant(quality, size)) is not None]
        if not each:
            return None
        low, high = low + min(each) * plan.variants, high + max(each) * plan.variants
    return low, high
