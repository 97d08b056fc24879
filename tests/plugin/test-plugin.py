# SPDX-License-Identifier: GPL-3.0-or-later
# The plug-in's procedures called through GIMP's PDB, from Python-Fu and
# (through plug-in-script-fu-eval) from Script-Fu, in one GIMP start
# because each costs 10-40 s.  Run by tools/gimp-test, which sets
# CONVSCOPE_SHARED (the shared models and images), CONVSCOPE_TEST_TMP and
# XDG_DATA_HOME (inside it); prints TAP.
import csv
import os
import re

from gi.repository import Gimp, Gio, GObject

SHARED = os.environ.get("CONVSCOPE_SHARED", "")
TMP = os.environ.get("CONVSCOPE_TEST_TMP", "")
MODEL = os.path.join(SHARED, "models", "mobilenet_v2_1.0_224_quant.tflite")
IMAGES = os.path.join(SHARED, "images")
# The top class of each image, as `convscope classify` gives it.
EXPECTED_TOP = {"parrot.jpg": "macaw", "cat.bmp": "Egyptian cat", "bird.bmp": "chickadee"}

pdb = Gimp.get_pdb()
checks = []


def check(description, passed, detail=""):
    checks.append(passed)
    line = ("ok" if passed else "not ok") + f" {len(checks)} - {description}"
    print(line if passed or not detail else f"{line}\n# {detail}", flush=True)


def load(name):
    """The image, marked clean so that any change shows as dirty."""
    image = Gimp.file_load(Gimp.RunMode.NONINTERACTIVE,
                           Gio.File.new_for_path(os.path.join(IMAGES, name)))
    image.clean_all()
    return image


def array(boxed, gtype, getter):
    """A GIMP array return value as a list: PyGObject hands out the boxed
    array, which only the GValue accessors read."""
    return list(getter(GObject.Value(gtype, boxed)))


def classify(image, drawable=None, model=MODEL, **arguments):
    """Returns (status, labels, scores, classes) or (status, message)."""
    procedure = pdb.lookup_procedure("plug-in-convscope-classify")
    config = procedure.create_config()
    config.set_property("run-mode", Gimp.RunMode.NONINTERACTIVE)
    config.set_property("image", image)
    config.set_core_object_array("drawables", [drawable or image.get_layers()[0]])
    config.set_property("model", Gio.File.new_for_path(model) if model else None)
    for name, value in arguments.items():
        config.set_property(name.replace("_", "-"), value)
    result = procedure.run(config)
    status = result.index(0)
    if status != Gimp.PDBStatusType.SUCCESS:
        return status, result.index(1) if result.length() > 1 else pdb.get_last_error()
    return (status, list(result.index(1)),
            array(result.index(2), Gimp.DoubleArray, Gimp.value_get_double_array),
            array(result.index(3), Gimp.Int32Array, Gimp.value_get_int32_array))


def classify_files(files, output, model=MODEL, top_k=2):
    procedure = pdb.lookup_procedure("plug-in-convscope-classify-files")
    config = procedure.create_config()
    config.set_property("files", files)
    config.set_property("model", Gio.File.new_for_path(model))
    config.set_property("top-k", top_k)
    config.set_property("output", Gio.File.new_for_path(output))
    result = procedure.run(config)
    return result.index(0), result.index(1) if result.length() > 1 else None


def unchanged(image, n_layers):
    return (not image.is_dirty() and len(image.get_layers()) == n_layers
            and image.get_parasite("convscope-labels") is None)


def failure_leaves_image(description, image, model, expected_text, **arguments):
    n_layers = len(image.get_layers())
    result = classify(image, model=model, **arguments)
    check(description,
          result[0] == Gimp.PDBStatusType.EXECUTION_ERROR and expected_text in str(result[1])
          and unchanged(image, n_layers), repr(result))


def test_python_fu():
    parrot = load("parrot.jpg")
    result = classify(parrot)
    ok = result[0] == Gimp.PDBStatusType.SUCCESS
    check("Python-Fu: the parrot is a macaw, probability > 0.9",
          ok and result[1][0] == "macaw" and result[2][0] > 0.9, repr(result))
    check("five labels, scores and classes, most probable first",
          ok and len(result[1]) == len(result[2]) == len(result[3]) == 5
          and result[2] == sorted(result[2], reverse=True) and result[3][0] == 89, repr(result))
    check("classifying leaves the image unchanged", unchanged(parrot, 1))

    result = classify(parrot, tag_image=True, top_k=3)
    parasite = parrot.get_parasite("convscope-labels")
    text = bytes(parasite.get_data()).decode().rstrip("\0") if parasite else ""
    # GExiv2's own bindings may be absent; GIMP's serialization names the tag.
    metadata = parrot.get_metadata()
    xml = metadata.serialize() if metadata else ""
    keywords = [line for line in xml.splitlines() if "Xmp.dc.subject" in line]
    check("tag-image writes the labels parasite and the XMP keywords",
          result[0] == Gimp.PDBStatusType.SUCCESS and text.startswith("macaw\t0.9")
          and len(text.splitlines()) == 3 and any("macaw" in k for k in keywords),
          f"{text!r} {keywords!r}")

    parrot.undo_disable()
    parrot.select_rectangle(Gimp.ChannelOps.REPLACE, 0, 0, 4, 4)
    whole = classify(parrot, use_selection=False)
    corner = classify(parrot)
    check("use-selection classifies the selection's bounds",
          whole[0] == corner[0] == Gimp.PDBStatusType.SUCCESS and whole[1][0] == "macaw"
          and corner[2] != whole[2], f"{whole!r} {corner!r}")
    parrot.delete()


def test_precisions_and_modes():
    parrot = load("parrot.jpg")
    parrot.convert_precision(Gimp.Precision.FLOAT_LINEAR)
    parrot.get_layers()[0].add_alpha()
    result = classify(parrot)
    check("a float linear-light image with alpha still gives macaw",
          result[0] == Gimp.PDBStatusType.SUCCESS and result[1][0] == "macaw"
          and result[2][0] > 0.9, repr(result))
    parrot.convert_grayscale()
    result = classify(parrot)
    check("a grayscale image classifies",
          result[0] == Gimp.PDBStatusType.SUCCESS and 0.0 < result[2][0] <= 1.0, repr(result))
    parrot.delete()

    parrot = load("parrot.jpg")
    parrot.convert_indexed(Gimp.ConvertDitherType.NONE, Gimp.ConvertPaletteType.GENERATE,
                           255, False, False, "")
    result = classify(parrot)
    check("an indexed image classifies",
          result[0] == Gimp.PDBStatusType.SUCCESS and 0.0 < result[2][0] <= 1.0, repr(result))
    parrot.delete()

    tiny = Gimp.Image.new(1, 1, Gimp.ImageBaseType.RGB)
    layer = Gimp.Layer.new(tiny, "pixel", 1, 1, Gimp.ImageType.RGB_IMAGE, 100,
                           Gimp.LayerMode.NORMAL)
    tiny.insert_layer(layer, None, 0)
    result = classify(tiny)
    check("a 1×1 image classifies", result[0] == Gimp.PDBStatusType.SUCCESS, repr(result))
    tiny.delete()


def test_failures():
    parrot = load("parrot.jpg")
    missing = os.path.join(TMP, "missing.tflite")
    failure_leaves_image("a missing model fails naming it; the image is unchanged",
                         parrot, missing, missing, tag_image=True)
    corrupt = os.path.join(TMP, "corrupt.tflite")
    with open(corrupt, "wb") as out:
        out.write(b"TFL3 this is not a model at all" * 8)
    failure_leaves_image("a corrupt model fails naming it; the image is unchanged",
                         parrot, corrupt, corrupt, tag_image=True)
    failure_leaves_image("no model and no default model: a clear error",
                         parrot, None, "no model given", tag_image=True)

    parrot.undo_disable()
    small = Gimp.Layer.new(parrot, "small", 8, 8, Gimp.ImageType.RGB_IMAGE, 100,
                           Gimp.LayerMode.NORMAL)
    parrot.insert_layer(small, None, 0)
    parrot.select_rectangle(Gimp.ChannelOps.REPLACE, 100, 100, 10, 10)
    result = classify(parrot, small)
    check("a selection that misses the drawable is an error",
          result[0] == Gimp.PDBStatusType.EXECUTION_ERROR
          and "does not overlap 'small'" in str(result[1]), repr(result))
    parrot.delete()

    models = os.path.join(os.environ["XDG_DATA_HOME"], "convscope", "models")
    os.makedirs(models)
    os.symlink(MODEL, os.path.join(models, "default.tflite"))
    parrot = load("parrot.jpg")
    result = classify(parrot, model=None)
    check("no model given: the first one in $XDG_DATA_HOME/convscope/models",
          result[0] == Gimp.PDBStatusType.SUCCESS and result[1][0] == "macaw", repr(result))
    parrot.delete()


def test_script_fu():
    script = f"""
(let* ((image (car (gimp-file-load RUN-NONINTERACTIVE "{IMAGES}/parrot.jpg")))
       (layer (vector-ref (car (gimp-image-get-layers image)) 0))
       (result (plug-in-convscope-classify #:run-mode RUN-NONINTERACTIVE #:image image
                                           #:drawables (vector layer)
                                           #:model "{MODEL}" #:top-k 3)))
  (gimp-image-delete image)
  (if (not (and (= (length (car result)) 3)
                (string=? (car (car result)) "macaw")
                (> (vector-ref (cadr result) 0) 0.9)
                (= (vector-ref (caddr result) 0) 89)))
      (error "unexpected result" result)))
"""
    procedure = pdb.lookup_procedure("plug-in-script-fu-eval")
    config = procedure.create_config()
    config.set_property("run-mode", Gimp.RunMode.NONINTERACTIVE)
    config.set_property("script", script)
    result = procedure.run(config)
    check("Script-Fu with named arguments: macaw, probability > 0.9, class 89",
          result.index(0) == Gimp.PDBStatusType.SUCCESS,
          str(result.index(1)) if result.length() > 1 else pdb.get_last_error())


def test_classify_files():
    names = ["parrot.jpg", "cat.bmp", "bird.bmp"]
    output = os.path.join(TMP, "labels.csv")
    status, message = classify_files([os.path.join(IMAGES, n) for n in names], output)
    rows = []
    if os.path.exists(output):
        with open(output, newline="", encoding="utf-8") as source:
            rows = list(csv.reader(source))
    expected_files = [os.path.join(IMAGES, n) for n in names for _ in range(2)]
    check("classify-files writes file, rank, label, score rows for every image",
          status == Gimp.PDBStatusType.SUCCESS and rows[:1] == [["file", "rank", "label", "score"]]
          and [r[0] for r in rows[1:]] == expected_files
          and [r[1] for r in rows[1:]] == ["1", "2"] * 3
          and all(0.0 <= float(r[3]) <= 1.0 for r in rows[1:]), f"{message} {rows!r}")
    check("classify-files: the top labels are the command-line tool's",
          [r[2] for r in rows[1::2]] == [EXPECTED_TOP[n] for n in names], repr(rows))

    bad_output = os.path.join(TMP, "bad.csv")
    missing = os.path.join(IMAGES, "no-such-image.png")
    status, message = classify_files([os.path.join(IMAGES, "parrot.jpg"), missing], bad_output)
    check("classify-files: a missing image fails naming it, no CSV written",
          status == Gimp.PDBStatusType.EXECUTION_ERROR and f"{missing}: no such file" in str(message)
          and not os.path.exists(bad_output), f"{status} {message}")
    not_image = os.path.join(TMP, "not-an-image.png")
    with open(not_image, "wb") as out:
        out.write(b"\x89PNG\r\n\x1a\n but nothing more")
    status, message = classify_files([not_image], bad_output)
    check("classify-files: a file GIMP cannot load fails naming it",
          status == Gimp.PDBStatusType.EXECUTION_ERROR and not_image in str(message)
          and not os.path.exists(bad_output), f"{status} {message}")


def feature_maps(image, **arguments):
    """Returns (status, image, n-layers) or (status, message)."""
    procedure = pdb.lookup_procedure("plug-in-convscope-feature-maps")
    config = procedure.create_config()
    config.set_property("run-mode", Gimp.RunMode.NONINTERACTIVE)
    config.set_property("image", image)
    config.set_core_object_array("drawables", [image.get_layers()[0]])
    config.set_property("model", Gio.File.new_for_path(MODEL))
    for name, value in arguments.items():
        config.set_property(name.replace("_", "-"), value)
    result = procedure.run(config)
    status = result.index(0)
    if status != Gimp.PDBStatusType.SUCCESS:
        return status, result.index(1)
    return status, result.index(1), result.index(2)


def test_feature_maps():
    parrot = load("parrot.jpg")
    result = feature_maps(parrot, layers="conv", max_channels=2)
    ok = result[0] == Gimp.PDBStatusType.SUCCESS
    groups = result[1].get_layers() if ok else []
    names = [g.get_name() for g in groups]
    check("feature maps of the convolutions: one group per layer in a new image",
          ok and result[1] != parrot and len(groups) == result[2] > 10
          and all(g.is_group() for g in groups)
          and re.fullmatch(r".+ · 32×112×112", names[0]) is not None, repr(names[:3]))
    first = groups[0].get_children() if groups else []
    layer_name = names[0].split(" · ")[0] if names else ""
    check("each group holds max-channels layers, numbered from 00, over the whole region",
          [c.get_name() for c in first] == [f"{layer_name} #00", f"{layer_name} #01"]
          and all(c.get_width() == parrot.get_width() and c.get_height() == parrot.get_height()
                  for c in first), repr([(c.get_name(), c.get_width()) for c in first]))
    spreads = [c.histogram(Gimp.HistogramChannel.VALUE, 0.0, 1.0)[2] for c in first]
    check("channel layers are normalized maps, not flat", any(s > 0.05 for s in spreads),
          repr(spreads))
    if ok:
        result[1].delete()

    chosen = [n.split(" · ")[0] for n in names[1:3]]
    result = feature_maps(parrot, layers=" , ".join(chosen), max_channels=1,
                          target="current-image")
    top = parrot.get_layers()
    check("named layers into the current image, above its own layer",
          result[0] == Gimp.PDBStatusType.SUCCESS and result[1] == parrot and result[2] == 2
          and len(top) == 3 and [t.get_name() for t in top[:2]] == names[1:3]
          and parrot.is_dirty(), repr([t.get_name() for t in top]))
    parrot.delete()

    parrot = load("parrot.jpg")
    result = feature_maps(parrot, layers="no-such-layer", target="current-image")
    check("an unknown layer name fails naming it; the image is unchanged",
          result[0] == Gimp.PDBStatusType.EXECUTION_ERROR
          and "no layer 'no-such-layer'" in str(result[1]) and unchanged(parrot, 1),
          repr(result))
    parrot.convert_indexed(Gimp.ConvertDitherType.NONE, Gimp.ConvertPaletteType.GENERATE,
                           255, False, False, "")
    parrot.clean_all()
    result = feature_maps(parrot, target="current-image")
    check("an indexed current image is refused and left unchanged",
          result[0] == Gimp.PDBStatusType.EXECUTION_ERROR and "indexed" in str(result[1])
          and unchanged(parrot, 1), repr(result))
    parrot.delete()


def main():
    if not (os.path.isfile(MODEL) and os.path.isdir(IMAGES) and TMP):
        print(f"1..0 # SKIP the shared models and images ({SHARED or 'unset'}) are absent",
              flush=True)
        return
    for test in (test_python_fu, test_precisions_and_modes, test_failures, test_script_fu,
                 test_classify_files, test_feature_maps):
        try:
            test()
        except Exception as error:  # a broken check must not hide the others
            check(f"{test.__name__} ran to its end", False, repr(error))
    print(f"1..{len(checks)}", flush=True)


main()
