"""The line under Generate: what is sent, in how many requests, and what it costs."""

from __future__ import annotations

import pytest

from editor.imaging.prepare import EditContext
from editor.pipeline.estimate import estimate
from editor.pipeline.options import EditOptions


def test_a_crop_at_a_standard_size_is_priced_per_variant():
    options = EditOptions(provider="openai", model="gpt-image-1", n=2, quality="high")
    planned = estimate(EditContext((100, 50, 800, 800), (1024, 1024)), options)
    assert planned.cost == pytest.approx((0.334, 0.334))
    assert planned.text() == "Crop 800×800 → 1024×1024 · 2 variants · ≈ $0.33"
    assert "input tokens" in planned.tooltip()


def test_auto_quality_and_size_give_the_range_the_model_may_choose():
    options = EditOptions(provider="openai", model="gpt-image-1.5", n=1, quality="auto")
    planned = estimate(EditContext((0, 0, 3000, 2000)), options)
    assert planned.output == "auto" and planned.guessed == "1536x1024"
    assert planned.cost == pytest.approx((0.013, 0.2))
    assert planned.text() == "Photo 3000×2000 → ≈ 1536×1024 · 1 variant · ≈ $0.01–$0.20"


def test_a_requesty_model_id_is_priced_as_its_model():
    options = EditOptions(provider="requesty", model="azure/openai/gpt-image-1-mini", quality="low")
    assert estimate(EditContext((0, 0, 1024, 1024)), options).cost == pytest.approx((0.005, 0.005))


def test_a_free_size_preset_is_worked_out_and_not_priced():
    options = EditOptions(provider="openai", model="gpt-image-2", size="2k", quality="high")
    planned = estimate(EditContext((0, 0, 4000, 3000)), options)
    width, height = (int(side) for side in planned.output.split("x"))
    assert width % 16 == 0 and height % 16 == 0 and 3_500_000 < width * height < 4_500_000
    assert planned.cost is None and "price not published" in planned.text()


def test_offline_is_free_and_says_so():
    planned = estimate(EditContext((0, 0, 600, 400)), EditOptions(provider="local", model="telea"))
    assert planned.text() == "Photo 600×400 · offline · free"
