# SPDX-License-Identifier: GPL-3.0-or-later
# DeepLab v3 from ../shared made a segmenter for the GIMP tests
# (tools/gimp-test puts this folder on their PYTHONPATH): the model and
# Pascal VOC's labels linked into a directory of the test's, beside the
# card the catalogue's deeplab-v3 entry writes (weights/catalogue.ini).
import os

MODEL = "deeplabv3_mnv2_pascal_quant.tflite"
LABELS = "pascal_voc_segmentation_labels.txt"
CARD = f"""[model]
task = segmentation
[input]
resize = stretch
normalization = quantization
[labels]
file = {LABELS}
"""
# Pascal VOC's colour of a class, as the label layer paints it.
COLOURS = {"dog": (64, 0, 128)}


def deeplab(shared, directory):
    """The model's path in @directory, set up there (the card written
    afresh, since the directory may outlive a test run); None when @shared
    (the shared folder) lacks it."""
    source = os.path.join(shared, "models", MODEL)
    model = os.path.join(directory, MODEL)
    if not os.path.isfile(source):
        return None
    if not os.path.exists(model):
        os.makedirs(directory, exist_ok=True)
        os.symlink(source, model)
        os.symlink(os.path.join(shared, "models", LABELS), os.path.join(directory, LABELS))
    with open(model + ".ini", "w", encoding="utf-8") as card:
        card.write(CARD)
    return model
