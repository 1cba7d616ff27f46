"""Crop-to-mask through the real window and the loopback fake: a small mask on a big photo sends
a padded crop at a bucket size, the canvas frames it, and the result lands back on the mask;
a 413 is retried once, smaller, and the job says so."""

from __future__ import annotations

import io
from dataclasses import replace

import cv2
import numpy as np
from PIL import Image
from PySide6.QtCore import QRect

from editor.core.generate import photo_pixels
from editor.core.jobs import JobState
from tests.fakes.faults import Fault
from tests.fakes.painting import MAGENTA
from tests.ui.test_end_to_end import start, type_prompt
from tests.ui.window_driving import generate_with_keys, wait_finished, write_photo


def big_window(qtbot, loop, tmp_path, *, context="auto", box=(1400, 900, 1700, 1100)):
    window = start(qtbot, loop, tmp_path, [write_photo(tmp_path / "big.png", 3072, 2048)])
    mask = window.document.mask()
    coverage = np.zeros_like(mask.array())
    x0, y0, x1, y1 = box
    coverage[y0:y1, x0:x1] = 255
    mask.replace(coverage, "Paint")
    window.document.set_options(replace(window.document.options(), context=context))
    type_prompt(qtbot, window)
    return window, coverage


def sent_size(data: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(data)) as image:
        return image.size


def test_a_small_mask_sends_a_padded_crop_at_a_bucket_size_and_the_result_lands_on_the_mask(
        qtbot, loop, errors, tmp_path, service_env):
    window, coverage = big_window(qtbot, loop, tmp_path)
    qtbot.waitUntil(lambda: window.canvas.context_frame() is not None)
    frame = window.canvas.context_frame()
    assert frame.contains(QRect(1400, 900, 300, 200)) and frame.width() * frame.height() < 3072 * 2048 / 4

    job = wait_finished(qtbot, window, generate_with_keys(qtbot, window).id)

    assert job.state is JobState.DONE, job.message
    sent = service_env.edit_requests[-1]
    assert sent.fields["size"] == "1536x1024"
    assert sent_size(sent.image_bytes[0]) == sent_size(sent.mask_bytes) == (1536, 1024)
    context = window.generator.context(job.id)
    assert context.crop == (frame.x(), frame.y(), frame.width(), frame.height())
    made = None

    async def variant():
        nonlocal made
        made = await window.results.variant_image(job.id, 0)

    loop.run_until_complete(variant())
    pixels, _owner = photo_pixels(made.image)
    original, _owner2 = photo_pixels(window.document.photo())
    inside = cv2.erode(coverage, np.ones((9, 9), np.uint8)) == 255
    assert (pixels[..., :3][inside] == MAGENTA).all()  # the edit is exactly where the mask is
    outside = cv2.dilate(coverage, np.ones((9, 9), np.uint8)) == 0
    assert np.array_equal(pixels[..., :3][outside], original[..., :3][outside])


def test_whole_photo_context_sends_the_photo_and_no_frame_is_drawn(qtbot, loop, errors, tmp_path,
                                                                   service_env):
    window, _ = big_window(qtbot, loop, tmp_path, context="whole")
    qtbot.wait(300)
    assert window.canvas.context_frame() is None
    job = wait_finished(qtbot, window, generate_with_keys(qtbot, window).id)
    assert job.state is JobState.DONE, job.message
    assert sent_size(service_env.edit_requests[-1].image_bytes[0]) == (3072, 2048)


def test_a_413_is_retried_once_with_a_smaller_upload_and_the_job_says_so(qtbot, loop, errors, tmp_path,
                                                                         service_env):
    window, _ = big_window(qtbot, loop, tmp_path, context="whole")
    service_env.script(Fault.status(413))
    job = wait_finished(qtbot, window, generate_with_keys(qtbot, window).id)
    assert job.state is JobState.DONE, job.message
    assert "sent again smaller" in job.message
    first, second = service_env.edit_requests[-2:]
    assert sent_size(second.image_bytes[0]) == (1536, 1024) == sent_size(second.mask_bytes)
    assert len(second.image_bytes[0]) < len(first.image_bytes[0])
    assert window.results.strip(job.id).buttons  # and the variant is there


def test_a_second_413_fails_the_job_with_both_said(qtbot, loop, errors, tmp_path, service_env):
    window, _ = big_window(qtbot, loop, tmp_path, context="whole")
    service_env.script(Fault.status(413), Fault.status(413))
    job = wait_finished(qtbot, window, generate_with_keys(qtbot, window).id)
    assert job.state is JobState.FAILED
    assert "413" in job.message and "smaller upload was refused too" in job.message
    assert len(service_env.edit_requests) == 2
