#!/usr/bin/python3
"""Builds examples/tiny-cnn.onnx: a few-KB image classifier (Conv -> Relu -> MaxPool -> Flatten ->
Gemm -> Softmax) on a 1x1x8x8 input, with fixed pseudo-random weights, for the README's quick start
and the runtime/CLI tests (which copy nothing: they read this file).

Run with an interpreter that has the `onnx` package (here: /usr/bin/python3):
    /usr/bin/python3 examples/make-tiny-cnn.py
"""

import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

rng = np.random.default_rng(20240611)
conv_w = (rng.standard_normal((4, 1, 3, 3)) * 0.5).astype(np.float32)
conv_b = (rng.standard_normal(4) * 0.1).astype(np.float32)
fc_w = (rng.standard_normal((10, 64)) * 0.2).astype(np.float32)  # Gemm with transB=1
fc_b = (rng.standard_normal(10) * 0.1).astype(np.float32)

nodes = [
    helper.make_node("Conv", ["image", "conv.weight", "conv.bias"], ["conv"], name="conv", kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
    helper.make_node("Relu", ["conv"], ["relu"], name="relu"),
    helper.make_node("MaxPool", ["relu"], ["pool"], name="pool", kernel_shape=[2, 2], strides=[2, 2]),
    helper.make_node("Flatten", ["pool"], ["flat"], name="flatten", axis=1),
    helper.make_node("Gemm", ["flat", "fc.weight", "fc.bias"], ["logits"], name="fc", transB=1),
    helper.make_node("Softmax", ["logits"], ["probs"], name="softmax", axis=1),
]
graph = helper.make_graph(
    nodes,
    "tiny-cnn",
    [helper.make_tensor_value_info("image", TensorProto.FLOAT, [1, 1, 8, 8])],
    [helper.make_tensor_value_info("probs", TensorProto.FLOAT, [1, 10])],
    [
        numpy_helper.from_array(conv_w, "conv.weight"),
        numpy_helper.from_array(conv_b, "conv.bias"),
        numpy_helper.from_array(fc_w, "fc.weight"),
        numpy_helper.from_array(fc_b, "fc.bias"),
    ],
)
model = helper.make_model(graph, producer_name="onnx-wgsl examples", opset_imports=[helper.make_opsetid("", 13)])
model.ir_version = 8
onnx.checker.check_model(model)
out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tiny-cnn.onnx")
onnx.save(model, out)
print(f"wrote {out} ({os.path.getsize(out)} bytes)")
