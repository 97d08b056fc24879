# SPDX-License-Identifier: GPL-3.0-or-later
# The dialog inside GIMP 3 itself (the GUI, on a virtual X server): opens
# a bundled sample, runs plug-in-convscope-classify interactively with
# CONVSCOPE_DIALOG_AUTOCLOSE and CONVSCOPE_DIALOG_PRESS_ACTIONS set, so
# the dialog runs the bundled model, saves a screenshot of itself to
# CONVSCOPE_DIALOG_SCREENSHOT, selects the first two conv layers, presses
# "Export to Layers" and "Tag Image" and answers OK; checks the answer,
# what the actions made (one layer group per selected network layer) and
# that the screenshot shows something.  Then once more on the sample enlarged past
# the 2048 px the dialog copies at most (it reads a reduced copy): the
# dialog's top label, which Tag Image writes, must be classify's.  Run by
# tools/gimp-dialog-test; prints TAP.
import os

import gi
gi.require_version("GdkPixbuf", "2.0")
from gi.repository import GdkPixbuf, Gimp, Gio

from tap import check, plan

SAMPLE = os.environ.get("CONVSCOPE_SAMPLE", "")
SCREENSHOT = os.environ.get("CONVSCOPE_DIALOG_SCREENSHOT", "")


def distinct_colours(path):
    """How many different pixels a sample of the PNG holds: a blank or
    unpainted window has one or two."""
    pixbuf = GdkPixbuf.Pixbuf.new_from_file(path)
    data = pixbuf.get_pixels()
    stride, channels = pixbuf.get_rowstride(), pixbuf.get_n_channels()
    seen = set()
    for y in range(0, pixbuf.get_height(), 7):
        for x in range(0, pixbuf.get_width(), 7):
            offset = y * stride + x * channels
            seen.add(bytes(data[offset:offset + 3]))
    return len(seen), pixbuf.get_width(), pixbuf.get_height()


def run_dialog(image):
    """Runs the classify dialog on @image; returns the PDB status and
    the labels of the answer."""
    procedure = Gimp.get_pdb().lookup_procedure("plug-in-convscope-classify")
    config = procedure.create_config()
    config.set_property("run-mode", Gimp.RunMode.INTERACTIVE)
    config.set_property("image", image)
    config.set_core_object_array("drawables", [image.get_layers()[0]])
    result = procedure.run(config)
    status = result.index(0)
    labels = list(result.index(1)) if status == Gimp.PDBStatusType.SUCCESS else []
    return status, labels, result


def dialog_labels(image):
    """The labels Tag Image wrote: the ones the dialog showed."""
    parasite = image.get_parasite("convscope-labels")
    text = bytes(parasite.get_data()).decode("utf-8", "replace") if parasite else ""
    return text


def main():
    if not os.path.isfile(SAMPLE) or not SCREENSHOT:
        print(f"1..0 # SKIP no sample image ({SAMPLE or 'unset'}) or screenshot path")
        return
    image = Gimp.file_load(Gimp.RunMode.NONINTERACTIVE, Gio.File.new_for_path(SAMPLE))
    Gimp.Display.new(image)
    images_before = len(Gimp.get_images())
    status, labels, result = run_dialog(image)
    check("the dialog answered OK and the classification succeeded",
          status == Gimp.PDBStatusType.SUCCESS,
          repr(result.index(1)) if result.length() > 1 else "")
    if status == Gimp.PDBStatusType.SUCCESS:
        check("it names the sample's class (a bag)", labels[:1] == ["Bag"], repr(labels))
    # The first two conv layers of the bundled model, which the dialog
    # selects before it presses Export, give 32 maps of 28×28 and 64 of
    # 14×14.
    new_images = [other for other in Gimp.get_images() if other != image]
    check("Export to Layers made one new image",
          len(Gimp.get_images()) == images_before + 1 and len(new_images) == 1,
          f"{len(Gimp.get_images())} images, {images_before} before")
    if len(new_images) == 1:
        layers = new_images[0].get_layers()
        counts = [len(layer.get_children()) if layer.is_group() else 0 for layer in layers]
        check("it holds one layer group per selected network layer, in network order, "
              "with their 32 and 64 maps",
              counts == [32, 64] and "block1" in layers[0].get_name()
              and "block2" in layers[1].get_name(),
              f"groups {[layer.get_name() for layer in layers]}, maps {counts}")
    text = dialog_labels(image)
    check("Tag Image wrote the labels parasite, the bag first", text.startswith("Bag\t"),
          repr(text[:80]))
    check("the dialog saved a screenshot of itself", os.path.isfile(SCREENSHOT), SCREENSHOT)
    if os.path.isfile(SCREENSHOT):
        colours, width, height = distinct_colours(SCREENSHOT)
        check("the screenshot is a dialog-sized picture with content",
              width >= 800 and height >= 500 and colours > 50,
              f"{width}×{height}, {colours} colours")
    # Larger than the dialog's copy in both directions, not square.
    large = image.duplicate()
    large.scale(4100, 3000)
    status, labels, result = run_dialog(large)
    text = dialog_labels(large)
    check("on a 4100×3000 image the dialog's top label is classify's",
          status == Gimp.PDBStatusType.SUCCESS and labels[:1] != []
          and text.startswith(labels[0] + "\t"),
          f"classify {labels[:1]}, dialog {text[:40]!r}")
    plan()


main()
