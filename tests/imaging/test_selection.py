"""Smart selection on synthetic photos with known objects: box and strokes (GrabCut + guided
upsampling), the magic wand, refine edge, and how a selection meets the mask."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from editor.imaging.selection import (
    CancelFlag,
    ObjectHints,
    SelectionCancelled,
    SelectionError,
    Stroke,
    changed_rect,
    combine,
    magic_wand,
    refine_edge,
    select_object,
    subject_box,
)
from editor.imaging.selection.grabcut import WORK_PIXELS, working_copy
from tests.imaging.selection_scenes import boundary_f_score, ellipse_scene, iou, star_scene


@pytest.mark.parametrize("scene", [ellipse_scene(), star_scene()], ids=["ellipse", "star"])
def test_a_box_around_an_object_selects_it(scene):
    coverage = select_object(scene.photo, ObjectHints(box=scene.box))
    assert coverage.shape == scene.truth.shape and coverage.dtype == np.uint8
    assert iou(coverage, scene.truth) >= 0.9


def test_a_large_photo_is_worked_on_at_half_a_megapixel_and_keeps_its_full_resolution_edge():
    scene = ellipse_scene(2400, 1800)
    work = working_copy(scene.photo, ObjectHints(box=scene.box))
    assert work.small.shape[0] * work.small.shape[1] <= WORK_PIXELS * 1.01
    coverage = select_object(scene.photo, ObjectHints(box=scene.box))
    assert iou(coverage, scene.truth) >= 0.95
    # The edge sits where the full-resolution photo has it, not on the working copy's coarse grid.
    assert boundary_f_score(coverage >= 128, scene.truth, tolerance=2) >= 0.9


def test_nothing_outside_the_box_is_selected():
    scene = ellipse_scene()
    x, y, w, h = scene.box
    narrow = (x + w // 2, y, w // 2, h)  # the box cuts the object in half
    coverage = select_object(scene.photo, ObjectHints(box=narrow))
    assert not coverage[:, : x + w // 2].any()
    assert iou(coverage, scene.truth & (np.arange(scene.truth.shape[1]) >= x + w // 2)) >= 0.9


def test_foreground_and_background_strokes_alone_select_the_object():
    scene = ellipse_scene()
    h, w = scene.truth.shape
    strokes = (Stroke(((w * 0.45, h * 0.5), (w * 0.55, h * 0.45)), 6, True),
               Stroke(((20, 20), (w - 20, 20), (w - 20, h - 20)), 6, False))
    coverage = select_object(scene.photo, ObjectHints(strokes=strokes))
    assert iou(coverage, scene.truth) >= 0.9


def test_a_background_stroke_takes_a_part_out_of_the_box():
    scene = ellipse_scene()
    h, w = scene.truth.shape
    right = np.zeros_like(scene.truth)
    right[:, int(w * 0.6):] = True
    photo = scene.photo.copy()
    photo[scene.truth & right] = (40, 40, 200)  # the object's right part is another colour
    without = select_object(photo, ObjectHints(box=scene.box))
    assert iou(without, scene.truth) >= 0.9  # the box alone takes both parts
    hint = Stroke(((w * 0.68, h * 0.3), (w * 0.68, h * 0.7)), 8, False)
    with_hint = select_object(photo, ObjectHints(box=scene.box, strokes=(hint,)))
    assert iou(with_hint, scene.truth & ~right) >= 0.9


def test_hints_that_select_nothing_are_refused_with_a_sentence():
    scene = ellipse_scene()
    with pytest.raises(SelectionError, match="box"):
        select_object(scene.photo, ObjectHints(box=(5000, 5000, 40, 40)))
    with pytest.raises(SelectionError, match="stroke"):
        select_object(scene.photo, ObjectHints(strokes=(Stroke(((5, 5),), 4, False),)))


def test_a_cancelled_selection_stops():
    flag = CancelFlag()
    flag.cancel()
    with pytest.raises(SelectionCancelled):
        select_object(ellipse_scene().photo, ObjectHints(box=ellipse_scene().box), checkpoint=flag)


def test_progress_is_reported_up_to_done():
    seen: list[float] = []
    scene = ellipse_scene()
    select_object(scene.photo, ObjectHints(box=scene.box), checkpoint=CancelFlag(seen.append))
    assert seen == sorted(seen) and seen[-1] == 1.0 and len(seen) >= 3


# --- magic wand ------------------------------------------------------------------------------------


def _flat_regions() -> np.ndarray:
    photo = np.zeros((120, 160, 3), np.uint8)
    photo[:] = (30, 90, 200)  # blue
    photo[20:60, 20:70] = (220, 40, 40)  # red, top left
    photo[70:110, 100:150] = (222, 42, 38)  # almost the same red, bottom right, apart
    photo[20:60, 100:150] = (40, 200, 60)  # green
    return photo


def test_the_wand_selects_a_flat_region_exactly():
    coverage = magic_wand(_flat_regions(), (30, 30), 10)
    expected = np.zeros((120, 160), np.uint8)
    expected[20:60, 20:70] = 255
    np.testing.assert_array_equal(coverage, expected)


def test_global_takes_the_same_colour_everywhere_and_contiguous_only_what_touches():
    photo = _flat_regions()
    touching = magic_wand(photo, (30, 30), 10, contiguous=True)
    everywhere = magic_wand(photo, (30, 30), 10, contiguous=False)
    assert not touching[70:110, 100:150].any()
    assert (everywhere[70:110, 100:150] == 255).all() and (everywhere[20:60, 20:70] == 255).all()
    assert not everywhere[20:60, 100:150].any() and everywhere[0, 0] == 0


def test_tolerance_is_a_colour_distance_in_lab():
    photo = _flat_regions()
    # The two reds are about 2 ΔE apart: a tolerance of 1 keeps them apart, 5 joins them.
    assert not magic_wand(photo, (30, 30), 1, contiguous=False)[80, 120]
    assert magic_wand(photo, (30, 30), 5, contiguous=False)[80, 120] == 255


def test_the_wand_edge_is_anti_aliased_by_colour():
    photo = np.full((40, 40, 3), 255, np.uint8)
    photo[:, :20] = 0
    photo[:, 20] = 128  # the photo's own blended edge column
    coverage = magic_wand(photo, (5, 5), 60)
    assert (coverage[:, :20] == 255).all() and not coverage[:, 21:].any()
    assert 0 < coverage[10, 20] < 255
    hard = magic_wand(photo, (5, 5), 60, anti_alias=False)
    assert set(np.unique(hard)) <= {0, 255}


def test_the_wand_outside_the_photo_says_so():
    with pytest.raises(SelectionError, match="inside the photo"):
        magic_wand(_flat_regions(), (500, 5), 10)


# --- refine edge -----------------------------------------------------------------------------------


def _soft_disc(seed: int = 3):
    rng = np.random.default_rng(seed)
    height = width = 400
    y, x = np.mgrid[0:height, 0:width]
    distance = np.hypot(x - 200, y - 200)
    alpha = np.clip((100 - distance) / 4 + 0.5, 0, 1)  # a 4-pixel soft edge, as hair or blur gives
    background = np.stack([60 + 20 * np.sin(x / 13), 140 + 20 * np.cos(y / 11), 90 + 0 * x], axis=-1)
    colour = np.stack([220 + 0 * x, 200 + 10 * np.sin(y / 5), 80 + 0 * x], axis=-1)
    noise = rng.normal(0, 6, (height, width, 3))
    photo = alpha[..., None] * colour + (1 - alpha[..., None]) * background + noise
    return photo.clip(0, 255).astype(np.uint8), alpha, distance


@pytest.fixture(params=["sampling", "closed-form"])
def matting(request, monkeypatch):
    """Refine edge's two ways: colour sampling + guided filter, and pymatting's closed form."""
    from editor.imaging.selection import refine

    if request.param == "closed-form":
        pytest.importorskip("pymatting")
    else:
        monkeypatch.setattr(refine, "closed_form_available", lambda: False)
    return request.param


def test_refine_edge_moves_a_careless_edge_onto_the_photo_edge(matting):
    photo, alpha, distance = _soft_disc()
    painted = np.where(distance <= 106, np.uint8(255), np.uint8(0))  # painted 6 px too wide
    band = np.abs(distance - 103) <= 12
    refined = refine_edge(photo, painted, band)
    truth = alpha >= 0.5
    before, after = boundary_f_score(painted >= 128, truth), boundary_f_score(refined >= 128, truth)
    assert after >= 0.9 and after > before + 0.5
    # Soft where the photo is soft: the error against the true alpha in the band falls several-fold.
    assert np.abs(refined / 255 - alpha)[band].mean() < np.abs(painted / 255 - alpha)[band].mean() / 4


def test_a_band_too_large_for_closed_form_goes_the_faster_way(monkeypatch):
    from editor.imaging.selection import refine

    photo, alpha, distance = _soft_disc()
    monkeypatch.setattr(refine, "CLOSED_FORM_MAX_PIXELS", 1000)
    monkeypatch.setattr(refine, "_closed_form_alpha", lambda *_: pytest.fail("closed form on a big band"))
    painted = np.where(distance <= 106, np.uint8(255), np.uint8(0))
    refined = refine_edge(photo, painted, np.abs(distance - 103) <= 12)
    assert boundary_f_score(refined >= 128, alpha >= 0.5) >= 0.9


def test_refine_edge_leaves_the_mask_outside_the_band_alone(matting):
    photo, _alpha, distance = _soft_disc()
    painted = np.where(distance <= 106, np.uint8(255), np.uint8(0))
    band = (np.abs(distance - 103) <= 12) & (np.arange(400)[None, :] < 200)  # the left half only
    refined = refine_edge(photo, painted, band)
    np.testing.assert_array_equal(refined[~band], painted[~band])
    assert (refined[band] != painted[band]).any()


def test_refine_edge_without_a_band_or_an_edge_says_so():
    photo, _alpha, distance = _soft_disc()
    with pytest.raises(SelectionError, match="Brush over the edge"):
        refine_edge(photo, np.zeros((400, 400), np.uint8), np.zeros((400, 400), bool))
    with pytest.raises(SelectionError, match="no edge"):
        refine_edge(photo, np.zeros((400, 400), np.uint8), np.abs(distance - 103) <= 12)


# --- meeting the mask ------------------------------------------------------------------------------


def test_replace_add_and_subtract():
    mask = np.zeros((4, 4), np.uint8)
    mask[:, :2] = 255
    selection = np.zeros((4, 4), np.uint8)
    selection[:2, :] = 200
    np.testing.assert_array_equal(combine(mask, selection, "replace"), selection)
    np.testing.assert_array_equal(combine(mask, selection, "add")[:2], [[255, 255, 200, 200]] * 2)
    np.testing.assert_array_equal(combine(mask, selection, "subtract")[:, 0], [55, 55, 255, 255])
    assert changed_rect(mask, combine(mask, selection, "add")) == (2, 0, 4, 2)
    assert changed_rect(mask, mask.copy()) is None


def test_the_subject_box_is_the_photo_less_a_margin():
    x, y, w, h = subject_box(1000, 500)
    assert (x, y) == (40, 20) and (x + w, y + h) == (960, 480)


def test_the_subject_box_selects_a_centred_subject():
    scene = ellipse_scene()
    height, width = scene.truth.shape
    coverage = select_object(scene.photo, ObjectHints(box=subject_box(width, height)))
    assert iou(coverage, scene.truth) >= 0.9


def test_guided_upsampling_keeps_a_thin_edge_sharp():
    # A checker of big squares: enlarged 8× by the guided filter, the edge stays within 1 px.
    from editor.imaging.selection.guided import as_guide, guided_upsample

    big = np.kron((np.indices((8, 8)).sum(axis=0) % 2).astype(np.uint8), np.ones((64, 64), np.uint8))
    photo = np.repeat(big[..., None] * 200 + 30, 3, axis=2).astype(np.uint8)
    small = cv2.resize(photo, (64, 64), interpolation=cv2.INTER_AREA)
    mask_small = (small[..., 0] > 100).astype(np.float32)
    coverage = guided_upsample(photo, as_guide(small), mask_small, 2, 1e-3)
    assert boundary_f_score(coverage >= 128, big > 0, tolerance=1) >= 0.98
