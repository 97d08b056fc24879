#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
# The recipe of Convscope's bundled default model: trains a small CNN on
# Fashion-MNIST (Debian's dataset-fashion-mnist) with PyTorch on the CPU
# from fixed seeds, prints the test accuracy after every epoch and the
# total time, and writes weights/fashion-mnist-cnn.onnx, its labels, its
# model card and a few sample images.  See docs/bundled-model.md.
#
#   /usr/bin/python3 tools/train-fashion.py [--epochs N] [--out DIR]

import argparse
import ctypes
import gzip
import os
import struct
import sys
import time
from collections import OrderedDict

import numpy as np
import torch
from torch import nn
import torch.nn.functional as F

DATA_DIR = '/usr/share/datasets/fashion-mnist'
LABELS = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat',
          'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot']
# Mean and standard deviation of the training pixels in [0, 1], rounded;
# the card repeats them so that Convscope normalizes exactly like this.
MEAN = 0.2860
STD = 0.3530
SEED = 20261128
BATCH = 128
# Test-set items of these classes become weights/samples/NN-LABEL.png.
SAMPLE_CLASSES = [0, 1, 3, 5, 8, 9]
SAMPLE_SIZE = 112


def read_idx(path, magic, dims):
    """The array in the gzip'd IDX file @path, which must start with
    @magic and have @dims dimensions of unsigned bytes."""
    with gzip.open(path, 'rb') as f:
        data = f.read()
    head = 4 + 4 * dims
    if len(data) < head or struct.unpack('>I', data[:4])[0] != magic:
        sys.exit(f'{path}: not an IDX file of {dims} dimension(s)')
    shape = struct.unpack('>' + 'I' * dims, data[4:head])
    if len(data) != head + int(np.prod(shape)):
        sys.exit(f'{path}: size does not match its header {shape}')
    return np.frombuffer(data, dtype=np.uint8, offset=head).reshape(shape)


def load_split(kind):
    images = read_idx(os.path.join(DATA_DIR, f'{kind}-images-idx3-ubyte.gz'),
                      0x803, 3)
    labels = read_idx(os.path.join(DATA_DIR, f'{kind}-labels-idx1-ubyte.gz'),
                      0x801, 1)
    if len(images) != len(labels) or labels.max() >= len(LABELS):
        sys.exit(f'{DATA_DIR}: {kind} images and labels disagree')
    return torch.from_numpy(images.copy()), torch.from_numpy(labels.astype(np.int64))


def normalize(pixels):
    """uint8 N×H×W → float N×1×H×W as the network takes it."""
    return ((pixels.float() / 255.0 - MEAN) / STD).unsqueeze(1)


def block(inputs, outputs):
    """3×3 convolution, batch normalization, ReLU, 2×2 max pooling."""
    return nn.Sequential(OrderedDict(
        conv=nn.Conv2d(inputs, outputs, 3, padding=1, bias=False),
        bn=nn.BatchNorm2d(outputs),
        relu=nn.ReLU(inplace=True),
        pool=nn.MaxPool2d(2)))


class FashionCNN(nn.Module):
    """28×28 → 14×14×32 → 7×7×64 → 3×3×64 → 128 → 10 class scores.
    The module paths name the layers of the ONNX export
    (/features/block1/conv/Conv, /classifier/fc1/Gemm, …)."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(OrderedDict(
            block1=block(1, 32), block2=block(32, 64), block3=block(64, 64)))
        self.classifier = nn.Sequential(OrderedDict(
            flatten=nn.Flatten(),
            fc1=nn.Linear(64 * 3 * 3, 128),
            relu=nn.ReLU(inplace=True),
            dropout=nn.Dropout(0.1),
            fc2=nn.Linear(128, len(LABELS))))

    def forward(self, image):
        return self.classifier(self.features(image))


def augment(images, generator):
    """The uint8 images, half of them mirrored left to right."""
    flip = torch.rand(images.shape[0], generator=generator) < 0.5
    return torch.where(flip[:, None, None], images.flip(2), images)


def evaluate(model, images, labels):
    """Accuracy in % and the predictions on the whole set."""
    model.eval()
    with torch.no_grad():
        predicted = torch.cat([model(normalize(images[i:i + 1000])).argmax(1)
                               for i in range(0, len(images), 1000)])
    return 100.0 * (predicted == labels).sum().item() / len(labels), predicted


def write_card(path, accuracy, epochs, minutes, threads, params, command):
    with open(path, 'w', encoding='utf-8') as f:
        f.write(f'''# Convscope's bundled default model, made by tools/train-fashion.py;
# see docs/bundled-model.md.  The data are white objects on a black
# background: photos of dark things on light ground need inverting first.
[model]
name = Fashion-MNIST CNN (Convscope)
task = classification
output = scores
source = {command} (seed {SEED}, {epochs} epochs, {minutes:.1f} min on {threads} CPU thread(s), {params} parameters)
licence = weights GPL-3.0-or-later; data (Fashion-MNIST, Zalando) MIT
accuracy = {accuracy:.2f} % top-1 on the 10,000 Fashion-MNIST test images

[input]
size = 28x28
channels = gray
resize = letterbox
resample = antialias
background = #000000
fill = #000000
normalization = mean-std
range = 1
mean = {MEAN:.4f}
std = {STD:.4f}

[labels]
file = fashion-mnist-cnn.labels.txt
offset = 0
''')


def write_samples(directory, images, labels, predicted):
    """One test image per class in SAMPLE_CLASSES, the first one the
    network gets right, enlarged with nearest neighbour; returns the
    test-set indices."""
    from PIL import Image
    os.makedirs(directory, exist_ok=True)
    chosen = []
    for number, cls in enumerate(SAMPLE_CLASSES, start=1):
        index = next(i for i in range(len(labels))
                     if labels[i] == cls and predicted[i] == cls)
        safe = ''.join(c if c.isalnum() or c == '-' else '_' for c in LABELS[cls])
        image = Image.fromarray(images[index].numpy(), mode='L')
        image.resize((SAMPLE_SIZE, SAMPLE_SIZE), Image.NEAREST).save(
            os.path.join(directory, f'{number:02d}-{safe}.png'), optimize=True)
        chosen.append(index)
    return chosen


def main():
    parser = argparse.ArgumentParser(
        description='Trains the bundled Fashion-MNIST CNN.')
    parser.add_argument('--epochs', type=int, default=18)
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--out', default=os.path.join(
        os.path.dirname(os.path.abspath(__file__)), '..', 'weights'))
    args = parser.parse_args()

    # glibc hands PyTorch's large per-batch buffers back to the kernel and
    # maps them again every step; the page faults tripled the training
    # time.  Keeping them in the heap (thresholds as mallopt(3) names them)
    # avoids that.
    libc = ctypes.CDLL('libc.so.6')
    for option, value in ((-1, 1 << 31), (-2, 256 << 20), (-3, 32 << 20)):
        libc.mallopt(option, value)  # M_TRIM_THRESHOLD, M_TOP_PAD, M_MMAP_THRESHOLD
    torch.set_num_threads(args.threads)
    torch.manual_seed(SEED)
    torch.use_deterministic_algorithms(True)
    generator = torch.Generator().manual_seed(SEED)

    train_images, train_labels = load_split('train')
    test_images, test_labels = load_split('t10k')

    model = FashionCNN()
    params = sum(p.numel() for p in model.parameters())
    print(f'{params} parameters, {len(train_labels)} training and '
          f'{len(test_labels)} test images', flush=True)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9,
                                nesterov=True, weight_decay=5e-4)
    steps = (len(train_labels) + BATCH - 1) // BATCH
    schedule = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=0.1, epochs=args.epochs, steps_per_epoch=steps)

    start = time.monotonic()
    for epoch in range(1, args.epochs + 1):
        model.train()
        order = torch.randperm(len(train_labels), generator=generator)
        total_loss = 0.0
        for step in range(steps):
            batch = order[step * BATCH:(step + 1) * BATCH]
            images = normalize(augment(train_images[batch], generator))
            loss = F.cross_entropy(model(images), train_labels[batch],
                                   label_smoothing=0.1)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            schedule.step()
            total_loss += loss.item()
        accuracy, predicted = evaluate(model, test_images, test_labels)
        print(f'epoch {epoch:2d}  loss {total_loss / steps:.4f}  '
              f'test accuracy {accuracy:.2f} %  '
              f'{time.monotonic() - start:.0f} s', flush=True)
    minutes = (time.monotonic() - start) / 60
    print(f'training took {minutes:.1f} min', flush=True)

    os.makedirs(args.out, exist_ok=True)
    model.eval()
    onnx_path = os.path.join(args.out, 'fashion-mnist-cnn.onnx')
    torch.onnx.export(model, torch.zeros(1, 1, 28, 28), onnx_path,
                      opset_version=13, input_names=['image'],
                      output_names=['logits'], do_constant_folding=True)
    with open(os.path.join(args.out, 'fashion-mnist-cnn.labels.txt'), 'w',
              encoding='utf-8') as f:
        f.write('\n'.join(LABELS) + '\n')
    write_card(onnx_path + '.ini', accuracy, args.epochs, minutes, args.threads, params,
               'tools/train-fashion.py' +
               (f' --epochs {args.epochs}' if args.epochs != 18 else '') +
               (f' --threads {args.threads}' if args.threads != 2 else ''))
    chosen = write_samples(os.path.join(args.out, 'samples'),
                           test_images, test_labels, predicted)
    print(f'final test accuracy {accuracy:.2f} %; samples are test images '
          f'{chosen}; wrote {onnx_path} ({os.path.getsize(onnx_path)} bytes)')


if __name__ == '__main__':
    main()
