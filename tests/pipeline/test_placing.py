"""EditRun placing back, and Batch: an answer for a crop placed back into the whole photo, seam-harmonised or
exactly pasted as asked, never a pixel outside the mask changed, and each result's spill figures
kept for the command line."""

from __future__ import annotations

import io
import json

import cv2
import numpy as np
import pytest
from PIL import Image

from editor.backends.base import EditResult, ResultImage
from editor.imaging.composite import composite, paste_weights
from editor.pipeline.batch import Batch, BatchItem
from editor.pipeline.events import Planned, VariantReady
from editor.pipeline.options import EditOptions
from editor.pipeline.run import EditRun
from editor.pipeline.snapshot import EditSnapshot
from tests.imaging.seam_metrics import coffee, high_pass_energy, seam_delta_e, tone_shifted

OPTIONS = EditOptions(provider="custom", model="gpt-image-1", context="mask")


def png(pixels: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "PNG")
    return buffer.getvalue()


class DriftingBackend:
    """Answers with the photo it was sent, 8 % brighter and warmer everywhere: a model whose tone
    drifts, and which therefore also changed every pixel it was told to keep."""

    name, description, base_url = "custom", "a drifting double", "https://drift.example/v1"

    def __init__(self) -> None:
        self.answers: list[np.ndarray] = []

    async def edit(self, request, on_progress=None):
        first = request.images[0]
        with Image.open(io.BytesIO(first.data)) as sent:
            answer = tone_shifted(np.array(sent.convert("RGB")))
        self.answers.append(answer)
        return EditResult(images=(ResultImage(png(answer), "image/png", first.width, first.height),))

    async def aclose(self) -> None:
        pass


@pytest.fixture(scope="module")
def scene() -> tuple[np.ndarray, np.ndarray]:
    """Coffee at 2×, the mask around the cup: crop-to-mask sends only the part around it."""
    photo = cv2.resize(coffee(), (1200, 800), interpolation=cv2.INTER_CUBIC)
    coverage = np.zeros((800, 1200), np.uint8)
    cv2.ellipse(coverage, (580, 350), (200, 160), 0, 0, 360, 255, -1)
    return photo, coverage


async def place(tmp_path, scene, *, harmonize: bool):
    photo, coverage = scene
    backend, events = DriftingBackend(), []
    shot = EditSnapshot.take(photo, coverage, prompt="a cup of tea", options=OPTIONS, photo_name="coffee.png")
    out = tmp_path / ("on" if harmonize else "off")
    run = EditRun(shot, out, place_back=True, harmonize=harmonize, on_event=events.append)
    outcome = await run.run(backend)
    assert outcome.status == "completed", outcome.message
    (placed,) = outcome.placed
    with Image.open(placed) as image:
        pixels = np.array(image.convert("RGB"))
    return run, outcome, events, backend, pixels


async def test_the_placed_photo_is_harmonised_and_outside_the_mask_is_the_photos(tmp_path, scene):
    photo, coverage = scene
    *_, off = await place(tmp_path, scene, harmonize=False)
    _, _, events, _, on = await place(tmp_path, scene, harmonize=True)
    planned = next(event for event in events if isinstance(event, Planned))
    assert planned.context.cropped  # the answer covers a crop and was placed back
    kept = paste_weights(coverage).full_frame() == 0
    assert np.array_equal(on[kept], photo[kept]) and np.array_equal(off[kept], photo[kept])
    assert seam_delta_e(off, photo, coverage) > 8.0
    assert seam_delta_e(on, photo, coverage) <= 0.3 * seam_delta_e(off, photo, coverage)
    assert high_pass_energy(on, coverage) == pytest.approx(high_pass_energy(off, coverage), rel=0.05)


async def test_without_harmonising_the_placed_photo_is_the_exact_paste(tmp_path, scene):
    photo, coverage = scene
    run, _, _, backend, off = await place(tmp_path, scene, harmonize=False)
    (answer,) = backend.answers
    exact = composite(photo, answer, coverage, crop=run.context.crop).pixels
    assert np.array_equal(off, exact)


async def test_each_results_spill_figures_are_kept_and_recorded(tmp_path, scene):
    run, outcome, events, _, _ = await place(tmp_path, scene, harmonize=True)
    (result,) = outcome.files
    figures = run.spill[result]
    ready = next(event for event in events if isinstance(event, VariantReady))
    assert figures.share == ready.spill > 0.9  # the drift changed nearly every kept pixel
    assert 2 < figures.changed_mean <= 30
    record = json.loads(outcome.sidecar.read_text())
    assert record["results"][0]["spill_outside_mask"] == pytest.approx(figures.share, abs=1e-6)


@pytest.mark.parametrize("harmonize", [True, False])
async def test_a_batch_places_as_asked_and_reports_each_results_spill(tmp_path, scene, harmonize):
    photo, coverage = scene
    folder = tmp_path / "photos"
    folder.mkdir()
    (folder / "coffee.png").write_bytes(png(photo))
    alpha = np.where(coverage > 0, 0, 255).astype(np.uint8)  # transparent = edit
    (tmp_path / "mask.png").write_bytes(png(np.dstack((np.zeros((*coverage.shape, 3), np.uint8), alpha))))
    backend = DriftingBackend()
    batch = Batch([BatchItem(folder / "coffee.png", tmp_path / "mask.png")], "a cup of tea", OPTIONS,
                  tmp_path / "out", lambda: backend, harmonize=harmonize)
    summary = await batch.run()
    (outcome,) = summary.outcomes
    assert outcome.status == "edited"
    (figures,) = outcome.spill
    assert figures is not None and figures.share > 0.9
    recorded = summary.as_dict()["files"][0]["spill"][0]
    assert recorded["changed_share"] == pytest.approx(figures.share, abs=1e-6)
    placed = next(path for path in outcome.files if path.stem.endswith("-full"))
    with Image.open(placed) as image:
        pixels = np.array(image.convert("RGB"))
    crop = tuple(json.loads(outcome.sidecar.read_text())["context"]["crop"])
    exact = composite(photo, backend.answers[0], coverage, crop=crop).pixels
    if harmonize:
        assert seam_delta_e(pixels, photo, coverage) <= 0.3 * seam_delta_e(exact, photo, coverage)
    else:
        assert np.array_equal(pixels, exact)
