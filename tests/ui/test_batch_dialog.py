"""The batch dialog driven offscreen against the loopback fake service, on the app's qasync loop."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from editor.backends import create_backend
from editor.backends.providers import PROFILES, ApiKey
from editor.pipeline.options import EditOptions
from editor.ui.dialogs.batch import BatchDialog
from tests.fakes.faults import Fault

W, H = 96, 64
HTTP = EditOptions(provider="custom", model="gpt-image-1", n=2, size="1024x1024", quality="low")
NAMES = ("a-park.png", "b-street.jpg", "c-beach.png")


@pytest.fixture
def factory(edit_server, fake_api_key):
    built: list[EditOptions] = []

    def make(options: EditOptions):
        built.append(options)
        return create_backend(PROFILES["custom"], api_key=ApiKey(fake_api_key), base_url=edit_server.base_url,
                              model=options.model)

    make.built = built
    return make


@pytest.fixture
def folders(tmp_path, make_photo, make_mask):
    photos = tmp_path / "photos"
    photos.mkdir()
    for name in NAMES:
        (photos / name).write_bytes(make_photo(W, H, "JPEG" if name.endswith(".jpg") else "PNG"))
    mask = tmp_path / "mask.png"
    mask.write_bytes(make_mask(W, H))
    return {"photos": photos, "mask": mask, "out": tmp_path / "out"}


@pytest.fixture
def make_dialog(qtbot, loop, factory, folders):
    def make(options: EditOptions = HTTP, prompt: str = "a red bicycle") -> BatchDialog:
        dialog = BatchDialog(options, factory, loop=loop, prompt=prompt, folder=folders["photos"],
                             out_dir=folders["out"])
        qtbot.addWidget(dialog)
        dialog.mask_edit.setText(str(folders["mask"]))
        return dialog

    return make


def run_to_end(qtbot, dialog: BatchDialog):
    with qtbot.waitSignal(dialog.batch_finished, timeout=20000) as finished:
        dialog.start_button.click()
        # The click only starts a task: nothing has been sent while the GUI thread was busy with it.
        assert dialog.running and not dialog.start_button.isEnabled() and dialog.cancel_button.isEnabled()
    qtbot.waitUntil(lambda: not dialog.running)
    return finished.args[0]


def test_a_batch_edits_every_photo_with_progress_and_outcomes(qtbot, make_dialog, edit_server, folders,
                                                              factory):
    dialog = make_dialog()
    assert dialog.prompt_edit.toPlainText() == "a red bicycle"
    dialog.concurrency.setValue(3)
    steps: list[int] = []
    dialog.progress.valueChanged.connect(steps.append)
    finished: list = []
    dialog.file_finished.connect(finished.append)

    summary = run_to_end(qtbot, dialog)
    assert (len(summary.with_status("edited")), summary.total, summary.cancelled) == (3, 3, False)
    assert dialog.progress.value() == dialog.progress.maximum() == 3 and steps[-3:] == [1, 2, 3]
    assert sorted(o.photo.name for o in finished) == list(NAMES) and dialog.outcomes() == finished
    texts = [dialog.outcome_list.item(row).text() for row in range(dialog.outcome_list.count())]
    assert all("— edited: 2 images" in text and "tokens" in text for text in texts)
    assert dialog.status_label.text().startswith("Edited 3, skipped 0 (done before), failed 0 of 3 photos")
    assert dialog.start_button.isEnabled() and not dialog.cancel_button.isEnabled()

    requests = edit_server.edit_requests
    assert len(requests) == 3 and {r.fields["prompt"] for r in requests} == {"a red bicycle"}
    assert {(r.fields["n"], r.fields["quality"], r.fields["model"]) for r in requests} == {
        ("2", "low", "gpt-image-1")}
    assert len(factory.built) == 3 and set(factory.built) == {HTTP}  # one backend per worker
    for outcome in finished:
        assert len(outcome.files) == 2 and all(path.exists() for path in outcome.files)
        assert json.loads(outcome.sidecar.read_text())["status"] == "completed"


def test_a_mask_folder_missing_one_mask_fails_that_photo_and_a_second_start_skips_the_rest(
        qtbot, make_dialog, edit_server, folders, make_mask, tmp_path):
    masks = tmp_path / "masks"
    masks.mkdir()
    for name in NAMES[:2]:
        (masks / Path(name).with_suffix(".png").name).write_bytes(make_mask(W, H))
    dialog = make_dialog()
    dialog.per_photo.setChecked(True)
    assert not dialog.mask_edit.isEnabled() and dialog.mask_dir_edit.isEnabled()
    dialog.mask_dir_edit.setText(str(masks))

    summary = run_to_end(qtbot, dialog)
    assert len(edit_server.edit_requests) == 2 and len(summary.with_status("failed")) == 1
    texts = [dialog.outcome_list.item(row).text() for row in range(dialog.outcome_list.count())]
    assert sorted(texts)[2].startswith("c-beach.png — failed: No mask for c-beach.png")
    assert dialog.progress.value() == 3

    summary = run_to_end(qtbot, dialog)
    assert len(edit_server.edit_requests) == 2  # the two done before were not sent again
    assert [o.status for o in dialog.outcomes()] == ["skipped", "skipped", "failed"]
    assert "skipped 2 (done before)" in dialog.status_label.text()


def test_cancel_stops_the_batch_keeps_what_arrived_and_start_continues(qtbot, make_dialog, edit_server,
                                                                       folders):
    edit_server.script(Fault.slow(0), Fault.slow(30))  # the first photo answers, the second hangs
    dialog = make_dialog()
    dialog.concurrency.setValue(1)
    ended: list = []
    dialog.batch_finished.connect(ended.append)
    dialog.start_button.click()
    qtbot.waitUntil(lambda: len(edit_server.edit_requests) == 2, timeout=15000)
    qtbot.waitUntil(lambda: dialog.progress.value() == 1)
    dialog.cancel_button.click()
    qtbot.waitUntil(lambda: not dialog.running, timeout=5000)

    assert len(ended) == 1 and ended[0].cancelled
    assert [o.status for o in dialog.outcomes()] == ["edited", "interrupted"]
    assert "Cancelled; every image received is kept" in dialog.status_label.text()
    assert all(path.exists() for path in dialog.outcomes()[0].files)
    qtbot.wait(300)
    assert len(edit_server.edit_requests) == 2  # nothing more went out after Cancel

    run_to_end(qtbot, dialog)
    assert [o.status for o in dialog.outcomes()] == ["skipped", "edited", "edited"]
    assert len(edit_server.edit_requests) == 4


def test_closing_the_dialog_cancels_a_running_batch(qtbot, make_dialog, edit_server):
    edit_server.script(Fault.slow(30), Fault.slow(30))
    dialog = make_dialog()
    dialog.show()
    dialog.start_button.click()
    qtbot.waitUntil(lambda: len(edit_server.edit_requests) == 2, timeout=15000)
    dialog.close()
    qtbot.waitUntil(lambda: not dialog.running, timeout=5000)
    assert [o.status for o in dialog.outcomes()] == ["interrupted", "interrupted"]


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda d, f: d.mask_edit.clear(), "Choose a mask first."),
        (lambda d, f: d.out_edit.clear(), "Choose the results folder first."),
        (lambda d, f: d.prompt_edit.setPlainText("  "), "Write a prompt"),
        (lambda d, f: d.folder_edit.setText(str(f["photos"] / "nowhere")), "no such folder"),
        (lambda d, f: d.out_edit.setText(str(f["photos"])), "output folder other than"),
        (lambda d, f: d.mask_edit.setText(str(f["photos"] / "none.png")), "no such file"),
    ],
)
def test_form_problems_are_said_in_the_status_line_and_nothing_is_sent(qtbot, make_dialog, edit_server,
                                                                      folders, change, words):
    dialog = make_dialog()
    change(dialog, folders)
    dialog.start_button.click()
    qtbot.waitUntil(lambda: not dialog.running, timeout=5000)
    assert words in dialog.status_label.text()
    assert edit_server.requests == [] and dialog.outcome_list.count() == 0 and dialog.start_button.isEnabled()


# --- File → Batch Edit… in the window ------------------------------------------------------------


def test_file_batch_runs_the_windows_prompt_and_options_through_its_own_backend(
        qtbot, loop, errors, tmp_path, service_env, folders):
    from tests.ui.test_end_to_end import painted_window

    window = painted_window(qtbot, loop, tmp_path)
    window.options_panel.variants.setValue(1)
    file_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&File")
    assert window.actions["file.batch"] in file_menu.actions()

    window.actions["file.batch"].trigger()
    dialog = window.findChild(BatchDialog)
    assert dialog is not None and dialog.isVisible()
    assert dialog.prompt_edit.toPlainText() == window.document.prompt()
    assert dialog.sends.text().startswith("Edits with Custom (OpenAI-compatible) · gpt-image-1 · 1 variant ")
    assert dialog.progress.text() == "Not started"
    # It starts where the open photo is, and writes beside it.
    photo_folder = window.document.path().parent
    assert Path(dialog.folder_edit.text()) == photo_folder
    assert Path(dialog.out_edit.text()) == photo_folder / "maskedit-batch"
    dialog.folder_edit.setText(str(folders["photos"]))
    dialog.out_edit.setText(str(folders["out"]))
    dialog.mask_edit.setText(str(folders["mask"]))

    summary = run_to_end(qtbot, dialog)
    assert len(summary.with_status("edited")) == len(NAMES)
    sent = service_env.edit_requests
    assert len(sent) == len(NAMES)
    assert {r.fields["prompt"] for r in sent} == {window.document.prompt()}
    assert {r.fields["model"] for r in sent} == {"gpt-image-1"} and {r.fields["n"] for r in sent} == {"1"}
    assert len(list(folders["out"].glob("*.png"))) >= len(NAMES)

    assert dialog.progress.text() == f"{len(NAMES)} / {len(NAMES)} photos"

    # Shown again while idle: the same dialog, with the window's prompt and options as they are now.
    dialog.close()
    window.document.set_prompt("a blue kite")
    window.options_panel.variants.setValue(3)
    window.actions["file.batch"].trigger()
    assert window.findChildren(BatchDialog) == [dialog] and dialog.isVisible()
    assert dialog.prompt_edit.toPlainText() == "a blue kite"
    assert "3 variants per photo" in dialog.sends.text()
    assert errors == []


def test_quitting_while_a_batch_runs_asks_first_and_stops_it(qtbot, loop, errors, tmp_path, service_env,
                                                             folders, monkeypatch):
    from editor.ui import dialogs
    from tests.ui.test_end_to_end import painted_window

    window = painted_window(qtbot, loop, tmp_path)
    service_env.script(*[Fault.slow(10)] * len(NAMES))
    window.actions["file.batch"].trigger()
    dialog = window.findChild(BatchDialog)
    dialog.folder_edit.setText(str(folders["photos"]))
    dialog.out_edit.setText(str(folders["out"]))
    dialog.mask_edit.setText(str(folders["mask"]))
    dialog.start_button.click()
    qtbot.waitUntil(lambda: len(service_env.edit_requests) >= 1, timeout=10000)

    asked: list[bool] = []
    monkeypatch.setattr(dialogs, "confirm_stop_batch", lambda _parent: asked.append(True) or False)
    assert not window.close()  # "Cancel": the window and the batch go on
    assert asked == [True] and dialog.running and window.isVisible()

    monkeypatch.setattr(dialogs, "confirm_stop_batch", lambda _parent: asked.append(True) or True)
    assert window.close()
    qtbot.waitUntil(lambda: not dialog.running, timeout=5000)
    assert len(asked) == 2
