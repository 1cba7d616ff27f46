"""EditRequest.validate refuses every request the API would refuse, before anything is sent."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from editor.backends.base import EditError, EditRequest, ImagePart, InvalidRequest


def png_part(width=64, height=48, mode="RGB", name="photo.png") -> ImagePart:
    buffer = io.BytesIO()
    Image.new(mode, (width, height), "gray").save(buffer, "PNG")
    return ImagePart(buffer.getvalue(), name, "image/png", width, height)


def mask_part(width=64, height=48, *, hole=True, mode="RGBA") -> ImagePart:
    alpha = np.full((height, width), 255, np.uint8)
    if hole:
        alpha[10:20, 10:20] = 0
    rgba = np.zeros((height, width, 4), np.uint8)
    rgba[..., 3] = alpha
    img = Image.fromarray(rgba, "RGBA")
    if mode != "RGBA":
        img = img.convert(mode)
    buffer = io.BytesIO()
    img.save(buffer, "PNG")
    return ImagePart(buffer.getvalue(), "mask.png", "image/png", width, height)


def request(**changes) -> EditRequest:
    values = {"images": (png_part(),), "prompt": "remove the lamp", "mask": mask_part()}
    values.update(changes)
    return EditRequest(**values)


def problem(req: EditRequest, **kwargs) -> str:
    with pytest.raises(InvalidRequest) as caught:
        req.validate(**kwargs)
    return caught.value.message


def test_a_complete_request_passes():
    request(n=2, size="1536x1024", quality="high", background="opaque", output_format="jpeg",
            output_compression=80, input_fidelity="high", stream=True, partial_images=2).validate()


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"images": ()}, "at least one image"),
        ({"images": (png_part(),) * 17}, "at most 16"),
        ({"prompt": "   "}, "Write a prompt"),
        ({"prompt": "x" * 32_001}, "32000"),
        ({"n": 0}, "between 1 and 10"),
        ({"n": 11}, "between 1 and 10"),
        ({"size": "800x600"}, "size '800x600'"),
        ({"quality": "ultra"}, "quality 'ultra'"),
        ({"background": "green"}, "background 'green'"),
        ({"output_format": "gif"}, "output format 'gif'"),
        ({"input_fidelity": "max"}, "input fidelity"),
        ({"output_compression": 101, "output_format": "jpeg"}, "between 0 and 100"),
        ({"output_compression": 50}, "only to JPEG or WebP"),
        ({"background": "transparent", "output_format": "jpeg"}, "PNG or WebP"),
        ({"partial_images": 4, "stream": True}, "between 0 and 3"),
        ({"partial_images": 2}, "streaming"),
        ({"mask": mask_part(32, 32)}, "same size"),
        ({"mask": mask_part(hole=False)}, "no fully transparent pixel"),
        ({"mask": mask_part(mode="RGB")}, "no alpha channel"),
        ({"images": (ImagePart(b"BM..", "a.bmp", "image/bmp", 1, 1),)}, "convert it to PNG"),
    ],
)
def test_each_problem_is_named_for_a_person(changes, words):
    assert words in problem(request(**changes))


def test_several_problems_are_reported_together():
    message = problem(request(n=0, quality="ultra"))
    assert "between 1 and 10" in message and "quality 'ultra'" in message


def test_custom_sizes_only_where_the_model_allows_them():
    assert "size '1536x864'" in problem(request(size="1536x864", model="gpt-image-1"))
    assert "size '1536x864'" in problem(request(size="1536x864", model="azure/openai/gpt-image-1.5"))
    request(size="1536x864", model="gpt-image-2").validate()
    request(size="3840x2160", model="openai/gpt-image-2.5-flare").validate()
    assert "multiples of 16" in problem(request(size="1000x600", model="gpt-image-2"))


@pytest.mark.parametrize(("size", "words"), [
    ("4096x1024", "at most 3840"),
    ("3840x1024", "3 times"),
    ("512x512", "655,360"),
    ("3840x2176", "8,294,400"),
])
def test_free_sizes_keep_every_rule_of_the_model(size, words):
    assert words in problem(request(size=size, model="gpt-image-2-2026-04-21"))


def test_a_model_the_table_does_not_know_takes_the_size_the_user_typed():
    request(size="1536x864", model="my-router/flux-edit").validate()
    assert "size '1000x600'" in problem(request(size="1000x600", model="my-router/flux-edit"))


def test_mask_that_is_not_a_png_is_refused():
    jpeg = io.BytesIO()
    Image.new("RGB", (64, 48)).save(jpeg, "JPEG")
    bad = ImagePart(jpeg.getvalue(), "mask.png", "image/png", 64, 48)
    assert "PNG" in problem(request(mask=bad))


def test_form_fields_leave_unset_options_out():
    fields = request(n=2, size="auto").form_fields()
    assert fields == {"prompt": "remove the lamp", "n": "2", "size": "auto"}
    assert request(stream=True, partial_images=1).form_fields()["stream"] == "true"


def test_error_text_carries_status_request_id_and_server_words():
    error = EditError("The API key was rejected.", status=401, request_id="req_7",
                      server_message="Incorrect API key provided")
    text = str(error)
    assert "HTTP 401" in text and "req_7" in text and "Incorrect API key provided" in text
    assert error.details()["status"] == 401


def test_image_part_repr_does_not_dump_bytes():
    assert "bytes" in repr(png_part()) and "\\x" not in repr(png_part())


@pytest.mark.parametrize("mode", ["RGBA", "LA"])
def test_large_masks_are_checked_the_same_way(mode):
    width, height = 2600, 1600  # past the size where validation decodes with OpenCV
    photo = ImagePart(b"\x89PNG fake", "photo.png", "image/png", width, height)
    painted = mask_part(width, height, mode=mode)
    EditRequest(images=(photo,), prompt="x", mask=painted).validate()
    blank = mask_part(width, height, hole=False, mode=mode)
    assert "no fully transparent pixel" in problem(EditRequest(images=(photo,), prompt="x", mask=blank))
