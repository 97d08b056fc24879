# SPDX-License-Identifier: GPL-3.0-or-later
# The GIMP half of tools/demo, run inside gimp-console by tools/gimp-run:
# classifies the bundled sample CONVSCOPE_SAMPLE with the bundled default
# model, prints the top 5, exports the feature maps of the model's
# convolutions (every channel) to the .xcf file CONVSCOPE_XCF and prints
# its path.  A failed call raises, so GIMP exits non-zero.
import os

from gi.repository import Gimp, Gio, GObject

SAMPLE = os.environ["CONVSCOPE_SAMPLE"]
XCF = os.environ["CONVSCOPE_XCF"]

pdb = Gimp.get_pdb()


def run(name, image, **arguments):
    """The return values, status first; raises with the procedure's
    message on failure.  Values read from it are valid while it lives."""
    procedure = pdb.lookup_procedure(name)
    config = procedure.create_config()
    config.set_property("run-mode", Gimp.RunMode.NONINTERACTIVE)
    config.set_property("image", image)
    config.set_core_object_array("drawables", [image.get_layers()[0]])
    for argument, value in arguments.items():
        config.set_property(argument.replace("_", "-"), value)
    result = procedure.run(config)
    if result.index(0) != Gimp.PDBStatusType.SUCCESS:
        message = result.index(1) if result.length() > 1 else pdb.get_last_error()
        raise RuntimeError(f"{name} failed: {message}")
    return result


image = Gimp.file_load(Gimp.RunMode.NONINTERACTIVE, Gio.File.new_for_path(SAMPLE))
classified = run("plug-in-convscope-classify", image, top_k=5)
labels = classified.index(1)
# PyGObject hands out GIMP's arrays boxed; the GValue accessor reads them.
scores = Gimp.value_get_double_array(GObject.Value(Gimp.DoubleArray, classified.index(2)))
print(f"== In GIMP {Gimp.version()}: {os.path.basename(SAMPLE)} through the bundled model, top 5")
for label, score in zip(labels, scores):
    print(f"  {score:6.1%}  {label}")

exported = run("plug-in-convscope-feature-maps", image, layers="conv", max_channels=4096)
maps = exported.index(1)
groups = maps.get_layers()
n_channels = sum(len(group.get_children()) for group in groups)
if not Gimp.file_save(Gimp.RunMode.NONINTERACTIVE, maps, Gio.File.new_for_path(XCF), None):
    raise RuntimeError(f"cannot save {XCF}: {pdb.get_last_error()}")
print(f"== Feature maps of its {len(groups)} convolutions, {n_channels} channels, one layer each:")
print(f"  {XCF}")
