"""What a Generate will send and cost, said before it is sent: the part of the photo, the output
size asked for, the number of requests and variants, and the price where it is published.

Prices are the published per-image output prices (editor.backends.models.Prices); input tokens
(prompt and images) come on top and are said so. Where the quality or the size is left to the
model, the estimate is the range over what it may choose; where no per-image price is published,
it says that rather than guess.
"""

from __future__ import annotations

from dataclasses import dataclass

from editor.backends.models import STANDARD_SIZES, model_spec, parse_size
from editor.imaging.prepare import EditContext
from editor.pipeline.options import EditOptions, capabilities
from editor.pipeline.plan import choose_size

INPUT_NOTE = "Output images only: the prompt and the images sent are billed as input tokens on top."


@dataclass(frozen=True)
class Estimate:
    """`area`: the photo pixels sent (width, height) and whether they are a crop; `output`: the size
    asked for, "auto" when the model chooses; `guessed`: the size the model will most likely
    choose for "auto"; `cost`: (lowest, highest) in US dollars for all variants, None when no
    per-image price is published."""

    area: tuple[int, int]
    cropped: bool
    output: str
    guessed: str | None
    requests: int
    variants: int
    cost: tuple[float, float] | None
    offline: bool = False

    def text(self) -> str:
        """One line for under the Generate button."""
        width, height = self.area
        sent = f"{'Crop' if self.cropped else 'Photo'} {width}×{height}"
        if self.offline:
            return f"{sent} · offline · free"
        output = self.output.replace("x", "×")
        if self.output == "auto":
            output = f"≈ {self.guessed.replace('x', '×')}" if self.guessed else "model's size"
        parts = [f"{sent} → {output}", f"{self.variants} variant{'s' * (self.variants != 1)}"]
        if self.requests != 1:
            parts.append(f"{self.requests} requests")
        parts.append(_money(self.cost) if self.cost else "price not published")
        return " · ".join(parts)

    def tooltip(self) -> str:
        width, height = self.area
        what = "a crop around the mask" if self.cropped else "the whole photo"
        if self.offline:
            return f"The offline backend fills the mask in {what} ({width}×{height}) on this computer."
        lines = [f"Sends {what}, {width}×{height} photo pixels, in {self.requests} request"
                 f"{'s' * (self.requests != 1)} for {self.variants} variant{'s' * (self.variants != 1)}."]
        if self.output == "auto":
            lines.append("The model chooses the output size" + (
                f"; for this shape most likely {self.guessed.replace('x', '×')}." if self.guessed else "."))
        else:
            lines.append(f"Output size asked for: {self.output.replace('x', '×')}.")
        if self.cost:
            lines.append(f"Estimated {_money(self.cost)}. {INPUT_NOTE}")
        else:
            lines.append("No per-image price is published for this model and size; the provider bills "
                         "by tokens (see the job's usage in History).")
        return "\n".join(lines)


def estimate(context: EditContext, options: EditOptions) -> Estimate:
    """What a Generate with `options` of the planned `context` sends and costs."""
    _x, _y, width, height = context.crop
    caps = capabilities(options.provider, options.model)
    variants = max(1, options.n or 1)
    if caps.offline:
        return Estimate((width, height), context.cropped, "auto", None, 1, 1, (0.0, 0.0), offline=True)
    if context.cropped:
        output = f"{context.size[0]}x{context.size[1]}"
    elif parse_size(options.size) is not None:
        output = options.size
    else:
        spec = model_spec(options.model)
        rules = spec.size_rules
        if options.size != "auto" and rules is not None:
            output = "x".join(map(str, choose_size(width, height, rules=rules, preset=options.size)))
        else:
            output = "auto"
    guessed = "x".join(map(str, choose_size(width, height))) if output == "auto" else None
    return Estimate((width, height), context.cropped, output, guessed, 1, variants,
                    _cost(options, output, guessed, variants))


def _cost(options: EditOptions, output: str, guessed: str | None, variants: int
          ) -> tuple[float, float] | None:
    prices = model_spec(options.model).prices
    if prices is None or prices.per_image is None:
        return None
    qualities = tuple(prices.per_image) if options.quality in (None, "auto") else (options.quality,)
    size = guessed if output == "auto" else output
    sizes = (size,) if size in STANDARD_SIZES else ()
    if not sizes:
        return None  # a free size: its per-image price is not published
    each = [price for quality in qualities for size in sizes
            if (price := prices.per_variant(quality, size)) is not None]
    if not each:
        return None
    return min(each) * variants, max(each) * variants


def _money(cost: tuple[float, float]) -> str:
    low, high = cost
    shown = (lambda value: f"${value:.3f}") if high < 0.1 else (lambda value: f"${value:.2f}")
    return f"≈ {shown(low)}" if abs(high - low) < 0.0005 else f"≈ {shown(low)}–{shown(high)}"
