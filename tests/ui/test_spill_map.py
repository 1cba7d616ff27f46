"""Results ▸ Show Changes Outside the Mask: the shown variant with a heat map where the model
changed the photo outside the mask, nothing painted where it did not, and off again at once."""

from __future__ import annotations

import numpy as np

from editor.core.generate import photo_pixels
from editor.imaging.spill import SpillFigures, SpillReport, paint_heat
from tests.ui.test_end_to_end import painted_window
from tests.ui.test_window_results import finished_job, wait_task


def preview_pixels(window) -> np.ndarray:
    pixels, _owner = photo_pixels(window.canvas.preview())
    return np.array(pixels[..., :3], copy=True)


def test_heat_is_painted_only_where_the_report_counted_a_change():
    pixels = np.full((40, 60, 3), 100, np.uint8)
    heat = np.zeros((20, 30), np.uint8)  # the answer: half the height of the region it covers
    heat[5, 10] = 64
    report = SpillReport(SpillFigures(0.01, 0.5, 64.0), heat, (10, 0, 30, 40))  # x, y, w, h
    painted = paint_heat(pixels, report)
    changed = np.argwhere((painted != pixels).any(axis=2))
    assert changed.size and changed[:, 0].min() >= 10 and changed[:, 0].max() <= 11
    assert set(changed[:, 1]) == {10 + 10}
    assert (painted[changed[0][0], changed[0][1]] != 100).any()
    assert np.array_equal(pixels, np.full((40, 60, 3), 100, np.uint8))  # a copy, the input untouched


def test_the_map_shows_the_models_changes_outside_the_mask_and_goes_away(qtbot, loop, errors, tmp_path,
                                                                       service_env):
    service_env.spill = 0.3
    window = painted_window(qtbot, loop, tmp_path)
    job = finished_job(qtbot, window, variants=1)
    wait_task(qtbot, window)
    plain = preview_pixels(window)
    made = window.results.made(job.id, 0)
    assert made is not None and made.spill_report.share > 0.1

    action = window.actions["results.spill_map"]
    action.trigger()
    qtbot.waitUntil(lambda: not np.array_equal(preview_pixels(window), plain), timeout=10000)
    mapped = preview_pixels(window)
    coverage = window.document.mask().array()
    differs = (mapped != plain).any(axis=2)
    assert not differs[coverage == 255].any()  # inside the mask nothing is marked
    assert differs.mean() > 0.05
    assert "outside the mask" in window.statusBar().currentMessage()

    action.trigger()
    qtbot.waitUntil(lambda: np.array_equal(preview_pixels(window), plain), timeout=10000)
