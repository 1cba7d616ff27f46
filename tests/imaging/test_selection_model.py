"""Selection by an ONNX segmentation model, on tiny models these tests build themselves with the
onnx package's helper API (nothing is downloaded). Skipped where onnx or onnxruntime is absent;
the `test` extra installs both."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from editor.imaging.selection import SelectionError
from editor.imaging.selection.model import SegmentationModel
from tests.imaging.selection_scenes import ellipse_scene, iou

onnx = pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")
from onnx import TensorProto, helper  # noqa: E402


def _redness_model(path: Path, *, with_box: bool = False, logits: bool = True,
                   size: int | None = None) -> Path:
    """A model that calls "object" whatever is redder than it is blue: logits 40·(R − B) − 4
    (or their sigmoid), of shape 1×1×H×W. With `with_box`, it also takes a 1×4 box it ignores
    except for adding 0 · its sum, so the input is really used."""
    height, width = (size, size) if size else ("H", "W")
    image = helper.make_tensor_value_info("image", TensorProto.FLOAT, [1, 3, height, width])
    output = helper.make_tensor_value_info("mask", TensorProto.FLOAT, [1, 1, height, width])
    constants = [helper.make_tensor(name, TensorProto.INT64, [1], [value]) for name, value in
                 (("zero", 0), ("one", 1), ("two", 2), ("three", 3), ("axis", 1))]
    nodes = [
        helper.make_node("Slice", ["image", "zero", "one", "axis"], ["red"]),
        helper.make_node("Slice", ["image", "two", "three", "axis"], ["blue"]),
        helper.make_node("Sub", ["red", "blue"], ["difference"]),
        helper.make_node("Mul", ["difference", "gain"], ["scaled"]),
        helper.make_node("Sub", ["scaled", "bias"], ["logits"]),
    ]
    floats = [helper.make_tensor("gain", TensorProto.FLOAT, [], [40.0]),
              helper.make_tensor("bias", TensorProto.FLOAT, [], [4.0])]
    inputs, last = [image], "logits"
    if with_box:
        inputs.append(helper.make_tensor_value_info("box", TensorProto.FLOAT, [1, 4]))
        floats.append(helper.make_tensor("nothing", TensorProto.FLOAT, [], [0.0]))
        nodes += [helper.make_node("ReduceSum", ["box"], ["box_sum"], keepdims=0),
                  helper.make_node("Mul", ["box_sum", "nothing"], ["box_zero"]),
                  helper.make_node("Add", ["logits", "box_zero"], ["with_box"])]
        last = "with_box"
    if not logits:
        nodes.append(helper.make_node("Sigmoid", [last], ["probability"]))
        last = "probability"
    nodes.append(helper.make_node("Identity", [last], ["mask"]))
    graph = helper.make_graph(nodes, "redness", inputs, [output], initializer=constants + floats)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, path)
    return path


@pytest.mark.parametrize("options", [{}, {"with_box": True}, {"logits": False}, {"size": 256}],
                         ids=["free-size-logits", "box-input", "probabilities", "fixed-size"])
def test_a_model_selects_the_object_in_the_box(tmp_path, options):
    scene = ellipse_scene()  # an orange object (red > blue) on a green-blue ground
    model = SegmentationModel(_redness_model(tmp_path / "redness.onnx", **options))
    coverage = model.select(scene.photo, scene.box)
    assert coverage.shape == scene.truth.shape and coverage.dtype == np.uint8
    assert iou(coverage, scene.truth) >= 0.9


def test_the_model_sees_only_the_box(tmp_path):
    scene = ellipse_scene()
    x, y, w, h = scene.box
    model = SegmentationModel(_redness_model(tmp_path / "redness.onnx"))
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
    path = _redness_model(tmp_path / "redness.onnx")
    monkeypatch.setitem(__import__("sys").modules, "onnxruntime", None)  # import fails as if absent
    with pytest.raises(SelectionError, match=r"not installed \(pip install 'maskedit\[select-model\]'\)"):
        SegmentationModel(path)
