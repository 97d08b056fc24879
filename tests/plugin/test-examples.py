# SPDX-License-Identifier: GPL-3.0-or-later
# The batch examples of docs/examples/, run verbatim inside GIMP: the
# Script-Fu ones through plug-in-script-fu-eval with the call their header
# shows, the Python-Fu ones through python-fu-eval, which reads the
# folders from the environment that tools/gimp-test hands GIMP.  The
# classifying ones run over the bundled samples with the bundled default
# model (CONVSCOPE_FOLDER, CONVSCOPE_CSV, CONVSCOPE_XCF_FOLDER): the sample
# files are named after their true label, and the bundled model gets each
# of them right, so each must come out at rank 1.  The segmenting ones run
# DeepLab v3 from ../shared (CONVSCOPE_SHARED; they skip without it) set
# up at CONVSCOPE_SEGMENTER on two photos linked into CONVSCOPE_PHOTOS
# (CONVSCOPE_SHARES, CONVSCOPE_SEGMENTS: what they write).  The heat-map
# ones run over the bundled samples too (CONVSCOPE_HEAT_FOLDER: what they
# write).  Prints TAP.
import csv
import os
import shutil

import gi
gi.require_version("Gegl", "0.4")
from gi.repository import Gegl, Gimp, Gio

from deeplab import deeplab
from tap import check, plan, skip

EXAMPLES = os.environ.get("CONVSCOPE_EXAMPLES", "")
SAMPLES = os.environ.get("CONVSCOPE_FOLDER", "")
PYTHON_CSV = os.environ.get("CONVSCOPE_CSV", "")
XCF_FOLDER = os.environ.get("CONVSCOPE_XCF_FOLDER", "")
HEAT_FOLDER = os.environ.get("CONVSCOPE_HEAT_FOLDER", "")
TMP = os.environ.get("CONVSCOPE_TEST_TMP", "")
SHARED = os.environ.get("CONVSCOPE_SHARED", "")
SEGMENTER = os.environ.get("CONVSCOPE_SEGMENTER", "")
PHOTOS = os.environ.get("CONVSCOPE_PHOTOS", "")
SHARES_CSV = os.environ.get("CONVSCOPE_SHARES", "")
SEGMENTS = os.environ.get("CONVSCOPE_SEGMENTS", "")
# What DeepLab v3 finds most of in each photo, as test-plugin.py checks.
LARGEST_CLASS = {"pets.jpg": "dog", "cat.bmp": "cat"}
HEADER = ["file", "rank", "label", "score"]
TOP_K = 5

pdb = Gimp.get_pdb()


def true_label(path):
    """'06-Ankle_boot.png' → 'Ankle_boot': the label with '/' and ' ' as '_'."""
    return os.path.splitext(os.path.basename(path))[0].split("-", 1)[1]


def as_file_name(label):
    return label.replace("/", "_").replace(" ", "_")


def samples():
    return sorted(os.path.join(SAMPLES, name) for name in os.listdir(SAMPLES))


def run_example(procedure_name, script):
    """The status and, on failure, the message of one evaluation."""
    procedure = pdb.lookup_procedure(procedure_name)
    config = procedure.create_config()
    config.set_property("run-mode", Gimp.RunMode.NONINTERACTIVE)
    config.set_property("script", script)
    result = procedure.run(config)
    message = result.index(1) if result.length() > 1 else pdb.get_last_error()
    return result.index(0) == Gimp.PDBStatusType.SUCCESS, message


def read(path):
    with open(path, encoding="utf-8") as source:
        return source.read()


def read_rows(path):
    if not os.path.exists(path):
        return []
    with open(path, newline="", encoding="utf-8") as source:
        return list(csv.reader(source))


def check_csv(language, path, ran, message):
    rows = read_rows(path) if ran else []
    check(f"{language} example: the call succeeds and writes a CSV", ran and rows != [],
          str(message))
    files = samples()
    check(f"{language} example: header, then ranks 1-{TOP_K} for every sample",
          rows[:1] == [HEADER]
          and sorted((r[0], r[1]) for r in rows[1:])
          == sorted((f, str(k)) for f in files for k in range(1, TOP_K + 1))
          and all(0.0 <= float(r[3]) <= 1.0 for r in rows[1:]), repr(rows[:3]))
    top = {r[0]: as_file_name(r[2]) for r in rows[1:] if r[1] == "1"}
    check(f"{language} example: every sample's true label at rank 1",
          len(top) == len(files) and all(top.get(f) == true_label(f) for f in files),
          repr(top))


def test_script_fu():
    output = os.path.join(TMP, "script-fu.csv")
    # The call as the example's header shows it, with this test's paths.
    ran, message = run_example(
        "plug-in-script-fu-eval",
        f'(load "{EXAMPLES}/classify-folder.scm")\n'
        f'(convscope-classify-folder "{SAMPLES}" "{output}")')
    check_csv("Script-Fu", output, ran, message)


def test_python_fu():
    os.makedirs(os.path.dirname(PYTHON_CSV), exist_ok=True)
    if os.path.exists(PYTHON_CSV):
        os.remove(PYTHON_CSV)
    ran, message = run_example("python-fu-eval", read(os.path.join(EXAMPLES, "classify-folder.py")))
    check_csv("Python-Fu", PYTHON_CSV, ran, message)


def test_tag_folder():
    shutil.rmtree(XCF_FOLDER, ignore_errors=True)
    ran, message = run_example("python-fu-eval", read(os.path.join(EXAMPLES, "tag-folder.py")))
    tags = {}
    for path in samples():
        xcf = os.path.join(XCF_FOLDER, os.path.splitext(os.path.basename(path))[0] + ".xcf")
        if not os.path.exists(xcf):
            continue
        image = Gimp.file_load(Gimp.RunMode.NONINTERACTIVE, Gio.File.new_for_path(xcf))
        parasite = image.get_parasite("convscope-labels")
        text = bytes(parasite.get_data()).decode().rstrip("\0") if parasite else ""
        tags[path] = [line.split("\t")[0] for line in text.splitlines()]
        image.delete()
    check("tag-folder example: one .xcf per sample, tagged with three labels",
          ran and len(tags) == len(samples()) and all(len(t) == 3 for t in tags.values()),
          f"{message} {tags!r}")
    check("tag-folder example: each .xcf's first label is the sample's true label",
          all(as_file_name(t[0]) == true_label(p) for p, t in tags.items()) and tags != {},
          repr(tags))


def photos():
    """The photos for the segmenting examples, linked afresh into PHOTOS."""
    shutil.rmtree(PHOTOS, ignore_errors=True)
    os.makedirs(PHOTOS)
    for name in LARGEST_CLASS:
        os.symlink(os.path.join(SHARED, "images", name), os.path.join(PHOTOS, name))
    return {name: os.path.join(PHOTOS, name) for name in LARGEST_CLASS}


def test_segment_examples():
    if deeplab(SHARED, os.path.dirname(SEGMENTER)) != SEGMENTER:
        skip("the segmenting examples", f"no DeepLab v3 in the shared folder ({SHARED!r})")
        return
    paths = photos()
    shutil.rmtree(SEGMENTS, ignore_errors=True)
    ran, message = run_example("python-fu-eval",
                               read(os.path.join(EXAMPLES, "segment-folder.py")))
    rows = read_rows(SHARES_CSV) if ran else []
    largest = {}
    for path, label, share in rows[1:]:
        largest.setdefault(os.path.basename(path), (label, float(share)))
    check("segment-folder example: a CSV whose largest class is each photo's subject",
          ran and rows[:1] == [["file", "class", "share"]]
          and {name: label for name, (label, _) in largest.items()} == LARGEST_CLASS
          and all(0.0 < float(r[2]) <= 1.0 for r in rows[1:]), f"{message} {rows!r}")
    groups = []
    for name in LARGEST_CLASS:
        xcf = os.path.join(SEGMENTS, os.path.splitext(name)[0] + ".xcf")
        if os.path.exists(xcf):
            image = Gimp.file_load(Gimp.RunMode.NONINTERACTIVE, Gio.File.new_for_path(xcf))
            top = image.get_layers()[0]
            groups.append([(c.get_name(), c.get_mask() is not None)
                           for c in (top.get_children() if top.is_group() else [])])
            image.delete()
    check("segment-folder example: each .xcf holds a group of masked layers, subject first",
          [g[:1] for g in groups] == [[(label, True)] for label in LARGEST_CLASS.values()],
          repr(groups))

    png = os.path.join(TMP, "dogs.png")
    ran, message = run_example(
        "plug-in-script-fu-eval",
        f'(load "{EXAMPLES}/cut-out.scm")\n'
        f'(convscope-cut-out "{paths["pets.jpg"]}" "dog" "{SEGMENTER}" "{png}")')
    opaque = -1
    if ran and os.path.exists(png):
        image = Gimp.file_load(Gimp.RunMode.NONINTERACTIVE, Gio.File.new_for_path(png))
        layer = image.get_layers()[0]
        buffer = layer.get_buffer()
        alpha = bytes(buffer.get(buffer.get_extent(), 1.0, "A u8", Gegl.AbyssPolicy.CLAMP))
        opaque, size = alpha.count(255), len(alpha)
        image.delete()
    dog = largest.get("pets.jpg", ("", 0.0))[1]
    check("cut-out example: a PNG opaque exactly on the dogs, clear elsewhere",
          ran and opaque > 0 and opaque == round(dog * size)
          and alpha.count(0) == size - opaque, f"{message} opaque {opaque}, dogs' share {dog}")


def test_heatmap_folder():
    shutil.rmtree(HEAT_FOLDER, ignore_errors=True)
    ran, message = run_example("python-fu-eval",
                               read(os.path.join(EXAMPLES, "heatmap-folder.py")))
    groups = {}
    for path in samples():
        xcf = os.path.join(HEAT_FOLDER, os.path.splitext(os.path.basename(path))[0] + ".xcf")
        if not os.path.exists(xcf):
            continue
        image = Gimp.file_load(Gimp.RunMode.NONINTERACTIVE, Gio.File.new_for_path(xcf))
        top = image.get_layers()[0]
        groups[path] = (top.get_name() if top.is_group() else None,
                        [(layer.get_width(), layer.get_height(), layer.get_opacity())
                         for layer in top.get_children()] if top.is_group() else [],
                        (image.get_width(), image.get_height()))
        image.delete()
    check("heatmap-folder example: one .xcf per sample, a group on top named after the "
          "sample's true label",
          ran and len(groups) == len(samples())
          and all(as_file_name(g[0] or "") == true_label(p) for p, g in groups.items()),
          f"{message} {groups!r}")
    check("heatmap-folder example: in each group one heat-map layer of the image's size, "
          "60 % opaque",
          groups != {} and all(len(g[1]) == 1 and g[1][0][:2] == g[2]
                               and abs(g[1][0][2] - 60.0) < 1e-3 for g in groups.values()),
          repr(groups))


def test_heatmap_script_fu():
    sample = samples()[4]
    # The call as the example's header shows it, checked in Script-Fu.
    ran, message = run_example(
        "plug-in-script-fu-eval",
        f'(load "{EXAMPLES}/heatmap.scm")\n'
        f'(let* ((image (car (gimp-file-load RUN-NONINTERACTIVE "{sample}")))\n'
        f'       (label (convscope-heat-map image))\n'
        f'       (top (vector-ref (car (gimp-image-get-layers image)) 0)))\n'
        f'  (if (not (and (string=? (car (gimp-item-get-name top)) label)\n'
        f'                (= (vector-length (car (gimp-item-get-children top))) 1)))\n'
        f'      (error "no group named after the class" label))\n'
        f'  (gimp-image-delete image)\n'
        f'  (if (not (string=? label "{true_label(sample)}"))\n'
        f'      (error "not the true label" label)))')
    check("Script-Fu heat-map example: a group named after the sample's true label holding "
          "the heat map", ran, str(message))


def main():
    for test in (test_script_fu, test_python_fu, test_tag_folder, test_segment_examples,
                 test_heatmap_folder, test_heatmap_script_fu):
        try:
            test()
        except Exception as error:  # a broken check must not hide the others
            check(f"{test.__name__} ran to its end", False, repr(error))
    plan()


main()
