"""The results gallery as the user meets it: large thumbnails whose size follows the slider and
Ctrl+wheel, a star badge and an "Applied" mark painted on the tiles, a hover preview on the canvas
that goes back to the chosen variant, failed jobs as one-line cards with Retry, and nothing moving
under the pointer as results arrive."""

from __future__ import annotations

import time

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from editor.core.generate import JobContext
from editor.core.jobs import Job, JobQueue, JobState
from editor.pipeline.options import EditOptions
from editor.ui import theme
from editor.ui.panels.results import HOVER_MS, PARTIAL, THUMB_MAX, THUMB_MIN, ResultsPanel
from tests.ui.test_results_panel import coverage, photo, png, variant, wait_quiet

RED, GREEN, BLUE = (200, 0, 0), (0, 200, 0), (0, 0, 200)
LONG_REASON = ("The service had trouble answering (500) and said a great deal more about why, "
               "at such length that no dock is wide enough for it. ") * 4


@pytest.fixture
def queue(qapp):
    return JobQueue()


@pytest.fixture
def contexts():
    return {}


def make_panel(qtbot, queue, loop, contexts, *, size=(380, 700), commands=False) -> ResultsPanel:
    panel = ResultsPanel(queue, loop=loop, context=contexts.get, commands=commands)
    qtbot.addWidget(panel)
    panel.resize(*size)
    panel.show()
    qtbot.waitExposed(panel)
    return panel


@pytest.fixture
def panel(qtbot, queue, loop, contexts):
    return make_panel(qtbot, queue, loop, contexts)


def add_job(queue, contexts, number: int, n: int = 1, **changes) -> str:
    job_id = f"job-{number}"
    queue.add(Job(id=job_id, number=number, prompt=f"make it green {number}", options=EditOptions(n=n),
                  provider_label="Custom (OpenAI-compatible)", started_at=time.time(), **changes))
    contexts[job_id] = JobContext(photo(), coverage())
    return job_id


def done_job(qtbot, panel, queue, contexts, number: int, colours) -> str:
    job_id = add_job(queue, contexts, number, n=len(colours))
    for index, colour in enumerate(colours):
        queue.add_variant(job_id, variant(index, png(64, 64, colour)))
    queue.update(job_id, state=JobState.DONE, finished_at=time.time())
    wait_quiet(qtbot, panel)
    return job_id


def settle(qtbot) -> None:
    """Let posted layout requests run."""
    for _ in range(3):
        QApplication.processEvents()
        qtbot.wait(10)


def on_panel(panel, widget) -> QPoint:
    return widget.mapTo(panel, QPoint(0, 0))


def near(colour: QColor, rgb: str | tuple[int, int, int], tolerance: int = 40) -> bool:
    want = QColor(rgb) if isinstance(rgb, str) else QColor(*rgb)
    return all(abs(a - b) <= tolerance for a, b in zip(colour.getRgb()[:3], want.getRgb()[:3], strict=True))


def ctrl_wheel(widget, notches: int, modifiers=Qt.KeyboardModifier.ControlModifier) -> None:
    """A wheel turn over `widget` (a posted-by-code event reaches only the widget it is sent to:
    the gallery's viewport, where a real turn over a thumbnail ends up)."""
    centre = QPointF(widget.width() / 2, widget.height() / 2)
    event = QWheelEvent(centre, widget.mapToGlobal(centre), QPoint(), QPoint(0, 120 * notches),
                        Qt.MouseButton.NoButton, modifiers, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(widget, event)


# --- size ----------------------------------------------------------------------------------------


def test_thumbnails_are_160_px_by_default_and_the_slider_resizes_them(qtbot, queue, loop, contexts):
    panel = make_panel(qtbot, queue, loop, contexts, size=(700, 700))
    job_id = done_job(qtbot, panel, queue, contexts, 1, [GREEN, RED])
    button = panel.strip(job_id).buttons[0]
    assert panel.thumb_size == 160 and panel.size_slider.value() == 160
    assert button.width() >= 160 and button.height() == button.width()
    with qtbot.waitSignal(panel.thumb_size_changed) as told:
        panel.size_slider.setValue(240)
    assert told.args == [240] and panel.thumb_size == 240
    assert button.width() == 240
    assert (panel.size_slider.minimum(), panel.size_slider.maximum()) == (THUMB_MIN, THUMB_MAX)


def test_the_window_sets_the_size_without_hearing_it_back_and_it_stays_in_range(qtbot, panel):
    heard: list[int] = []
    panel.thumb_size_changed.connect(heard.append)
    panel.thumb_size = 200
    assert panel.thumb_size == 200 and panel.size_slider.value() == 200 and heard == []
    panel.thumb_size = 5000
    assert panel.thumb_size == THUMB_MAX and heard == []


def test_ctrl_wheel_over_the_gallery_resizes_and_the_plain_wheel_does_not(qtbot, queue, loop, contexts):
    panel = make_panel(qtbot, queue, loop, contexts, size=(700, 700))
    job_id = done_job(qtbot, panel, queue, contexts, 1, [GREEN])
    button = panel.strip(job_id).buttons[0]
    heard: list[int] = []
    panel.thumb_size_changed.connect(heard.append)
    viewport = panel.gallery.viewport()
    ctrl_wheel(viewport, 2)
    assert panel.thumb_size == 192 and panel.size_slider.value() == 192 and heard == [192]
    assert button.width() == 192
    ctrl_wheel(viewport, -1)
    assert panel.thumb_size == 176
    ctrl_wheel(viewport, 3, modifiers=Qt.KeyboardModifier.NoModifier)
    assert panel.thumb_size == 176 and heard == [192, 176]
    for _ in range(40):
        ctrl_wheel(viewport, 1)
    assert panel.thumb_size == THUMB_MAX and heard[-1] == THUMB_MAX


def test_the_grid_wraps_to_the_docks_width_and_a_narrow_dock_shrinks_the_tiles(qtbot, panel, queue, contexts):
    job_id = done_job(qtbot, panel, queue, contexts, 1, [GREEN, RED, BLUE, GREEN])
    strip = panel.strip(job_id)
    settle(qtbot)
    rows = {tile.y() for tile in strip.tiles.values()}
    assert len(rows) == 2  # 380 px holds two 160 px tiles a row
    panel.thumb_size = THUMB_MIN
    settle(qtbot)
    assert len({tile.y() for tile in strip.tiles.values()}) == 2  # three a row now: 3 + 1
    assert strip.tiles[2].y() == strip.tiles[0].y() and strip.tiles[3].y() > strip.tiles[0].y()
    panel.thumb_size = THUMB_MAX
    panel.resize(200, 700)
    settle(qtbot)
    grid = strip.grid
    assert all(tile.geometry().right() <= grid.width() for tile in strip.tiles.values())
    assert strip.buttons[0].width() <= grid.width()


# --- star and applied ----------------------------------------------------------------------------


def test_a_starred_variant_wears_a_star_badge_drawn_in_the_theme_colour(qtbot, panel, queue, contexts):
    job_id = done_job(qtbot, panel, queue, contexts, 1, [RED])
    button = panel.strip(job_id).buttons[0]
    size = button.badge_size()
    centre = QPoint(button.image_rect().left() + size // 2 + 1, button.image_rect().top() + size // 2 + 1)
    assert near(button.grab().toImage().pixelColor(centre), RED)
    queue.mark(job_id, 0, starred=True)
    assert near(button.grab().toImage().pixelColor(centre), theme.current().warn)
    assert "starred" in button.accessibleName()
    queue.mark(job_id, 0, starred=False)
    assert near(button.grab().toImage().pixelColor(centre), RED)


def test_the_applied_variant_is_marked_and_the_mark_follows_apply_and_undo(qtbot, panel, queue, contexts):
    job_id = add_job(queue, contexts, 1, n=2)
    panel.set_photo_origin((job_id, 1))  # an opened project: the mark waits for its tile
    for index in (0, 1):
        queue.add_variant(job_id, variant(index, png(64, 64, RED)))
    wait_quiet(qtbot, panel)
    strip = panel.strip(job_id)

    def marked(index: int) -> bool:
        button = strip.buttons[index]
        inside_pill = QPoint(button.width() - 3 - 3 - 4, 3 + 3 + button.badge_size() // 2)
        return near(button.grab().toImage().pixelColor(inside_pill), theme.current().ok)

    assert marked(1) and not marked(0)
    assert panel.applied() == (job_id, 1) and "applied" in strip.buttons[1].accessibleName()
    panel.set_photo_origin((job_id, 0))
    assert marked(0) and not marked(1)
    panel.set_photo_origin(None)  # undone: the photo is the original again
    assert not marked(0) and not marked(1)


# --- hover preview -------------------------------------------------------------------------------


def test_resting_on_a_thumbnail_previews_it_and_leaving_goes_back_to_the_choice(
        qtbot, panel, queue, contexts):
    job_id = done_job(qtbot, panel, queue, contexts, 1, [GREEN, RED, BLUE])
    strip = panel.strip(job_id)
    panel.choose(job_id, 0)
    wait_quiet(qtbot, panel)
    shown: list[tuple[str, int, tuple]] = []
    panel.preview_ready.connect(lambda j, i, image: shown.append(
        (j, i, image.pixelColor(50, 40).getRgb()[:3] if not image.isNull() else None)))

    QTest.mouseMove(strip.buttons[1])
    qtbot.wait(HOVER_MS // 3)
    assert shown == []  # passing over is not resting
    qtbot.waitUntil(lambda: shown == [(job_id, 1, RED)], timeout=3000)
    assert panel.shown() == (job_id, 0) and strip.buttons[0].isChecked()  # the choice is kept
    assert panel.hovered() == (job_id, 1)
    assert panel.viewing.text().startswith("Previewing variant 2 of #1")

    QTest.mouseMove(panel.original)  # out of the gallery
    qtbot.waitUntil(lambda: len(shown) == 2, timeout=3000)
    assert shown[1] == (job_id, 0, GREEN) and panel.hovered() is None
    assert panel.viewing.text().startswith("Showing variant 1 of #1")


def test_sweeping_across_thumbnails_previews_only_where_the_pointer_stops(qtbot, panel, queue, contexts):
    job_id = done_job(qtbot, panel, queue, contexts, 1, [GREEN, RED, BLUE])
    panel.show_original()
    strip = panel.strip(job_id)
    shown: list[tuple[str, int]] = []
    panel.preview_ready.connect(lambda j, i, _image: shown.append((j, i)))
    for index in (0, 1, 2):
        QTest.mouseMove(strip.buttons[index])
    qtbot.waitUntil(lambda: shown == [(job_id, 2)], timeout=3000)
    qtbot.wait(HOVER_MS * 2)
    assert shown == [(job_id, 2)]  # no flicker through 0 and 1
    QTest.mouseMove(panel.original)
    qtbot.waitUntil(lambda: len(shown) == 2, timeout=3000)
    assert shown[1] == ("", 0) and panel.shown() is None  # back to the original photo


def test_a_click_or_an_arrow_key_while_hovering_still_chooses(qtbot, panel, queue, contexts):
    job_id = done_job(qtbot, panel, queue, contexts, 1, [GREEN, RED, BLUE])
    strip = panel.strip(job_id)
    panel.choose(job_id, 0)
    wait_quiet(qtbot, panel)
    shown: list[tuple[str, int]] = []
    panel.preview_ready.connect(lambda j, i, _image: shown.append((j, i)))
    QTest.mouseMove(strip.buttons[1])
    qtbot.waitUntil(lambda: panel.hovered() == (job_id, 1) and shown == [(job_id, 1)], timeout=3000)

    QTest.keyClick(panel, Qt.Key.Key_Right)  # steps from the choice, not from the hovered tile
    qtbot.waitUntil(lambda: shown[-1] == (job_id, 1) and panel.shown() == (job_id, 1), timeout=3000)
    assert panel.hovered() is None
    QTest.keyClick(panel, Qt.Key.Key_Right)
    qtbot.waitUntil(lambda: shown[-1] == (job_id, 2), timeout=3000)

    qtbot.mouseClick(strip.buttons[0], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: shown[-1] == (job_id, 0), timeout=3000)
    count = len(shown)
    QTest.mouseMove(panel.original)
    qtbot.wait(HOVER_MS * 2)
    assert panel.shown() == (job_id, 0) and len(shown) == count  # the click was the choice: nothing to undo


def test_a_new_result_waits_while_the_user_previews_another(qtbot, panel, queue, contexts):
    first = done_job(qtbot, panel, queue, contexts, 1, [GREEN, RED])
    panel.choose(first, 0)
    wait_quiet(qtbot, panel)
    shown: list[tuple[str, int]] = []
    panel.preview_ready.connect(lambda j, i, _image: shown.append((j, i)))
    QTest.mouseMove(panel.strip(first).buttons[1])
    qtbot.waitUntil(lambda: shown == [(first, 1)], timeout=3000)
    second = add_job(queue, contexts, 2)
    panel.follow_newest()
    queue.add_variant(second, variant(0, png(64, 64, BLUE)))
    wait_quiet(qtbot, panel)
    assert panel.shown() == (second, 0) and shown == [(first, 1)]  # listed and chosen, not thrown on screen
    QTest.mouseMove(panel.original)
    qtbot.waitUntil(lambda: shown[-1] == (second, 0), timeout=3000)


# --- failed and cancelled jobs -------------------------------------------------------------------


def test_a_failed_job_is_one_line_with_its_reason_elided_and_retry(qtbot, queue, loop, contexts):
    panel = make_panel(qtbot, queue, loop, contexts, commands=True)
    short, long = add_job(queue, contexts, 1, n=4), add_job(queue, contexts, 2, n=4)
    queue.update(short, state=JobState.FAILED, message="Timed out.", finished_at=time.time())
    queue.update(long, state=JobState.FAILED, message=LONG_REASON, finished_at=time.time())
    settle(qtbot)
    card = panel.strip(long)
    assert card.collapsed() and card.height() == panel.strip(short).height()
    assert card.height() <= card.retry.sizeHint().height() + 20  # a line, not a paragraph
    assert card.reason.text().endswith("…") and card.reason.full_text() == LONG_REASON
    assert LONG_REASON in card.reason.toolTip() and "make it green 2" in card.reason.toolTip()
    assert card.state.text() == "Failed" and not card.grid.isVisibleTo(panel)
    with qtbot.waitSignal(panel.retry_requested) as asked:
        card.retry.click()
    assert asked.args == [long]


def test_a_cancelled_job_is_a_card_too_and_retry_needs_a_window_to_handle_it(qtbot, panel, queue, contexts):
    job_id = add_job(queue, contexts, 1, n=2)
    queue.update(job_id, state=JobState.CANCELLED, finished_at=time.time())
    card = panel.strip(job_id)
    assert card.collapsed() and card.state.text() == "Cancelled"
    assert "Cancelled before any image" in card.reason.full_text()
    assert not card.retry.isVisibleTo(panel)  # this panel was built without commands


def test_a_job_that_failed_after_some_images_keeps_them_and_says_why_on_its_facts_line(
        qtbot, panel, queue, contexts):
    job_id = add_job(queue, contexts, 1, n=3)
    queue.add_variant(job_id, variant(0, png(64, 64, GREEN)))
    wait_quiet(qtbot, panel)
    queue.update(job_id, state=JobState.FAILED, message="The connection dropped.", finished_at=time.time())
    strip = panel.strip(job_id)
    assert not strip.collapsed() and strip.visible_indices() == [0]
    assert strip.grid.cells() == 1  # the cells still reserved for the rest are given back
    assert "The connection dropped." in strip.facts.full_text()


def test_a_failed_jobs_row_in_the_jobs_list_is_one_line_whatever_its_reason(qtbot, queue):
    from editor.ui.panels.jobs import JobsPanel

    jobs = JobsPanel(queue)
    qtbot.addWidget(jobs)
    jobs.resize(380, 400)
    jobs.show()
    running, short, long = (add_job(queue, {}, number) for number in (1, 2, 3))
    queue.update(running, state=JobState.SENDING)
    queue.update(short, state=JobState.FAILED, message="Timed out.", finished_at=time.time())
    queue.update(long, state=JobState.FAILED, message=LONG_REASON, finished_at=time.time())
    settle(qtbot)
    row = jobs.row(long)
    assert row.height() == jobs.row(short).height() == jobs.row(running).height()
    assert row.message.text() == LONG_REASON  # whole for Copy details; painted elided
    assert LONG_REASON in row.message.toolTip() and "make it green 3" in row.message.toolTip()
    assert row.copy.isVisibleTo(jobs) and not row.title.isVisibleTo(jobs)
    shown = row.message.grab().toImage()
    assert shown.width() < row.message.fontMetrics().horizontalAdvance(LONG_REASON)


# --- nothing moves under the pointer -------------------------------------------------------------


def controls(panel) -> list[QPoint]:
    return [on_panel(panel, widget) for widget in (panel.original, panel.size_slider, panel.gallery)]


def test_arriving_images_fill_reserved_cells_and_move_nothing(qtbot, panel, queue, contexts):
    older = done_job(qtbot, panel, queue, contexts, 1, [GREEN])
    running = add_job(queue, contexts, 2, n=4, state=JobState.SENDING)
    settle(qtbot)
    strip = panel.strip(running)
    assert strip.grid.cells() == 4 and strip.reserved() == 4
    header, height, below = controls(panel), strip.height(), on_panel(panel, panel.strip(older).buttons[0])

    queue.update(running, state=JobState.RECEIVING)
    queue.set_partial(running, variant(0, png(32, 32, (90, 90, 90))))
    wait_quiet(qtbot, panel)
    for index, colour in enumerate((RED, BLUE, GREEN)):
        queue.add_variant(running, variant(index, png(64, 64, colour)))
        queue.mark(running, index, spill=0.5)  # a long "changed 50 % outside the mask" above
        wait_quiet(qtbot, panel)
        settle(qtbot)
        assert strip.grid.cells() == 4
        assert (controls(panel), strip.height()) == (header, height)
        assert on_panel(panel, panel.strip(older).buttons[0]) == below
    queue.add_variant(running, variant(3, png(64, 64, RED)))
    queue.update(running, state=JobState.DONE, finished_at=time.time(), usage=(("total_tokens", 1234),))
    wait_quiet(qtbot, panel)
    settle(qtbot)
    assert PARTIAL not in strip.buttons and strip.visible_indices() == [0, 1, 2, 3]
    assert (controls(panel), strip.height()) == (header, height)  # the usage line was kept for it
    assert on_panel(panel, panel.strip(older).buttons[0]) == below
    assert "1,234" in panel.usage.text()


def test_a_job_failing_above_never_moves_the_tiles_the_user_scrolled_to(qtbot, panel, queue, contexts):
    older = done_job(qtbot, panel, queue, contexts, 1, [GREEN, RED, BLUE, GREEN, RED, BLUE, GREEN, RED])
    settle(qtbot)
    bar = panel.gallery.verticalScrollBar()
    assert bar.maximum() > 200
    ctrl_wheel(panel.gallery.viewport(), -3, modifiers=Qt.KeyboardModifier.NoModifier)  # the user scrolls
    settle(qtbot)
    assert bar.value() > 0
    tile = panel.strip(older).buttons[4]
    before = on_panel(panel, tile)

    failing = add_job(queue, contexts, 2, n=4, state=JobState.SENDING)
    settle(qtbot)
    assert on_panel(panel, tile) == before
    assert panel.strip(failing).height() > 2 * panel.thumb_size  # its four cells, reserved above
    queue.update(failing, state=JobState.FAILED, message=LONG_REASON, finished_at=time.time())
    settle(qtbot)
    assert on_panel(panel, tile) == before
    assert panel.strip(failing).collapsed()


def test_a_new_job_does_not_push_the_tile_under_the_pointer(qtbot, panel, queue, contexts):
    older = done_job(qtbot, panel, queue, contexts, 1, [GREEN, RED, BLUE, GREEN])
    settle(qtbot)
    tile = panel.strip(older).buttons[2]
    QTest.mouseMove(tile)  # the user points at a result, the view at the top
    settle(qtbot)
    before = on_panel(panel, tile)
    new = add_job(queue, contexts, 2, n=2, state=JobState.SENDING)
    settle(qtbot)
    assert on_panel(panel, tile) == before
    assert panel.strip(new).y() < panel.strip(older).y()  # on top, scrolled just out of view
    assert panel.gallery.verticalScrollBar().value() == panel.strip(older).y()


def test_with_the_pointer_elsewhere_a_new_job_appears_on_top(qtbot, panel, queue, contexts):
    done_job(qtbot, panel, queue, contexts, 1, [GREEN, RED])
    QTest.mouseMove(panel.original)
    new = add_job(queue, contexts, 2, n=2, state=JobState.SENDING)
    settle(qtbot)
    assert panel.gallery.verticalScrollBar().value() == 0
    assert panel.strip(new).mapTo(panel.gallery.viewport(), QPoint(0, 0)).y() == 0
