"""The results panel: a strip per job, thumbnails as variants arrive, streamed previews replaced
by the final images, and the variant chosen laid over the photo through the job's mask."""

from __future__ import annotations

import io
import time

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

from editor.core.generate import JobContext
from editor.core.jobs import Job, JobQueue, JobState, Variant
from editor.pipeline.options import EditOptions
from editor.ui.panels.results import PARTIAL, ResultsPanel, composite_variant, thumbnail

W, H = 120, 80
PHOTO_RGB = (10, 120, 200)
GREEN = (0, 200, 0)


def png(width: int, height: int, colour) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buffer, "PNG")
    return buffer.getvalue()


def photo() -> QImage:
    image = QImage(W, H, QImage.Format.Format_RGB32)
    image.fill(PHOTO_RGB[0] << 16 | PHOTO_RGB[1] << 8 | PHOTO_RGB[2])
    return image


def coverage() -> np.ndarray:
    covered = np.zeros((H, W), np.uint8)
    covered[20:60, 30:90] = 255
    return covered


@pytest.fixture
def queue(qapp):
    return JobQueue()


@pytest.fixture
def contexts():
    return {}


@pytest.fixture
def panel(qtbot, queue, loop, contexts):
    panel = ResultsPanel(queue, loop=loop, context=contexts.get)
    qtbot.addWidget(panel)
    panel.resize(380, 500)
    panel.show()
    return panel


def add_job(queue, contexts, number: int) -> str:
    job_id = f"job-{number}"
    queue.add(Job(id=job_id, number=number, prompt=f"make it green {number}", options=EditOptions(),
                  provider_label="Custom (OpenAI-compatible)", started_at=time.time()))
    contexts[job_id] = JobContext(photo(), coverage())
    return job_id


def variant(index: int, data: bytes) -> Variant:
    return Variant(index=index, data=data, content_type="image/png", width=64, height=64)


def wait_quiet(qtbot, panel) -> None:
    qtbot.waitUntil(lambda: not panel.busy(), timeout=5000)


def test_composite_shows_the_variant_only_where_the_mask_is(qapp):
    made = composite_variant(png(64, 64, GREEN), JobContext(photo(), coverage()))
    image = made.image
    assert made.spill == 1.0  # the "model" painted the whole frame green: all of the outside changed
    assert image.size() == photo().size()
    assert image.pixelColor(50, 40).getRgb()[:3] == GREEN
    assert image.pixelColor(5, 5).getRgb()[:3] == PHOTO_RGB
    assert image.pixelColor(100, 70).getRgb()[:3] == PHOTO_RGB


def test_composite_never_paints_into_the_photo(qapp):
    original = photo()
    composite_variant(png(64, 64, GREEN), JobContext(original, coverage()))
    assert original.pixelColor(50, 40).getRgb()[:3] == PHOTO_RGB


def test_thumbnails_keep_the_shape_and_bad_data_gives_a_null_image(qapp):
    small = thumbnail(png(300, 150, GREEN), 88)
    assert (small.width(), small.height()) == (88, 44)
    assert thumbnail(b"not an image", 88).isNull()


def test_variants_appear_in_their_jobs_strip_and_the_newest_is_shown(qtbot, panel, queue, contexts):
    job_id = add_job(queue, contexts, 1)
    strip = panel.strip(job_id)
    assert "make it green 1" in strip.title.text() and strip.reserved() == 1  # a cell kept for its image
    with qtbot.waitSignal(panel.preview_ready, timeout=5000) as shown:
        queue.add_variant(job_id, variant(0, png(64, 64, GREEN)))
    assert shown.args[:2] == [job_id, 0]
    assert shown.args[2].pixelColor(50, 40).getRgb()[:3] == GREEN
    queue.add_variant(job_id, variant(1, png(64, 64, (200, 0, 0))))
    wait_quiet(qtbot, panel)
    assert sorted(strip.buttons) == [0, 1]
    assert panel.shown() == (job_id, 0)  # a second variant of the same job does not take over
    assert "variant 1 of #1" in panel.viewing.text() and "not applied" in panel.viewing.text()


def test_clicking_a_variant_shows_it_and_original_goes_back(qtbot, panel, queue, contexts):
    job_id = add_job(queue, contexts, 1)
    for index, colour in enumerate((GREEN, (200, 0, 0))):
        queue.add_variant(job_id, variant(index, png(64, 64, colour)))
    wait_quiet(qtbot, panel)
    with qtbot.waitSignal(panel.preview_ready, timeout=5000) as shown:
        qtbot.mouseClick(panel.strip(job_id).buttons[1], Qt.MouseButton.LeftButton)
    assert shown.args[1] == 1 and shown.args[2].pixelColor(50, 40).getRgb()[:3] == (200, 0, 0)
    assert panel.strip(job_id).buttons[1].isChecked()
    with qtbot.waitSignal(panel.preview_ready) as back:
        panel.original.click()
    assert back.args[0] == "" and back.args[2].isNull() and panel.shown() is None
    queue.add_variant(job_id, variant(2, png(64, 64, GREEN)))
    wait_quiet(qtbot, panel)
    assert panel.shown() is None  # after the user chose, arrivals are listed, not shown


def test_a_newer_job_takes_over_the_canvas_until_the_user_picks(qtbot, panel, queue, contexts):
    first = add_job(queue, contexts, 1)
    queue.add_variant(first, variant(0, png(64, 64, GREEN)))
    wait_quiet(qtbot, panel)
    second = add_job(queue, contexts, 2)
    panel.follow_newest()
    queue.add_variant(second, variant(0, png(64, 64, GREEN)))
    wait_quiet(qtbot, panel)
    assert panel.shown() == (second, 0)
    assert [panel._column.itemAt(i).widget() for i in range(2)] == [panel.strip(second), panel.strip(first)]


def test_streamed_previews_show_and_give_way_to_the_final_image(qtbot, panel, queue, contexts):
    job_id = add_job(queue, contexts, 1)
    queue.update(job_id, state=JobState.RECEIVING)
    with qtbot.waitSignal(panel.preview_ready, timeout=5000) as shown:
        queue.set_partial(job_id, variant(0, png(32, 32, (90, 90, 90))))
    assert shown.args[1] == PARTIAL and panel.shown() == (job_id, PARTIAL)
    with qtbot.waitSignal(panel.preview_ready, timeout=5000):
        queue.set_partial(job_id, variant(0, png(32, 32, (150, 150, 150))))  # the canvas follows it
    queue.add_variant(job_id, variant(0, png(64, 64, GREEN)))
    queue.update(job_id, state=JobState.DONE, finished_at=time.time())
    wait_quiet(qtbot, panel)
    strip = panel.strip(job_id)
    assert sorted(strip.buttons) == [0]
    assert panel.shown() == (job_id, 0)


def test_a_failed_job_says_why_in_its_strip(panel, queue, contexts):
    job_id = add_job(queue, contexts, 1)
    queue.update(job_id, state=JobState.FAILED, message="The API key was rejected (401).",
                 finished_at=time.time())
    strip = panel.strip(job_id)
    assert strip.collapsed() and strip.state.text() == "Failed"
    assert strip.reason.full_text() == "The API key was rejected (401)."
    assert "make it green 1" in strip.reason.toolTip()


def test_usage_and_time_are_listed(panel, queue, contexts):
    job_id = add_job(queue, contexts, 1)
    queue.update(job_id, state=JobState.DONE, finished_at=time.time(), usage=(("total_tokens", 4321),))
    assert "4,321 tokens" in panel.strip(job_id).facts.text()
    assert " s" in panel.strip(job_id).facts.text()


def test_the_canvas_follows_each_streamed_preview_not_the_first_one_again(qtbot, panel, queue, contexts):
    job_id = add_job(queue, contexts, 1)
    queue.update(job_id, state=JobState.RECEIVING)
    for grey in (90, 150):
        with qtbot.waitSignal(panel.preview_ready, timeout=5000) as shown:
            queue.set_partial(job_id, variant(0, png(64, 64, (grey, grey, grey))))
        assert shown.args[2].pixelColor(50, 40).getRgb()[:3] == (grey, grey, grey)


def test_discarding_every_variant_says_so_on_one_line(qtbot, panel, queue, contexts):
    job_id = add_job(queue, contexts, 1)
    queue.add_variant(job_id, variant(0, png(64, 64, GREEN)))
    queue.update(job_id, state=JobState.DONE, finished_at=time.time())
    wait_quiet(qtbot, panel)
    queue.mark(job_id, 0, discarded=True)
    strip = panel.strip(job_id)
    assert strip.visible_indices() == [] and strip.grid.cells() == 0
    assert strip.waiting.isVisibleTo(panel) and "discarded" in strip.waiting.full_text()
    assert panel.shown() is None


def test_thumbnails_wrap_to_the_panel_width(qtbot, panel, queue, contexts):
    job_id = add_job(queue, contexts, 1)
    for index in range(6):
        queue.add_variant(job_id, variant(index, png(64, 64, GREEN)))
    wait_quiet(qtbot, panel)
    strip = panel.strip(job_id)
    qtbot.waitUntil(lambda: strip.tiles[5].geometry().y() > strip.tiles[0].geometry().y())
    assert all(tile.geometry().right() <= strip.width() for tile in strip.tiles.values())


def test_a_newer_result_still_shows_when_an_even_newer_job_was_cancelled(qtbot, panel, queue, contexts):
    first = add_job(queue, contexts, 1)
    queue.add_variant(first, variant(0, png(64, 64, GREEN)))
    wait_quiet(qtbot, panel)
    second, third = add_job(queue, contexts, 2), add_job(queue, contexts, 3)
    panel.follow_newest()
    queue.update(third, state=JobState.CANCELLED, finished_at=time.time())
    queue.add_variant(second, variant(0, png(64, 64, GREEN)))
    wait_quiet(qtbot, panel)
    assert panel.shown() == (second, 0)
    queue.add_variant(first, variant(1, png(64, 64, GREEN)))  # an older job's late image stays listed
    wait_quiet(qtbot, panel)
    assert panel.shown() == (second, 0)


def test_seam_matching_follows_settings_and_redoes_the_shown_variant(qtbot, panel, queue, contexts,
                                                                   monkeypatch):
    import editor.ui.panels.results as results_module

    asked: list[bool] = []
    real = results_module.composite_variant

    def spy(data, context, **kwargs):
        asked.append(kwargs["harmonize"])
        return real(data, context, **kwargs)

    monkeypatch.setattr(results_module, "composite_variant", spy)
    job_id = add_job(queue, contexts, 1)
    with qtbot.waitSignal(panel.preview_ready, timeout=5000):
        queue.add_variant(job_id, variant(0, png(64, 64, GREEN)))
    assert asked == [True]  # on by default
    with qtbot.waitSignal(panel.preview_ready, timeout=5000):
        panel.set_composite("strict", 2.0, harmonize=False)
    assert asked == [True, False]


def test_settings_results_page_switches_seam_matching(qtbot):
    from editor.settings.store import UserSettings
    from editor.ui.dialogs.results_preferences import ResultsPreferences

    page = ResultsPreferences(UserSettings())
    qtbot.addWidget(page)
    assert page.harmonize.isChecked()  # on by default
    page.harmonize.setChecked(False)
    assert page.applied_to(UserSettings()).composite_harmonize is False
