"""Selection by an ONNX segmentation model, on tiny models these tests build themselves with the
onnx package's helper API (nothing is downloaded). Skipped where onnx or onnxruntime is absent;
the `test` extra installs both."""

from __future__ import annotations

import numpy as np
import pytest

from editor.imaging.selection import SelectionError
from editor.imaging.selection.model import SegmentationModel
from tests.imaging.selection_scenes import ellipse_scene, iou

onnx = pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")
from onnx import TensorProto, helper  # noqa: E402

from tests.imaging.tiny_models import redness_model  # noqa: E402


@pytest.mark.parametrize("options", [{}, {"with_box": True}, {"logits": False}, {"size": 256}],
                         ids=["free-size-logits", "box-input", "probabilities", "fixed-size"])
def test_a_model_selects_the_object_in_the_box(tmp_path, options):
    scene = ellipse_scene()  # an orange object (red > blue) on a green-blue ground
    model = SegmentationModel(redness_model(tmp_path / "redness.onnx", **options))
    coverage = model.select(scene.photo, scene.box)
    assert coverage.shape == scene.truth.shape and coverage.dtype == np.uint8
    assert iou(coverage, scene.truth) >= 0.9


def test_the_model_sees_only_the_box(tmp_path):
    scene = ellipse_scene()
    x, y, w, h = scene.box
    model = SegmentationModel(redness_model(tmp_path / "redness.onnx"))
    coverage = model.select(scene.photo, (x, y, w // 2, h))
    assert not coverage[:, x + w // 2:].any() and coverage[:, x:x + w // 2].any()


def test_a_file_that_is_no_model_is_refused_with_a_sentence(tmp_path):
    junk = tmp_path / "junk.onnx"
    junk.write_bytes(b"not a model")
    with pytest.raises(SelectionError, match="not an ONNX model"):
        SegmentationModel(junk)
    with pytest.raises(SelectionError, match="no such model file"):
        SegmentationModel(tmp_path / "missing.onnx")


def test_a_model_without_an_image_input_is_refused(tmp_path):
    vector = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 8])
    out = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 8])
    graph = helper.make_graph([helper.make_node("Identity", ["x"], ["y"])], "vector", [vector], [out])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, tmp_path / "vector.onnx")
    with pytest.raises(SelectionError, match="no image input"):
        SegmentationModel(tmp_path / "vector.onnx")


def test_without_onnx_runtime_the_message_says_how_to_install_it(tmp_path, monkeypatch):
    path = redness_model(tmp_path / "redness.onnx")
    monkeypatch.setitem(__import__("sys").modules, "onnxruntime", None)  # import fails as if absent
    with pytest.raises(SelectionError, match=r"not installed \(pip install 'maskedit\[select-model\]'\)"):
        SegmentationModel(path)
