"""Extension benchmark: how visible the seam between the photo and its new margin is, and how the
offline fills compare.

The photo is resources/samples/coffee.png (600×400). It is extended 200 px on the right (one
request, whole canvas) and, at 4× (2400×1600, whose 600 px right margin goes in two overlapping
full-detail strips on gpt-image-1), through the loopback fake in its realistic mode (the margin
continued from the photo, the whole answer drifted in tone, as MODELS.md says the models answer)
and through the offline backend (PatchMatch), each with the default 32 px overlap band.

- seam colour: the mean CIE Lab distance between the mean colours of the WIDTH px just left and
  just right of a column, along the column; measured at the photo's edge and in the middle of
  the blended band (the larger counts), divided by the same measure at every 8th column inside the original
  photo (the floor: how much the photo itself steps from one strip to the next). Goal ≤ 1.5.
- seam gradient: the same with the mean Sobel gradient magnitude instead of the colour: a smear
  (no texture) or a hard cut shows here. Goal ≤ 1.5.
- fill error: offline removal of a 60 px disc on the table, the mean absolute error against the
  hidden photo, PatchMatch beside Telea (the floor). Goal: ratio ≤ 1.
- fill texture: a 150 px right margin filled offline, its gradient energy beside the photo's in
  the same place, PatchMatch (value) and Telea (floor). Goal: PatchMatch ≥ 0.5 of the photo's.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from editor.backends import create_backend
from editor.backends.providers import PROFILES, ApiKey
from editor.imaging.extend import DEFAULT_BAND_PX, Extension, extended_canvas, extension_mask
from editor.imaging.texture_fill import fill_patchmatch, fill_telea, patchmatch_module
from editor.pipeline.extend_run import ExtendRun
from editor.pipeline.options import EditOptions
from editor.pipeline.snapshot import EditSnapshot
from tests.benchmarks.harness import Figure
from tests.fakes.edit_server import FakeEditServer
from tests.imaging.seam_metrics import coffee

WIDTH = 6  # px each side of a seam column
GOAL = 1.5


def _lab(image: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(image[..., :3].astype(np.float32) / 255, cv2.COLOR_RGB2Lab)


def _gradient(image: np.ndarray) -> np.ndarray:
    gray = cv2.cvtColor(np.ascontiguousarray(image[..., :3]), cv2.COLOR_RGB2GRAY).astype(np.float32)
    return np.hypot(cv2.Sobel(gray, cv2.CV_32F, 1, 0), cv2.Sobel(gray, cv2.CV_32F, 0, 1))[..., None]


def _step(field: np.ndarray, column: int) -> float:
    """The mean distance between the WIDTH px left of `column` and the WIDTH px from it, per row."""
    left = field[:, column - WIDTH:column].mean(axis=1)
    right = field[:, column:column + WIDTH].mean(axis=1)
    return float(np.linalg.norm(left - right, axis=-1).mean())


def _inside(field: np.ndarray) -> float:
    columns = range(4 * WIDTH, field.shape[1] - 4 * WIDTH, 8)
    return float(np.mean([_step(field, column) for column in columns]))


def _seam_figures(name: str, photo: np.ndarray, placed: np.ndarray, seams: tuple[int, ...],
                  took: float, requests: int) -> list[Figure]:
    figures = []
    for what, measure in (("colour", _lab), ("gradient", _gradient)):
        value = max(_step(measure(placed), column) for column in seams)
        floor = _inside(measure(photo))
        figures.append(Figure(
            metric=f"extend_seam_{what}_{name}", value=value, unit="ΔE" if what == "colour" else "lvl",
            floor=floor, floor_label="the same step inside the original photo", target=f"ratio <= {GOAL}",
            passed=value <= GOAL * floor,
            notes=f"{placed.shape[1]}×{placed.shape[0]} canvas, seams at x={seams}; {requests} request"
                  f"{'s' * (requests != 1)}, {took:.1f} s"))
    return figures


async def _extend(photo: np.ndarray, extension: Extension, options: EditOptions, backend) -> np.ndarray:
    height, width = photo.shape[:2]
    snapshot = EditSnapshot.take(extended_canvas(photo, extension),
                                 extension_mask((width, height), extension, DEFAULT_BAND_PX),
                                 prompt="more of the wooden table", options=options, photo_name="coffee.png")
    with tempfile.TemporaryDirectory() as folder:
        run = ExtendRun(snapshot, Path(folder), extension=extension)
        try:
            outcome = await run.run(backend)
        finally:
            await backend.aclose()
        if outcome.status != "completed":
            raise RuntimeError(outcome.message)
        return np.asarray(Image.open(outcome.files[0]).convert("RGB"))


def _extension_figures() -> list[Figure]:
    small = coffee()
    large = cv2.resize(small, (2400, 1600), interpolation=cv2.INTER_CUBIC)
    figures = []
    with FakeEditServer(realistic=True) as server:
        for label, photo, margin in (("fake", small, 200), ("fake_strips", large, 600)):
            width = photo.shape[1]
            backend = create_backend(PROFILES["custom"], api_key=ApiKey(server.api_key),
                                     base_url=server.base_url, model="gpt-image-1")
            started = time.perf_counter()
            placed = asyncio.run(_extend(photo, Extension(0, 0, margin, 0),
                                         EditOptions(provider="custom", model="gpt-image-1"), backend))
            sent = len(server.edit_requests)
            figures += _seam_figures(label, photo, placed, (width, width - DEFAULT_BAND_PX // 2),
                                     time.perf_counter() - started, sent)
            server.reset()
    started = time.perf_counter()
    offline = EditOptions(provider="local", model="auto")
    placed = asyncio.run(_extend(small, Extension(0, 0, 200, 0), offline, create_backend(PROFILES["local"])))
    figures += _seam_figures("offline", small, placed, (600, 600 - DEFAULT_BAND_PX // 2),
                             time.perf_counter() - started, 1)
    return figures


def _fill_figures() -> list[Figure]:
    photo = coffee()
    disc = np.zeros(photo.shape[:2], np.uint8)
    cv2.circle(disc, (150, 300), 30, 255, -1)
    hole = disc > 0
    error = {name: float(np.abs(fill(photo, hole)[hole].astype(int) - photo[hole]).mean())
             for name, fill in (("patchmatch", fill_patchmatch), ("telea", fill_telea))}
    margin = np.zeros(photo.shape[:2], bool)
    margin[:, 450:] = True
    energy = {name: float(_gradient(fill(photo, margin))[margin].mean())
              for name, fill in (("patchmatch", fill_patchmatch), ("telea", fill_telea))}
    photo_energy = float(_gradient(photo)[margin].mean())
    return [
        Figure(metric="fill_error_disc", value=error["patchmatch"], unit="lvl", floor=error["telea"],
               floor_label="Telea's error on the same disc", target="ratio <= 1",
               passed=error["patchmatch"] <= error["telea"],
               notes="coffee.png, a 60 px disc on the table removed offline; mean |filled - hidden photo|"),
        Figure(metric="fill_texture_margin", value=energy["patchmatch"], unit="lvl", floor=energy["telea"],
               floor_label="Telea's gradient energy there", target="value >= 0.5 x photo",
               passed=energy["patchmatch"] >= 0.5 * photo_energy,
               notes=f"the photo's own gradient energy there: {photo_energy:.1f}; a 150 px right margin"),
    ]


def measure() -> list[Figure]:
    if patchmatch_module() is None:
        raise RuntimeError("PatchMatch's library does not load here: install pypatchmatch")
    return [*_extension_figures(), *_fill_figures()]
