# SPDX-License-Identifier: GPL-3.0-or-later
# Python-Fu: classifies every image in a folder with Convscope and writes
# one CSV (file, rank, label, score; the five most probable classes of
# each image).  The plug-in loads each file itself and the network only
# once.  Headless, with the folder and the CSV file in the environment:
#
#   CONVSCOPE_FOLDER=photos CONVSCOPE_CSV=labels.csv \
#     gimp-console-3.0 -i --batch-interpreter=python-fu-eval -b - --quit \
#     < docs/examples/classify-folder.py
#
# CONVSCOPE_MODEL, when set, chooses the network (an .onnx or .tflite
# file); otherwise the plug-in's default model classifies.  Every file in
# the folder must be an image GIMP can load; the call fails naming the
# first that is not, and then writes no CSV.
import os

from gi.repository import Gimp, Gio

folder = os.environ["CONVSCOPE_FOLDER"]
csv_path = os.environ["CONVSCOPE_CSV"]
model = os.environ.get("CONVSCOPE_MODEL")
files = sorted(os.path.join(folder, name) for name in os.listdir(folder)
               if os.path.isfile(os.path.join(folder, name)))

procedure = Gimp.get_pdb().lookup_procedure("plug-in-convscope-classify-files")
config = procedure.create_config()
config.set_property("files", files)
config.set_property("model", Gio.File.new_for_path(model) if model else None)
config.set_property("output", Gio.File.new_for_path(csv_path))
result = procedure.run(config)
if result.index(0) != Gimp.PDBStatusType.SUCCESS:
    raise RuntimeError(f"classify-folder: {result.index(1)}")
print(f"{len(files)} images classified into {csv_path}")
