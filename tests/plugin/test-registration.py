# SPDX-License-Identifier: GPL-3.0-or-later
# What the plug-in registers with GIMP, GIMP started with LANG=ko_KR.UTF-8
# (tools/gimp-test --locale): through the PDB, each procedure's menu label
# and blurb, an argument's label and a choice's label as the plug-in's own
# catalogue (PLUG-INS/convscope/locale, read here with Python's gettext)
# translates them, and the attribution with the version
# (CONVSCOPE_VERSION); in GIMP's pluginrc, the help domain, whose
# gimp-help.xml maps every procedure and the dialog to a page that is
# there.  Run by tools/gimp-test in a profile of its own: GIMP keeps the
# strings a plug-in registered in its pluginrc, in the language of the
# start that queried it.  Prints TAP.
import gettext
import os
import re
import xml.etree.ElementTree as ElementTree

import gi
gi.require_version("Gimp", "3.0")
from gi.repository import Gimp, Gio

from tap import check, plan

PROFILE = os.environ.get("GIMP3_DIRECTORY", "")
PLUGIN_DIR = os.path.join(PROFILE, "plug-ins", "convscope")
HELP_DOMAIN = "org.gimp.GIMP.Plugin.Convscope"
DIALOG_HELP_ID = "plug-in-convscope-dialog"
VERSION = os.environ.get("CONVSCOPE_VERSION", "")
# Each procedure's English menu label (None: not in a menu) and blurb, as
# the sources give them.
PROCEDURES = {
    "plug-in-convscope-classify":
        ("_Classify…", "Name what the image shows with a neural network"),
    "plug-in-convscope-classify-files":
        (None, "Name what image files show with a neural network, into a CSV file"),
    "plug-in-convscope-feature-maps":
        ("_Feature Maps…", "Show what the layers of a neural network see"),
    "plug-in-convscope-models":
        (None, "List the neural networks Convscope can use"),
    "plug-in-convscope-segment":
        ("_Segment…", "Select or mask what a segmentation network finds in the image"),
    "plug-in-convscope-heatmap":
        ("_Heat Map…", "Show where a neural network looked for a class"),
}


def is_hangul(text):
    return any("\uac00" <= c <= "\ud7a3" for c in text)


def check_help():
    """The help domain GIMP recorded, and the pages it leads to."""
    with open(os.path.join(PROFILE, "pluginrc"), encoding="utf-8", errors="replace") as rc:
        recorded = re.findall(r'\(help-def "([^"]*)" "([^"]*)"\)', rc.read())
    help_dir = os.path.join(PLUGIN_DIR, "help")
    expected = (HELP_DOMAIN, Gio.File.new_for_path(help_dir).get_uri())
    check("GIMP recorded the help domain, the pages beside the plug-in",
          expected in recorded, f"expected {expected}, recorded {recorded}")
    mapping = os.path.join(help_dir, "en", "gimp-help.xml")
    items = {}
    if os.path.isfile(mapping):
        items = {item.get("id"): item.get("ref")
                 for item in ElementTree.parse(mapping).getroot().iter("help-item")}
    for help_id in list(PROCEDURES) + [DIALOG_HELP_ID]:
        page = os.path.join(help_dir, "en", items.get(help_id, "?"))
        check(f"the help maps {help_id} to a page that is there", os.path.isfile(page),
              f"{help_id} -> {items.get(help_id)}")


def main():
    korean = gettext.translation("convscope", localedir=os.path.join(PLUGIN_DIR, "locale"),
                                 languages=["ko"])
    pdb = Gimp.get_pdb()
    for name, (label, blurb) in PROCEDURES.items():
        procedure = pdb.lookup_procedure(name)
        check(f"{name} is registered", procedure is not None)
        if procedure is None:
            continue
        expected = korean.gettext(blurb)
        check(f"{name}: the blurb is the catalogue's Korean ({expected})",
              is_hangul(expected) and procedure.get_blurb() == expected,
              repr(procedure.get_blurb()))
        if label is not None:
            expected = korean.gettext(label)
            check(f"{name}: the menu label is the catalogue's Korean ({expected})",
                  is_hangul(expected) and procedure.get_menu_label() == expected,
                  repr(procedure.get_menu_label()))
        check(f"{name}: the attribution carries version {VERSION}",
              VERSION != "" and f"Convscope {VERSION}" in (procedure.get_copyright() or ""),
              repr(procedure.get_copyright()))

    feature_maps = pdb.lookup_procedure("plug-in-convscope-feature-maps")
    if feature_maps is not None:
        argument = feature_maps.find_argument("max-channels")
        expected = korean.gettext("Ma_x channels")
        check(f"an argument's label is in Korean ({expected})",
              argument is not None and argument.get_nick() == expected,
              repr(argument and argument.get_nick()))
        target = feature_maps.find_argument("target")
        choice = Gimp.param_spec_choice_get_choice(target) if target is not None else None
        expected = korean.gettext("New image")
        check(f"a choice's label is in Korean ({expected})",
              choice is not None and choice.get_label("new-image") == expected,
              repr(choice and choice.get_label("new-image")))
    check_help()
    plan()


main()
