"""Nothing paid for is out of reach: quit asks Save / Don't Save / Cancel; a saved project and a
draft both come back after a relaunch with every result; a cancelled job stays in the history; each
photo has its own results. Against the loopback fake, with the real window."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtWidgets import QFileDialog

from editor.core.drafts import list_drafts
from editor.core.jobs import JobState
from editor.settings.store import data_dir
from editor.ui import dialogs
from editor.ui.dialogs.drafts import DraftsDialog
from editor.ui.dialogs.history import NO_VARIANT
from tests.fakes.faults import Fault
from tests.ui.test_end_to_end import PROMPT, painted_window, start
from tests.ui.test_paste_mode import enter, settle
from tests.ui.test_window_results import finished_job
from tests.ui.window_driving import (
    generate_with_keys,
    open_photo,
    paint_stroke,
    wait_finished,
    wait_idle,
    write_photo,
)


def projects_dir() -> Path:
    return data_dir() / "projects"


def quit_window(qtbot, window, answer: str, monkeypatch) -> list[tuple[str, str]]:
    """Close the window answering the save question with `answer`; the questions asked."""
    asked: list[tuple[str, str]] = []
    monkeypatch.setattr(dialogs, "ask_save_changes",
                        lambda _parent, question, detail: asked.append((question, detail)) or answer)
    window.close()
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=15000)
    return asked


def drafts_dialog(qtbot, window) -> DraftsDialog:
    window.actions["file.drafts"].trigger()
    dialog = window.findChild(DraftsDialog)
    qtbot.waitUntil(lambda: dialog.status.text() != "Looking for your projects and drafts…", timeout=10000)
    wait_idle(qtbot, window)
    return dialog


def read_back(variants) -> dict[int, bytes]:
    """A restored job's variants, by index, as their files hold them: none is held in memory."""
    assert all(variant.data is None for variant in variants)
    return {variant.index: variant.path.read_bytes() for variant in variants}


def open_from_dialog(qtbot, window, dialog: DraftsDialog, row: int = 0) -> None:
    dialog.list.setCurrentRow(row)
    dialog.open_button.click()
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: window.queue.jobs() != [], timeout=15000)


def test_quit_save_relaunch_brings_every_variant_back(qtbot, loop, errors, tmp_path, service_env,
                                                       monkeypatch):
    window = painted_window(qtbot, loop, tmp_path)
    job = finished_job(qtbot, window)
    variants = {v.index: v.data for v in window.queue.variants(job.id)}
    key = enter(qtbot, window)  # shape the shown variant after it arrived: its paste mask
    settle(qtbot, window)
    paint_stroke(qtbot, window, [(200, 95), (210, 95)])
    window.paste_bar.feather.setValue(6)
    settle(qtbot, window)
    paste = window.pastes.paste(key).own.array().copy()
    assert paste[95, 205] == 255
    target = tmp_path / "work" / "street.maskedit"
    target.parent.mkdir()
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))

    asked = quit_window(qtbot, window, dialogs.SAVE, monkeypatch)
    assert asked == [("Save your work on street.png as a project?",
                      "If you don't save, its 2 results stay in File ▸ Projects and Drafts as a draft "
                      "until you delete it.")]
    assert target.is_file()

    again = start(qtbot, loop, tmp_path)  # the same settings: a relaunch
    assert str(target) in again.settings().recent_files
    again.opener.open_recent(str(target))
    wait_idle(qtbot, again)
    qtbot.waitUntil(lambda: again.queue.jobs() != [], timeout=15000)
    restored = again.queue.jobs()[0]
    assert restored.state is JobState.DONE and restored.prompt == PROMPT
    assert read_back(again.queue.variants(restored.id)) == variants
    qtbot.waitUntil(lambda: key in again.pastes, timeout=15000)
    assert np.array_equal(again.pastes.paste(key).own.array(), paste)
    assert again.pastes.feather(key, 2.0) == 6.0
    qtbot.waitUntil(lambda: all(again.queue.marks(restored.id, index).spill is not None
                                for index in variants), timeout=15000)
    assert not again.keeper.modified()  # all it shows is in its file (measuring spill is no work)
    assert quit_window(qtbot, again, dialogs.CANCEL, monkeypatch) == []


def test_an_opened_project_shows_the_spill_its_records_kept_without_measuring_again(
        qtbot, loop, errors, tmp_path, service_env, monkeypatch):
    window = painted_window(qtbot, loop, tmp_path)
    job = finished_job(qtbot, window)
    indexes = [v.index for v in window.queue.variants(job.id)]
    qtbot.waitUntil(lambda: all(window.queue.marks(job.id, i).spill is not None for i in indexes),
                    timeout=15000)
    measured = {i: window.queue.marks(job.id, i).spill for i in indexes}
    target = tmp_path / "kept.maskedit"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    quit_window(qtbot, window, dialogs.SAVE, monkeypatch)

    import editor.ui.panels.results as results_module

    measured_again: list[object] = []
    monkeypatch.setattr(results_module, "measure_spill",
                        lambda *args: measured_again.append(args) or 0.5)
    again = start(qtbot, loop, tmp_path)
    again.opener.open_recent(str(target))
    wait_idle(qtbot, again)
    qtbot.waitUntil(lambda: again.queue.jobs() != [], timeout=15000)
    restored = again.queue.jobs()[0]
    assert {i: again.queue.marks(restored.id, i).spill for i in indexes} == pytest.approx(measured, abs=1e-6)
    wait_idle(qtbot, again)
    assert measured_again == []  # no variant decoded again for a figure its record holds
    quit_window(qtbot, again, dialogs.DONT_SAVE, monkeypatch)


def test_quit_without_saving_keeps_a_draft_listed_until_it_is_deleted(qtbot, loop, errors, tmp_path,
                                                                      service_env, monkeypatch):
    window = painted_window(qtbot, loop, tmp_path)
    job = finished_job(qtbot, window)
    variants = {v.index: v.data for v in window.queue.variants(job.id)}
    assert quit_window(qtbot, window, dialogs.DONT_SAVE, monkeypatch) != []

    again = start(qtbot, loop, tmp_path)
    dialog = drafts_dialog(qtbot, again)
    [draft] = dialog.drafts()
    assert draft.title == "street.png" and draft.saved_to is None
    assert draft.summary() == "1 job · 2 results"
    assert draft.thumbnail is not None and draft.thumbnail.is_file()
    assert "Draft, never saved" in dialog.list.item(0).text()
    open_from_dialog(qtbot, again, dialog)
    restored = again.queue.jobs()[0]
    assert read_back(again.queue.variants(restored.id)) == variants
    assert again.document.prompt() == PROMPT

    # Still listed after another relaunch, until deleted (asked first).
    assert quit_window(qtbot, again, dialogs.DONT_SAVE, monkeypatch) != []
    third = start(qtbot, loop, tmp_path)
    dialog = drafts_dialog(qtbot, third)
    assert [d.root for d in dialog.drafts()] == [draft.root]
    monkeypatch.setattr(dialogs, "confirm_delete_draft", lambda _parent, title, detail: title == "street.png")
    dialog.list.setCurrentRow(0)
    dialog.delete_button.click()
    qtbot.waitUntil(lambda: dialog.drafts() == [], timeout=10000)
    assert not draft.root.exists()
    assert list_drafts(projects_dir(), exclude=third.keeper.project.root) == []


def test_cancel_on_the_question_keeps_the_window_and_its_work(qtbot, loop, errors, tmp_path, service_env,
                                                             monkeypatch):
    window = painted_window(qtbot, loop, tmp_path)
    finished_job(qtbot, window)
    asked = quit_window_without_waiting(window, dialogs.CANCEL, monkeypatch)
    assert asked and window.isVisible() and window.queue.jobs()


def quit_window_without_waiting(window, answer: str, monkeypatch) -> list:
    asked: list = []
    monkeypatch.setattr(dialogs, "ask_save_changes",
                        lambda _parent, question, detail: asked.append(question) or answer)
    assert not window.close()
    return asked


@pytest.mark.slow
def test_a_cancelled_job_is_in_the_history_after_a_relaunch(qtbot, loop, errors, tmp_path, service_env,
                                                            monkeypatch):
    window = painted_window(qtbot, loop, tmp_path)
    service_env.script(Fault.slow(30))
    job = generate_with_keys(qtbot, window)
    qtbot.waitUntil(lambda: len(service_env.edit_requests) == 1, timeout=15000)
    window.runner.cancel(job.id)
    job = wait_finished(qtbot, window, job.id)
    assert job.state is JobState.CANCELLED
    assert "may have been billed" in job.message  # said at once, not only after a restart
    assert quit_window(qtbot, window, dialogs.DONT_SAVE, monkeypatch) != []

    again = start(qtbot, loop, tmp_path)
    open_from_dialog(qtbot, again, drafts_dialog(qtbot, again))
    [entry] = again.history.entries()
    assert entry.variant_index == NO_VARIANT and entry.prompt == PROMPT
    assert entry.outcome.startswith("Cancelled after the request was sent, so it may have been billed")
    again.history.show()
    table = again.history.dialog
    assert table.count_label.text() == "0 of 0 variants · 1 job without images"
    assert table.table.item(0, 1).text() == "#1 · cancelled"
    assert "no request id had arrived" in table.table.item(0, 2).toolTip()
    table.table.selectRow(0)
    assert not table.show_button.isEnabled() and table.reuse_button.isEnabled()


def test_another_photo_starts_its_own_results_and_the_old_ones_stay_in_its_draft(
        qtbot, loop, errors, tmp_path, service_env, monkeypatch, save_questions):
    window = painted_window(qtbot, loop, tmp_path)
    job = finished_job(qtbot, window)
    key = enter(qtbot, window)
    settle(qtbot, window)
    paint_stroke(qtbot, window, [(200, 95), (210, 95)])  # the moment before opening another photo
    settle(qtbot, window)
    paste = window.pastes.paste(key).own.array().copy()
    old_project = window.keeper.project.root

    open_photo(qtbot, window, write_photo(tmp_path / "harbour.png"))
    assert save_questions and save_questions[-1][0] == "Save your work on street.png as a project?"
    assert window.document.path().name == "harbour.png"
    assert window.queue.jobs() == [] and window.results.variant_order() == []
    assert window.keeper.project.root != old_project and old_project.is_dir()
    assert window.pastes.keys() == [] and not window.paste_mode.active()
    assert window.document.prompt() == ""
    assert not window.keeper.modified()  # a photo just opened is not work yet

    dialog = drafts_dialog(qtbot, window)
    [draft] = dialog.drafts()
    assert draft.root == old_project and draft.title == "street.png"
    open_from_dialog(qtbot, window, dialog)
    assert window.document.path().name == "street.png"
    assert [j.id for j in window.queue.jobs()] == [job.id]
    qtbot.waitUntil(lambda: key in window.pastes, timeout=15000)
    assert np.array_equal(window.pastes.paste(key).own.array(), paste)  # saved as it left


def test_another_photo_waits_for_a_running_job(qtbot, loop, errors, tmp_path, service_env):
    window = painted_window(qtbot, loop, tmp_path)
    service_env.script(Fault.slow(30))
    job = generate_with_keys(qtbot, window)
    open_photo(qtbot, window, write_photo(tmp_path / "harbour.png"))
    assert errors and errors[-1][0] == "A job is still running"
    assert window.document.path().name == "street.png" and job.id in window.queue
    window.runner.cancel(job.id)
    wait_finished(qtbot, window, job.id)


def test_quitting_with_a_running_job_asks_first(qtbot, loop, errors, tmp_path, service_env, monkeypatch):
    window = painted_window(qtbot, loop, tmp_path)
    service_env.script(Fault.slow(30))
    job = generate_with_keys(qtbot, window)
    qtbot.waitUntil(lambda: len(service_env.edit_requests) == 1, timeout=15000)
    asked: list[int] = []
    monkeypatch.setattr(dialogs, "confirm_stop_jobs", lambda _parent, running: asked.append(running) or False)
    assert not window.close()
    assert asked == [1] and window.isVisible() and not window.queue.job(job.id).state.finished

    monkeypatch.setattr(dialogs, "confirm_stop_jobs", lambda _parent, running: True)
    assert quit_window(qtbot, window, dialogs.DONT_SAVE, monkeypatch) != []
    qtbot.waitUntil(lambda: window.queue.job(job.id).state is JobState.CANCELLED, timeout=10000)


def test_the_start_page_offers_the_newest_drafts(qtbot, loop, errors, tmp_path, service_env, monkeypatch):
    window = painted_window(qtbot, loop, tmp_path)
    finished_job(qtbot, window)
    quit_window(qtbot, window, dialogs.DONT_SAVE, monkeypatch)

    again = start(qtbot, loop, tmp_path)  # no photo: the start page
    qtbot.waitUntil(lambda: len(again.empty_state.draft_cards()) == 1, timeout=10000)
    [card] = again.empty_state.draft_cards()
    assert card.text().startswith("street.png\nToday ") and card.text().endswith("· 2 results")
    assert not card.icon().isNull()
    card.click()
    wait_idle(qtbot, again)
    qtbot.waitUntil(lambda: again.queue.jobs() != [], timeout=15000)
    assert again.document.path().name == "street.png"
