"""EditOptions: what each model supports, and how contradictions are resolved before sending."""

from __future__ import annotations

import dataclasses
from dataclasses import replace

import pytest

from editor.pipeline.options import MAX_PROMPT_CHARS, STANDARD_SIZES, EditOptions, capabilities, normalized


def test_options_are_frozen_with_the_api_defaults():
    options = EditOptions(provider="openai", model="gpt-image-1")
    assert (options.n, options.size, options.quality, options.background) == (1, "auto", "auto", "auto")
    assert (options.output_format, options.output_compression, options.input_fidelity) == ("png", None, None)
    assert (options.stream, options.partial_images) == (False, None)
    with pytest.raises(dataclasses.FrozenInstanceError):
        options.n = 2  # type: ignore[misc]


@pytest.mark.parametrize(("provider", "model", "fidelities", "custom"), [
    ("openai", "gpt-image-1", ("low", "high"), False),
    ("openai", "gpt-image-1-mini", ("low",), False),  # MODELS.md: low only
    ("openai", "gpt-image-2", (), True),  # MODELS.md: omit, always high
    ("requesty", "azure/openai/gpt-image-1", ("low", "high"), False),
    ("custom", "gpt-image-1", ("low", "high"), False),  # the model decides, not the provider
])
def test_capabilities_follow_the_model(provider, model, fidelities, custom):
    caps = capabilities(provider, model)
    assert caps.spec.fidelities == fidelities and caps.fidelity is bool(fidelities)
    assert caps.custom_sizes is custom
    presets = ("crop", "1k", "2k", "4k") if custom else ()  # free sizes: named after the area sent
    assert caps.sizes == (STANDARD_SIZES[0], *presets, *STANDARD_SIZES[1:])
    assert caps.transparency and caps.uses_prompt and not caps.offline
    assert caps.max_prompt_chars == MAX_PROMPT_CHARS == 32_000 and caps.max_variants == 10


def test_the_offline_backend_ignores_prompt_variants_and_size():
    caps = capabilities("local", "telea")
    assert caps.offline and not caps.uses_prompt and caps.sizes == () and caps.max_variants == 1
    assert not caps.fidelity and not caps.transparency and not caps.streaming


def test_transparent_background_forces_a_format_with_alpha():
    fixed = normalized(EditOptions(provider="openai", model="gpt-image-1", background="transparent",
                                   output_format="jpeg", output_compression=80))
    assert fixed.output_format == "png" and fixed.output_compression is None
    webp = normalized(EditOptions(provider="openai", model="gpt-image-1", background="transparent",
                                  output_format="webp", output_compression=80))
    assert webp.output_format == "webp" and webp.output_compression == 80


def test_compression_only_for_jpeg_and_webp_and_clamped():
    assert normalized(EditOptions(provider="openai", output_compression=50)).output_compression is None
    jpeg = EditOptions(provider="openai", model="gpt-image-1", output_format="jpeg", output_compression=150)
    assert normalized(jpeg).output_compression == 100


def test_fidelity_dropped_where_the_model_has_none():
    mini = EditOptions(provider="openai", model="gpt-image-1-mini", input_fidelity="high")
    assert normalized(mini).input_fidelity is None
    assert normalized(replace(mini, input_fidelity="low")).input_fidelity == "low"
    two = EditOptions(provider="openai", model="gpt-image-2", input_fidelity="low")
    assert normalized(two).input_fidelity is None
    full = EditOptions(provider="openai", model="gpt-image-1", input_fidelity="high")
    assert normalized(full).input_fidelity == "high"


def test_partial_images_need_streaming():
    assert normalized(EditOptions(provider="openai", partial_images=2)).partial_images is None
    streamed = normalized(EditOptions(provider="openai", stream=True, partial_images=7))
    assert streamed.stream and streamed.partial_images == 3


def test_variants_are_clamped_to_what_the_provider_makes():
    assert normalized(EditOptions(provider="openai", n=25)).n == 10
    assert normalized(EditOptions(provider="openai", n=0)).n == 1
    offline = normalized(EditOptions(provider="local", n=4, size="1024x1024", stream=True, partial_images=2,
                                     input_fidelity="high"))
    assert (offline.n, offline.size, offline.stream, offline.partial_images, offline.input_fidelity) == (
        1, "auto", False, None, None)


def test_normalizing_twice_changes_nothing_more():
    messy = EditOptions(provider="openai", model="gpt-image-1-mini", n=12, background="transparent",
                        output_format="jpeg", output_compression=-5, input_fidelity="low", partial_images=1)
    once = normalized(messy)
    assert normalized(once) == once
    assert normalized(EditOptions(provider="openai", model="gpt-image-1")) == EditOptions(
        provider="openai", model="gpt-image-1")
