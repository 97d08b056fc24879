# SPDX-License-Identifier: GPL-3.0-or-later
# The Python-Fu half of tools/bench-gimp, run inside gimp-console by
# tools/gimp-run: times the plug-in's procedures through GIMP's PDB with
# time.perf_counter, each call a fresh start of the plug-in as in real use,
# and prints a table against the goals.  Reads CONVSCOPE_SOURCE (the
# checkout) and CONVSCOPE_SHARED (the shared models and photos).
import glob
import itertools
import os
import platform
import statistics
import tempfile
import time

from gi.repository import Gimp, Gio

SOURCE = os.environ["CONVSCOPE_SOURCE"]
SHARED = os.environ.get("CONVSCOPE_SHARED", "")
MOBILENET = os.path.join(SHARED, "models", "mobilenet_v2_1.0_224_quant.tflite")
# Its first three convolutions, as `convscope info --json` names them.
MOBILENET_FIRST_CONVS = ["MobilenetV2/Conv/Relu6",
                         "MobilenetV2/expanded_conv/depthwise/Relu6",
                         "MobilenetV2/expanded_conv/project/add_fold"]
MOBILENET_FIRST_CONVS_CHANNELS = 32 + 32 + 16
BASELINE_CALLS = 10
IMAGES_PER_MODEL = 20
EXPORT_RUNS = 3
CLASSIFY_GOAL_MS = 150
EXPORT_GOAL_MS = 2000

pdb = Gimp.get_pdb()


def config_for(name, **arguments):
    procedure = pdb.lookup_procedure(name)
    if procedure is None:
        raise SystemExit(f"bench-gimp: GIMP has no procedure {name}; is the plug-in current?")
    config = procedure.create_config()
    for argument, value in arguments.items():
        config.set_property(argument.replace("_", "-"), value)
    return procedure, config


def timed_run(procedure, config):
    """Milliseconds of one call, and its return values; a failed call ends
    the benchmark, since its time would mean nothing."""
    start = time.perf_counter()
    result = procedure.run(config)
    elapsed = (time.perf_counter() - start) * 1000.0
    if result.index(0) != Gimp.PDBStatusType.SUCCESS:
        message = result.index(1) if result.length() > 1 else pdb.get_last_error()
        raise SystemExit(f"bench-gimp: {procedure.get_name()} failed: {message}")
    return elapsed, result


def load(path):
    return Gimp.file_load(Gimp.RunMode.NONINTERACTIVE, Gio.File.new_for_path(path))


def classify_times(images, model):
    times = []
    for image in images:
        procedure, config = config_for("plug-in-convscope-classify", image=image,
                                       model=Gio.File.new_for_path(model) if model else None)
        config.set_core_object_array("drawables", [image.get_layers()[0]])
        times.append(timed_run(procedure, config)[0])
    return times


def export_times(image, scale):
    """The export into a new image, one layer per channel, with the maps
    stretched over the image ("stretch", the default) or at their own
    size ("native")."""
    times = []
    for _ in range(EXPORT_RUNS):
        procedure, config = config_for("plug-in-convscope-feature-maps", image=image,
                                       model=Gio.File.new_for_path(MOBILENET),
                                       layers=",".join(MOBILENET_FIRST_CONVS),
                                       max_channels=4096, target="new-image",
                                       layout="channel-layers", scale=scale)
        config.set_core_object_array("drawables", [image.get_layers()[0]])
        elapsed, result = timed_run(procedure, config)
        maps = result.index(1)
        n_channels = sum(len(group.get_children()) for group in maps.get_layers())
        if n_channels != MOBILENET_FIRST_CONVS_CHANNELS:
            raise SystemExit(f"bench-gimp: the export made {n_channels} channel layers, "
                             f"not {MOBILENET_FIRST_CONVS_CHANNELS}")
        maps.delete()
        times.append(elapsed)
    return times


def batch_time(paths):
    """One classify-files call over all the files, for the cost of an image
    once the plug-in runs and the network is loaded."""
    with tempfile.TemporaryDirectory() as tmp:
        procedure, config = config_for("plug-in-convscope-classify-files", files=paths,
                                       model=Gio.File.new_for_path(MOBILENET),
                                       output=Gio.File.new_for_path(os.path.join(tmp, "x.csv")))
        return timed_run(procedure, config)[0]


def machine():
    with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
        model = next((line.split(":", 1)[1].strip() for line in cpuinfo
                      if line.startswith("model name")), platform.machine())
    load_average = os.getloadavg()[0]
    return (f"{model}, {os.cpu_count()} cores, load average {load_average:.1f}; "
            f"GIMP {Gimp.version()}, Python {platform.python_version()}")


def row(what, times, baseline, goal_ms=None, goal_above_baseline=True):
    """One line of the table; a classify goal is judged on the worse of
    median and mean above the baseline, the export's on the whole call."""
    median, mean = statistics.median(times), statistics.mean(times)
    if baseline is None:
        above = f"{'':>14} | {'':>12}"
    else:
        above = f"{median - baseline:14.1f} | {mean - baseline:12.1f}"
    verdict = ""
    if goal_ms is not None:
        measured = max(median, mean) - (baseline if goal_above_baseline else 0.0)
        verdict = f"≤ {goal_ms} ms{' above no-op' if goal_above_baseline else ''}: " \
                  f"{'met' if measured <= goal_ms else 'MISSED'}"
    print(f"| {what:<50} | {len(times):5} | {median:8.1f} | {mean:8.1f} | {above} | {verdict}")


def mobilenet_rows(images, paths, baseline):
    """The table rows with MobileNet v2, and a note on what they measured."""
    export_image = load(os.path.join(SHARED, "images", "parrot.jpg"))
    image_size = f"{export_image.get_width()}×{export_image.get_height()}"
    rows = [("classify, MobileNet v2 1.0 224 quant", classify_times(images, MOBILENET),
             baseline, CLASSIFY_GOAL_MS),
            (f"feature maps, MobileNet v2 first 3 convs, {image_size}",
             export_times(export_image, "stretch"), baseline, EXPORT_GOAL_MS, False),
            ("the same at native size (112×112 maps)",
             export_times(export_image, "native"), baseline, EXPORT_GOAL_MS, False)]
    batch = batch_time(paths)
    note = (f"One classify-files call over the same {len(paths)} files with MobileNet v2 "
            f"(network loaded once; each file loaded by the plug-in through "
            f"gimp-file-load, itself a start of a file plug-in): {batch:.0f} ms, "
            f"{(batch - baseline) / len(paths):.1f} ms per image above the no-op.\n"
            f"Feature maps: {MOBILENET_FIRST_CONVS_CHANNELS} channels of "
            f"{', '.join(MOBILENET_FIRST_CONVS)}, one layer per channel, new image, "
            f"median of {EXPORT_RUNS}; the goal is on the whole call.")
    return rows, note


def main():
    photos = sorted(glob.glob(os.path.join(SHARED, "images", "*.jpg"))
                    + glob.glob(os.path.join(SHARED, "images", "*.bmp")))
    samples = sorted(glob.glob(os.path.join(SOURCE, "weights", "samples", "*.png")))
    paths = list(itertools.islice(itertools.cycle(photos + samples), IMAGES_PER_MODEL))
    images = [load(path) for path in paths]

    procedure, config = config_for("plug-in-convscope-models")
    timed_run(procedure, config)  # the first start also warms the disk cache
    baseline_times = [timed_run(procedure, config)[0] for _ in range(BASELINE_CALLS)]
    baseline = statistics.median(baseline_times)
    rows = [("no-op: plug-in-convscope-models", baseline_times, None),
            ("classify, bundled default model", classify_times(images, None), baseline,
             CLASSIFY_GOAL_MS)]
    if os.path.isfile(MOBILENET):
        more_rows, note = mobilenet_rows(images, paths, baseline)
        rows += more_rows
    else:
        note = f"MobileNet v2 skipped: {MOBILENET} is absent."

    print(f"Machine: {machine()}")
    print(f"Images: {len(photos)} photos from {SHARED or '(none)'} and {len(samples)} "
          f"bundled samples, cycled to {len(images)}, loaded before timing.")
    print("Times in ms per call (PDB call to return, the plug-in's start included):")
    print()
    print(f"| {'call':<50} | calls |   median |     mean | median − no-op | mean − no-op | goal")
    print(f"|{'-' * 52}|------:|---------:|---------:|---------------:|-------------:|------")
    for arguments in rows:
        row(*arguments)
    print()
    print(note)


main()
