"""Writes two ONNX fixtures for the runtime's tests (no training involved):

- test/fixtures/slow.onnx: RGB 224×224, a few 16-channel 3×3 convolutions sharing one weight
  (~40 KB on disk, ~1 GFLOP per image), so an inference takes long enough that running it on
  the server's main thread would show as event-loop delay.
- test/fixtures/no-metadata.onnx: the same graph without metadata_props, to test the message
  a model without labels gets.

Usage: /usr/bin/python3 training/make_test_models.py
"""
import json

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

rng = np.random.default_rng(0)
convs = 4
w0 = numpy_helper.from_array((rng.standard_normal((16, 3, 3, 3)) * 0.2).astype(np.float32), "w0")
w1 = numpy_helper.from_array((rng.standard_normal((16, 16, 3, 3)) * 0.1).astype(np.float32), "w1")
fc = numpy_helper.from_array((rng.standard_normal((3, 16)) * 0.5).astype(np.float32), "fc")
bias = numpy_helper.from_array(np.zeros(3, np.float32), "bias")

nodes = [helper.make_node("Conv", ["input", "w0"], ["c0"], pads=[1, 1, 1, 1]), helper.make_node("Relu", ["c0"], ["r0"])]
for i in range(1, convs + 1):
    nodes += [helper.make_node("Conv", [f"r{i-1}", "w1"], [f"c{i}"], pads=[1, 1, 1, 1]), helper.make_node("Relu", [f"c{i}"], [f"r{i}"])]
nodes += [
    helper.make_node("GlobalAveragePool", [f"r{convs}"], ["gap"]),
    helper.make_node("Flatten", ["gap"], ["flat"]),
    helper.make_node("Gemm", ["flat", "fc", "bias"], ["logits"], transB=1),
]
graph = helper.make_graph(
    nodes, "slow",
    [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", 3, 224, 224])],
    [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", 3])],
    [w0, w1, fc, bias],
)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
model.ir_version = 8
onnx.checker.check_model(model)
onnx.save(model, "test/fixtures/no-metadata.onnx")

meta = {"labels": json.dumps(["red", "green", "blue"]), "image_size": "[224, 224]", "channels": "3",
        "mean": "[0.485, 0.456, 0.406]", "std": "[0.229, 0.224, 0.225]", "resize": "crop", "output": "logits"}
helper.set_model_props(model, meta)
onnx.save(model, "test/fixtures/slow.onnx")
print("wrote test/fixtures/slow.onnx and test/fixtures/no-metadata.onnx")
