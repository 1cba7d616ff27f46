"""Each variant's paste masks: started from the job's mask, edited by strokes, mixed, feathered,
and every edit one step of the window's undo history, in order with the edit mask's strokes."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF, QRect

from editor.core.mask_layer import BrushDab, MaskLayer
from editor.core.paste_masks import PasteMasks, PasteSnapshot
from editor.core.undo import UndoStack

KEY, OTHER = ("job-a", 0), ("job-b", 1)


@pytest.fixture
def history(qapp):
    stack = UndoStack()
    stack.set_mask(MaskLayer(64, 48))
    return stack


def job_mask() -> np.ndarray:
    coverage = np.zeros((48, 64), np.uint8)
    coverage[10:30, 20:40] = 255
    return coverage


def stroke(layer: MaskLayer, *, erase: bool, at: tuple[float, float] = (5.0, 5.0)) -> None:
    layer.begin_stroke("Erase" if erase else "Brush stroke", erase=erase)
    layer.stamp_dab(QPointF(*at), BrushDab(8.0, 1.0, 1.0))
    layer.end_stroke()


def test_a_paste_mask_starts_as_the_jobs_mask_and_leaves_no_undo_step(history):
    pastes = PasteMasks(history)
    changes = []
    pastes.changed.connect(lambda *args: changes.append(args))
    paste = pastes.create(KEY, job_mask())
    assert np.array_equal(paste.own.array(), job_mask())
    assert not history.can_undo()
    assert changes == []  # nothing shown changed, nothing to save
    assert pastes.create(KEY, np.zeros((48, 64), np.uint8)) is paste  # kept, not started again
    assert KEY in pastes and OTHER not in pastes


def test_each_stroke_is_one_undo_step_of_the_window(history):
    pastes = PasteMasks(history)
    paste = pastes.create(KEY, job_mask())
    changes: list[tuple[str, int, QRect]] = []
    pastes.changed.connect(lambda job, index, rect: changes.append((job, index, rect)))
    stroke(paste.own, erase=False)  # reveal the variant where the job's mask did not reach
    assert paste.own.array()[5, 5] == 255
    assert changes and changes[-1][:2] == KEY and not changes[-1][2].isEmpty()
    assert history.undo_label() == "Paste Mask: Brush stroke"
    stroke(paste.own, erase=True, at=(30.0, 20.0))  # hide part of it back to the photo
    assert paste.own.array()[20, 30] == 0
    assert history.undo() and paste.own.array()[20, 30] == 255 and paste.own.array()[5, 5] == 255
    assert history.undo() and paste.own.array()[5, 5] == 0
    assert not history.can_undo()
    assert history.redo() and paste.own.array()[5, 5] == 255
    assert history.redo() and paste.own.array()[20, 30] == 0


def test_paste_strokes_and_edit_mask_strokes_undo_in_the_order_they_were_made(history):
    pastes = PasteMasks(history)
    paste = pastes.create(KEY, job_mask())
    edit_mask = history._mask
    stroke(paste.own, erase=False)
    stroke(edit_mask, erase=False, at=(50.0, 40.0))
    assert history.undo_label() == "Brush stroke"
    assert history.undo() and edit_mask.array()[40, 50] == 0 and paste.own.array()[5, 5] == 255
    assert history.undo_label() == "Paste Mask: Brush stroke"
    assert history.undo() and paste.own.array()[5, 5] == 0


def test_a_mix_mask_starts_empty_and_is_painted_and_undone_like_the_own(history):
    pastes = PasteMasks(history)
    paste = pastes.create(KEY, job_mask())
    mix = pastes.mix_layer(KEY, OTHER)
    assert pastes.mix_layer(KEY, OTHER) is mix and pastes.mix_layer(KEY, KEY) is paste.own
    assert not mix.array().any()
    stroke(mix, erase=False)
    assert history.undo_label() == "Mix: Brush stroke"
    assert [source for source, _layer in paste.layers()] == [None, OTHER]
    assert history.undo() and not mix.array().any()


def test_the_feather_changes_after_the_fact_as_one_undo_step(history):
    pastes = PasteMasks(history)
    pastes.create(KEY, job_mask())
    assert pastes.feather(KEY, 2.0) == 2.0 and pastes.feather(OTHER, 3.0) == 3.0
    changes = []
    pastes.changed.connect(lambda job, index, rect: changes.append(rect))
    pastes.set_feather(KEY, 12.0)
    assert pastes.feather(KEY, 2.0) == 12.0 and changes[-1].isEmpty()
    assert history.undo_label() == "Paste Edge 12 px"
    assert history.undo() and pastes.feather(KEY, 2.0) == 2.0
    assert history.redo() and pastes.feather(KEY, 2.0) == 12.0


def test_a_snapshot_is_a_copy_and_restores_the_same_masks(history):
    pastes = PasteMasks(history)
    paste = pastes.create(KEY, job_mask())
    stroke(pastes.mix_layer(KEY, OTHER), erase=False)
    pastes.set_feather(KEY, 5.0)
    snapshot = pastes.snapshot(KEY)
    assert isinstance(snapshot, PasteSnapshot) and snapshot.feather == 5.0
    stroke(paste.own, erase=True, at=(30.0, 20.0))
    assert snapshot.own[20, 30] == 255  # taken before the stroke, untouched by it
    other = PasteMasks()
    other.restore(KEY, snapshot)
    restored = other.paste(KEY)
    assert np.array_equal(restored.own.array(), snapshot.own)
    assert np.array_equal(restored.mixes[OTHER].array(), snapshot.mixes[0][1])
    assert restored.feather == 5.0
    other.clear()
    assert KEY not in other and other.snapshot(KEY) is None
