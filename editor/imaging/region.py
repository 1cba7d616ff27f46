"""Contiguous colour regions of the photo, for the bucket-fill tool (pure numpy/OpenCV, no Qt)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import cv2
import numpy as np

log = logging.getLogger(__name__)

# 4-connectivity: a one-pixel diagonal gap stops the fill, as in Photoshop's and GIMP's defaults.
_CONNECTIVITY = 4
# Mask value written by floodFill; anything non-zero would do.
_FILL_VALUE = 255


def flood_region(photo_rgb: np.ndarray, seed: tuple[int, int],
                 tolerance: int) -> tuple[np.ndarray, tuple[int, int]]:
    """The pixels connected to `seed` (x, y) whose colour is within `tolerance` of the seed's colour.

    Every channel must lie within ±tolerance of the seed pixel's channel (a fixed range, so the
    region does not creep along gradients). Returns the region as a bool array cropped to its
    bounding box, and the box's top-left corner (x, y) in photo coordinates.
    """
    height, width = photo_rgb.shape[:2]
    x, y = int(seed[0]), int(seed[1])
    if not (0 <= x < width and 0 <= y < height):
        raise ValueError(f"seed {seed} lies outside the {width}×{height} photo")
    if photo_rgb.ndim == 3 and photo_rgb.shape[2] == 4:
        photo_rgb = photo_rgb[:, :, :3]
    # floodFill reads 1- or 3-channel contiguous images only; a strided view would be copied anyway.
    image = np.ascontiguousarray(photo_rgb)
    mask = np.zeros((height + 2, width + 2), np.uint8)
    tol = int(np.clip(tolerance, 0, 255))
    diff = (tol,) * (1 if image.ndim == 2 else 3)
    flags = _CONNECTIVITY | cv2.FLOODFILL_MASK_ONLY | cv2.FLOODFILL_FIXED_RANGE | (_FILL_VALUE << 8)
    _, _, _, (bx, by, bw, bh) = cv2.floodFill(image, mask, (x, y), 0, diff, diff, flags)
    # The mask carries a one-pixel border: mask[1 + y, 1 + x] is photo pixel (x, y).
    region = mask[by + 1 : by + 1 + bh, bx + 1 : bx + 1 + bw] != 0
    return region, (bx, by)


@dataclass(frozen=True)
class FloodRegion:
    """A computed fill region with what it was computed from, so hover can reuse it.

    With a fixed range the region depends only on the seed's colour and the tolerance, so any
    seed inside the region with the same colour yields the same region.
    """

    region: np.ndarray
    origin: tuple[int, int]
    seed_colour: tuple[int, ...]
    tolerance: int

    @classmethod
    def compute(cls, photo_rgb: np.ndarray, seed: tuple[int, int], tolerance: int) -> FloodRegion:
        region, origin = flood_region(photo_rgb, seed, tolerance)
        return cls(region, origin, seed_colour_of(photo_rgb, seed), int(tolerance))

    def contains(self, x: int, y: int) -> bool:
        rx, ry = x - self.origin[0], y - self.origin[1]
        height, width = self.region.shape
        return 0 <= rx < width and 0 <= ry < height and bool(self.region[ry, rx])

    def serves(self, photo_rgb: np.ndarray, seed: tuple[int, int], tolerance: int) -> bool:
        """True if flood_region(photo_rgb, seed, tolerance) would return this very region."""
        return (
            int(tolerance) == self.tolerance
            and self.contains(*seed)
            and seed_colour_of(photo_rgb, seed) == self.seed_colour
        )


def seed_colour_of(photo_rgb: np.ndarray, seed: tuple[int, int]) -> tuple[int, ...]:
    pixel = photo_rgb[int(seed[1]), int(seed[0])]
    return tuple(int(v) for v in np.atleast_1d(pixel)[:3])


class RegionFinder:
    """Finds fill regions off the caller's thread: the newest request wins, results are reused.

    Hover asks with `request()`; while a flood runs, newer requests replace older waiting ones, so
    a fast-moving pointer costs at most one flood in flight plus one queued. A click asks with
    `find_now()`, which reuses the last region when it serves the seed. The photo's pixel array
    is produced lazily, once per photo, by the `pixels` callable given to `set_photo`.
    """

    def __init__(self, on_found: Callable[[FloodRegion], None]) -> None:
        self._on_found = on_found
        self._lock = threading.Lock()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="flood-region")
        self._pixels_of: Callable[[], np.ndarray] | None = None
        self._pixels: np.ndarray | None = None
        self._generation = 0
        self._latest: FloodRegion | None = None
        self._wanted: tuple[int, tuple[int, int], int] | None = None
        self._running = False

    def set_photo(self, pixels: Callable[[], np.ndarray] | None) -> None:
        with self._lock:
            self._pixels_of, self._pixels = pixels, None
            self._generation += 1
            self._latest = self._wanted = None

    def find_now(self, seed: tuple[int, int], tolerance: int) -> FloodRegion | None:
        with self._lock:
            generation = self._generation
        return self._find(generation, seed, tolerance)

    def request(self, seed: tuple[int, int], tolerance: int) -> None:
        with self._lock:
            self._wanted = (self._generation, seed, tolerance)
            if self._running:
                return
            self._running = True
        self._executor.submit(self._work)

    def shutdown(self) -> None:
        with self._lock:
            self._wanted = None
        self._executor.shutdown(wait=False, cancel_futures=True)

    def _work(self) -> None:
        while True:
            with self._lock:
                wanted, self._wanted = self._wanted, None
                if wanted is None:
                    self._running = False
                    return
            try:
                found = self._find(*wanted)
            except Exception:  # a failed preview must not kill the worker; the click reports it
                log.exception("flood fill preview failed")
                continue
            with self._lock:
                current = found is not None and self._wanted is None and wanted[0] == self._generation
            if current:
                self._on_found(found)

    def _find(self, generation: int, seed: tuple[int, int], tolerance: int) -> FloodRegion | None:
        with self._lock:
            if generation != self._generation or self._pixels_of is None:
                return None
            if self._pixels is None:
                self._pixels = self._pixels_of()
            pixels, latest = self._pixels, self._latest
        height, width = pixels.shape[:2]
        if not (0 <= seed[0] < width and 0 <= seed[1] < height):
            return None
        if latest is not None and latest.serves(pixels, seed, tolerance):
            return latest
        found = FloodRegion.compute(pixels, seed, tolerance)
        with self._lock:
            if generation == self._generation:
                self._latest = found
        return found
