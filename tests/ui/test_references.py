"""The references tray: adding (files, paste, drop), reorder, remove, the limit and the size."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import QMimeData, QModelIndex, Qt, QUrl
from PySide6.QtGui import QColor, QGuiApplication, QImage

from editor.core.document import MAX_REFERENCES, Document
from editor.ui.panels.references import ReferencesTray, describe_bytes


@pytest.fixture
def document() -> Document:
    return Document()


@pytest.fixture
def tray(qtbot, loop, document) -> ReferencesTray:
    tray = ReferencesTray(document, loop=loop)
    qtbot.addWidget(tray)
    tray.show()
    qtbot.waitExposed(tray)
    yield tray
    tray.cancel_pending()


def image_bytes(colour: str, size=(60, 40), fmt="PNG") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, fmt)
    return buffer.getvalue()


def write(path: Path, colour: str, fmt="PNG", size=(60, 40)) -> Path:
    path.write_bytes(image_bytes(colour, size, fmt))
    return path


def settle(qtbot, tray: ReferencesTray) -> None:
    qtbot.waitUntil(lambda: not tray.busy(), timeout=10000)


def names(document: Document) -> list[str]:
    return [name for name, _ in document.references()]


def test_files_are_added_labelled_and_measured(qtbot, tray, document, tmp_path):
    jpeg = write(tmp_path / "b.jpg", "#00ff00", "JPEG")
    tray.add_files([write(tmp_path / "a.png", "#ff0000"), jpeg])
    settle(qtbot, tray)
    assert names(document) == ["a.png", "b.jpg"]
    assert document.references()[1][1] == jpeg.read_bytes()  # uploaded as it is
    assert [tray.list.item(i).text() for i in range(2)] == ["Image 2", "Image 3"]
    assert "60 × 40 px" in tray.list.item(0).toolTip()
    assert tray.total_bytes() == sum(len(data) for _, data in document.references())
    assert tray.summary.text() == f"2 of 15 · {describe_bytes(tray.total_bytes())} to upload"


def test_formats_the_api_refuses_are_converted_to_png(qtbot, tray, document, tmp_path):
    tray.add_files([write(tmp_path / "scan.bmp", "#123456", "BMP")])
    settle(qtbot, tray)
    assert document.references()[0][1].startswith(b"\x89PNG")


def test_an_unreadable_file_is_a_clear_message(qtbot, tray, document, tmp_path):
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"not an image at all")
    tray.add_files([broken, write(tmp_path / "ok.png", "#ff0000"), tmp_path / "missing.png"])
    settle(qtbot, tray)
    assert names(document) == ["ok.png"]
    assert tray.message.isVisible() and "broken.png" in tray.message.text()
    assert "1 more" in tray.message.text()


def test_at_most_fifteen_references(qtbot, tray, document, tmp_path):
    document.set_references([(f"{i}.png", image_bytes("#808080")) for i in range(MAX_REFERENCES - 1)])
    tray.add_files([write(tmp_path / f"new{i}.png", "#ff0000") for i in range(3)])
    assert "2 were not added" in tray.message.text()
    settle(qtbot, tray)
    assert len(document.references()) == MAX_REFERENCES and names(document)[-1] == "new0.png"
    assert not tray.add_button.isEnabled() and not tray.paste_button.isEnabled()


def test_dragging_an_item_reorders_the_document(qtbot, tray, document):
    document.set_references([(n, image_bytes(c)) for n, c in (("a", "#f00"), ("b", "#0f0"), ("c", "#00f"))])
    assert tray.list.model().moveRow(QModelIndex(), 0, QModelIndex(), 3)  # what a drag-move does
    qtbot.waitUntil(lambda: names(document) == ["b", "c", "a"])
    assert [tray.list.item(i).text() for i in range(3)] == ["Image 2", "Image 3", "Image 4"]
    assert "a —" in tray.list.item(2).toolTip()


def test_keyboard_moves_and_removes(qtbot, tray, document):
    document.set_references([(n, image_bytes(c)) for n, c in (("a", "#f00"), ("b", "#0f0"), ("c", "#00f"))])
    tray.list.setFocus()
    tray.list.setCurrentRow(0)
    qtbot.keyClick(tray.list, Qt.Key.Key_Right, Qt.KeyboardModifier.ControlModifier)
    assert names(document) == ["b", "a", "c"] and tray.list.currentRow() == 1
    qtbot.keyClick(tray.list, Qt.Key.Key_Delete)
    assert names(document) == ["b", "c"]
    tray.list.setCurrentRow(0)
    assert tray.remove_button.isEnabled()
    tray.remove_button.click()
    assert names(document) == ["c"]


def test_references_set_elsewhere_get_thumbnails_off_the_gui_thread(qtbot, tray, document):
    document.set_references([("restored.png", image_bytes("#ff00ff", (300, 200)))])
    assert tray.busy()  # the thumbnail is being made by a task, not here
    settle(qtbot, tray)
    assert "300 × 200 px" in tray.list.item(0).toolTip()


def test_paste_and_drop_add_images(qtbot, tray, document, tmp_path):
    image = QImage(30, 20, QImage.Format.Format_RGB32)
    image.fill(QColor("#3366ff"))
    QGuiApplication.clipboard().setImage(image)
    tray.paste()
    settle(qtbot, tray)
    assert names(document) == ["Pasted image.png"]
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(write(tmp_path / "dropped.png", "#00ff00")))])
    assert tray.add_mime(mime)
    settle(qtbot, tray)
    assert names(document) == ["Pasted image.png", "dropped.png"]
