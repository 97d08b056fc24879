#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
# Writes the fixtures of tests/core/test-probe.c into OUTDIR: five
# torchvision networks (resnet18, googlenet, mobilenet_v2, densenet121,
# vgg11's features) and a tiny network of every convolution and pooling
# kind, as ONNX on small inputs, with PyTorch's answers to two questions.
#
# Receptive fields: for a few (layer, channel, y, x) per network, the box
# of input pixels where ∂out[c, y, x]/∂input is non-zero, by autograd on a
# copy of the network whose weights and BatchNorms are positive, so that
# no path's gradient cancels another's.  In that copy MaxPool becomes the
# AveragePool of the same window (a max passes the gradient to one pixel
# of its window, but depends on all of them) and ReLU6 becomes ReLU (a
# clamp that could stop a gradient; with positive weights and inputs
# nothing is negative anyway).  The ONNX files are exported from the
# networks as they are, random weights and real MaxPools.
#
# Values: the tiny network's outputs at a few pixels of each of its
# convolutions (plain, strided, dilated, depthwise, grouped) on a fixed
# input, as PyTorch computes them.
#
# Usage: /usr/bin/python3 make_probe_fixtures.py OUTDIR
# Writes OUTDIR/NAME.onnx and OUTDIR/NAME.json for each network and
# OUTDIR/tiny.input.npy.
import copy
import json
import os
import sys
import warnings

import numpy as np
import onnx
from onnx import numpy_helper
import torch
import torchvision
from torch import nn
from torch.nn import functional as F

OPSET = 13


class Branches(nn.Module):
    """A 1×1 and a 5×5 convolution side by side, joined along channels."""

    def __init__(self):
        super().__init__()
        self.near = nn.Conv2d(8, 4, 1)
        self.far = nn.Conv2d(8, 4, 5, padding=2)

    def forward(self, x):
        return torch.cat([self.near(x), self.far(x)], 1)


class Tiny(nn.Module):
    """Every window the engine runs, on a 20×22 input: plain, strided,
    dilated, depthwise and grouped convolutions (BatchNorm and activations
    to fold and fuse), two branches of different reach joined by a Concat,
    a ceil-mode MaxPool, constant and reflect Pad, a ceil-mode AveragePool,
    and a fully connected layer between a Flatten and a Reshape back,
    after which every pixel sees all that the layer before it saw."""

    # F.pad's (left, right, top, bottom) and mode, in order.
    PADS = [((1, 2, 0, 1), "constant"), ((2, 1, 1, 2), "reflect")]

    def __init__(self):
        super().__init__()
        self.plain = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU())
        self.strided = nn.Sequential(nn.Conv2d(8, 8, 3, stride=2, padding=1), nn.Tanh())
        self.dilated = nn.Sequential(nn.Conv2d(8, 8, 3, padding=2, dilation=2),
                                     nn.BatchNorm2d(8), nn.ReLU6())
        self.depthwise = nn.Sequential(nn.Conv2d(8, 8, 3, padding=1, groups=8),
                                       nn.BatchNorm2d(8), nn.Sigmoid())
        self.branches = Branches()
        self.grouped = nn.Sequential(nn.Conv2d(8, 12, (3, 1), padding=(1, 0), groups=2),
                                     nn.LeakyReLU(0.1))
        self.pool = nn.MaxPool2d(3, stride=2, ceil_mode=True)
        self.padded = nn.Conv2d(12, 6, 3)
        self.avg = nn.AvgPool2d(3, stride=2, padding=1, ceil_mode=True)
        self.mix = nn.Linear(6 * 4 * 5, 6 * 4 * 5)
        self.last = nn.Conv2d(6, 4, 1)

    def forward(self, x):
        x = self.branches(self.depthwise(self.dilated(self.strided(self.plain(x)))))
        x = self.pool(self.grouped(x))
        for pads, mode in self.PADS:
            x = F.pad(x, pads, mode=mode)
        x = self.avg(self.padded(x))
        x = self.mix(x.flatten(1)).reshape(x.shape)
        return self.last(x)


class Features(nn.Module):
    """VGG-11's feature extractor alone, named as in the network; its
    classifier's 120 million weights would take long to initialise."""

    def __init__(self):
        super().__init__()
        vgg = torchvision.models.vgg
        self.features = vgg.make_layers(vgg.cfgs["A"])

    def forward(self, x):
        return self.features(x)


# name: (seed, builder, input size, points).  A point is the module whose
# output the layer computes, the layer's ONNX node name, a channel and the
# output pixels to probe.
NETWORKS = {
    "tiny": (1901, Tiny, (20, 22), [
        ("plain", "/plain/plain.0/Conv", 5, [(0, 0), (19, 21), (7, 10)]),
        ("strided", "/strided/strided.0/Conv", 2, [(0, 0), (9, 10), (4, 5)]),
        ("dilated", "/dilated/dilated.0/Conv", 7, [(0, 0), (9, 10), (5, 2)]),
        ("depthwise", "/depthwise/depthwise.0/Conv", 3, [(0, 0), (9, 10), (4, 4)]),
        ("branches", "/branches/Concat", 1, [(0, 0), (5, 5)]),
        ("branches", "/branches/Concat", 6, [(0, 0), (5, 5)]),
        ("grouped", "/grouped/grouped.0/Conv", 8, [(0, 0), (9, 10), (3, 6)]),
        ("pool", "/pool/MaxPool", 4, [(0, 0), (4, 4), (2, 3)]),
        ("padded", "/padded/Conv", 1, [(0, 0), (6, 7), (3, 2)]),
        ("avg", "/avg/AveragePool", 2, [(0, 0), (3, 4), (1, 2)]),
        ("last", "/last/Conv", 0, [(0, 0), (2, 3)]),
    ]),
    "resnet18": (1902, lambda: torchvision.models.resnet18(weights=None), (64, 64), [
        ("conv1", "/conv1/Conv", 3, [(0, 0), (31, 31), (10, 5)]),
        ("maxpool", "/maxpool/MaxPool", 7, [(0, 0), (15, 15), (7, 3)]),
        ("layer1.0", "/layer1/layer1.0/Add", 9, [(0, 0), (8, 15)]),
        ("layer2.0.downsample.0", "/layer2/layer2.0/downsample/downsample.0/Conv", 4,
         [(0, 0), (7, 7)]),
        ("layer2.0", "/layer2/layer2.0/Add", 11, [(0, 0), (7, 7), (3, 4)]),
        ("layer4.1", "/layer4/layer4.1/Add", 100, [(0, 0), (1, 1)]),
        ("avgpool", "/avgpool/GlobalAveragePool", 20, [(0, 0)]),
    ]),
    "googlenet": (1903, lambda: torchvision.models.googlenet(
        weights=None, aux_logits=False, init_weights=False), (64, 64), [
        ("conv1.conv", "/conv1/conv/Conv", 0, [(0, 0), (31, 31), (12, 20)]),
        ("maxpool1", "/maxpool1/MaxPool", 3, [(0, 0), (15, 15)]),
        # inception3a's branches: 1×1 (0–63), 3×3 after 1×1 (64–191),
        # 3×3 after 1×1 (192–223), 3×3 max pool then 1×1 (224–255).
        ("inception3a", "/inception3a/Concat", 10, [(0, 0), (7, 7), (3, 4)]),
        ("inception3a", "/inception3a/Concat", 100, [(0, 0), (7, 7), (3, 4)]),
        ("inception3a", "/inception3a/Concat", 200, [(3, 4)]),
        ("inception3a", "/inception3a/Concat", 240, [(0, 0), (3, 4)]),
        ("maxpool3", "/maxpool3/MaxPool", 5, [(0, 0), (3, 3)]),
        ("inception4e", "/inception4e/Concat", 7, [(0, 0), (3, 3)]),
        ("maxpool4", "/maxpool4/MaxPool", 9, [(0, 0), (1, 1)]),
    ]),
    "mobilenet_v2": (1904, lambda: torchvision.models.mobilenet_v2(weights=None), (64, 64), [
        ("features.0.0", "/features/features.0/features.0.0/Conv", 1, [(0, 0), (31, 31)]),
        ("features.1.conv.0.0", "/features/features.1/conv/conv.0/conv.0.0/Conv", 6,
         [(0, 0), (31, 31), (9, 17)]),
        ("features.3", "/features/features.3/Add", 2, [(0, 0), (15, 15), (6, 9)]),
        ("features.7.conv.1.0", "/features/features.7/conv/conv.1/conv.1.0/Conv", 40,
         [(0, 0), (3, 3)]),
        ("features.18.0", "/features/features.18/features.18.0/Conv", 30, [(0, 0), (1, 1)]),
    ]),
    # denseblock1's channels 0–63 are its input's, 224–255 its last
    # layer's, which sees further.
    "densenet121": (1906, lambda: torchvision.models.densenet121(weights=None), (32, 32), [
        ("features.denseblock1.denselayer1.conv2",
         "/features/denseblock1/denselayer1/conv2/Conv", 7, [(0, 0), (7, 7), (3, 4)]),
        ("features.denseblock1", "/features/denseblock1/Concat", 10, [(0, 0), (7, 7), (3, 4)]),
        ("features.denseblock1", "/features/denseblock1/Concat", 250, [(0, 0)]),
        ("features.transition1.pool", "/features/transition1/pool/AveragePool", 5, [(0, 0)]),
    ]),
    "vgg11": (1905, Features, (64, 64), [
        ("features.3", "/features/features.3/Conv", 9, [(0, 0), (31, 31), (12, 7)]),
        ("features.10", "/features/features.10/MaxPool", 4, [(0, 0), (7, 7), (3, 5)]),
        ("features.18", "/features/features.18/Conv", 33, [(0, 0), (3, 3)]),
        ("features.20", "/features/features.20/MaxPool", 2, [(0, 0), (1, 1)]),
    ]),
}

# The tiny network's convolutions whose value the probe must reproduce.
VALUES = [
    ("plain", "/plain/plain.0/Conv", [(0, 0, 0), (5, 19, 21), (7, 8, 3)]),
    ("strided", "/strided/strided.0/Conv", [(0, 0, 0), (2, 9, 10), (6, 4, 7)]),
    ("dilated", "/dilated/dilated.0/Conv", [(7, 0, 0), (1, 9, 10), (4, 5, 2)]),
    ("depthwise", "/depthwise/depthwise.0/Conv", [(3, 0, 0), (0, 9, 10), (5, 4, 4)]),
    ("grouped", "/grouped/grouped.0/Conv", [(8, 0, 0), (2, 9, 10), (11, 3, 6)]),
]


def constant_pads(path, pads):
    """Gives the Pad nodes of the ONNX file at @path their @pads (F.pad's
    order) as constants in place of the ConstantOfShape arithmetic the
    exporter writes, and drops the nodes nothing reads any more."""
    model = onnx.load(path)
    graph = model.graph
    pad_nodes = [node for node in graph.node if node.op_type == "Pad"
                 and not node.name.startswith("/avg/")]
    assert len(pad_nodes) == len(pads), [node.name for node in pad_nodes]
    for node, ((left, right, top, bottom), _) in zip(pad_nodes, pads):
        name = node.name + "_pads"
        graph.initializer.append(numpy_helper.from_array(
            np.array([0, 0, top, left, 0, 0, bottom, right], np.int64), name))
        node.input[1] = name
    needed = {output.name for output in graph.output}
    kept = []
    for node in reversed(graph.node):
        if any(output in needed for output in node.output):
            kept.append(node)
            needed.update(node.input)
    del graph.node[:]
    graph.node.extend(reversed(kept))
    onnx.checker.check_model(model)
    onnx.save(model, path)


def randomize_batch_norms(model, gen):
    """Non-trivial running statistics and affine transforms, so that
    folding them into the convolution is tested."""
    for module in model.modules():
        if isinstance(module, nn.BatchNorm2d):
            shape = module.weight.shape
            module.weight.copy_(torch.rand(shape, generator=gen) + 0.5)
            module.bias.copy_(torch.randn(shape, generator=gen) * 0.25)
            module.running_mean.copy_(torch.randn(shape, generator=gen) * 0.1)
            module.running_var.copy_(torch.rand(shape, generator=gen) + 0.5)


def support_model(model, gen):
    """The copy of @model whose gradients show every dependence: positive
    weights (about 1/fan-in, so activations stay near the input's scale),
    positive BatchNorm shifts, averages for maxima, ReLU for ReLU6."""
    model = copy.deepcopy(model)
    for name, module in list(model.named_modules()):
        if isinstance(module, (nn.Conv2d, nn.Linear)):
            fan_in = module.weight[0].numel()
            module.weight.copy_((torch.rand(module.weight.shape, generator=gen) + 0.5) / fan_in)
            if module.bias is not None:
                module.bias.fill_(0.01)
        elif isinstance(module, nn.BatchNorm2d):
            module.weight.fill_(1.0)
            module.bias.fill_(0.01)
            module.running_mean.zero_()
            module.running_var.fill_(1.0)
        for child_name, child in list(module.named_children()):
            if isinstance(child, nn.MaxPool2d):
                assert child.dilation == 1, "AvgPool2d has no dilation"
                setattr(module, child_name, nn.AvgPool2d(
                    child.kernel_size, child.stride, child.padding, child.ceil_mode))
            elif isinstance(child, nn.ReLU6):
                setattr(module, child_name, nn.ReLU())
    return model


def box_of(mask):
    rows = np.flatnonzero(mask.any(axis=1))
    cols = np.flatnonzero(mask.any(axis=0))
    return [int(rows[0]), int(cols[0]), int(rows[-1]), int(cols[-1])]


def supports(model, size, points, gen):
    """PyTorch's receptive field of each point, by autograd: one backward
    pass per layer, batched over its pixels."""
    outputs = {}
    handles = [model.get_submodule(module).register_forward_hook(
        lambda m, args, out, module=module: outputs.__setitem__(module, out))
        for module in {p[0] for p in points}]
    image = torch.rand((1, 3) + size, generator=gen) * 0.9 + 0.1
    image.requires_grad_(True)
    model(image)
    result = []
    for module, layer, channel, pixels in points:
        out = outputs[module]
        seeds = torch.zeros((len(pixels),) + out.shape)
        for i, (y, x) in enumerate(pixels):
            seeds[i, 0, channel, y, x] = 1.0
        grads, = torch.autograd.grad(out, image, seeds, retain_graph=True,
                                     is_grads_batched=True)
        for (y, x), grad in zip(pixels, grads):
            result.append({"layer": layer, "channel": channel, "y": y, "x": x,
                           "support": box_of(grad[0].abs().sum(0).numpy() > 0)})
    for handle in handles:
        handle.remove()
    return result


def values(model, image):
    """PyTorch's output of each VALUES convolution (with what follows it
    in its block) at each of its points."""
    outputs = {}
    handles = [model.get_submodule(module).register_forward_hook(
        lambda m, args, out, module=module: outputs.__setitem__(module, out))
        for module, _, _ in VALUES]
    with torch.no_grad():
        model(torch.from_numpy(image))
    for handle in handles:
        handle.remove()
    result = [{"layer": layer, "channel": c, "y": y, "x": x,
               "torch": float(outputs[module][0, c, y, x])}
              for module, layer, pixels in VALUES for c, y, x in pixels]
    # A ReLU's zeros would say little about the sum before it.
    assert sum(value["torch"] == 0.0 for value in result) <= 2, result
    return result


def export(name, outdir):
    seed, build, size, points = NETWORKS[name]
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    model = build().eval()
    with torch.no_grad():
        randomize_batch_norms(model, gen)
    path = os.path.join(outdir, name + ".onnx")
    image = np.random.default_rng(seed).standard_normal((1, 3) + size).astype(np.float32)
    # PRESERVE keeps BatchNormalization for Convscope to fold.
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, torch.from_numpy(image), path + ".tmp", opset_version=OPSET,
                          training=torch.onnx.TrainingMode.PRESERVE,
                          do_constant_folding=True, input_names=["input"],
                          output_names=["output"])
    if name == "tiny":
        constant_pads(path + ".tmp", Tiny.PADS)
    nodes = {node.name for node in onnx.load(path + ".tmp").graph.node}
    missing = sorted({p[1] for p in points} - nodes)
    if missing:
        raise RuntimeError(f"{name}: no ONNX nodes {missing}")
    with torch.no_grad():
        positive = support_model(model, gen)
    fixture = {"points": supports(positive, size, points, gen)}
    if name == "tiny":
        fixture["values"] = values(model, image)
        np.save(os.path.join(outdir, "tiny.input.npy"), image)
    with open(os.path.join(outdir, name + ".json"), "w") as f:
        json.dump(fixture, f, indent=1)
    os.replace(path + ".tmp", path)


def main():
    outdir = sys.argv[1]
    os.makedirs(outdir, exist_ok=True)
    torch.set_num_threads(1)
    for name in (sys.argv[2:] or NETWORKS):
        export(name, outdir)


if __name__ == "__main__":
    main()
