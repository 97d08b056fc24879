#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
# PyTorch's gradients and Grad-CAM maps for the seven fidelity networks
# (export-torchvision.py's models, same seeds and weights), the reference
# of tests/core/test-gradient-torch.c.  Per network NAME it writes, in
# OUTDIR:
#   NAME.grad.onnx, NAME.grad.input.npy  the network at the smallest input
#                       its head allows (224² networks reuse NAME.onnx), and
#                       an input whose gradient is well posed (see
#                       pick_stable_input)
#   NAME.grad.txt       "class K" (PyTorch's top-1), per layer "layer NAME"
#                       with Convscope's name for the layer, and "input-
#                       gradient ill-posed: WHY" where it is (ILL_POSED)
#   NAME.grad.input-grad.npy   ∂logit_K/∂input, by autograd
#   NAME.grad.L.act.npy, NAME.grad.L.grad.npy, NAME.grad.L.cam.npy
#                       for layer L = 0, 1, 2: the layer's output, its
#                       gradient and the Grad-CAM map, caught by forward
#                       and tensor hooks on the torch module (the method of
#                       pytorch-grad-cam), not by anything of Convscope's
#
# Usage: /usr/bin/python3 tools/export-gradients.py OUTDIR [NAME...]
#        /usr/bin/python3 tools/export-gradients.py --list   (the networks it knows)

import copy
import importlib.util
import os
import re
import struct
import sys
import warnings

# Per network: the input side and three modules with spatial outputs whose
# output is one fused Convscope layer's (a block's last activation).
LAYERS = {
    "resnet18": (64, ["relu", "layer1", "layer4"]),
    "mobilenet_v2": (64, ["features.0", "features.7", "features.18"]),
    "squeezenet1_1": (64, ["features.1", "features.6", "features.12"]),
    # Its overlapping max pools leave windows whose two largest values
    # differ by 1e-5 to 1e-7 of them on every input tried (64 to 128 px),
    # less than float32 engines differ by there: below its last max pool
    # the gradient depends on rounding, in PyTorch too, so only the last
    # inception block is compared (see ILL_POSED).
    "googlenet": (64, ["inception5b.branch4.0", "inception5b.branch4", "inception5b"]),
    "shufflenet_v2_x1_0": (64, ["conv1", "stage2", "conv5"]),
    # Their adaptive pooling needs the 224² the fidelity test uses.
    "alexnet": (224, ["features.1", "features.7", "features.11"]),
    # On the fidelity input PyTorch's own float32 and float64 gradients
    # differ by 1% below its last max pool (see ILL_POSED).
    "vgg11": (224, ["features.19", "features.20", "avgpool"]),
}

# Networks whose input gradient is not well posed in float32 (above).
ILL_POSED = {
    "googlenet": "max-pool windows tie to within float32 rounding",
    "vgg11": "below the last max pool, float32 and float64 PyTorch differ by 1%",
}

# Relative perturbation of the input, of the order of how far float32
# rounding moves the activations, and how much the input gradient may
# move under it (a tenth of the test's tolerance).
PERTURBATION = 1e-6
STABILITY = 1e-5

# Ops that Convscope's fuse pass folds into the layer before them.
FUSED = {"Relu", "Clip", "LeakyRelu", "BatchNormalization", "Sigmoid", "HardSigmoid",
         "HardSwish", "Tanh"}


def load_exporter():
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "export-torchvision.py")
    spec = importlib.util.spec_from_file_location("export_torchvision", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def module_output(graph, path):
    """The ONNX value the torch module at @path outputs: that of the last
    node in its scope."""
    # torch names a scope level by the end of its path: the child's name,
    # or with its parents' ("layer1.0", "branch4.0").
    parts = path.split(".")
    levels = ["(?:%s)" % "|".join(re.escape(".".join(parts[j:i + 1])) for j in range(i + 1))
              for i in range(len(parts))]
    scope = re.compile("^/" + "/".join(levels) + "/")
    nodes = [n for n in graph.node if scope.match(n.name)]
    if not nodes:
        raise RuntimeError(f"no ONNX node in the scope of {path}")
    return nodes[-1].output[0]


def gate(node, producer, readers):
    """The Sigmoid or HardSigmoid (α = 1/6, β = ½) node g when @node is
    Mul(x, g(x)), which the fuse pass makes one SiLU or HardSwish node
    out of g, or None."""
    if node.op_type != "Mul" or len(node.input) != 2:
        return None
    for side in (0, 1):
        g = producer.get(node.input[side])
        # A Constant producer has no inputs.
        if g is None or readers.get(node.input[side], 0) != 1 \
                or g.op_type not in ("Sigmoid", "HardSigmoid") or not g.input \
                or g.input[0] != node.input[1 - side]:
            continue
        attrs = {a.name: a.f for a in g.attribute}
        if g.op_type == "Sigmoid" or (g.op_type == "HardSigmoid"
                                      and struct.pack("f", attrs.get("alpha", 0.2))
                                      == struct.pack("f", 1 / 6)
                                      and attrs.get("beta", 0.5) == 0.5):
            return g
    return None


def layer_name(graph, value):
    """Convscope's name for the layer that outputs @value: the node the
    fused activations and batch norms went into."""
    producer = {o: n for n in graph.node for o in n.output}
    readers = {}
    for n in graph.node:
        for i in n.input:
            readers[i] = readers.get(i, 0) + 1
    for mul in graph.node:
        g = gate(mul, producer, readers)
        if g is not None:
            readers[g.input[0]] -= 1
            producer[mul.output[0]] = g
    node = producer[value]
    while node.op_type in FUSED and node.input[0] in producer \
            and readers.get(node.input[0], 0) == 1 \
            and producer[node.input[0]].op_type in FUSED | {"Conv", "Gemm", "Add", "Mul", "Sub",
                                                            "Div"}:
        node = producer[node.input[0]]
    return node.name


def input_gradient(torch, model, image, k):
    x = torch.from_numpy(image).requires_grad_()
    model(x)[0, k].backward()
    return x.grad.numpy()


def pick_stable_input(torch, np, model, seed, side):
    """A standard normal image on which the gradient of the top-1 class
    barely moves when the image does by PERTURBATION (float64 throughout).

    Another engine's activations differ from PyTorch's in their last bits;
    where a ReLU's input or two values of a max-pool window are that close,
    the gradient flows elsewhere and changes by far more than the test's
    tolerance, with neither engine wrong.  Drawing inputs until the
    gradient is steady keeps the comparison well posed."""
    rng = np.random.default_rng(seed)
    model64 = copy.deepcopy(model).double()
    for _ in range(30):
        image = rng.standard_normal((1, 3, side, side))
        with torch.no_grad():
            k = int(torch.argmax(model64(torch.from_numpy(image))[0]))
        reference = input_gradient(torch, model64, image, k)
        worst = max(np.abs(input_gradient(torch, model64, image * (1 + PERTURBATION * rng.standard_normal(image.shape)), k) - reference).max()
                    for _ in range(2)) / np.abs(reference).max()
        if worst <= STABILITY:
            return image.astype(np.float32)
    raise RuntimeError("no input with a well-posed gradient in 30 draws")


def export_one(exporter, torch, onnx, np, name, outdir):
    side, paths = LAYERS[name]
    seed, build = exporter.MODELS[name]
    torch.manual_seed(seed)
    model = build(__import__("torchvision")).eval()
    exporter.randomize_batch_norms(torch, model, seed + 1, exporter.INPUT_SHAPE)
    stem = os.path.join(outdir, name + ".grad")

    if name in ILL_POSED and side == 224:
        image = np.load(os.path.join(outdir, name + ".input.npy"))
    elif name in ILL_POSED:
        image = np.random.default_rng(seed).standard_normal((1, 3, side, side)).astype(np.float32)
    else:
        image = pick_stable_input(torch, np, model, seed, side)
    if side == 224:
        os.symlink(name + ".onnx", stem + ".onnx.tmp")
        os.replace(stem + ".onnx.tmp", stem + ".onnx")
    else:
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(model, torch.from_numpy(image), stem + ".onnx.tmp",
                              opset_version=exporter.OPSET,
                              training=torch.onnx.TrainingMode.PRESERVE,
                              do_constant_folding=True,
                              input_names=["input"], output_names=["logits"])
        os.replace(stem + ".onnx.tmp", stem + ".onnx")
    np.save(stem + ".input.npy", image)
    graph = onnx.load(stem + ".onnx", load_external_data=False).graph

    modules = dict(model.named_modules())
    caught = {}

    def catch(path):
        def hook(module, inputs, output):
            caught[path] = output
            output.register_hook(lambda grad: caught.__setitem__(path + ".grad", grad))
        return hook

    handles = [modules[p].register_forward_hook(catch(p)) for p in paths]
    x = torch.from_numpy(image).requires_grad_()
    logits = model(x)
    k = int(torch.argmax(logits[0]))
    logits[0, k].backward()
    for h in handles:
        h.remove()

    lines = [f"class {k}"]
    if name in ILL_POSED:
        lines.append("input-gradient ill-posed: " + ILL_POSED[name])
    np.save(stem + ".input-grad.npy", x.grad.numpy())
    for i, p in enumerate(paths):
        act = caught[p].detach()
        grad = caught[p + ".grad"]
        weights = grad.mean(dim=(2, 3), keepdim=True)
        cam = torch.relu((weights * act).sum(dim=1))[0]
        np.save(f"{stem}.{i}.act.npy", act.numpy())
        np.save(f"{stem}.{i}.grad.npy", grad.numpy())
        np.save(f"{stem}.{i}.cam.npy", cam.numpy())
        lines.append("layer " + layer_name(graph, module_output(graph, p)))
    with open(stem + ".txt", "w") as f:
        f.write("\n".join(lines) + "\n")
    print(f"{name}: {', '.join(lines)}", flush=True)


def main():
    if sys.argv[1:] == ["--list"]:
        print("\n".join(LAYERS))
        return 0
    if len(sys.argv) < 2:
        print(__doc__ or "usage: export-gradients.py OUTDIR [NAME...] | --list", file=sys.stderr)
        return 2
    outdir, names = sys.argv[1], sys.argv[2:] or list(LAYERS)

    import numpy as np
    import onnx
    import torch

    torch.set_num_threads(2)
    exporter = load_exporter()
    for name in names:
        export_one(exporter, torch, onnx, np, name, outdir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
