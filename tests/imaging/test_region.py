"""flood_region and the region cache/worker, without Qt."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from editor.imaging.region import FloodRegion, RegionFinder, flood_region


def two_colour_photo() -> np.ndarray:
    photo = np.zeros((60, 80, 3), np.uint8)
    photo[:] = (200, 40, 40)
    photo[:, :40] = (40, 80, 160)
    photo[:, 30:35] = (50, 90, 150)  # within 10 of the left colour
    photo[20:30, 60:70] = (40, 80, 160)  # same colour as the left, not connected
    return photo


def test_region_is_the_contiguous_area_within_tolerance_cropped_to_its_box():
    region, origin = flood_region(two_colour_photo(), (5, 5), 10)
    assert origin == (0, 0)
    assert region.shape == (60, 40) and region.dtype == bool
    assert region.all()


def test_tolerance_is_per_channel_and_inclusive():
    photo = two_colour_photo()
    region, _ = flood_region(photo, (5, 5), 9)
    assert region.shape == (60, 30)  # the stripe differs by 10 on a channel: excluded at 9
    region, _ = flood_region(photo, (5, 5), 10)
    assert region.shape == (60, 40)


def test_region_does_not_jump_gaps_and_reports_its_origin():
    region, origin = flood_region(two_colour_photo(), (65, 25), 10)
    assert origin == (60, 20) and region.shape == (10, 10) and region.all()
    region, origin = flood_region(two_colour_photo(), (75, 5), 0)
    assert origin == (40, 0)
    full = np.zeros((60, 80), bool)
    full[origin[1]:origin[1] + region.shape[0], origin[0]:origin[0] + region.shape[1]] = region
    expected = np.zeros((60, 80), bool)
    expected[:, 40:] = True
    expected[20:30, 60:70] = False
    assert (full == expected).all()


def test_diagonal_neighbours_do_not_connect():
    photo = np.zeros((3, 3, 3), np.uint8)
    photo[0, 0] = photo[1, 1] = photo[2, 2] = 255
    region, origin = flood_region(photo, (0, 0), 0)
    assert origin == (0, 0) and region.shape == (1, 1)


def test_grayscale_and_rgba_inputs():
    gray = np.zeros((10, 10), np.uint8)
    gray[:, 5:] = 100
    region, origin = flood_region(gray, (7, 3), 0)
    assert origin == (5, 0) and region.shape == (10, 5)
    rgba = np.dstack([two_colour_photo(), np.full((60, 80), 255, np.uint8)])
    assert flood_region(rgba, (5, 5), 10)[0].shape == (60, 40)


def test_seed_outside_the_photo_is_an_error():
    with pytest.raises(ValueError):
        flood_region(two_colour_photo(), (80, 0), 10)


def test_flood_is_fast_on_a_24_megapixel_photo():
    photo = np.zeros((4000, 6000, 3), np.uint8)
    photo[:, 3000:] = 255
    flood_region(photo, (10, 10), 8)  # warm up
    started = time.perf_counter()
    region, origin = flood_region(photo, (10, 10), 8)
    elapsed = time.perf_counter() - started
    assert region.shape == (4000, 3000) and origin == (0, 0)
    assert elapsed < 1.0, elapsed


def test_flood_region_serves_seeds_of_the_same_colour_inside_it():
    photo = two_colour_photo()
    found = FloodRegion.compute(photo, (5, 5), 10)
    assert found.serves(photo, (20, 50), 10)
    assert not found.serves(photo, (32, 5), 10)  # inside, but a different colour: another region
    assert not found.serves(photo, (5, 5), 11)
    assert not found.serves(photo, (65, 25), 10)  # same colour, not connected


def test_region_finder_answers_the_newest_request_off_thread():
    photo = two_colour_photo()
    results: list[FloodRegion] = []
    done = threading.Event()

    def found(region: FloodRegion) -> None:
        results.append(region)
        done.set()

    finder = RegionFinder(found)
    finder.set_photo(lambda: photo)
    finder.request((65, 25), 10)
    assert done.wait(5)
    assert results[-1].origin == (60, 20)
    assert finder.find_now((66, 26), 10) is results[-1]  # reused, not recomputed
    assert finder.find_now((200, 200), 10) is None
    finder.set_photo(None)
    assert finder.find_now((5, 5), 10) is None
    finder.shutdown()
