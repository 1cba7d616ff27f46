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
STANDARD_QUALITIES = ("auto", "low", "medium", "high")
BACKGROUNDS = ("auto", "opaque", "transparent")
OUTPUT_FORMATS = ("png", "jpeg", "webp")
FIDELITIES = ("low", "high")
MAX_VARIANTS = 10
MAX_PROMPT_CHARS = 32_000


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
    max_variants: int = MAX_VARIANTS
    max_prompt_chars: int = MAX_PROMPT_CHARS
    streaming: bool = True

    @property
    def custom_sizes(self) -> bool:
        return self.size_rules is not None

    @property
    def backgrounds(self) -> tuple[str, ...]:
        return BACKGROUNDS if self.transparency != "no" else BACKGROUNDS[:2]

    def size_problem(self, size: str | None) -> str | None:
        """Why this model would refuse `size`, or None when it takes it (None and "auto" always)."""
        if size is None or size in self.sizes:
            return None
        dimensions = parse_size(size)
        if self.size_rules is None or dimensions is None:
            return f"{self.name or 'this model'} takes the sizes {', '.join(self.sizes)}"
        problem = self.size_rules.problem(*dimensions)
        return None if problem is None else f"for {self.name}, {problem}"


FREE_SIZES = SizeRules()

_TABLE: dict[str, ModelSpec] = {
    spec.name: spec
    for spec in (
        ModelSpec("gpt-image-1"),
        ModelSpec("gpt-image-1-mini", fidelities=("low",)),
        ModelSpec("gpt-image-1.5"),
        ModelSpec("chatgpt-image-latest"),
        ModelSpec("gpt-image-2", size_rules=FREE_SIZES, transparency="preview", fidelities=()),
        # 2.5 and 2.6: input_fidelity unconfirmed (left out); 2.6's free sizes are unconfirmed too,
        # so the planner keeps to the standard buckets there.
        ModelSpec("gpt-image-2.5-sunburst", size_rules=FREE_SIZES, fidelities=()),
        ModelSpec("gpt-image-2.5-flare", size_rules=FREE_SIZES, fidelities=()),
        ModelSpec("gpt-image-2.6-sunburst", fidelities=()),
        ModelSpec("gpt-image-2.6-flare", fidelities=()),
    )
}

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
    """The row for `model`; a model the table does not know gets the standard, safe row."""
    name = canonical_model(model)
    spec = _TABLE.get(name)
    return spec if spec is not None else ModelSpec(model or "", known=False)


def parse_size(size: str | None) -> tuple[int, int] | None:
    """"1536x1024" → (1536, 1024); None for auto, nonsense or a zero edge."""
    width, sep, height = (size or "").partition("x")
    if sep and width.isdigit() and height.isdigit() and int(width) > 0 and int(height) > 0:
        return int(width), int(height)
    return None
