"""Bad input, generated: images of every mode and size (whole and truncated) into the loader,
random bytes and random JSON into the response and event-stream readers, random strokes into the
canvas. Whatever comes in, the only failure is the module's own error with a sentence for a person,
and undo/redo keep their invariants."""

from __future__ import annotations

import asyncio
import io
import json

import httpx
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image
from PySide6.QtCore import QPoint, Qt

from editor.backends.base import EditError, EditRequest, ImagePart
from editor.backends.openai_http import OpenAIHttpBackend
from editor.backends.providers import ApiKey
from editor.imaging.load import ImageLoadError, load_image

KEY = "sk-fuzz-0123456789abcdef"
# (mode, formats that can hold it): every mode Pillow writes, in the formats designers meet.
MODES = {
    "1": ("PNG", "TIFF", "BMP", "GIF"), "L": ("PNG", "JPEG", "TIFF", "BMP", "GIF", "WEBP"),
    "LA": ("PNG", "TIFF"), "P": ("PNG", "TIFF", "BMP", "GIF"), "RGB": ("PNG", "JPEG", "TIFF", "BMP", "WEBP"),
    "RGBA": ("PNG", "TIFF", "WEBP"), "CMYK": ("JPEG", "TIFF"), "I;16": ("PNG", "TIFF"), "I": ("TIFF",),
    "F": ("TIFF",), "YCbCr": ("JPEG",),
}


@st.composite
def encoded_images(draw):
    mode = draw(st.sampled_from(sorted(MODES)))
    fmt = draw(st.sampled_from(MODES[mode]))
    width, height = draw(st.integers(1, 48)), draw(st.integers(1, 48))
    seed = draw(st.integers(0, 2**16))
    pixels = np.random.default_rng(seed).integers(0, 256, (height, width, 4), np.uint8)
    image = Image.fromarray(pixels, "RGBA").convert(mode) if mode not in ("I;16", "I", "F") \
        else Image.fromarray(pixels[..., 0]).convert(mode)
    buffer = io.BytesIO()
    image.save(buffer, fmt)
    data = buffer.getvalue()
    cut = draw(st.one_of(st.none(), st.integers(0, len(data) - 1)))
    return mode, fmt, (width, height), data if cut is None else data[:cut], cut is not None


@pytest.mark.filterwarnings("ignore::UserWarning:PIL")  # Pillow's own notes on the corrupt files
@settings(max_examples=300, deadline=None)
@given(encoded_images())
def test_the_loader_decodes_every_mode_or_says_why(sample):
    mode, fmt, size, data, truncated = sample
    try:
        loaded = load_image(data, name="photo")
    except ImageLoadError as error:
        assert error.message and "photo" in error.message
        assert truncated, f"{mode} {fmt} {size} whole, refused: {error.message}"
        return
    assert loaded.image.mode in ("RGB", "RGBA")
    assert loaded.image.size == size
    np.asarray(loaded.image)  # the pixels really are there


# --- the answer readers ----------------------------------------------------------------------------


def _request(stream: bool) -> EditRequest:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buffer, "PNG")
    part = ImagePart(buffer.getvalue(), "image-1.png", "image/png", 8, 8)
    return EditRequest(images=(part,), prompt="p", stream=stream)


def _edit(answer: httpx.Response, *, stream: bool = False):
    async def no_wait(_seconds: float) -> None:
        return None

    async def run():
        backend = OpenAIHttpBackend(base_url="https://api.example.test/v1", api_key=ApiKey(KEY),
                                    transport=httpx.MockTransport(lambda _request: answer), sleep=no_wait)
        try:
            return await backend.edit(_request(stream))
        finally:
            await backend.aclose()

    return asyncio.run(run())


def _survives(answer: httpx.Response, *, stream: bool = False) -> None:
    try:
        result = _edit(answer, stream=stream)
    except EditError as error:
        assert error.message and KEY not in error.message
        return
    assert result.images  # only an answer with a real image may succeed


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=4096))
def test_random_bytes_as_an_answer_fail_with_a_sentence(body):
    _survives(httpx.Response(200, content=body, headers={"content-type": "application/json"}))


NAMES = st.sampled_from(["data", "b64_json", "url", "error", "usage", "created", "message", "type", "code",
                         "total_tokens", "revised_prompt"])
SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20)
JSON = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4)
                    | st.dictionaries(NAMES, inner, max_size=5), max_leaves=20)


@settings(max_examples=200, deadline=None)
@given(JSON)
def test_random_json_as_an_answer_fails_with_a_sentence(document):
    _survives(httpx.Response(200, content=json.dumps(document).encode(),
                             headers={"content-type": "application/json"}))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["", "image_edit.partial_image", "image_edit.completed", "error"]),
                          st.one_of(st.text(max_size=40), JSON.map(json.dumps))), max_size=6))
def test_random_event_streams_fail_with_a_sentence(events):
    text = "".join((f"event: {name}\n" if name else "") + "".join(f"data: {line}\n" for line in
                                                                  data.splitlines() or [""]) + "\n"
                   for name, data in events)
    _survives(httpx.Response(200, content=text.encode(), headers={"content-type": "text/event-stream"}),
              stream=True)


@settings(max_examples=100, deadline=None)
@given(st.integers(400, 599), st.binary(max_size=512))
def test_random_error_statuses_and_bodies_fail_with_a_sentence(status, body):
    with pytest.raises(EditError) as caught:
        _edit(httpx.Response(status, content=body))
    assert caught.value.message and KEY not in caught.value.message


# --- the canvas ---------------------------------------------------------------------------------------


STROKES = st.lists(st.tuples(st.sampled_from(["brush", "eraser", "rect", "ellipse", "undo", "redo"]),
                             st.lists(st.tuples(st.integers(-20, 340), st.integers(-20, 260)), min_size=2,
                                      max_size=6)), min_size=1, max_size=12)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(STROKES)
def test_random_strokes_on_the_canvas_undo_to_empty_and_redo_to_the_same_bytes(qtbot, strokes):
    from PySide6.QtGui import QImage

    from editor.core.mask_layer import MaskLayer
    from editor.ui.canvas.view import CanvasView

    photo = QImage(320, 240, QImage.Format.Format_RGB32)
    photo.fill(0xFF808080)
    mask = MaskLayer(320, 240)
    canvas = CanvasView()
    qtbot.addWidget(canvas)
    canvas.resize(320, 240)
    canvas.set_content(photo, mask)
    canvas.show()
    canvas.set_zoom(1.0)
    for tool, points in strokes:
        if tool in ("undo", "redo"):
            getattr(mask, tool)()
            continue
        canvas.set_tool(tool)
        to = [canvas.image_to_widget(QPoint(x, y).toPointF()).toPoint() for x, y in points]
        qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=to[0])
        for point in to[1:]:
            qtbot.mouseMove(canvas, point)
        qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=to[-1])
    while mask.redo():
        pass
    newest = mask.array().copy()
    while mask.undo():
        pass
    assert not mask.array().any()
    while mask.redo():
        pass
    assert np.array_equal(mask.array(), newest)
    canvas.close()
