# SPDX-License-Identifier: GPL-3.0-or-later
# Python-Fu: classifies every image in a folder with Convscope, tags it
# with its three most probable labels (the XMP keywords and the parasite
# convscope-labels, see docs/plugin.md) and saves it as an .xcf file of
# the same name in another folder, so the labels travel with the image.
# Headless, with both folders in the environment:
#
#   CONVSCOPE_FOLDER=photos CONVSCOPE_XCF_FOLDER=tagged \
#     gimp-console-3.0 -i --batch-interpreter=python-fu-eval -b - --quit \
#     < docs/examples/tag-folder.py
#
# CONVSCOPE_MODEL, when set, chooses the network; otherwise the plug-in's
# default model classifies.  The first image that fails stops the run.
import os

from gi.repository import Gimp, Gio

folder = os.environ["CONVSCOPE_FOLDER"]
xcf_folder = os.environ["CONVSCOPE_XCF_FOLDER"]
model = os.environ.get("CONVSCOPE_MODEL")
os.makedirs(xcf_folder, exist_ok=True)

procedure = Gimp.get_pdb().lookup_procedure("plug-in-convscope-classify")
for name in sorted(os.listdir(folder)):
    path = os.path.join(folder, name)
    if not os.path.isfile(path):
        continue
    image = Gimp.file_load(Gimp.RunMode.NONINTERACTIVE, Gio.File.new_for_path(path))
    config = procedure.create_config()
    config.set_property("image", image)
    # Several layers: the one on top is what gets classified.
    config.set_core_object_array("drawables", image.get_layers()[:1])
    config.set_property("model", Gio.File.new_for_path(model) if model else None)
    config.set_property("top-k", 3)
    config.set_property("tag-image", True)
    result = procedure.run(config)
    if result.index(0) != Gimp.PDBStatusType.SUCCESS:
        raise RuntimeError(f"tag-folder: {path}: {result.index(1)}")
    xcf = os.path.join(xcf_folder, os.path.splitext(name)[0] + ".xcf")
    Gimp.file_save(Gimp.RunMode.NONINTERACTIVE, image, Gio.File.new_for_path(xcf), None)
    image.delete()
    print(f"{xcf}: {', '.join(result.index(1))}")
