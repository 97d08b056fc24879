#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
# Exports eight torchvision classifiers, two torchvision segmenters
# (DeepLabV3 and LR-ASPP on MobileNetV3-Large) and a small network of the
# upsampling ops written here, with deterministic random weights to ONNX
# (opset 13, or 17 where a model needs it; 1×3×224×224) together with a
# deterministic input tensor, so the fidelity test and the benchmark
# compare Convscope and ONNX Runtime on real architectures without
# downloading pretrained weights.
#
# With --zoo, the networks are instead every convolutional classifier
# torchvision has (its transformers left out), with plain random inputs
# of the size each was made for: the set tools/bench times against ONNX
# Runtime for docs/benchmarks.md, too large for the tests.
#
# Usage: /usr/bin/python3 tools/export-torchvision.py [--force] [--zoo] OUTDIR [NAME...]
#        /usr/bin/python3 tools/export-torchvision.py --list [--zoo]
# Writes OUTDIR/NAME.onnx, OUTDIR/NAME.input.npy and OUTDIR/NAME.stamp for
# each NAME (all of them when none are given), skipping models whose stamp
# says they were made by this very script with the same torch.

import argparse
import hashlib
import os
import sys
import time
import warnings
import zlib

OPSET = 13
INPUT_SHAPE = (1, 3, 224, 224)
# Ten times the fidelity test's relative tolerance (1e-4).
TOP_MARGIN = 1e-3



def upsampling_net(tv):
    """A small encoder–decoder for the upsampling ops, ending in a
    classifier head so that the fidelity test's comparison applies:
    ConvTranspose2d (strides, padding, output_padding, groups) with a skip
    concatenation, and F.interpolate bilinear with and without
    align_corners, bicubic and nearest, by scale factor and by size."""
    import torch
    from torch import nn
    from torch.nn import functional as F

    class UpsamplingNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.stem = nn.Sequential(nn.Conv2d(3, 16, 3, stride=4, padding=1),
                                      nn.BatchNorm2d(16), nn.ReLU())
            self.down = nn.Sequential(nn.Conv2d(16, 32, 3, stride=2, padding=1), nn.ReLU())
            self.deep = nn.Sequential(nn.Conv2d(32, 64, 3, stride=2, padding=1), nn.ReLU())
            self.up1 = nn.ConvTranspose2d(64, 32, 4, stride=2, padding=1)
            self.up2 = nn.ConvTranspose2d(64, 16, 3, stride=2, padding=1, output_padding=1,
                                          groups=2)
            self.head = nn.Conv2d(64, 32, 3, padding=1)
            self.fc = nn.Linear(32, 100)

        def forward(self, x):
            stem = self.stem(x)                    # 16×56×56
            down = self.down(stem)                 # 32×28×28
            deep = self.deep(down)                 # 64×14×14
            up = torch.relu(self.up1(deep))        # 32×28×28
            up = self.up2(torch.cat([up, down], 1))  # 16×56×56
            bilinear = F.interpolate(deep[:, :8], scale_factor=4, mode="bilinear",
                                     align_corners=False)
            bicubic = F.interpolate(deep[:, 8:16], scale_factor=4, mode="bicubic",
                                    align_corners=False)
            nearest = F.interpolate(down[:, :16], size=(56, 56), mode="nearest")
            joined = torch.cat([up, bilinear, bicubic, nearest, stem], 1)[:, :64]
            corners = F.interpolate(joined, size=(61, 61), mode="bilinear", align_corners=True)
            head = torch.relu(self.head(corners))
            return self.fc(F.adaptive_avg_pool2d(head, 1).flatten(1))

    return UpsamplingNet()


def segmenter(name):
    """torchvision's segmentation model @name without its auxiliary head,
    returning the class scores (1×21×H×W) rather than a dict."""
    def build(tv):
        from torch import nn

        class Scores(nn.Module):
            def __init__(self, model):
                super().__init__()
                self.model = model

            def forward(self, x):
                return self.model(x)["out"]

        return Scores(getattr(tv.models.segmentation, name)(weights=None,
                                                             weights_backbone=None))
    return build


# Every model has its own fixed seed, so adding or reordering models never
# changes another one's weights.  Builders take the torchvision module so
# that --list works without importing torch.
MODELS = {
    "resnet18": (1801, lambda tv: tv.models.resnet18(weights=None)),
    "mobilenet_v2": (1802, lambda tv: tv.models.mobilenet_v2(weights=None)),
    "squeezenet1_1": (1803, lambda tv: tv.models.squeezenet1_1(weights=None)),
    "googlenet": (1804, lambda tv: tv.models.googlenet(
        weights=None, aux_logits=False, init_weights=True)),
    "shufflenet_v2_x1_0": (1805, lambda tv: tv.models.shufflenet_v2_x1_0(weights=None)),
    "alexnet": (1806, lambda tv: tv.models.alexnet(weights=None)),
    "vgg11": (1807, lambda tv: tv.models.vgg11(weights=None)),
    "convnext_tiny": (1808, lambda tv: tv.models.convnext_tiny(weights=None)),
    "upsampling": (1809, upsampling_net),
    "deeplabv3_mobilenet_v3_large": (1810, segmenter("deeplabv3_mobilenet_v3_large")),
    "lraspp_mobilenet_v3_large": (1811, segmenter("lraspp_mobilenet_v3_large")),
}
# torchvision's classifiers that are transformers, not CNNs: not in the zoo.
NOT_CNN = ("vit_", "swin_", "maxvit_")
# Zoo networks made for another input than 224×224, and the arguments
# that leave out their auxiliary heads.
ZOO_SIDES = {"inception_v3": 299}
ZOO_ARGUMENTS = {"googlenet": {"aux_logits": False, "init_weights": True},
                 "inception_v3": {"aux_logits": False, "init_weights": True}}


def zoo_names(tv):
    return [n for n in tv.models.list_models(module=tv.models) if not n.startswith(NOT_CNN)]


def zoo_entry(name):
    """(seed, builder, input shape) of zoo network @name; the seed comes
    from the name, so the set can change without changing any weights."""
    side = ZOO_SIDES.get(name, INPUT_SHAPE[-1])
    return (zlib.crc32(name.encode()) % 100000,
            lambda tv: tv.models.get_model(name, weights=None, **ZOO_ARGUMENTS.get(name, {})),
            INPUT_SHAPE[:2] + (side, side))


# Models whose output is a score map per pixel: the fidelity test
# compares their argmax per pixel, not a top-5.
SEGMENTERS = {"deeplabv3_mobilenet_v3_large", "lraspp_mobilenet_v3_large"}
# Models that need a later opset than OPSET: ConvNeXt's LayerNormalization
# exists from 17 (earlier opsets spell it out in ReduceMean, Pow, Sqrt, ...).
OPSETS = {"convnext_tiny": 17}


def randomize_batch_norms(torch, model, seed, shape):
    """Gives every BatchNorm a non-trivial affine transform and running
    statistics that match what it really sees; returns how many there are.

    Freshly initialised BatchNorm layers have mean 0, variance 1, scale 1
    and shift 0: folding them into the convolution would then be a no-op
    and a broken fold would go unnoticed.  Random scales and shifts fix
    that; gathering the running statistics from a few random batches in
    training mode keeps the activations of the deep networks well scaled
    (arbitrary random statistics make them explode or vanish, which would
    turn the top-5 comparison into a comparison of near-ties)."""
    gen = torch.Generator().manual_seed(seed)
    bns = [m for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    if not bns:
        return 0
    with torch.no_grad():
        for bn in bns:
            bn.weight.copy_(torch.rand(bn.weight.shape, generator=gen) + 0.5)
            bn.bias.copy_(torch.randn(bn.bias.shape, generator=gen) * 0.25)
            bn.reset_running_stats()
            bn.momentum = None  # cumulative average over the calibration batches
        model.train()
        for _ in range(3):
            model(torch.randn((4,) + tuple(shape[1:]), generator=gen))
    model.eval()
    return len(bns)


def randomize_layer_norms(torch, model, seed):
    """Gives every LayerNorm a non-trivial affine transform and every
    ConvNeXt block a layer scale near one; returns how many LayerNorms.

    Fresh LayerNorms have scale 1 and shift 0, so a scale or shift applied
    wrongly would go unnoticed; ConvNeXt's layer scale starts at 1e-6,
    which silences every residual block."""
    gen = torch.Generator().manual_seed(seed)
    norms = [m for m in model.modules() if isinstance(m, torch.nn.LayerNorm)]
    with torch.no_grad():
        for norm in norms:
            norm.weight.copy_(torch.rand(norm.weight.shape, generator=gen) + 0.5)
            norm.bias.copy_(torch.randn(norm.bias.shape, generator=gen) * 0.25)
        for name, param in model.named_parameters():
            if name.endswith("layer_scale"):
                param.copy_(torch.rand(param.shape, generator=gen) * 0.5 + 0.25)
    return len(norms)


def pick_input(torch, np, model, seed):
    """A standard normal image whose top-6 logits are clearly apart.

    The fidelity test compares top-5 indices in order; with random weights
    two logits can be nearly tied, and then rounding differences within the
    tolerance would swap them.  Drawing inputs from a fixed sequence until
    neighbouring top-6 logits differ by TOP_MARGIN of the largest logit
    keeps the check well posed and the fixture deterministic."""
    rng = np.random.default_rng(seed)
    for _ in range(100):
        image = rng.standard_normal(INPUT_SHAPE).astype(np.float32)
        with torch.no_grad():
            logits = model(torch.from_numpy(image)).numpy().ravel()
        top = np.sort(logits)[::-1][:6]
        if np.min(top[:-1] - top[1:]) >= TOP_MARGIN * np.max(np.abs(logits)):
            return image
    raise RuntimeError("no input with well-separated top-6 logits in 100 draws")


def export_one(torch, torchvision, onnx, np, name, outdir, zoo):
    """Writes NAME.onnx and NAME.input.npy; returns (nodes, BatchNorm nodes)."""
    seed, build, shape = zoo_entry(name) if zoo else MODELS[name] + (INPUT_SHAPE,)
    torch.manual_seed(seed)
    model = build(torchvision).eval()
    n_bn = randomize_batch_norms(torch, model, seed + 1, shape)
    randomize_layer_norms(torch, model, seed + 2)

    if zoo or name in SEGMENTERS:
        image = np.random.default_rng(seed).standard_normal(shape).astype(np.float32)
    else:
        image = pick_input(torch, np, model, seed)

    onnx_path = os.path.join(outdir, name + ".onnx")
    tmp_path = onnx_path + ".tmp"
    # PRESERVE keeps the BatchNormalization nodes: the default EVAL mode
    # folds them into the convolutions, and folding is Convscope's job here.
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, torch.from_numpy(image), tmp_path,
                          opset_version=OPSETS.get(name, OPSET),
                          training=torch.onnx.TrainingMode.PRESERVE,
                          do_constant_folding=True,
                          input_names=["input"], output_names=["logits"])
    onnx.checker.check_model(tmp_path)
    os.replace(tmp_path, onnx_path)
    input_path = os.path.join(outdir, name + ".input.npy")
    with open(input_path + ".tmp", "wb") as f:
        np.save(f, image)
    os.replace(input_path + ".tmp", input_path)

    graph = onnx.load(onnx_path, load_external_data=False).graph
    n_bn_nodes = sum(1 for n in graph.node if n.op_type == "BatchNormalization")
    if n_bn_nodes != n_bn:
        raise RuntimeError(f"{name}: {n_bn} BatchNorm2d modules but "
                           f"{n_bn_nodes} BatchNormalization nodes exported")
    return len(graph.node), n_bn_nodes


def export_stamp(torch, torchvision):
    """What decides the exported bytes: this script and the torch that ran it."""
    with open(os.path.abspath(__file__), "rb") as f:
        script = hashlib.sha256(f.read()).hexdigest()
    return f"{script} torch-{torch.__version__} torchvision-{torchvision.__version__}\n"


def is_current(outdir, name, stamp):
    paths = [os.path.join(outdir, name + suffix) for suffix in (".onnx", ".input.npy")]
    try:
        with open(os.path.join(outdir, name + ".stamp")) as f:
            return f.read() == stamp and all(os.path.isfile(p) for p in paths)
    except OSError:
        return False


def main():
    parser = argparse.ArgumentParser(
        description="Export torchvision classifiers with random weights to ONNX.")
    parser.add_argument("--list", action="store_true", help="print the model names and exit")
    parser.add_argument("--force", action="store_true", help="export even up-to-date models")
    parser.add_argument("--zoo", action="store_true",
                        help="every convolutional classifier of torchvision instead")
    parser.add_argument("outdir", nargs="?")
    parser.add_argument("names", nargs="*", metavar="NAME",
                        help="models to export (default: all): " + ", ".join(MODELS))
    args = parser.parse_intermixed_args()

    if args.zoo:
        import torchvision
        available = zoo_names(torchvision)
    else:
        available = list(MODELS)
    if args.list:
        print("\n".join(available))
        return 0
    if args.outdir is None:
        parser.error("OUTDIR is required")
    unknown = [n for n in args.names if n not in available]
    if unknown:
        parser.error("unknown model(s): " + ", ".join(unknown))

    import numpy as np
    import onnx
    import torch
    import torchvision

    torch.set_num_threads(2)
    os.makedirs(args.outdir, exist_ok=True)
    stamp = export_stamp(torch, torchvision)
    for name in args.names or available:
        stamp_path = os.path.join(args.outdir, name + ".stamp")
        if not args.force and is_current(args.outdir, name, stamp):
            print(f"{name}: up to date", flush=True)
            continue
        # A stale stamp must not outlive a failed export.
        if os.path.exists(stamp_path):
            os.remove(stamp_path)
        start = time.monotonic()
        n_nodes, n_bn = export_one(torch, torchvision, onnx, np, name, args.outdir, args.zoo)
        with open(stamp_path, "w") as f:
            f.write(stamp)
        print(f"{name}: exported {n_nodes} nodes ({n_bn} BatchNormalization) "
              f"in {time.monotonic() - start:.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
