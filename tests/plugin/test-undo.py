# SPDX-License-Identifier: GPL-3.0-or-later
# Undo of a feature-maps export into the current image, of heat maps, and
# of a segmentation's layers (with DeepLab v3 from CONVSCOPE_SHARED), in GIMP
# 3's GUI on a virtual X server (run by tools/gimp-test --gui).  GIMP's
# PDB has no undo call, so the script presses Ctrl+Z and Ctrl+Y in the
# image's window with xdotool, as a user would: each whole export must
# come off in one undo step, leaving the image's layers and pixels as
# they were, and come back in one redo.  Prints TAP.
import os
import shutil
import time

import gi
gi.require_version("Gegl", "0.4")
from gi.repository import Gegl, Gimp, Gio

from deeplab import deeplab
from tap import check, plan, skip
from xwindows import PATIENCE_S, press, wait_for_window

SAMPLE = os.environ.get("CONVSCOPE_SAMPLE", "")
SHARED = os.environ.get("CONVSCOPE_SHARED", "")
TMP = os.environ.get("CONVSCOPE_TEST_TMP", "")


def layer_tree(image):
    """The image's layers as (name, size, offsets, children) tuples."""
    def describe(layer):
        children = layer.get_children() if layer.is_group() else []
        return (layer.get_name(), layer.get_width(), layer.get_height(),
                tuple(layer.get_offsets()[1:]), tuple(describe(c) for c in children))
    return [describe(layer) for layer in image.get_layers()]


def pixels(layer):
    buffer = layer.get_buffer()
    return bytes(buffer.get(buffer.get_extent(), 1.0, "R'G'B'A u8", Gegl.AbyssPolicy.CLAMP))


def image_window(image):
    """The X window that shows @image, once GIMP shows it: its title holds
    "]-ID.0", the image's ID and the display's number (the name may be
    "[Untitled]" for an imported file)."""
    return wait_for_window(rf"\]-{image.get_id()}\.0 ")


def wait_until(condition):
    """Waits until @condition () holds; whether it came to."""
    deadline = time.monotonic() + PATIENCE_S
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return condition()


def wait_for(image, tree):
    """Waits until the image's layers are @tree; whether they became it."""
    return wait_until(lambda: layer_tree(image) == tree)


def main():
    if not os.path.isfile(SAMPLE):
        print(f"1..0 # SKIP no sample image ({SAMPLE or 'unset'})")
        return
    if shutil.which("xdotool") is None:
        print("1..0 # SKIP xdotool is not installed")
        return
    image = Gimp.file_load(Gimp.RunMode.NONINTERACTIVE, Gio.File.new_for_path(SAMPLE))
    Gimp.Display.new(image)
    Gimp.displays_flush()
    window = image_window(image)
    check("GIMP shows the image in a window", window is not None)
    if window is None:
        plan()
        return
    original = image.get_layers()[0]
    tree_before, pixels_before = layer_tree(image), pixels(original)

    procedure = Gimp.get_pdb().lookup_procedure("plug-in-convscope-feature-maps")
    config = procedure.create_config()
    config.set_property("run-mode", Gimp.RunMode.NONINTERACTIVE)
    config.set_property("image", image)
    config.set_core_object_array("drawables", [original])
    config.set_property("target", "current-image")
    config.set_property("max-channels", 4)
    result = procedure.run(config)
    Gimp.displays_flush()
    tree_exported = layer_tree(image)
    groups = [name for name, *_ in tree_exported[:-1]]
    check("the export into the image added its layer groups above the layer",
          result.index(0) == Gimp.PDBStatusType.SUCCESS and len(tree_exported) >= 3
          and tree_exported[-1] == tree_before[0], repr(groups))

    press(window, "ctrl+z")
    check("one Ctrl+Z takes the whole export off: the layers are as before",
          wait_for(image, tree_before), repr(layer_tree(image)))
    check("and the image's pixels are untouched", pixels(image.get_layers()[0]) == pixels_before)

    press(window, "ctrl+y")
    check("one Ctrl+Y puts every group back", wait_for(image, tree_exported),
          repr([name for name, *_ in layer_tree(image)]))

    heatmap = Gimp.get_pdb().lookup_procedure("plug-in-convscope-heatmap")
    selection_before = pixels(image.get_selection())
    for output in ("layer", "selection"):
        config = heatmap.create_config()
        config.set_property("run-mode", Gimp.RunMode.NONINTERACTIVE)
        config.set_property("image", image)
        config.set_core_object_array("drawables", [original])
        config.set_property("colormap", "gray")
        config.set_property("output", output)
        result = heatmap.run(config)
        Gimp.displays_flush()
        changed = (layer_tree(image) != tree_exported
                   or pixels(image.get_selection()) != selection_before)
        press(window, "ctrl+z")
        undone = wait_until(lambda: layer_tree(image) == tree_exported
                            and pixels(image.get_selection()) == selection_before)
        check(f"a heat map as {output} comes off in one Ctrl+Z, the selection too",
              result.index(0) == Gimp.PDBStatusType.SUCCESS and changed and undone
              and image.get_channels() == [], repr(layer_tree(image)[:1]))
    check_segment_undo(image, window, original)
    plan()


def check_segment_undo(image, window, layer):
    """The layer group of a segmentation of @layer, the image's bottom
    one, comes off in one Ctrl+Z, masks and all, and back in one
    Ctrl+Y."""
    model = deeplab(SHARED, os.path.join(TMP, "deeplab"))
    if model is None:
        skip("a segmentation comes off in one undo step", f"no DeepLab v3 in {SHARED!r}")
        return
    tree_before = layer_tree(image)
    procedure = Gimp.get_pdb().lookup_procedure("plug-in-convscope-segment")
    config = procedure.create_config()
    config.set_property("run-mode", Gimp.RunMode.NONINTERACTIVE)
    config.set_property("image", image)
    config.set_core_object_array("drawables", [layer])
    config.set_property("model", Gio.File.new_for_path(model))
    # Every class: whatever DeepLab makes of the sample, a group is made.
    with open(os.path.join(os.path.dirname(model), "pascal_voc_segmentation_labels.txt"),
              encoding="utf-8") as labels:
        config.set_property("classes", ",".join(labels.read().splitlines()[:21]))
    result = procedure.run(config)
    Gimp.displays_flush()
    tree_segmented = layer_tree(image)
    # Right above the layer, the bottom one.
    group = image.get_layers()[-2]
    masked = [child for child in group.get_children() if child.get_mask()]
    check("a segmentation adds a group of masked layers right above the layer",
          result.index(0) == Gimp.PDBStatusType.SUCCESS
          and tree_segmented[:-2] + tree_segmented[-1:] == tree_before
          and group.get_name().startswith("Segmentation")
          and len(masked) == len(result.index(1)) > 0, repr(tree_segmented[-2:]))
    press(window, "ctrl+z")
    check("one Ctrl+Z takes the segmentation off", wait_for(image, tree_before),
          repr(layer_tree(image)[:1]))
    press(window, "ctrl+y")
    check("one Ctrl+Y puts it back", wait_for(image, tree_segmented),
          repr(layer_tree(image)[:1]))


main()
