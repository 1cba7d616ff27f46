"""Document: one photo, its path and its mask; signals fire only on real change."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtGui import QColor, QImage

from editor.core.document import Document
from editor.core.mask_layer import MaskLayer


def photo(width: int = 40, height: int = 30, colour: str = "#336699") -> QImage:
    image = QImage(width, height, QImage.Format.Format_RGB32)
    image.fill(QColor(colour))
    return image


class Recorder:
    """Counts each Document signal."""

    def __init__(self, document: Document):
        self.photo = 0
        self.paths: list[Path | None] = []
        self.masks: list[MaskLayer | None] = []
        document.photo_changed.connect(self._photo)
        document.path_changed.connect(self.paths.append)
        document.mask_replaced.connect(self.masks.append)

    def _photo(self) -> None:
        self.photo += 1


def test_a_new_document_is_empty():
    document = Document()
    assert not document.is_open()
    assert document.photo() is None and document.mask() is None and document.path() is None
    assert document.display_name() == ""


def test_open_sets_photo_path_and_a_fresh_mask_of_the_photo_size():
    document = Document()
    seen = Recorder(document)
    document.open(photo(40, 30), Path("/photos/beach.jpg"))
    assert seen.photo == 1
    assert seen.paths == [Path("/photos/beach.jpg")]
    assert len(seen.masks) == 1 and seen.masks[0] is document.mask()
    assert (document.mask().width, document.mask().height) == (40, 30)
    assert document.display_name() == "beach.jpg"


def test_slots_see_the_whole_new_document_whatever_signal_they_hear():
    document = Document()
    document.open(photo(40, 30), Path("/a.png"))
    sizes = []
    document.photo_changed.connect(
        lambda: sizes.append((document.photo().width(), document.mask().width))
    )
    document.open(photo(80, 60), Path("/b.png"))
    assert sizes == [(80, 80)]


def test_reopening_the_same_path_changes_photo_and_mask_but_not_the_path():
    document = Document()
    document.open(photo(), Path("/a.png"))
    first_mask = document.mask()
    seen = Recorder(document)
    document.open(photo(), Path("/a.png"))
    assert seen.paths == []
    assert seen.photo == 1
    assert seen.masks == [document.mask()] and document.mask() is not first_mask


def test_setting_the_same_values_again_emits_nothing():
    document = Document()
    image = photo()
    document.open(image, Path("/a.png"))
    seen = Recorder(document)
    document.set_path(Path("/a.png"))
    document.set_path("/a.png")
    document.set_photo(image)
    assert (seen.photo, seen.paths, seen.masks) == (0, [], [])


def test_a_same_size_photo_swap_keeps_the_mask():
    document = Document()
    document.open(photo(colour="#000000"), None)
    mask = document.mask()
    seen = Recorder(document)
    document.set_photo(photo(colour="#ffffff"))
    assert seen.photo == 1 and seen.masks == [] and document.mask() is mask
    assert document.photo().pixelColor(0, 0) == QColor("#ffffff")


def test_a_photo_of_another_size_is_refused():
    document = Document()
    document.open(photo(40, 30), None)
    with pytest.raises(ValueError):
        document.set_photo(photo(41, 30))
    with pytest.raises(ValueError):
        Document().set_photo(photo())
    with pytest.raises(ValueError):
        document.open(QImage(), None)


def test_a_pasted_photo_has_no_path_and_a_name():
    document = Document()
    seen = Recorder(document)
    document.open(photo(), None)
    assert seen.paths == []  # None → None is no change
    assert document.display_name() == "Pasted image"


def test_close_returns_to_empty_once():
    document = Document()
    document.open(photo(), Path("/a.png"))
    seen = Recorder(document)
    document.close()
    document.close()
    assert (seen.photo, seen.paths, seen.masks) == (1, [None], [None])
    assert not document.is_open()


def test_undo_cap_reaches_the_current_and_later_masks():
    document = Document(undo_cap_bytes=64 * 1024 * 1024)
    document.open(photo(), None)
    assert document.mask().undo_memory_bytes() == 0
    document.set_undo_cap(8 * 1024 * 1024)
    assert document.undo_cap_bytes() == 8 * 1024 * 1024


# --- the prompt side: prompt, options, references ------------------------------------------------


class SideRecorder:
    def __init__(self, document: Document):
        self.prompts: list[str] = []
        self.options: list = []
        self.references: list = []
        document.prompt_changed.connect(self.prompts.append)
        document.options_changed.connect(self.options.append)
        document.references_changed.connect(self.references.append)


def test_prompt_signals_only_on_a_real_change():
    document = Document()
    seen = SideRecorder(document)
    document.set_prompt("Remove the car")
    document.set_prompt("Remove the car")
    assert seen.prompts == ["Remove the car"] and document.prompt() == "Remove the car"


def test_options_are_stored_normalized_and_signal_once():
    from editor.pipeline.options import EditOptions

    document = Document()
    seen = SideRecorder(document)
    document.set_options(EditOptions(provider="openai", model="gpt-image-1", background="transparent",
                                     output_format="jpeg", n=40))
    assert document.options().output_format == "png" and document.options().n == 10
    document.update_options(n=10)  # the same as now
    assert len(seen.options) == 1 and seen.options[0] is document.options()


def test_references_add_move_remove_and_limit():
    from editor.core.document import MAX_REFERENCES

    document = Document()
    seen = SideRecorder(document)
    document.add_references([("a.png", b"A"), ("b.png", b"B"), ("c.png", b"C")])
    document.move_reference(0, 2)
    assert [name for name, _ in document.references()] == ["b.png", "c.png", "a.png"]
    document.remove_reference(1)
    assert document.references() == (("b.png", b"B"), ("a.png", b"A"))
    document.set_references(document.references())
    assert len(seen.references) == 3
    with pytest.raises(ValueError):
        document.set_references([(f"{i}.png", b"x") for i in range(MAX_REFERENCES + 1)])
    assert len(document.references()) == 2


def test_opening_and_closing_a_photo_keeps_the_prompt_side():
    document = Document()
    document.set_prompt("Add a boat")
    document.add_references([("a.png", b"A")])
    document.open(photo(), None)
    document.close()
    assert document.prompt() == "Add a boat" and len(document.references()) == 1
