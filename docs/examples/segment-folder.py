# SPDX-License-Identifier: GPL-3.0-or-later
# Python-Fu: segments every photo in a folder and writes one CSV of what
# each shows (file, class, share: the classes a segmentation network
# finds, largest first, with their shares of the photo's pixels), and
# each photo as an .xcf file with a layer group holding one masked copy
# of the photo per class.  Headless, with the folders, the CSV file and
# the model in the environment:
#
#   CONVSCOPE_PHOTOS=photos CONVSCOPE_SEGMENTS=segments \
#   CONVSCOPE_SHARES=shares.csv \
#   CONVSCOPE_SEGMENTER=deeplabv3_mnv2_pascal_quant.tflite \
#     gimp-console-3.0 -i --batch-interpreter=python-fu-eval -b - --quit \
#     < docs/examples/segment-folder.py
#
# The model needs its card beside it saying task=segmentation (the
# catalogue's DeepLab v3 comes with one).  Every file in the folder must
# be an image GIMP can load.
import csv
import os

from gi.repository import Gimp, Gio, GObject

folder = os.environ["CONVSCOPE_PHOTOS"]
segments = os.environ["CONVSCOPE_SEGMENTS"]
shares_path = os.environ["CONVSCOPE_SHARES"]
model = Gio.File.new_for_path(os.environ["CONVSCOPE_SEGMENTER"])
procedure = Gimp.get_pdb().lookup_procedure("plug-in-convscope-segment")
os.makedirs(segments, exist_ok=True)

with open(shares_path, "w", newline="", encoding="utf-8") as out:
    rows = csv.writer(out)
    rows.writerow(["file", "class", "share"])
    for name in sorted(os.listdir(folder)):
        path = os.path.join(folder, name)
        image = Gimp.file_load(Gimp.RunMode.NONINTERACTIVE, Gio.File.new_for_path(path))
        config = procedure.create_config()
        config.set_property("image", image)
        config.set_core_object_array("drawables", [image.get_layers()[0]])
        config.set_property("model", model)
        config.set_property("use-selection", False)
        result = procedure.run(config)
        if result.index(0) != Gimp.PDBStatusType.SUCCESS:
            raise RuntimeError(f"segment-folder: {name}: {result.index(1)}")
        # PyGObject gives out GIMP's arrays as boxed values; the GValue
        # accessors read them.
        classes = result.index(1) or []
        shares = Gimp.value_get_double_array(GObject.Value(Gimp.DoubleArray, result.index(2)))
        for label, share in zip(classes, shares):
            rows.writerow([path, label, f"{share:.6f}"])
        xcf = os.path.join(segments, os.path.splitext(name)[0] + ".xcf")
        Gimp.file_save(Gimp.RunMode.NONINTERACTIVE, image, Gio.File.new_for_path(xcf), None)
        image.delete()
print(f"segmented {folder} into {shares_path} and {segments}")
