"""Tiny ONNX segmentation models built with the onnx package's helper API, for the tests of
selection by a model (nothing is downloaded). Import only where onnx is installed."""

from __future__ import annotations

from pathlib import Path

import onnx
from onnx import TensorProto, helper


def redness_model(path: Path, *, with_box: bool = False, logits: bool = True,
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
