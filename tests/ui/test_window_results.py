"""What the window does with variants, against the loopback fake: apply and undo it, discard and
bring back, star, reuse, compare (split, steps, Esc back with the same zoom), export with metadata,
and projects (autosave, Save, Open in a new window)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QFileDialog

from editor.core.generate import photo_pixels
from editor.core.jobs import JobState
from editor.core.session import PROJECT_SUFFIX
from editor.imaging.export import read_metadata
from tests.ui.test_end_to_end import PROMPT, painted_window, start
from tests.ui.window_driving import generate_with_keys, press_keys, wait_finished, wait_idle


def finished_job(qtbot, window, variants: int = 2):
    window.options_panel.variants.setValue(variants)
    job = wait_finished(qtbot, window, generate_with_keys(qtbot, window).id)
    assert job.state is JobState.DONE, job.message
    qtbot.waitUntil(lambda: window.results.shown() == (job.id, 0))
    return job


def pixels_of(image) -> np.ndarray:
    pixels, _owner = photo_pixels(image)
    return np.array(pixels[..., :3], copy=True)


def wait_task(qtbot, window) -> None:
    qtbot.waitUntil(lambda: not window.busy() and not window.results.busy(), timeout=15000)


# --- apply, discard, star, reuse -----------------------------------------------------------------


def test_apply_makes_the_variant_the_photo_outside_the_mask_untouched_and_undo_brings_it_back(
        qtbot, loop, errors, tmp_path, service_env):
    service_env.spill = 0.3  # the "model" also changes pixels it was told to keep
    window = painted_window(qtbot, loop, tmp_path)
    before = window.document.photo()
    original = pixels_of(before)
    kept = window.document.mask().array() == 0
    job = finished_job(qtbot, window)

    window.results.actions["apply"].click()
    qtbot.waitUntil(lambda: window.document.photo() is not before)
    applied = pixels_of(window.document.photo())
    assert np.array_equal(applied[kept & _far_from_mask(kept)], original[kept & _far_from_mask(kept)])
    assert not np.array_equal(applied, original)
    assert window.queue.marks(job.id, 0).spill == pytest.approx(0.3, abs=0.05)  # the meter reads the spill
    assert window.document.mask().array().any()  # kept by default
    assert window.results.viewing.text() == f"Showing the working photo: variant 1 of #{job.number} applied"

    press_keys(qtbot, window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert window.document.photo() is before
    assert window.results.viewing.text() == "Showing the original photo"
    press_keys(qtbot, window, Qt.Key.Key_Z,
               Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert np.array_equal(pixels_of(window.document.photo()), applied)
    assert errors == []


def _far_from_mask(kept: np.ndarray) -> np.ndarray:
    """Kept pixels beyond the feather's reach (the default feather is 2 px)."""
    import cv2

    return cv2.erode(kept.astype(np.uint8), np.ones((9, 9), np.uint8)).astype(bool)


def test_apply_with_clear_mask_clears_it_and_one_undo_restores_photo_and_mask(
        qtbot, loop, errors, tmp_path, service_env):
    window = painted_window(qtbot, loop, tmp_path, settings={"clear_mask_on_apply": True})
    before, mask = window.document.photo(), window.document.mask().array().copy()
    finished_job(qtbot, window, variants=1)
    window.results.actions["apply"].click()
    qtbot.waitUntil(lambda: window.document.photo() is not before)
    assert not window.document.mask().array().any()
    window.actions["edit.undo"].trigger()
    assert window.document.photo() is before
    assert np.array_equal(window.document.mask().array(), mask)


def test_discard_hides_the_variant_and_undo_brings_it_back(qtbot, loop, errors, tmp_path, service_env):
    window = painted_window(qtbot, loop, tmp_path)
    job = finished_job(qtbot, window)
    window.results.actions["discard"].click()
    assert window.queue.marks(job.id, 0).discarded
    assert window.results.variant_order() == [(job.id, 1)]
    window.actions["edit.undo"].trigger()
    assert not window.queue.marks(job.id, 0).discarded
    assert window.results.variant_order() == [(job.id, 0), (job.id, 1)]


def test_star_and_reuse(qtbot, loop, errors, tmp_path, service_env):
    window = painted_window(qtbot, loop, tmp_path)
    job = finished_job(qtbot, window)
    window.results.actions["star"].click()
    assert window.queue.marks(job.id, 0).starred
    assert window.results.actions["star"].text() == "Unstar"
    window.prompt_panel.editor.setPlainText("something else entirely")
    window.variants.command("reuse", job.id, 0)
    assert window.prompt_panel.editor.toPlainText() == PROMPT
    assert window.document.options().n == 2


# --- compare -------------------------------------------------------------------------------------


def test_compare_opens_on_the_shown_variant_steps_with_arrows_and_esc_returns_at_the_same_zoom(
        qtbot, loop, errors, tmp_path, service_env):
    window = painted_window(qtbot, loop, tmp_path)
    job = finished_job(qtbot, window)
    window.canvas.set_zoom(2.0, QPointF(150, 110))
    zoomed, _ = window.canvas.view_transform()

    window.results.actions["compare"].click()
    qtbot.waitUntil(window.comparison.active)
    view = window.comparison.page.view
    assert view.transform().scale == pytest.approx(2.0)  # the canvas's zoom carried over
    assert window.comparison.compared() == ((job.id, 0), (job.id, 1))
    assert window.comparison.page.bar.a_combo.currentData() == (job.id, 0)
    tools = window.actions.tools()
    assert not any(a.isEnabled() for a in tools) and not window.tool_options.isEnabled()  # nothing to paint

    press_keys(qtbot, window, Qt.Key.Key_Right, target=view)
    qtbot.waitUntil(lambda: window.comparison.compared()[0] == (job.id, 1))
    assert window.results.shown() == (job.id, 1)  # Apply, Star, Export act on what is compared

    window.comparison.page.bar._buttons["side_by_side"].click()
    assert view.mode() == "side_by_side"
    qtbot.mouseClick(window.comparison.page.bar._buttons["ab"], Qt.MouseButton.LeftButton)
    press_keys(qtbot, window, Qt.Key.Key_T, target=view)
    assert view.showing() == "b"

    view.set_transform(zoomed.zoomed(3.0, QPointF(10, 10)))
    press_keys(qtbot, window, Qt.Key.Key_Escape, target=view)
    assert not window.comparison.active()
    assert window.canvas.view_transform()[0].scale == pytest.approx(3.0)  # and back again
    assert all(a.isEnabled() for a in tools) and window.tool_options.isEnabled()
    assert window.queue.job(job.id).state is JobState.DONE
    assert errors == []


def test_the_c_key_compares_and_applying_leaves_the_comparison(qtbot, loop, errors, tmp_path, service_env):
    window = painted_window(qtbot, loop, tmp_path)
    finished_job(qtbot, window)
    press_keys(qtbot, window, Qt.Key.Key_C)
    qtbot.waitUntil(window.comparison.active)
    window.results.actions["apply"].click()
    qtbot.waitUntil(lambda: not window.comparison.active())
    assert window.document.photo() is not None


def test_compare_without_variants_says_so(qtbot, loop, errors, tmp_path):
    from tests.ui.window_driving import write_photo

    window = start(qtbot, loop, tmp_path, [write_photo(tmp_path / "street.png")])
    window.actions["results.compare"].trigger()
    assert not window.comparison.active()
    assert "no variant" in window.statusBar().currentMessage()


# --- export --------------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".png", ".jpg", ".webp"])
def test_export_writes_the_variant_with_its_prompt_and_model_inside(qtbot, loop, errors, tmp_path,
                                                                   service_env, monkeypatch, suffix):
    window = painted_window(qtbot, loop, tmp_path)
    job = finished_job(qtbot, window)
    target = tmp_path / f"out{suffix}"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    press_keys(qtbot, window, Qt.Key.Key_E,
               Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(target.is_file)
    wait_task(qtbot, window)
    metadata = read_metadata(target)
    assert metadata["prompt"] == PROMPT
    assert metadata["model"] == "gpt-image-1"
    assert metadata["job"] == job.number and metadata["variant"] == 1
    assert "sk-" not in json.dumps(metadata)
    with Image.open(target) as image:
        assert image.size == (400, 300)


# --- projects ------------------------------------------------------------------------------------


def test_every_result_and_the_document_are_in_the_project_folder_before_anything_else(
        qtbot, loop, errors, tmp_path, service_env):
    window = painted_window(qtbot, loop, tmp_path)
    job = finished_job(qtbot, window)
    qtbot.waitUntil(lambda: not window.keeper.busy())
    project = window.keeper.project
    records = project.job_records()
    assert [record.job_id for record in records] == [job.id]
    record = records[0]
    assert record.prompt == PROMPT
    assert len(record.files) == 2 and all(path.is_file() for path in record.files)
    assert project.read_mask(record.mask_file).shape == (300, 400)
    qtbot.waitUntil(lambda: project.path(record.source_photo).is_file())  # stored under the record's name
    state = project.load_state()
    assert state.document.prompt == PROMPT
    assert state.document.photo_file and (project.root / state.document.photo_file).is_file()


def test_save_and_open_a_project_in_a_new_window_brings_everything_back(
        qtbot, loop, errors, tmp_path, service_env, monkeypatch):
    window = painted_window(qtbot, loop, tmp_path)
    job = finished_job(qtbot, window)
    window.results.actions["star"].click()
    mask = window.document.mask().array().copy()
    photo = pixels_of(window.document.photo())
    target = tmp_path / "saved" / f"street{PROJECT_SUFFIX}"
    target.parent.mkdir()
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target.with_suffix("")), ""))
    press_keys(qtbot, window, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(target.is_file)
    wait_task(qtbot, window)
    assert str(target) in window.settings().recent_files

    second = tmp_path / "second"
    second.mkdir()
    other = start(qtbot, loop, second)
    other.open_path(target)
    wait_idle(qtbot, other)
    qtbot.waitUntil(lambda: other.queue.jobs() != [], timeout=15000)
    assert other.document.prompt() == PROMPT
    assert np.array_equal(other.document.mask().array(), mask)
    assert np.array_equal(pixels_of(other.document.photo()), photo)
    restored = other.queue.jobs()[0]
    assert restored.number == job.number and restored.state is JobState.DONE
    assert [v.index for v in other.queue.variants(restored.id)] == [0, 1]
    assert other.queue.marks(restored.id, 0).starred
    assert errors == []


def test_a_project_that_is_not_a_project_is_refused_with_a_message(qtbot, loop, errors, tmp_path):
    bad = tmp_path / f"broken{PROJECT_SUFFIX}"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    window = start(qtbot, loop, tmp_path)
    window.open_path(bad)
    wait_idle(qtbot, window)
    assert errors and errors[0][0] == "Cannot open this project"
    assert not window.document.is_open()


# --- usage and budget ----------------------------------------------------------------------------


def test_a_job_past_the_budget_is_asked_about_and_not_sent_unless_the_user_says_so(
        qtbot, loop, errors, tmp_path, service_env, monkeypatch):
    from editor.ui import dialogs

    asked: list[str] = []
    answer = [False]
    monkeypatch.setattr(dialogs, "confirm_over_budget", lambda _parent, text: asked.append(text) or answer[0])
    window = painted_window(qtbot, loop, tmp_path, settings={"token_budget": 500})
    first = finished_job(qtbot, window, variants=1)
    spent = first.total_tokens
    assert spent and spent > 500 and asked == []  # nothing to go by before the first job
    assert window.results.usage.text() == f"Tokens this project: {spent:,} · budget: 500"

    window.generation.generate()
    assert len(window.queue.jobs()) == 1 and len(service_env.edit_requests) == 1
    assert f"{spent:,} of its 500" in asked[0] and f"about {spent:,} tokens for 1 variant" in asked[0]
    assert "budget" in window.statusBar().currentMessage()

    answer[0] = True
    second = wait_finished(qtbot, window, window.generation.generate())
    assert second.state is JobState.DONE and len(asked) == 2


def test_ctrl_h_lists_the_projects_variants_and_reuse_from_it_restores_the_prompt(
        qtbot, loop, errors, tmp_path, service_env):
    window = painted_window(qtbot, loop, tmp_path)
    job = finished_job(qtbot, window)
    window.results.actions["star"].click()
    press_keys(qtbot, window, Qt.Key.Key_H, Qt.KeyboardModifier.ControlModifier)
    dialog = window.history.dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.visible_count() == 2
    assert dialog.entry_at(0).starred and dialog.entry_at(0).key == (job.id, 0)
    window.prompt_panel.editor.setPlainText("something else")
    dialog.reuse_requested.emit((job.id, 1))
    assert window.document.prompt() == PROMPT
    qtbot.waitUntil(lambda: not dialog.thumbnails_loading())
    dialog.close()
