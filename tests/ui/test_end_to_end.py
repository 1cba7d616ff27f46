"""The real main window, built as the app builds it, from a photo on disk to variants shown:
real mouse strokes on the canvas, a typed prompt, Ctrl+Enter, the loopback fake service (or the
offline backend), and the window afterwards — including when the service fails."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from editor.app import SAMPLE_PHOTO, create_main_window
from editor.core.jobs import JobState
from editor.ui.panels.results import PARTIAL
from tests.fakes.faults import Fault
from tests.ui.window_driving import (
    generate_with_keys,
    paint_stroke,
    press_keys,
    wait_finished,
    wait_idle,
    write_photo,
)

PROMPT = "a red bicycle leaning on the wall"


def start(qtbot, loop, tmp_path, paths=(), *, first_run=False, settings: dict | None = None):
    settings_path = tmp_path / "settings.json"
    if settings is not None:
        settings_path.write_text(json.dumps(settings))
    window = create_main_window([str(p) for p in paths], loop=loop, settings_path=settings_path,
                                window_state_path=tmp_path / "window.ini", first_run=first_run)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    wait_idle(qtbot, window)
    return window


def type_prompt(qtbot, window, text: str = PROMPT) -> None:
    window.prompt_panel.editor.setFocus()
    qtbot.keyClicks(window.prompt_panel.editor, text)


def choose(combo, value) -> None:
    combo.setCurrentIndex(combo.findData(value))


def painted_window(qtbot, loop, tmp_path, **kwargs):
    window = start(qtbot, loop, tmp_path, [write_photo(tmp_path / "street.png")], **kwargs)
    paint_stroke(qtbot, window, [(60, 60), (150, 110), (260, 200)])
    type_prompt(qtbot, window)
    return window


def alpha_of(png: bytes) -> np.ndarray:
    image = Image.open(io.BytesIO(png))
    assert image.mode == "RGBA"
    return np.asarray(image)[..., 3]


# --- the whole way, against the fake service ----------------------------------------------------


def test_paint_prompt_ctrl_enter_sends_exactly_the_mask_and_options_and_shows_variants(
        qtbot, loop, errors, tmp_path, service_env):
    window = painted_window(qtbot, loop, tmp_path)
    options = window.options_panel
    options.variants.setValue(2)
    choose(options.quality, "low")
    choose(options.output_format, "webp")
    coverage = window.document.mask().array().copy()
    assert coverage.any()

    job = generate_with_keys(qtbot, window)
    job = wait_finished(qtbot, window, job.id)

    assert job.state is JobState.DONE, job.message
    sent = service_env.edit_requests[-1]
    assert sent.fields["prompt"] == PROMPT
    assert (sent.fields["n"], sent.fields["quality"], sent.fields["output_format"]) == ("2", "low", "webp")
    assert sent.fields["model"] == "gpt-image-1"
    assert np.array_equal(alpha_of(sent.mask_bytes) == 0, coverage >= 128)
    assert sent.image_bytes[0] == (tmp_path / "street.png").read_bytes()  # the file as it is
    strip = window.results.strip(job.id)
    assert sorted(strip.buttons) == [0, 1]
    assert all(not button.icon().isNull() for button in strip.buttons.values())
    for variant in window.queue.variants(job.id):
        assert variant.path is not None and variant.path.is_file()
    qtbot.waitUntil(lambda: window.docks.job_status.text() == f"#{job.number} Done")
    # The job list gives its room back to the variants once nothing runs or has failed.
    assert not window.jobs.isVisibleTo(window)


def test_the_newest_variant_is_shown_on_the_canvas_but_the_photo_stays(qtbot, loop, errors, tmp_path,
                                                                    service_env):
    window = painted_window(qtbot, loop, tmp_path)
    photo = window.document.photo()
    job = wait_finished(qtbot, window, generate_with_keys(qtbot, window).id)
    qtbot.waitUntil(lambda: window.results.shown() == (job.id, 0))
    qtbot.waitUntil(lambda: window.canvas.grab().toImage().pixelColor(window.canvas.image_to_widget(
        _point(150, 110)).toPoint()).getRgb()[:3] != (200, 40, 30))
    assert window.document.photo() is photo  # shown, never applied
    window.results.original.click()
    assert window.results.shown() is None
    frame = window.canvas.grab().toImage()
    window.actions["mask.overlay"].trigger()  # overlay off: compare the photo itself
    frame = window.canvas.grab().toImage()
    assert frame.pixelColor(window.canvas.image_to_widget(_point(150, 110)).toPoint()).getRgb()[:3] == \
        (200, 40, 30)


def _point(x, y):
    from PySide6.QtCore import QPointF

    return QPointF(x, y)


def test_generate_works_while_the_user_keeps_painting(qtbot, loop, errors, tmp_path, service_env):
    window = painted_window(qtbot, loop, tmp_path)
    service_env.script(Fault.slow(0.6))
    job = generate_with_keys(qtbot, window)
    sent_coverage = window.document.mask().array().copy()
    paint_stroke(qtbot, window, [(330, 40), (380, 60)])  # while the request is on its way
    assert not window.queue.job(job.id).state.finished
    job = wait_finished(qtbot, window, job.id)
    assert job.state is JobState.DONE
    assert np.array_equal(alpha_of(service_env.edit_requests[-1].mask_bytes) == 0, sent_coverage >= 128)
    assert window.document.mask().array()[50, 355] == 255


def test_streaming_shows_the_partial_previews_as_they_arrive(qtbot, loop, errors, tmp_path, service_env):
    window = painted_window(qtbot, loop, tmp_path)
    window.options_panel.stream.setChecked(True)
    window.options_panel.partial_images.setValue(2)
    partials = []
    window.queue.partial_added.connect(lambda job_id, index: partials.append(job_id))
    job = wait_finished(qtbot, window, generate_with_keys(qtbot, window).id)
    assert job.state is JobState.DONE, job.message
    assert service_env.edit_requests[-1].fields["stream"] == "true"
    assert partials, "no partial image arrived"
    strip = window.results.strip(job.id)
    assert 0 in strip.buttons and PARTIAL not in strip.buttons  # the final image replaced the preview


# --- when the service fails ------------------------------------------------------------------------


def run_failing(qtbot, window, service, *faults):
    service.script(*faults)
    return wait_finished(qtbot, window, generate_with_keys(qtbot, window).id)


def assert_window_kept(window, prompt: str, mask: np.ndarray, earlier_job_id: str) -> None:
    assert window.prompt_panel.editor.toPlainText() == prompt
    assert window.document.prompt() == prompt
    assert np.array_equal(window.document.mask().array(), mask)
    assert window.results.strip(earlier_job_id).buttons, "the earlier variants are gone"


@pytest.mark.parametrize(("faults", "words"), [
    ((Fault.status(401),), "API key was rejected"),
    ((Fault.status(500),) * 3, "trouble answering (500)"),
])
def test_a_failed_job_shows_its_reason_and_keeps_everything(qtbot, loop, errors, tmp_path, service_env,
                                                            faults, words, fake_api_key):
    window = painted_window(qtbot, loop, tmp_path)
    earlier = wait_finished(qtbot, window, generate_with_keys(qtbot, window).id)
    mask = window.document.mask().array().copy()

    job = run_failing(qtbot, window, service_env, *faults)

    assert job.state is JobState.FAILED
    assert words.lower() in job.message.lower()
    row = window.jobs.row(job.id)
    assert row.message.isVisibleTo(window) and row.message.text() == job.message
    assert row.copy.isVisibleTo(window) and not row.cancel.isVisibleTo(window)
    row.copy.click()
    copied = QGuiApplication.clipboard().text()
    assert "HTTP status: " in copied and "Request id: " in copied and fake_api_key not in copied
    assert "Traceback" not in copied
    qtbot.waitUntil(lambda: window.docks.job_status.text() == f"#{job.number} Failed")
    assert_window_kept(window, PROMPT, mask, earlier.id)
    assert errors == []  # a state in the queue, not a dialog


def test_a_rate_limit_is_retried_and_then_succeeds(qtbot, loop, errors, tmp_path, service_env):
    window = painted_window(qtbot, loop, tmp_path)
    states = []
    window.queue.job_changed.connect(lambda job_id: states.append(window.queue.job(job_id).state))
    job = run_failing(qtbot, window, service_env, Fault.status(429, retry_after_ms="50"))
    assert job.state is JobState.DONE and JobState.RETRYING in states
    assert len(service_env.edit_requests) == 2
    assert window.results.strip(job.id).buttons


def test_a_timeout_fails_the_job_with_a_sentence(qtbot, loop, errors, tmp_path, service_env):
    window = painted_window(qtbot, loop, tmp_path, settings={"read_timeout_s": 0.4})
    mask = window.document.mask().array().copy()
    job = run_failing(qtbot, window, service_env, *(Fault.slow(3),) * 3)
    assert job.state is JobState.FAILED
    assert "time" in job.message.lower() and "Traceback" not in job.message
    assert window.jobs.row(job.id).message.text() == job.message
    assert np.array_equal(window.document.mask().array(), mask)
    assert window.prompt_panel.editor.toPlainText() == PROMPT


def test_esc_cancels_the_newest_job_and_the_window_stays(qtbot, loop, errors, tmp_path, service_env):
    window = painted_window(qtbot, loop, tmp_path)
    earlier = wait_finished(qtbot, window, generate_with_keys(qtbot, window).id)
    mask = window.document.mask().array().copy()
    service_env.script(Fault.slow(5), Fault.slow(5))
    first = generate_with_keys(qtbot, window)
    second = generate_with_keys(qtbot, window)
    qtbot.waitUntil(lambda: len(service_env.edit_requests) >= 2 or
                    window.queue.job(second.id).state is JobState.WAITING, timeout=10000)
    press_keys(qtbot, window, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: window.queue.job(second.id).state is JobState.CANCELLED, timeout=3000)
    assert not window.queue.job(first.id).state.finished  # only the newest
    press_keys(qtbot, window, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: window.queue.job(first.id).state is JobState.CANCELLED, timeout=3000)
    assert_window_kept(window, PROMPT, mask, earlier.id)
    press_keys(qtbot, window, Qt.Key.Key_Escape)
    assert window.statusBar().currentMessage() == "No job is running."


# --- offline and the first run -------------------------------------------------------------------------


def test_first_run_without_a_key_opens_the_sample_offline_with_a_hint(qtbot, loop, errors, tmp_path):
    window = start(qtbot, loop, tmp_path, first_run=True)
    assert window.document.path() == SAMPLE_PHOTO
    assert window.document.options().provider == "local"
    assert window.notice is not None and window.notice.isVisibleTo(window)
    assert "Requesty" in window.notice.text.text()
    assert window.docks.provider_status.text() == "Offline"
    assert window.generate_bar.reason.text().startswith("Paint")
    window.notice.dismiss()
    assert not window.notice.isVisibleTo(window)


def test_offline_end_to_end_changes_only_the_masked_area(qtbot, loop, errors, tmp_path):
    window = start(qtbot, loop, tmp_path, first_run=True)
    photo = np.asarray(Image.open(SAMPLE_PHOTO).convert("RGB"))
    paint_stroke(qtbot, window, [(250, 150), (330, 170)])
    assert window.generate_bar.button.isEnabled()  # no prompt needed offline
    job = wait_finished(qtbot, window, generate_with_keys(qtbot, window).id)
    assert job.state is JobState.DONE, job.message
    (variant,) = window.queue.variants(job.id)
    result = np.asarray(Image.open(io.BytesIO(variant.data)).convert("RGB"))
    coverage = window.document.mask().array()
    changed = np.any(result != photo, axis=2)
    assert changed[coverage >= 128].any()
    assert not changed[coverage == 0].any()
    assert window.results.strip(job.id).buttons
    # "Job #1 started" is not left in the status bar once the job is done; its state is shown.
    assert window.statusBar().currentMessage() == ""
    qtbot.waitUntil(lambda: window.docks.job_status.text() == f"#{job.number} Done")
    # The job list gives its room back to the variants once nothing runs or has failed.
    assert not window.jobs.isVisibleTo(window)
