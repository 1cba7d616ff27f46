"""--harmonize / --no-harmonize and the spill figures on the command line: against the loopback fake
service playing a model whose tone drifts (its whole answer 8 % brighter and warmer)."""

from __future__ import annotations

import io
import json
import re

import numpy as np
import pytest
from PIL import Image

from tests.cli.driving import run
from tests.fakes import service_handler
from tests.fakes.painting import output_size
from tests.imaging.seam_metrics import seam_delta_e, tone_shifted

W, H = 800, 600
HOLE = (300, 200, 520, 380)
SPILL_LINE = re.compile(r"-1\.png: the model changed (\d+) % of the photo outside the mask "
                        r"\(mean change (\d+\.\d) of 255\)\.")  # not "slightly": ~20 levels


def drifting_output(call, **_facts) -> bytes:
    """The fake's answer: the photo it was sent at the requested size, drifted in tone everywhere."""
    with Image.open(io.BytesIO(call.images[0])) as sent:
        answer = tone_shifted(np.array(sent.convert("RGB").resize(output_size(call))))
    buffer = io.BytesIO()
    Image.fromarray(answer).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def drifting(monkeypatch, http_args):
    monkeypatch.setattr(service_handler, "render_output", drifting_output)
    return [*http_args, "--context", "mask"]  # always a crop, placed back into the whole photo


@pytest.fixture
def scene(tmp_path, make_photo, make_mask):
    photo = tmp_path / "photos" / "street.png"
    photo.parent.mkdir()
    photo.write_bytes(make_photo(W, H))
    mask = tmp_path / "mask.png"
    mask.write_bytes(make_mask(W, H, HOLE))
    coverage = np.zeros((H, W), np.uint8)
    x0, y0, x1, y1 = HOLE
    coverage[y0:y1, x0:x1] = 255
    with Image.open(photo) as image:
        pixels = np.array(image.convert("RGB"))
    return {"photo": photo, "mask": mask, "pixels": pixels, "coverage": coverage}


def placed(out) -> np.ndarray:
    (path,) = out.glob("*-full.png")
    with Image.open(path) as image:
        return np.array(image.convert("RGB"))


def edit(capsys, scene, drifting, out, *flags):
    return run(capsys, "edit", scene["photo"], "--mask", scene["mask"], "--prompt", "a bench", "--out", out,
               *drifting, *flags)


def outside(coverage: np.ndarray) -> np.ndarray:
    """Well clear of the mask and its 2 px feather."""
    grown = np.zeros_like(coverage)
    x0, y0, x1, y1 = HOLE
    grown[y0 - 6:y1 + 6, x0 - 6:x1 + 6] = 255
    return grown == 0


def test_edit_harmonises_by_default_and_pastes_exactly_with_no_harmonize(capsys, tmp_path, scene, drifting):
    for name, flags in (("default", ()), ("on", ("--harmonize",)), ("off", ("--no-harmonize",))):
        code, _, err = edit(capsys, scene, drifting, tmp_path / name, *flags)
        assert code == 0, err
    photo, coverage = scene["pixels"], scene["coverage"]
    default, on, off = (placed(tmp_path / name) for name in ("default", "on", "off"))
    assert np.array_equal(default, on)
    for made in (on, off):
        assert np.array_equal(made[outside(coverage)], photo[outside(coverage)])
    assert seam_delta_e(off, photo, coverage) > 5.0
    assert seam_delta_e(on, photo, coverage) <= 0.3 * seam_delta_e(off, photo, coverage)


def test_edit_prints_each_results_spill_figures(capsys, tmp_path, scene, drifting):
    code, out, err = edit(capsys, scene, drifting, tmp_path / "out")
    assert code == 0, err
    assert out.strip().endswith("-1-full.png")  # stdout still lists only the files made
    match = SPILL_LINE.search(err)
    assert match is not None, err
    assert int(match[1]) >= 90 and 10.0 <= float(match[2]) <= 30.0


def test_the_json_summary_has_each_results_spill_figures(capsys, tmp_path, scene, drifting):
    code, out, err = edit(capsys, scene, drifting, tmp_path / "out", "--json", "-n", "2")
    assert code == 0, err
    results = json.loads(out)["results"]
    assert len(results) == 2
    for result in results:
        spill = result["spill"]
        assert spill["threshold"] == 1 and spill["changed_share"] >= 0.9
        assert spill["changed_share"] == pytest.approx(result["spill_outside_mask"], abs=1e-6)
        assert 10.0 <= spill["mean_change"] <= spill["mean_change_of_changed"] <= 30.0


def test_batch_harmonises_as_asked_and_lists_each_results_spill(capsys, tmp_path, scene, drifting):
    folder, photo, coverage = scene["photo"].parent, scene["pixels"], scene["coverage"]
    seams = {}
    for name, flags in (("on", ()), ("off", ("--no-harmonize",))):
        code, out, err = run(capsys, "batch", folder, "--mask", scene["mask"], "--prompt", "a bench",
                             "--out", tmp_path / name, *drifting, *flags)
        assert code == 0, err
        assert "Edited 1," in out and SPILL_LINE.search(out), out
        made = placed(tmp_path / name)
        assert np.array_equal(made[outside(coverage)], photo[outside(coverage)])
        seams[name] = seam_delta_e(made, photo, coverage)
    assert seams["on"] <= 0.3 * seams["off"]
    code, out, err = run(capsys, "batch", folder, "--mask", scene["mask"], "--prompt", "another bench",
                         "--out", tmp_path / "json", *drifting, "--json")
    assert code == 0, err
    (edited,) = json.loads(out)["files"]
    assert edited["spill"][0]["changed_share"] >= 0.9
