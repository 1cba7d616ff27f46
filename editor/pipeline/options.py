"""The options of an edit, and what each provider's model supports, as plain frozen data.

The options panel reads `capabilities()` to show only what applies; `normalized()` removes
contradictions (JPEG with a transparent background, compression on PNG, …) so that a job is
never sent with options the service would refuse.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

STANDARD_SIZES = ("auto", "1024x1024", "1536x1024", "1024x1536")
CONTEXTS = ("auto", "mask", "whole")  # see editor.imaging.prepare.plan_context
QUALITIES = ("auto", "low", "medium", "high")
BACKGROUNDS = ("auto", "opaque", "transparent")
OUTPUT_FORMATS = ("png", "jpeg", "webp")
FIDELITIES = ("low", "high")
MAX_PROMPT_CHARS = 32_000
MAX_VARIANTS = 10


@dataclass(frozen=True)
class EditOptions:
    """What one Generate sends besides the pixels and the prompt. None leaves a field out."""

    provider: str = "local"
    model: str = ""
    n: int = 1
    size: str = "auto"
    context: str = "auto"  # what part of the photo is sent: auto, mask (its area) or whole
    quality: str = "auto"
    background: str = "auto"
    output_format: str = "png"
    output_compression: int | None = None
    input_fidelity: str | None = None
    stream: bool = False
    partial_images: int | None = None


@dataclass(frozen=True)
class Capabilities:
    """What the selected provider and model can do, for the options panel to follow."""

    offline: bool
    uses_prompt: bool
    sizes: tuple[str, ...]
    custom_sizes: bool
    fidelity: bool
    transparency: bool
    streaming: bool
    max_variants: int
    max_prompt_chars: int


def capabilities(provider: str, model: str) -> Capabilities:
    if provider == "local":
        return Capabilities(offline=True, uses_prompt=False, sizes=(), custom_sizes=False,
                            fidelity=False, transparency=False, streaming=False, max_variants=1,
                            max_prompt_chars=MAX_PROMPT_CHARS)
    name = model.lower()
    return Capabilities(
        offline=False,
        uses_prompt=True,
        sizes=STANDARD_SIZES,
        custom_sizes="gpt-image-2" in name or provider == "custom",
        fidelity=not name.endswith("gpt-image-1-mini"),
        transparency=True,
        streaming=True,
        max_variants=MAX_VARIANTS,
        max_prompt_chars=MAX_PROMPT_CHARS,
    )


def normalized(options: EditOptions) -> EditOptions:
    """The same options without contradictions, clamped to what the model takes."""
    caps = capabilities(options.provider, options.model)
    changes: dict[str, object] = {"n": min(max(options.n, 1), caps.max_variants)}
    if options.context not in CONTEXTS:
        changes["context"] = "auto"
    if options.background == "transparent" and options.output_format == "jpeg":
        changes["output_format"] = "png"
    output_format = changes.get("output_format", options.output_format)
    if output_format == "png" or options.output_compression is None:
        changes["output_compression"] = None
    else:
        changes["output_compression"] = min(max(options.output_compression, 0), 100)
    if not caps.fidelity:
        changes["input_fidelity"] = None
    if not options.stream or not caps.streaming:
        changes["stream"] = False
        changes["partial_images"] = None
    elif options.partial_images is not None:
        changes["partial_images"] = min(max(options.partial_images, 0), 3)
    if caps.offline:
        changes.update(size="auto", quality="auto", background="auto", input_fidelity=None)
    return replace(options, **changes)


def options_from_record(values: dict) -> EditOptions:
    """EditOptions from a saved record's plain values; unknown names are left out, then normalized."""
    known = EditOptions.__dataclass_fields__
    return normalized(EditOptions(**{name: value for name, value in values.items() if name in known}))
