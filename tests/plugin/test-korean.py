# SPDX-License-Identifier: GPL-3.0-or-later
# The plug-in in Korean: GIMP started with LANG=ko_KR.UTF-8 (tools/gimp-test
# --locale) reports, through the PDB, each procedure's menu label
# and blurb, an argument's label and a choice's label as the plug-in's own
# catalogue (PLUG-INS/convscope/locale, read here with Python's gettext)
# translates them.  Also that the attribution carries the version
# (CONVSCOPE_VERSION).  Run by tools/gimp-test in a profile of its own:
# GIMP keeps the strings a plug-in registered in its pluginrc, in the
# language of the start that queried it.  Prints TAP.
import gettext
import os

import gi
gi.require_version("Gimp", "3.0")
from gi.repository import Gimp

from tap import check, plan

PLUGIN_DIR = os.path.join(os.environ.get("GIMP3_DIRECTORY", ""), "plug-ins", "convscope")
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
}


def is_hangul(text):
    return any("\uac00" <= c <= "\ud7a3" for c in text)


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
    plan()


main()
