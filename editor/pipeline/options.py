"""The options of an edit, and what each provider's model supports, as plain frozen data.

The options panel reads `capabilities()` to show only what applies; `normalized()` removes
contradictions (JPEG with a transparent background, compression on PNG, …) so that a job is
never sent with options the service would refuse.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from editor.backends.models import (
    MAX_PROMPT_CHARS,
    MAX_VARIANTS,
    SIZE_PRESETS,
    STANDARD_SIZES,
    ModelSpec,
    model_spec,
)
from editor.backends.providers import PROFILES

CONTEXTS = ("auto", "mask", "whole")  # what part of the photo is sent: see editor.pipeline.plan

__all__ = ["MAX_PROMPT_CHARS", "MAX_VARIANTS", "STANDARD_SIZES", "Capabilities", "EditOptions",
           "capabilities", "normalized", "options_from_record", "provider_label"]


@dataclass(frozen=True)
class EditOptions:
    """What one Generate sends besides the pixels and the prompt. None leaves a field out (the
    window always sets them; the command line leaves out the flags not given)."""

    provider: str = "local"
    model: str = ""
    n: int | None = 1
    size: str = "auto"
    context: str = "auto"  # what part of the photo is sent: auto, mask (its area) or whole
    quality: str | None = "auto"
    background: str | None = "auto"
    output_format: str | None = "png"
    output_compression: int | None = None
    input_fidelity: str | None = None
    stream: bool = False
    partial_images: int | None = None
    complexity: str | None = None  # gpt-image-2.6: planning effort, apart from quality
    moderation: str | None = None  # JSON bodies only


@dataclass(frozen=True)
class Capabilities:
    """What the selected provider and model can do, for the options panel to follow; `spec` is the
    model's row of the capability table (editor.backends.models), None offline."""

    offline: bool
    uses_prompt: bool
    sizes: tuple[str, ...]
    custom_sizes: bool
    fidelity: bool
    transparency: bool
    streaming: bool
    max_variants: int
    max_prompt_chars: int
    spec: ModelSpec | None = None

    @property
    def typed_sizes(self) -> bool:
        """May the user type a width×height? Where the model takes free sizes, and for a model the
        table does not know (only the user knows their server); the planner itself picks free sizes
        only where `custom_sizes` says the model's rules are known."""
        return self.custom_sizes or (self.spec is not None and not self.spec.known)

    def size_problem(self, size: str) -> str | None:
        """Why the model would refuse `size` (None: it takes it, or the model is unknown)."""
        if self.spec is None or not self.spec.known:
            return None
        return self.spec.size_problem(size)


def capabilities(provider: str, model: str) -> Capabilities:
    if provider == "local":
        return Capabilities(offline=True, uses_prompt=False, sizes=(), custom_sizes=False,
                            fidelity=False, transparency=False, streaming=False, max_variants=1,
                            max_prompt_chars=MAX_PROMPT_CHARS)
    spec = model_spec(model)
    return Capabilities(
        offline=False,
        uses_prompt=True,
        sizes=spec.offered_sizes,
        custom_sizes=spec.custom_sizes,
        fidelity=bool(spec.fidelities),
        transparency=spec.transparency != "no",
        streaming=spec.streaming,
        max_variants=spec.max_variants,
        max_prompt_chars=spec.max_prompt_chars,
        spec=spec,
    )


def normalized(options: EditOptions) -> EditOptions:
    """The same options without contradictions, clamped to what the model takes."""
    caps = capabilities(options.provider, options.model)
    changes: dict[str, object] = {}
    if options.n is not None:
        changes["n"] = min(max(options.n, 1), caps.max_variants)
    if options.context not in CONTEXTS:
        changes["context"] = "auto"
    if options.background == "transparent" and options.output_format == "jpeg":
        changes["output_format"] = "png"
    output_format = changes.get("output_format", options.output_format)
    if output_format in (None, "png") or options.output_compression is None:
        changes["output_compression"] = None
    else:
        changes["output_compression"] = min(max(options.output_compression, 0), 100)
    if not caps.fidelity or (caps.spec is not None and caps.spec.known
                             and options.input_fidelity not in (None, *caps.spec.fidelities)):
        changes["input_fidelity"] = None
    spec = caps.spec
    if spec is not None:
        if options.size in SIZE_PRESETS and spec.size_rules is None:
            changes["size"] = "auto"  # "as the crop", 1K, 2K, 4K: free sizes only
        if options.quality is not None and options.quality not in spec.qualities:
            changes["quality"] = "auto"
        if options.background is not None and options.background not in spec.backgrounds:
            changes["background"] = "auto"
        if output_format is not None and output_format not in spec.output_formats:
            changes["output_format"] = "png"
            changes["output_compression"] = None
        if options.complexity is not None and options.complexity not in spec.complexities:
            changes["complexity"] = None
        if options.moderation is not None and options.moderation not in spec.moderations:
            changes["moderation"] = None
    if not options.stream or not caps.streaming:
        changes["stream"] = False
        changes["partial_images"] = None
    elif options.partial_images is not None:
        changes["partial_images"] = min(max(options.partial_images, 0), 3)
    if caps.offline:
        changes.update(size="auto", quality="auto", background="auto", input_fidelity=None, complexity=None,
                       moderation=None)
    return replace(options, **changes)


def adjustments(before: EditOptions, after: EditOptions) -> str | None:
    """What `normalized` changed when the model changed, in one line for the user, or None."""
    texts = {"quality": "quality", "background": "background", "output_format": "format",
             "input_fidelity": "input fidelity", "complexity": "complexity", "moderation": "moderation",
             "size": "size"}
    changed = [f"{label} {_shown(getattr(before, name))} → {_shown(getattr(after, name))}"
               for name, label in texts.items() if getattr(before, name) != getattr(after, name)]
    if not changed:
        return None
    return f"{after.model or 'This model'} does not take them all: " + ", ".join(changed) + "."


def _shown(value: object) -> str:
    return "default" if value is None else str(value)


def options_from_record(values: dict) -> EditOptions:
    """EditOptions from a saved record's plain values; unknown names are left out, then normalized."""
    known = EditOptions.__dataclass_fields__
    return normalized(EditOptions(**{name: value for name, value in values.items() if name in known}))


def provider_label(options: EditOptions) -> str:
    """"OpenAI · gpt-image-1" — what a job list shows for where the job went."""
    profile = PROFILES.get(options.provider)
    label = profile.label if profile else options.provider
    return f"{label} · {options.model}" if options.model and profile and profile.kind == "http" else label
