# SPDX-License-Identifier: GPL-3.0-or-later
# Python-Fu: lays the Grad-CAM heat map of each image's most probable
# class over it, as a layer in a layer group named after the class, and
# saves the image as an .xcf file of the same name in another folder, so
# the heat map can be looked at, painted on or turned into a mask later.
# Headless, with both folders in the environment:
#
#   CONVSCOPE_FOLDER=photos CONVSCOPE_HEAT_FOLDER=heat \
#     gimp-console-3.0 -i --batch-interpreter=python-fu-eval -b - --quit \
#     < docs/examples/heatmap-folder.py
#
# CONVSCOPE_MODEL, when set, chooses the network; otherwise the plug-in's
# default model explains.  The first image that fails stops the run.
import os

from gi.repository import Gimp, Gio

folder = os.environ["CONVSCOPE_FOLDER"]
heat_folder = os.environ["CONVSCOPE_HEAT_FOLDER"]
model = os.environ.get("CONVSCOPE_MODEL")
os.makedirs(heat_folder, exist_ok=True)

procedure = Gimp.get_pdb().lookup_procedure("plug-in-convscope-heatmap")
for name in sorted(os.listdir(folder)):
    path = os.path.join(folder, name)
    if not os.path.isfile(path):
        continue
    image = Gimp.file_load(Gimp.RunMode.NONINTERACTIVE, Gio.File.new_for_path(path))
    # The viridis colour map needs an RGB image.
    if image.get_base_type() != Gimp.ImageBaseType.RGB:
        image.convert_rgb()
    config = procedure.create_config()
    config.set_property("image", image)
    # Several layers: the heat map explains the one on top.
    config.set_core_object_array("drawables", image.get_layers()[:1])
    config.set_property("model", Gio.File.new_for_path(model) if model else None)
    config.set_property("method", "gradcam")
    config.set_property("colormap", "viridis")
    config.set_property("opacity", 60.0)
    config.set_property("output", "layer")
    result = procedure.run(config)
    if result.index(0) != Gimp.PDBStatusType.SUCCESS:
        raise RuntimeError(f"heatmap-folder: {path}: {result.index(1)}")
    xcf = os.path.join(heat_folder, os.path.splitext(name)[0] + ".xcf")
    Gimp.file_save(Gimp.RunMode.NONINTERACTIVE, image, Gio.File.new_for_path(xcf), None)
    image.delete()
    print(f"{xcf}: {result.index(2)} ({result.index(3):.2f})")
