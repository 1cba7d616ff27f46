"""What each GPT Image model accepts, as ../shared/reference/MODELS.md states it, for the fake's
strict per-model checks. Written apart from the app's own table (editor/backends/models.py) on
purpose: the fake must refuse what the real service refuses, not what the app believes.

Where MODELS.md says "unconfirmed" the fake refuses, the safe side: an app that passes here sends
nothing a real model could turn down.
"""

from __future__ import annotations

from dataclasses import dataclass

STANDARD_QUALITIES = ("low", "medium", "high", "auto")
NEW_QUALITIES = (*STANDARD_QUALITIES, "xhigh", "max")


@dataclass(frozen=True)
class ModelRules:
    free_sizes: bool = False
    qualities: tuple[str, ...] = STANDARD_QUALITIES
    fidelities: tuple[str, ...] = ("high", "low")  # empty: the parameter is refused
    transparent: bool = True
    output_formats: tuple[str, ...] = ("png", "jpeg", "webp")
    complexities: tuple[str, ...] = ()  # empty: the parameter is refused


_NEW = ModelRules(free_sizes=True, qualities=NEW_QUALITIES, fidelities=())
_2_6 = ModelRules(qualities=NEW_QUALITIES, fidelities=(), complexities=("low", "medium", "high"),
                  output_formats=("png", "jpeg", "webp", "gif", "svg"))
RULES = {
    "gpt-image-1": ModelRules(),
    "gpt-image-1-mini": ModelRules(fidelities=("low",)),
    "gpt-image-1.5": ModelRules(),
    "chatgpt-image-latest": ModelRules(fidelities=()),  # not in MODELS.md's table: unconfirmed
    "gpt-image-2": ModelRules(free_sizes=True, fidelities=()),  # transparency: a preview, accepted
    "gpt-image-2.5-sunburst": _NEW,
    "gpt-image-2.5-flare": _NEW,
    "gpt-image-2.6-sunburst": _2_6,  # free sizes unconfirmed: refused
    "gpt-image-2.6-flare": _2_6,
}
# Dated snapshots of these (MODELS.md lists gpt-image-2-2026-04-21 and the 2.5 ones).
SNAPSHOTS = ("gpt-image-2", "gpt-image-2.5-sunburst", "gpt-image-2.5-flare")


def rules_for(model: str | None) -> ModelRules | None:
    """The rules of `model` under OpenAI's, Requesty's or Azure's name; None for a model the
    fake does not know (a Custom server's: only the generic rules apply)."""
    name = (model or "").lower()
    for prefix in ("azure/openai/", "openai/"):
        name = name.removeprefix(prefix)
    if name in RULES:
        return RULES[name]
    for base in SNAPSHOTS:
        if name.startswith(f"{base}-20") and len(name) == len(base) + 11:
            return RULES[base]
    return None
