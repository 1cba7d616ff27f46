"""The capability table: what each image model takes on `POST /images/edits`, as data.

One row per model family, from ../shared/reference/MODELS.md; the options panel, the command
line's checks, the planner (which output size to ask for) and the request's validation all read
it. Providers name models differently (OpenAI's bare ids, Requesty's `openai/…` and
`azure/openai/…`); `model_spec` looks through those prefixes and dated snapshot suffixes. A model
the table does not know (a Custom provider's) gets only the standard sizes from the planner and
is sent what the user set, nothing more.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

STANDARD_SIZES = ("auto", "1024x1024", "1536x1024", "1024x1536")
# Where a model takes free sizes, these name a size the planner works out from the area sent:
# the area's own pixels ("crop"), or about 1, 4 or 8.3 MP at its aspect; see SizeRules.fit.
SIZE_PRESETS: dict[str, int | None] = {"crop": None, "1k": 1024 * 1024, "2k": 2048 * 2048,
                                       "4k": 8_294_400}
# Above this the providers call free sizes "experimental" (2560 × 1440): Auto stays below it.
STEADY_PIXELS = 3_686_400
STANDARD_QUALITIES = ("auto", "low", "medium", "high")
QUALITIES = (*STANDARD_QUALITIES, "xhigh", "max")  # xhigh and max: gpt-image-2.5 and later
BACKGROUNDS = ("auto", "opaque", "transparent")
OUTPUT_FORMATS = ("png", "jpeg", "webp")
FIDELITIES = ("low", "high")
COMPLEXITIES = ("low", "medium", "high")  # gpt-image-2.6 only
MODERATIONS = ("auto", "low")  # JSON bodies only (the multipart form has no such field)
MAX_VARIANTS = 10
MAX_PROMPT_CHARS = 32_000

# Why some fields are left out, for the options' tooltips (MODELS.md: where a fact is unconfirmed,
# the field is not sent).
NOT_CONFIRMED = "not sent: whether {model} takes it is unconfirmed"
NOT_OFFERED_FORMATS = ("GIF and SVG output (gpt-image-2.6) are not offered: GIF takes no mask, and "
                       "an SVG cannot be placed back into a photo.")


@dataclass(frozen=True)
class Prices:
    """What one model costs, in US dollars. `per_image`: quality → (square 1024², 1536×1024 or
    1024×1536) per output image, where OpenAI publishes it; `image_output_per_million`: the
    token price where only that is known (per-image token counts unconfirmed)."""

    per_image: dict[str, tuple[float, float]] | None = None
    image_output_per_million: float | None = None
    confirmed: bool = True

    def per_variant(self, quality: str | None, size: str | None) -> float | None:
        """The price of one output image at `quality` and `size`, or None when it is not known
        (auto quality, free sizes, token-priced models)."""
        if self.per_image is None or quality not in self.per_image:
            return None
        square, oblong = self.per_image[quality]
        if size in ("1024x1024",):
            return square
        if size in ("1536x1024", "1024x1536"):
            return oblong
        return None


@dataclass(frozen=True)
class SizeRules:
    """The free-size rules of gpt-image-2 and later: each edge a multiple of `step`, the long edge
    at most `max_edge`, long:short at most `max_aspect`, total pixels within `pixels`."""

    step: int = 16
    max_edge: int = 3840
    max_aspect: float = 3.0
    pixels: tuple[int, int] = (655_360, 8_294_400)

    def problem(self, width: int, height: int) -> str | None:
        """Why width×height breaks the rules, in words, or None when it keeps them."""
        if width <= 0 or height <= 0:
            return f"{width}×{height} has no area."
        if width % self.step or height % self.step:
            return f"both edges must be multiples of {self.step}"
        if max(width, height) > self.max_edge:
            return f"the long edge may be at most {self.max_edge} px"
        if max(width, height) > self.max_aspect * min(width, height):
            return f"the long edge may be at most {self.max_aspect:g} times the short one"
        if not self.pixels[0] <= width * height <= self.pixels[1]:
            return f"the size must have {self.pixels[0]:,}–{self.pixels[1]:,} pixels"
        return None

    def fit(self, aspect: float, pixels: int) -> tuple[int, int]:
        """The size nearest `pixels` in area at `aspect` (clamped to the rules), edges on the step."""
        aspect = min(max(aspect, 1 / self.max_aspect), self.max_aspect)
        pixels = min(max(pixels, self.pixels[0]), self.pixels[1])
        width = math.sqrt(pixels * aspect)
        height = width / aspect
        scale = min(1.0, self.max_edge / max(width, height))
        width, height = width * scale, height * scale
        snapped = (max(self.step, round(width / self.step) * self.step),
                   max(self.step, round(height / self.step) * self.step))
        # Rounding may step just past a limit: walk back inside on the long edge.
        while self.problem(*snapped) is not None and min(snapped) > self.step:
            w, h = snapped
            snapped = (w - self.step, h) if w >= h else (w, h - self.step)
        return snapped


@dataclass(frozen=True)
class ModelSpec:
    """What one model accepts. `fidelities` empty: leave `input_fidelity` out (the model refuses
    it or only ever works at high fidelity). `transparency` is "yes", "preview" or "no"."""

    name: str
    known: bool = True
    sizes: tuple[str, ...] = STANDARD_SIZES
    size_rules: SizeRules | None = None  # free sizes (custom WxH) and their rules
    qualities: tuple[str, ...] = STANDARD_QUALITIES
    transparency: str = "yes"
    fidelities: tuple[str, ...] = FIDELITIES
    output_formats: tuple[str, ...] = OUTPUT_FORMATS
    complexities: tuple[str, ...] = ()
    moderations: tuple[str, ...] = MODERATIONS
    max_variants: int = MAX_VARIANTS
    max_prompt_chars: int = MAX_PROMPT_CHARS
    streaming: bool = True
    summary: str = ""  # what it is good for, in a few words
    prices: Prices | None = None
    notes: tuple[tuple[str, str], ...] = ()  # field → why it is left out or what to expect

    def note(self, field: str) -> str | None:
        """The tooltip line for `field` on this model (unconfirmed, preview…), or None."""
        return dict(self.notes).get(field)

    @property
    def custom_sizes(self) -> bool:
        return self.size_rules is not None

    @property
    def offered_sizes(self) -> tuple[str, ...]:
        """The sizes to offer: with free sizes, the presets too ("as the crop", 1K, 2K, 4K)."""
        if self.size_rules is None:
            return self.sizes
        return (self.sizes[0], *SIZE_PRESETS, *self.sizes[1:])

    @property
    def backgrounds(self) -> tuple[str, ...]:
        return BACKGROUNDS if self.transparency != "no" else BACKGROUNDS[:2]

    def size_problem(self, size: str | None) -> str | None:
        """Why this model would refuse `size`, or None when it takes it (None and "auto" always)."""
        if size is None or size in self.sizes or (size in SIZE_PRESETS and self.size_rules is not None):
            return None
        dimensions = parse_size(size)
        if self.size_rules is None or dimensions is None:
            return f"{self.name or 'this model'} takes the sizes {', '.join(self.sizes)}"
        problem = self.size_rules.problem(*dimensions)
        return None if problem is None else f"for {self.name}, {problem}"


FREE_SIZES = SizeRules()

_IMAGE_1 = Prices({"low": (0.011, 0.016), "medium": (0.042, 0.063), "high": (0.167, 0.25)})
_IMAGE_1_MINI = Prices({"low": (0.005, 0.006), "medium": (0.011, 0.015), "high": (0.036, 0.052)})
_IMAGE_1_5 = Prices({"low": (0.009, 0.013), "medium": (0.034, 0.05), "high": (0.133, 0.2)})
_IMAGE_2 = Prices({"low": (0.006, 0.005), "medium": (0.053, 0.041), "high": (0.211, 0.165)})
_TOKEN_PRICED = Prices(image_output_per_million=30.0, confirmed=False)  # third-party pages only


def _unconfirmed(model: str, *fields: str) -> tuple[tuple[str, str], ...]:
    return tuple((field, NOT_CONFIRMED.format(model=model)) for field in fields)


def _sunburst_flare(version: str, tier: str, **changes) -> ModelSpec:
    name = f"gpt-image-{version}-{tier}"
    purpose = "precision and editing" if tier == "sunburst" else "faster"
    return ModelSpec(name, qualities=QUALITIES, fidelities=(), summary=f"GPT Image {version}, {purpose}",
                     prices=_TOKEN_PRICED, **changes)


_TABLE: dict[str, ModelSpec] = {
    spec.name: spec
    for spec in (
        ModelSpec("gpt-image-1", summary="the first GPT Image model; standard sizes", prices=_IMAGE_1),
        ModelSpec("gpt-image-1-mini", fidelities=("low",), summary="the lowest price; standard sizes",
                  prices=_IMAGE_1_MINI,
                  notes=(("input_fidelity", "gpt-image-1-mini takes low fidelity only"),)),
        ModelSpec("gpt-image-1.5", summary="the API's default model; standard sizes", prices=_IMAGE_1_5),
        ModelSpec("chatgpt-image-latest", fidelities=(), summary="the model ChatGPT uses now",
                  notes=_unconfirmed("chatgpt-image-latest", "input_fidelity")),
        ModelSpec("gpt-image-2", size_rules=FREE_SIZES, transparency="preview", fidelities=(),
                  summary="free sizes up to 3840 px", prices=_IMAGE_2,
                  notes=(("input_fidelity", "gpt-image-2 always keeps details at high fidelity"),
                         ("background", "transparent backgrounds are a preview on gpt-image-2"))),
        # 2.5 and 2.6: input_fidelity is unconfirmed (left out); 2.6's free sizes are unconfirmed
        # too, so the planner keeps to the standard buckets there.
        *(_sunburst_flare("2.5", tier, size_rules=FREE_SIZES,
                          notes=_unconfirmed(f"gpt-image-2.5-{tier}", "input_fidelity"))
          for tier in ("sunburst", "flare")),
        *(_sunburst_flare("2.6", tier, complexities=COMPLEXITIES,
                          notes=(*_unconfirmed(f"gpt-image-2.6-{tier}", "input_fidelity"),
                                 ("size", f"free sizes on gpt-image-2.6-{tier} are unconfirmed: only the "
                                          "standard sizes are offered"),
                                 ("output_format", NOT_OFFERED_FORMATS)))
          for tier in ("sunburst", "flare")),
    )
}


def known_models() -> tuple[ModelSpec, ...]:
    """Every model the table knows, in the order of the table."""
    return tuple(_TABLE.values())


_PROVIDER_PREFIXES = ("azure/openai/", "openai/")
_SNAPSHOT = re.compile(r"-\d{4}-\d{2}-\d{2}$")


def canonical_model(model: str | None) -> str:
    """The bare OpenAI id behind a provider's model name: "azure/openai/gpt-image-1" → "gpt-image-1"."""
    name = (model or "").strip().lower()
    for prefix in _PROVIDER_PREFIXES:
        if name.startswith(prefix):
            name = name[len(prefix):]
            break
    return _SNAPSHOT.sub("", name)


def model_spec(model: str | None) -> ModelSpec:
    """The row for `model`. A model the table does not know (a Custom server's) gets the standard
    sizes, and may be given any value of the other fields: only what the user sets is sent."""
    name = canonical_model(model)
    spec = _TABLE.get(name)
    if spec is not None:
        return spec
    return ModelSpec(model or "", known=False, qualities=QUALITIES, complexities=COMPLEXITIES)


def parse_size(size: str | None) -> tuple[int, int] | None:
    """"1536x1024" → (1536, 1024); None for auto, nonsense or a zero edge."""
    width, sep, height = (size or "").partition("x")
    if sep and width.isdigit() and height.isdigit() and int(width) > 0 and int(height) > 0:
        return int(width), int(height)
    return None
