"""Makes the tiny ONNX models yano-models' tests load (a few KB each, committed beside this script).

    python3 -m venv /tmp/onnx-venv && /tmp/onnx-venv/bin/pip install onnx==1.17.0 numpy
    /tmp/onnx-venv/bin/python models/tests/models/make.py

- tiny-frames.onnx: audio [1, 64, 1] -> "frames" [1, 8, 4] and "energy" [1, 8, 1]. A strided
  convolution (8 taps, stride 8, 4 channels, seeded weights) and a sigmoid make "frames"; the mean
  square of each 8-sample frame makes "energy". The same shape of thing basic-pitch is: audio in,
  frame-wise posteriors out.
- tiny-frames-open-batch.onnx: the same with the batch dimension left open ("batch"), as
  basic-pitch ships, for the batch fix.
- tiny-frames-wrong.onnx: the same graph taking [1, 32, 1]: the manifest's shape is refused.
- tiny-frames-corrupt.onnx: tiny-frames.onnx cut short and overwritten in the middle.
- tiny-frames.expected.json: an input (0.8 sin 0.3n) and the outputs ONNX's reference evaluator
  computes for it, which every backend must reproduce.
"""

import json

import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))


def frames_model(samples, batch=1):
    rng = np.random.default_rng(7)
    weights = rng.normal(0.0, 0.5, size=(4, 1, 8)).astype(np.float32)
    bias = rng.normal(0.0, 0.1, size=(4,)).astype(np.float32)
    frames = samples // 8
    audio = helper.make_tensor_value_info("audio", TensorProto.FLOAT, [batch, samples, 1])
    out_frames = helper.make_tensor_value_info("frames", TensorProto.FLOAT, [batch, frames, 4])
    out_energy = helper.make_tensor_value_info("energy", TensorProto.FLOAT, [batch, frames, 1])
    nodes = [
        # [b, samples, 1] -> [b, 1, samples]
        helper.make_node("Transpose", ["audio"], ["channels_first"], perm=[0, 2, 1]),
        helper.make_node("Conv", ["channels_first", "w", "b"], ["conv"], kernel_shape=[8], strides=[8]),
        helper.make_node("Sigmoid", ["conv"], ["squashed"]),
        # [b, 4, frames] -> [b, frames, 4]
        helper.make_node("Transpose", ["squashed"], ["frames"], perm=[0, 2, 1]),
        helper.make_node("Mul", ["channels_first", "channels_first"], ["square"]),
        helper.make_node("AveragePool", ["square"], ["pooled"], kernel_shape=[8], strides=[8]),
        helper.make_node("Transpose", ["pooled"], ["energy"], perm=[0, 2, 1]),
    ]
    graph = helper.make_graph(
        nodes,
        "tiny-frames",
        [audio],
        [out_frames, out_energy],
        initializer=[numpy_helper.from_array(weights, "w"), numpy_helper.from_array(bias, "b")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="yano")
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def main():
    made = {
        "tiny-frames.onnx": frames_model(64),
        "tiny-frames-open-batch.onnx": frames_model(64, batch="batch"),
        "tiny-frames-wrong.onnx": frames_model(32),
    }
    for name, model in made.items():
        onnx.save(model, os.path.join(HERE, name))
    good = made["tiny-frames.onnx"].SerializeToString()
    corrupt = bytearray(good[: len(good) * 2 // 3])
    middle = len(corrupt) // 2
    corrupt[middle : middle + 16] = b"\xff" * 16
    with open(os.path.join(HERE, "tiny-frames-corrupt.onnx"), "wb") as f:
        f.write(bytes(corrupt))
    from onnx.reference import ReferenceEvaluator

    audio = (0.8 * np.sin(0.3 * np.arange(64))).astype(np.float32).reshape(1, 64, 1)
    frames, energy = ReferenceEvaluator(made["tiny-frames.onnx"]).run(None, {"audio": audio})
    expected = {
        "audio": audio.ravel().tolist(),
        "frames": frames.ravel().tolist(),
        "energy": energy.ravel().tolist(),
    }
    with open(os.path.join(HERE, "tiny-frames.expected.json"), "w") as f:
        json.dump(expected, f, indent=1)
        f.write("\n")
    for name in sorted(os.listdir(HERE)):
        if name.endswith(".onnx"):
            print(name, os.path.getsize(os.path.join(HERE, name)), "bytes")


if __name__ == "__main__":
    main()
