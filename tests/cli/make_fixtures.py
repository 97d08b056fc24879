# SPDX-License-Identifier: GPL-3.0-or-later
# Writes the tiny ONNX models and .npy tensors the command-line tests use
# into the directory given as the only argument.  The expected outputs are
# computed here with plain NumPy, independently of Convscope.
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 13
LONG_NAME = ("a_very_long_layer_name_that_goes_on_and_on_to_test_truncation"
             "_in_the_table_xyz")


def save_model(path, nodes, inputs, outputs, initializers=()):
    graph = helper.make_graph(nodes, os.path.basename(path).split(".")[0],
                              inputs, outputs, list(initializers))
    model = helper.make_model(graph,
                              opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name="convscope-tests")
    onnx.checker.check_model(model)
    onnx.save(model, path)


def value(name, shape):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, shape)


def conv2d(x, w, b, pad):
    x = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    n, _, h, wd = x.shape
    m, c, kh, kw = w.shape
    out = np.zeros((n, m, h - kh + 1, wd - kw + 1), np.float64)
    for i in range(out.shape[2]):
        for j in range(out.shape[3]):
            patch = x[:, :, i:i + kh, j:j + kw]
            out[:, :, i, j] = np.tensordot(patch, w, axes=([1, 2, 3], [1, 2, 3]))
    return out + b.reshape(1, m, 1, 1)


def tiny(out_dir, rng):
    """Conv+Relu, MaxPool, a Conv whose name needs sanitizing, a
    GlobalAveragePool with a very long name, Flatten, Gemm: 369 params."""
    w1 = rng.standard_normal((4, 3, 3, 3)).astype(np.float32)
    b1 = rng.standard_normal(4).astype(np.float32)
    w2 = rng.standard_normal((6, 4, 3, 3)).astype(np.float32)
    b2 = rng.standard_normal(6).astype(np.float32)
    wf = rng.standard_normal((5, 6)).astype(np.float32)
    bf = rng.standard_normal(5).astype(np.float32)
    inits = [numpy_helper.from_array(a, n) for a, n in
             ((w1, "w1"), (b1, "b1"), (w2, "w2"), (b2, "b2"), (wf, "wf"), (bf, "bf"))]
    nodes = [
        helper.make_node("Conv", ["image", "w1", "b1"], ["c1"], name="conv1",
                         kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c1"], ["r1"], name="relu1"),
        helper.make_node("MaxPool", ["r1"], ["p1"], name="pool",
                         kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("Conv", ["p1", "w2", "b2"], ["c2"], name="block/conv 2",
                         kernel_shape=[3, 3]),
        helper.make_node("GlobalAveragePool", ["c2"], ["g"], name=LONG_NAME),
        helper.make_node("Flatten", ["g"], ["f"], name="flatten"),
        helper.make_node("Gemm", ["f", "wf", "bf"], ["logits"], name="fc", transB=1),
    ]
    save_model(os.path.join(out_dir, "tiny.onnx"), nodes,
               [value("image", [1, 3, 8, 8])], [value("logits", [1, 5])], inits)

    x = rng.random((1, 3, 8, 8)).astype(np.float32)
    r1 = np.maximum(conv2d(x, w1, b1, 1), 0)
    p1 = r1.reshape(1, 4, 4, 2, 4, 2).max(axis=(3, 5))
    c2 = conv2d(p1, w2, b2, 0)
    logits = c2.mean(axis=(2, 3)) @ wf.T + bf
    np.save(os.path.join(out_dir, "tiny_input.npy"), x)
    np.save(os.path.join(out_dir, "tiny_expected.npy"), logits.astype(np.float32))
    # What `convscope probe` must find in the two convolutions.
    np.save(os.path.join(out_dir, "tiny_conv1.npy"), r1.astype(np.float32))
    np.save(os.path.join(out_dir, "tiny_conv2.npy"), c2.astype(np.float32))

    # Grad-CAM of class 3 on "block/conv 2": under the mean and the dense
    # layer, ∂logit_3/∂c2 is wf[3, c] / (H·W) at every pixel.
    grad = np.broadcast_to((wf[3] / 4.0).reshape(1, 6, 1, 1), c2.shape)
    cam = np.maximum((grad.mean(axis=(2, 3), keepdims=True) * c2).sum(axis=1)[0], 0)
    np.save(os.path.join(out_dir, "tiny_gradcam_grad.npy"), grad.astype(np.float32))
    np.save(os.path.join(out_dir, "tiny_gradcam_map.npy"), cam.astype(np.float32))


def colors(out_dir):
    """Scores 10 × the mean of each of R, G, B: a red image is class 0 with
    probability e^10 / (e^10 + 2), a white one is 1/3 for each class."""
    inits = [numpy_helper.from_array(np.eye(3, dtype=np.float32) * 10, "w"),
             numpy_helper.from_array(np.zeros(3, np.float32), "b")]
    nodes = [
        helper.make_node("GlobalAveragePool", ["image"], ["g"], name="mean"),
        helper.make_node("Flatten", ["g"], ["f"], name="flatten"),
        helper.make_node("Gemm", ["f", "w", "b"], ["scores"], name="scores", transB=1),
    ]
    save_model(os.path.join(out_dir, "colors.onnx"), nodes,
               [value("image", [1, 3, 4, 4])], [value("scores", [1, 3])], inits)


def regions(out_dir):
    """A segmenter in miniature: the score of class c at a pixel is its
    channel c, so red pixels are class 0 and blue ones class 2."""
    nodes = [helper.make_node("Relu", ["image"], ["scores"], name="scores")]
    save_model(os.path.join(out_dir, "regions.onnx"), nodes,
               [value("image", [1, 3, 4, 4])], [value("scores", [1, 3, 4, 4])])


def labels(out_dir):
    """Class numbers, as a segmenter ending in ArgMax gives: an int64
    output."""
    nodes = [helper.make_node("Abs", ["x"], ["magnitude"], name="abs"),
             helper.make_node("ArgMax", ["magnitude"], ["labels"], name="argmax", axis=1,
                              keepdims=0)]
    save_model(os.path.join(out_dir, "labels.onnx"), nodes, [value("x", [1, 2, 3, 3])],
               [helper.make_tensor_value_info("labels", TensorProto.INT64, [1, 3, 3])])


def two_outputs(out_dir):
    nodes = [helper.make_node("Relu", ["x"], ["pos"], name="relu"),
             helper.make_node("Sigmoid", ["x"], ["sig"], name="sigmoid")]
    save_model(os.path.join(out_dir, "two_outputs.onnx"), nodes,
               [value("x", [1, 2, 3, 3])],
               [value("pos", [1, 2, 3, 3]), value("sig", [1, 2, 3, 3])])


def unsupported(out_dir):
    nodes = [helper.make_node("Hardmax", ["x"], ["y"], name="hardmax")]
    save_model(os.path.join(out_dir, "unsupported.onnx"), nodes,
               [value("x", [1, 5])], [value("y", [1, 5])])


def hostile_names(out_dir):
    """A layer whose name would clear the screen and reverse the text of a
    terminal that printed it raw."""
    nodes = [helper.make_node("Relu", ["x"], ["y"],
                              name="evil\x1b[2J\u202eeman")]
    save_model(os.path.join(out_dir, "hostile_names.onnx"), nodes,
               [value("x", [1, 2, 2, 2])], [value("y", [1, 2, 2, 2])])


def main():
    out_dir = sys.argv[1]
    os.makedirs(out_dir, exist_ok=True)
    tiny(out_dir, np.random.default_rng(7))
    colors(out_dir)
    regions(out_dir)
    labels(out_dir)
    two_outputs(out_dir)
    unsupported(out_dir)
    hostile_names(out_dir)


if __name__ == "__main__":
    main()
