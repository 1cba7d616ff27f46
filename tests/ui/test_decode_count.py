"""Each result image is decoded at most twice between the wire and the screen: the pipeline decodes
it once (spill, thumbnails and the canvas preview all use those pixels)."""

from __future__ import annotations

import hashlib
import io
from collections import Counter

import PIL.Image
import PIL.ImageFile
from PySide6.QtGui import QImage

from tests.ui.window_driving import open_photo, paint_stroke, service_window, wait_finished, write_photo


def test_each_result_is_decoded_at_most_twice_on_its_way_to_the_screen(qtbot, loop, errors, tmp_path,
                                                                      edit_server, fake_api_key, monkeypatch):
    # A decode is turning the bytes into pixels: Pillow's load() of an image opened from bytes
    # (opening alone reads only the header), or Qt's QImage.fromData.
    decoded: Counter[str] = Counter()
    pil_open, pil_load, qt_from_data = PIL.Image.open, PIL.ImageFile.ImageFile.load, QImage.fromData

    def digest(data) -> str:
        raw = data.getvalue() if isinstance(data, io.BytesIO) else bytes(data)
        return hashlib.sha256(raw).hexdigest()

    def tagging_open(source, *args, **kwargs):
        image = pil_open(source, *args, **kwargs)
        if isinstance(source, io.BytesIO):
            image.maskedit_source = digest(source)
        return image

    def counting_load(image):
        if getattr(image, "tile", None) and hasattr(image, "maskedit_source"):
            decoded[image.maskedit_source] += 1
        return pil_load(image)

    def counting_from_data(data, *args):
        decoded[digest(data)] += 1
        return qt_from_data(data, *args)

    monkeypatch.setattr(PIL.Image, "open", tagging_open)
    monkeypatch.setattr(PIL.ImageFile.ImageFile, "load", counting_load)
    monkeypatch.setattr(QImage, "fromData", counting_from_data)
    window = service_window(qtbot, loop, tmp_path, edit_server, fake_api_key)
    open_photo(qtbot, window, write_photo(tmp_path / "photo.png"))
    paint_stroke(qtbot, window, [(100, 100), (200, 150)])
    window.document.set_prompt("a red bicycle")
    window.document.update_options(n=3)

    job = wait_finished(qtbot, window, window.generator.generate())
    variants = window.queue.variants(job.id)
    assert job.state.value == "done" and len(variants) == 3
    qtbot.waitUntil(lambda: window.results.shown() is not None)
    same = Counter(hashlib.sha256(variant.data).hexdigest() for variant in variants)
    for variant in variants:
        assert window.queue.marks(job.id, variant.index).spill is not None  # measured, from the pixels
        key = hashlib.sha256(variant.data).hexdigest()
        count = decoded[key] / same[key]  # the fake may answer several variants with the same bytes
        assert 1 <= count <= 2, f"variant {variant.index + 1} was decoded {count} times"
