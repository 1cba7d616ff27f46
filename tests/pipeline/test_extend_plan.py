"""Planning an extension: sizes every model takes, strips that cover every margin at full detail,
each overlapping the one before, the whole canvas scaled down where a margin is too deep."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from editor.backends.models import known_models
from editor.imaging.extend import Extension
from editor.pipeline.extend_plan import MIN_CONTEXT_PX, plan_extension
from editor.pipeline.options import EditOptions

PHOTOS = ((600, 400), (1600, 1200), (4000, 3000), (3000, 4500), (6000, 4000), (8000, 1000))
EXTENSIONS = (Extension(100, 0, 100, 0), Extension(0, 300, 0, 0), Extension(0, 0, 900, 40),
              Extension(64, 64, 64, 64), Extension(3000, 0, 0, 0), Extension(0, 0, 0, 1))
BAND = 32


def options(model: str, n: int = 1) -> EditOptions:
    return EditOptions(provider="openai", model=model, n=n)


@pytest.mark.parametrize("model", [spec.name for spec in known_models()])
def test_every_request_size_is_one_the_model_takes(model):
    spec = next(spec for spec in known_models() if spec.name == model)
    for photo, extension in itertools.product(PHOTOS, EXTENSIONS):
        plan = plan_extension(photo, extension, options(model), band_px=BAND)
        for step in plan.steps:
            size = f"{step.size[0]}x{step.size[1]}"
            assert spec.size_problem(size) is None, (photo, extension, size)


@pytest.mark.parametrize(("photo", "extension", "model"),
                         list(itertools.product(PHOTOS, EXTENSIONS, ("gpt-image-1", "gpt-image-2"))))
def test_steps_cover_every_margin_inside_the_canvas(photo, extension, model):
    plan = plan_extension(photo, extension, options(model), band_px=BAND)
    width, height = plan.canvas_size
    covered = np.zeros((height, width), bool)
    for step in plan.steps:
        x, y, w, h = step.crop
        assert x >= 0 and y >= 0 and x + w <= width and y + h <= height
        covered[y:y + h, x:x + w] = True
    margins = np.ones((height, width), bool)
    margins[extension.top:extension.top + photo[1], extension.left:extension.left + photo[0]] = False
    assert covered[margins].all()


def test_a_margin_too_large_for_one_request_goes_in_overlapping_full_detail_strips():
    plan = plan_extension((4000, 3000), Extension(800, 0, 800, 0), options("gpt-image-1", n=2), band_px=BAND)
    assert [step.side for step in plan.steps] == ["left"] * 3 + ["right"] * 3
    assert all(step.size == (1024, 1536) and step.scale == 1 for step in plan.steps)
    lefts = [step.crop for step in plan.steps if step.side == "left"]
    for before, after in itertools.pairwise(lefts):
        assert after[1] < before[1] + before[3]  # conditioned: it overlaps what the one before drew
    assert lefts[0][1] == 0 and lefts[-1][1] + lefts[-1][3] == 3000
    assert all(crop[2] >= 800 + BAND + MIN_CONTEXT_PX for crop in lefts)
    assert plan.requests == 1 + 5 * 2
    assert plan.text() == ("Canvas 5600×3000 → 6 strips of 1024×1536 along the edges, full detail · "
                           "11 requests")


def test_a_small_canvas_goes_whole_and_a_deep_margin_whole_scaled_down():
    small = plan_extension((600, 400), Extension(100, 0, 100, 0), options("gpt-image-1"), band_px=BAND)
    assert [(step.crop, step.size) for step in small.steps] == [((0, 0, 800, 400), (1536, 1024))]
    assert not small.scaled_down and small.requests == 1
    deep = plan_extension((6000, 4000), Extension(3000, 0, 0, 0), options("gpt-image-1"), band_px=BAND)
    (step,) = deep.steps
    assert step.crop == (0, 0, 9000, 4000) and step.scale < 1
    assert deep.text() == "Canvas 9000×4000 → 1536×1024 (whole, scaled down)"


def test_top_and_bottom_strips_come_after_the_sides_and_span_the_corners():
    plan = plan_extension((4000, 3000), Extension(200, 200, 200, 200), options("gpt-image-1"), band_px=BAND)
    sides = [step.side for step in plan.steps]
    assert sides.index("top") > max(i for i, side in enumerate(sides) if side in ("left", "right"))
    tops = [step.crop for step in plan.steps if step.side == "top"]
    assert tops[0][0] == 0 and tops[-1][0] + tops[-1][2] == 4400


def test_offline_fills_the_whole_canvas_at_full_size_once():
    offline = EditOptions(provider="local", model="auto")
    plan = plan_extension((4000, 3000), Extension(800, 0, 800, 0), offline, band_px=BAND)
    assert [(step.crop, step.size) for step in plan.steps] == [((0, 0, 5600, 3000), None)]
    assert plan.text() == "Canvas 5600×3000 · filled offline in one pass"


def test_the_price_counts_every_image_of_every_step():
    high = EditOptions(provider="openai", model="gpt-image-1", n=2, quality="high")
    plan = plan_extension((4000, 3000), Extension(800, 0, 800, 0), high, band_px=BAND)
    assert plan.cost == pytest.approx((6 * 2 * 0.25, 6 * 2 * 0.25))  # 1024×1536 at high: $0.25 each
    assert plan.cost_text() == "≈ $3.00 for the output images"
    free = plan_extension((4000, 3000), Extension(800, 0, 800, 0), options("gpt-image-2"), band_px=BAND)
    assert free.cost is None and free.cost_text() == ""  # free sizes: no per-image price published
    offline = plan_extension((600, 400), Extension(0, 0, 10, 0), EditOptions(provider="local"), band_px=BAND)
    assert offline.cost_text() == ""
