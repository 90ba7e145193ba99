"""Makes the tiny separation model the CLI's tests declare as "someone else's" (band-split.onnx,
16 KB, committed beside this script, with its manifest band-split.ron).

    /work/venv/bin/python separate/tests/models/make.py      # any Python with onnx and numpy

band-split.onnx takes yano's separator features [1, 1025, 256] and gives fixed masks
[1, 4, 1025, 256] for four stems in another order and with another set of names than yano's, as an
Open-Unmix-style export would: "bass" below 281 Hz (bins 0-11 at 48 kHz, 2048-sample frames),
"vocals" from 281 Hz to 2.34 kHz (bins 12-99), "drums" nothing, "accompaniment" (a stem yano
does not have, so its share goes to yano's rest stem) above. The graph multiplies ones shaped
like the input by the constant masks: the masks do not depend on the audio, so a test knows
exactly where each tone must land.
"""

import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
BINS, FRAMES = 1025, 256


def main():
    masks = np.zeros((1, 4, BINS, 1), dtype=np.float32)
    masks[0, 0, :12] = 1.0  # bass
    masks[0, 1, 12:100] = 1.0  # vocals
    masks[0, 3, 100:] = 1.0  # accompaniment; drums (stem 2) stays zero
    nodes = [
        helper.make_node("Mul", ["features", "zero"], ["zeros"]),
        helper.make_node("Add", ["zeros", "one"], ["ones"]),
        helper.make_node("Unsqueeze", ["ones", "axis"], ["ones4"]),
        helper.make_node("Mul", ["ones4", "bands"], ["masks"]),
    ]
    graph = helper.make_graph(
        nodes,
        "band-split",
        [helper.make_tensor_value_info("features", TensorProto.FLOAT, [1, BINS, FRAMES])],
        [helper.make_tensor_value_info("masks", TensorProto.FLOAT, [1, 4, BINS, FRAMES])],
        initializer=[
            numpy_helper.from_array(np.array(0.0, dtype=np.float32), "zero"),
            numpy_helper.from_array(np.array(1.0, dtype=np.float32), "one"),
            numpy_helper.from_array(np.array([1], dtype=np.int64), "axis"),
            numpy_helper.from_array(masks, "bands"),
        ],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, os.path.join(HERE, "band-split.onnx"))


if __name__ == "__main__":
    main()
