# SPDX-License-Identifier: GPL-3.0-or-later
# Writes the fixtures of tests/core/test-resample.c into OUTDIR: what
# Pillow's own Image.resize (BILINEAR, no reducing_gap) gives for
# deterministic random float images in mode "F", case by case, and, when
# the photos of ../shared are given as IMAGES, Pillow's 8-bit RGB resize of
# two of them to 224×224.  Run with Debian's /usr/bin/python3 (python3-pil,
# python3-numpy); tools/make-fixtures calls it.
#
# Usage: make_resample_fixtures.py OUTDIR [IMAGES]
import os
import sys

import numpy as np
from PIL import Image

BILINEAR = getattr(Image, "Resampling", Image).BILINEAR

# name, source width × height, box (x0, y0, x1, y1) or None for the whole
# image, output width × height, alpha.  Box coordinates are exact in
# float32, which is how Pillow takes them.
CASES = [
    ("shrink-1.3", (52, 39), None, (40, 30), False),
    ("shrink-2", (64, 48), None, (32, 24), False),
    ("shrink-3.7", (74, 37), None, (20, 10), False),
    ("shrink-7", (70, 63), None, (10, 9), False),
    ("enlarge-8", (28, 28), None, (224, 224), False),
    ("stretch-x-shrink-y-enlarge", (60, 20), None, (15, 40), False),
    ("crop-shrink", (50, 40), (3.25, 5.5, 41.75, 30.125), (24, 16), False),
    ("crop-enlarge", (50, 40), (10.5, 7.25, 18.75, 15.5), (33, 31), False),
    ("crop-same-size", (20, 20), (0.5, 0.5, 19.5, 19.5), (19, 19), False),
    ("identity", (16, 12), None, (16, 12), False),
    ("one-column-source", (1, 30), None, (5, 10), False),
    ("one-row-source", (30, 1), None, (7, 1), False),
    ("one-pixel-output", (40, 30), None, (1, 1), False),
    ("one-column-output", (40, 30), None, (1, 7), False),
    ("alpha-shrink", (74, 37), None, (20, 10), True),
    ("alpha-crop-enlarge", (50, 40), (10.5, 7.25, 18.75, 15.5), (33, 31), True),
]

# The photos compared end to end, whole, stretched to 224×224.
PHOTOS = ["grace_hopper.bmp", "parrot.jpg"]


def resize_f(plane, size, box):
    """Pillow's resize of one float32 plane (H×W), as float32."""
    image = Image.fromarray(plane, mode="F")
    if box is None:
        box = (0, 0) + image.size
    return np.asarray(image.resize(size, BILINEAR, box=box, reducing_gap=None),
                      dtype=np.float32)


def save(path, array):
    np.save(path, np.ascontiguousarray(array, dtype="<f4"))


def write_cases(out_dir):
    rng = np.random.RandomState(20261128)
    lines = []
    for name, (w, h), box, (ow, oh), alpha in CASES:
        value = rng.random_sample((h, w)).astype(np.float32)
        if alpha:
            # A quarter fully transparent, the rest anything.
            opacity = rng.random_sample((h, w)).astype(np.float32)
            opacity[rng.random_sample((h, w)) < 0.25] = 0.0
            # Pillow resizes RGBA as premultiplied RGBa and divides back,
            # a transparent result being black; here the same in float.
            colour = resize_f(value * opacity, (ow, oh), box)
            resized_alpha = resize_f(opacity, (ow, oh), box)
            safe = np.where(resized_alpha > 0, resized_alpha, np.float32(1))
            colour = np.where(resized_alpha > 0, colour / safe, np.float32(0))
            save(os.path.join(out_dir, name + ".in.npy"), np.stack([value, opacity], axis=2))
            save(os.path.join(out_dir, name + ".out.npy"),
                 np.stack([colour, resized_alpha], axis=2))
        else:
            save(os.path.join(out_dir, name + ".in.npy"), value[:, :, None])
            save(os.path.join(out_dir, name + ".out.npy"),
                 resize_f(value, (ow, oh), box)[:, :, None])
        x0, y0, x1, y1 = box if box is not None else (0, 0, w, h)
        lines.append("%s %d %d %d %r %r %r %r %d %d\n"
                     % (name, 2 if alpha else 1, w, h, float(x0), float(y0),
                        float(x1), float(y1), ow, oh))
    with open(os.path.join(out_dir, "cases.txt"), "w") as f:
        f.writelines(lines)


def write_photos(out_dir, images_dir):
    for name in PHOTOS:
        path = os.path.join(images_dir, name)
        if not os.path.isfile(path):
            continue
        with Image.open(path) as image:
            resized = image.convert("RGB").resize((224, 224), BILINEAR)
        save(os.path.join(out_dir, name + ".224.npy"), np.asarray(resized))


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit("usage: make_resample_fixtures.py OUTDIR [IMAGES]")
    out_dir = sys.argv[1]
    os.makedirs(out_dir, exist_ok=True)
    write_cases(out_dir)
    if len(sys.argv) == 3:
        write_photos(out_dir, sys.argv[2])


if __name__ == "__main__":
    main()
