# SPDX-License-Identifier: GPL-3.0-or-later
# The dialog inside GIMP 3 itself (the GUI, on a virtual X server), driven
# from outside as a user would: opens a bundled sample and runs
# plug-in-convscope-classify interactively while a second thread waits
# for the dialog's window, lets the bundled model's run finish (the
# window stops changing), saves what the window shows to
# CONVSCOPE_SCREENSHOT, then types with xdotool: Alt+Y to the layer
# table, Home, Ctrl+Down twice and Ctrl+Space for the first two conv
# layers, Alt+L (Export to Layers), Alt+S (the padding and stride
# lesson), Alt+K (Export Kernels, of the conv layer selected last),
# Alt+X (Export Heat Map, of the most probable class), Alt+D and Up
# twice (the input shifted two pixels down, run again), Alt+H (the
# shifted run's picture and maps), Alt+I (Tag Image) and Alt+O (OK).
# Checks the answer, what the actions made (one layer group per selected
# network layer, one layer of the second conv's kernels, a group named
# after the class over the image holding its heat map) and that the
# screenshot shows something.  Then once more
# on the sample enlarged past the 2048 px the dialog copies at most (it
# reads a reduced copy), pressing only Tag Image and OK: the dialog's top
# label, which Tag Image writes, must be classify's.  With DeepLab v3
# from CONVSCOPE_SHARED (skipped without it), the dialog opens on the
# pets photo with it as its model, Alt+E presses Select (the legend ticks
# the dogs) and Escape cancels: the selection left must be exactly
# plug-in-convscope-segment's selection of the dogs.  In any language
# GIMP runs in (the tests run it in Korean too): the dialog's title comes
# from the plug-in's own catalogue, and the translations keep the
# mnemonics.  Run by tools/gimp-dialog-test; prints TAP.
import gettext
import os
import re
import shutil
import tempfile
import threading

import gi
gi.require_version("GdkPixbuf", "2.0")
gi.require_version("Gegl", "0.4")
from gi.repository import GdkPixbuf, Gegl, Gimp, Gio

from deeplab import deeplab
from tap import check, plan, skip
from xwindows import (move_pointer_away, press, wait_for_title, wait_for_window,
                      wait_until_still, window_titles)

SAMPLE = os.environ.get("CONVSCOPE_SAMPLE", "")
SCREENSHOT = os.environ.get("CONVSCOPE_SCREENSHOT", "")
SHARED = os.environ.get("CONVSCOPE_SHARED", "")
# The dialog's title in the language of GIMP's locale, as the plug-in
# installed in GIMP's profile translates it.
DIALOG_TITLE = "^" + re.escape(gettext.translation(
    "convscope", os.path.join(os.environ.get("GIMP3_DIRECTORY", ""), "plug-ins", "convscope",
                              "locale"), fallback=True).gettext("Classify with Convscope")) + "$"
# The title of GIMP's image window: "[name] (…)-ID.DISPLAY (…)", the
# shown image's (the only one's, in single-window mode).
IMAGE_WINDOW_TITLE = r"\]-[0-9]+\.[0-9]+ "


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


class DialogHands(threading.Thread):
    """What a user does in the dialog once its run has finished, in a
    thread of its own while the procedure waits for the dialog's answer.
    With @screenshot, saves the settled window there first; with
    @export, selects the first two conv layers (rows 0 and 2 of the
    bundled model) and presses Export to Layers, then waits for GIMP to
    show the new image; then presses Tag Image and, once the button has
    come back up (a key press clicks it only then), OK.  With @select (a
    segmentation model's dialog), presses Select instead and, once the
    window has settled, cancels.  Whatever goes wrong, the dialog is
    cancelled rather than left open; @failure says what."""

    def __init__(self, screenshot, export, select=False):
        super().__init__()
        self.screenshot, self.export, self.select = screenshot, export, select
        self.failure = None

    def run(self):
        window = None
        try:
            move_pointer_away()
            window = wait_for_window(DIALOG_TITLE)
            if window is None:
                self.failure = "the dialog's window did not show"
                return
            # No key before the screenshot, which would show the focus.
            # A text cursor that blinks stops doing so after 10 s of GTK's
            # defaults, so the window settles all the same.
            with tempfile.TemporaryDirectory() as tmp:
                still = os.path.join(tmp, "still.png")
                if not wait_until_still(window, still):
                    self.failure = "the dialog did not settle after its run"
                    return
                if self.screenshot:
                    shutil.copyfile(still, self.screenshot)
                if self.select:
                    press(window, "alt+e")
                    wait_until_still(window, still)
                    return
                if self.export:
                    titles = window_titles(IMAGE_WINDOW_TITLE)
                    press(window, "alt+y Home ctrl+Down ctrl+Down ctrl+space alt+l")
                    if wait_for_title(IMAGE_WINDOW_TITLE, ignore=titles) is None:
                        self.failure = "Export to Layers showed no new image"
                    titles = window_titles(IMAGE_WINDOW_TITLE)
                    press(window, "alt+s alt+k")
                    if wait_for_title(IMAGE_WINDOW_TITLE, ignore=titles) is None:
                        self.failure = "Export Kernels showed no new image"
                    press(window, "alt+x")
                    wait_until_still(window, still)
                    press(window, "alt+d Up Up")
                    if not wait_until_still(window, still):
                        self.failure = "the dialog did not settle after the shifted run"
                    press(window, "alt+h")
                press(window, "alt+i")
                wait_until_still(window, still)
            press(window, "alt+o")
            window = None
        except Exception as error:  # the dialog must not stay open
            self.failure = repr(error)
        finally:
            if window is not None:
                press(window, "Escape")


def run_dialog(image, screenshot=None, export=False, model=None):
    """Runs the classify dialog on @image (with @model, a segmentation
    model, pressing Select), pressing in it as DialogHands does; returns
    the PDB status, the labels of the answer, the result and what went
    wrong in the dialog (None)."""
    procedure = Gimp.get_pdb().lookup_procedure("plug-in-convscope-classify")
    config = procedure.create_config()
    config.set_property("run-mode", Gimp.RunMode.INTERACTIVE)
    config.set_property("image", image)
    config.set_core_object_array("drawables", [image.get_layers()[0]])
    if model is not None:
        config.set_property("model", Gio.File.new_for_path(model))
    hands = DialogHands(screenshot, export, select=model is not None)
    hands.start()
    result = procedure.run(config)
    hands.join()
    status = result.index(0)
    labels = list(result.index(1)) if status == Gimp.PDBStatusType.SUCCESS else []
    return status, labels, result, hands.failure


def dialog_labels(image):
    """The labels Tag Image wrote: the ones the dialog showed."""
    parasite = image.get_parasite("convscope-labels")
    text = bytes(parasite.get_data()).decode("utf-8", "replace") if parasite else ""
    return text


def selection_pixels(image):
    """The image's selection mask, one byte per pixel."""
    selection = image.get_selection()
    buffer = selection.get_buffer()
    return bytes(buffer.get(buffer.get_extent(), 1.0, "Y u8", Gegl.AbyssPolicy.CLAMP))


def test_segment_select():
    """Select in a segmentation model's dialog makes the selection that
    plug-in-convscope-segment makes of the class the legend ticks first."""
    model = deeplab(SHARED, tempfile.mkdtemp()) if SHARED else None
    if model is None:
        skip("Select in the dialog of a segmentation model",
             f"no DeepLab v3 in the shared folder ({SHARED or 'unset'})")
        return
    photo = Gimp.file_load(Gimp.RunMode.NONINTERACTIVE,
                           Gio.File.new_for_path(os.path.join(SHARED, "images", "pets.jpg")))
    Gimp.Display.new(photo)
    # An interactive run starts from the last values saved, which name the
    # bundled model, rather than from the arguments.
    last = os.path.join(os.environ.get("GIMP3_DIRECTORY", ""), "plug-in-settings",
                        "GimpProcedureConfigRun-plug-in-convscope-classify.last")
    if os.path.exists(last):
        os.remove(last)
    status, _, _, failure = run_dialog(photo, model=model)
    selected = selection_pixels(photo)
    Gimp.Selection.none(photo)
    procedure = Gimp.get_pdb().lookup_procedure("plug-in-convscope-segment")
    config = procedure.create_config()
    config.set_property("run-mode", Gimp.RunMode.NONINTERACTIVE)
    config.set_property("image", photo)
    config.set_core_object_array("drawables", [photo.get_layers()[0]])
    config.set_property("model", Gio.File.new_for_path(model))
    config.set_property("classes", "dog")
    config.set_property("output", "selection")
    result = procedure.run(config)
    expected = selection_pixels(photo)
    check("Select in DeepLab v3's dialog selects the dogs, as plug-in-convscope-segment does",
          failure is None and status == Gimp.PDBStatusType.CANCEL
          and result.index(0) == Gimp.PDBStatusType.SUCCESS and 0 < expected.count(255)
          and selected == expected,
          f"{failure or ''} status {status} dialog {selected.count(255)} selected, segment "
          f"{expected.count(255)}")


def main():
    if not os.path.isfile(SAMPLE) or not SCREENSHOT:
        print(f"1..0 # SKIP no sample image ({SAMPLE or 'unset'}) or screenshot path")
        return
    image = Gimp.file_load(Gimp.RunMode.NONINTERACTIVE, Gio.File.new_for_path(SAMPLE))
    Gimp.Display.new(image)
    images_before = len(Gimp.get_images())
    status, labels, result, failure = run_dialog(image, SCREENSHOT, export=True)
    check(f"xdotool went through the dialog titled {DIALOG_TITLE[1:-1]!r}", failure is None,
          failure or "")
    check("the dialog answered OK and the classification succeeded",
          status == Gimp.PDBStatusType.SUCCESS,
          repr(result.index(1)) if result.length() > 1 else "")
    if status == Gimp.PDBStatusType.SUCCESS:
        check("it names the sample's class (a bag)", labels[:1] == ["Bag"], repr(labels))
    # The first two conv layers of the bundled model, selected before
    # Export, give 32 maps of 28×28 and 64 of 14×14.
    # Newest first: the kernels', then the maps'.
    new_images = [other for other in Gimp.get_images() if other != image]
    new_images.sort(key=lambda other: other.get_id())
    check("Export to Layers and Export Kernels made one new image each",
          len(Gimp.get_images()) == images_before + 2 and len(new_images) == 2,
          f"{len(Gimp.get_images())} images, {images_before} before")
    if len(new_images) == 2:
        kernels = new_images[1].get_layers()
        # 64 kernels over 32 input channels, 3×3 pixels each, tiled.
        check("the kernels' image holds one layer of the second conv's 2048 kernels",
              len(kernels) == 1 and "block2" in kernels[0].get_name()
              and kernels[0].get_width() * kernels[0].get_height() >= 2048 * 9,
              f"{[(layer.get_name(), layer.get_width(), layer.get_height()) for layer in kernels]}")
        layers = new_images[0].get_layers()
        counts = [len(layer.get_children()) if layer.is_group() else 0 for layer in layers]
        check("it holds one layer group per selected network layer, in network order, "
              "with their 32 and 64 maps",
              counts == [32, 64] and "block1" in layers[0].get_name()
              and "block2" in layers[1].get_name(),
              f"groups {[layer.get_name() for layer in layers]}, maps {counts}")
    top = image.get_layers()[0]
    heat = top.get_children() if top.is_group() else []
    check("Export Heat Map made a group named after the class over the image, holding the "
          "heat map at the image's size",
          top.get_name() == "Bag" and len(heat) == 1
          and (heat[0].get_width(), heat[0].get_height())
          == (image.get_width(), image.get_height()),
          f"{[(layer.get_name(), layer.is_group()) for layer in image.get_layers()]}")
    text = dialog_labels(image)
    check("Tag Image wrote the labels parasite, the bag first", text.startswith("Bag\t"),
          repr(text[:80]))
    check("the dialog's window was captured", os.path.isfile(SCREENSHOT), SCREENSHOT)
    if os.path.isfile(SCREENSHOT):
        colours, width, height = distinct_colours(SCREENSHOT)
        check("the screenshot is a dialog-sized picture with content",
              width >= 800 and height >= 500 and colours > 50,
              f"{width}×{height}, {colours} colours")
    # Larger than the dialog's copy in both directions, not square.
    large = image.duplicate()
    large.scale(4100, 3000)
    status, labels, result, failure = run_dialog(large)
    text = dialog_labels(large)
    check("on a 4100×3000 image the dialog's top label is classify's",
          failure is None and status == Gimp.PDBStatusType.SUCCESS and labels[:1] != []
          and text.startswith(labels[0] + "\t"),
          f"{failure or ''} classify {labels[:1]}, dialog {text[:40]!r}")
    test_segment_select()
    plan()


main()
