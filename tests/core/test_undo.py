"""The window's one undo history: mask strokes and document steps in the order they were made."""

from __future__ import annotations

import numpy as np
import pytest

from editor.core.mask_layer import MaskLayer
from editor.core.undo import UndoStack


@pytest.fixture
def mask(qapp):
    return MaskLayer(64, 64)


def paint(mask: MaskLayer, value: int) -> None:
    coverage = np.array(mask.array(), copy=True)
    coverage[:8, :8] = value
    mask.replace(coverage, f"Paint {value}")


class Photo:
    """A stand-in for the document's photo: the step under test swaps it."""

    def __init__(self) -> None:
        self.version = "original"

    def step(self, history: UndoStack, new: str) -> None:
        old, self.version = self.version, new
        history.push(f"Apply {new}", undo=lambda: setattr(self, "version", old),
                     redo=lambda: setattr(self, "version", new))


def test_undo_and_redo_follow_the_order_of_mask_and_document_steps(mask):
    history, photo = UndoStack(), Photo()
    history.set_mask(mask)
    paint(mask, 10)
    photo.step(history, "v1")
    paint(mask, 20)
    assert history.undo_label() == "Paint 20"
    assert history.undo() and mask.array()[0, 0] == 10 and photo.version == "v1"
    assert history.undo_label() == "Apply v1"
    assert history.undo() and photo.version == "original" and mask.array()[0, 0] == 10
    assert history.undo() and mask.array()[0, 0] == 0
    assert not history.can_undo()
    assert history.redo() and mask.array()[0, 0] == 10 and photo.version == "original"
    assert history.redo_label() == "Apply v1"
    assert history.redo() and photo.version == "v1"
    assert history.redo() and mask.array()[0, 0] == 20
    assert not history.can_redo()


def test_a_compound_step_undoes_its_mask_change_with_it(mask):
    history, photo = UndoStack(), Photo()
    history.set_mask(mask)
    paint(mask, 30)
    before = history.mask_serial()
    mask.clear()
    photo.version = "v2"
    history.push("Apply v2", undo=lambda: (setattr(photo, "version", "original"), mask.undo()),
                 redo=lambda: (setattr(photo, "version", "v2"), mask.redo()), mask_before=before)
    assert history.undo_label() == "Apply v2"
    assert history.undo()
    assert photo.version == "original" and mask.array()[0, 0] == 30
    assert history.undo_label() == "Paint 30"
    assert history.redo()
    assert photo.version == "v2" and mask.array()[0, 0] == 0
    assert not history.can_redo()


def test_a_new_stroke_drops_the_document_redo_and_a_new_step_the_mask_redo(mask):
    history, photo = UndoStack(), Photo()
    history.set_mask(mask)
    photo.step(history, "v1")
    history.undo()
    assert history.redo_label() == "Apply v1"
    paint(mask, 40)
    assert not history.can_redo()
    history.undo()
    assert mask.can_redo()
    photo.step(history, "v2")
    assert not mask.can_redo() and not history.can_redo()


def test_a_new_mask_starts_a_new_history(mask, qapp):
    history, photo = UndoStack(), Photo()
    history.set_mask(mask)
    photo.step(history, "v1")
    history.set_mask(MaskLayer(8, 8))
    assert not history.can_undo()


def test_a_step_that_swaps_the_mask_keeps_both_histories(mask, qapp):
    """Extending the canvas swaps in a mask of another size: strokes on either mask and the swap
    itself undo and redo in order."""
    history = UndoStack()
    history.set_mask(mask)
    paint(mask, 255)  # a stroke on the old mask
    bigger = MaskLayer(80, 64)
    before = history.mask_serial()

    def swap(layer: MaskLayer) -> None:
        with history.keeping_history():
            history.set_mask(layer)

    swap(bigger)
    bigger.replace(np.full((64, 80), 255, np.uint8), "Extend canvas")
    history.push("Extend Canvas", undo=lambda: swap(mask), redo=lambda: swap(bigger), mask_before=before)
    paint(bigger, 0)  # a stroke on the new mask
    assert history.undo_label() == "Paint 0"
    assert history.undo() and history.undo_label() == "Extend Canvas"
    assert history.undo() and history.undo_label() == "Paint 255"  # the old mask's own history
    assert history.redo() and history.redo_label() == "Paint 0"  # back on the new mask
    assert history.redo() and not history.can_redo()
    history.set_mask(MaskLayer(8, 8))  # outside such a step, a new mask still starts afresh
    assert not history.can_undo()
