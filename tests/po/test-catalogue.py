#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Every translation in po/ is complete: extracts the marked strings of
every C file under cli/, plugin/ and ui/ afresh (not from POTFILES.in, so
a file missing there is caught too) and checks that each LANG.po of
po/LINGUAS translates every one of them, none fuzzy, with formats that
match (msgcmp, msgfmt --check).  Also that POTFILES.in names every file
with marked strings, or `ninja convscope-update-po` would miss it.
Prints TAP.

usage: test-catalogue.py SOURCE_ROOT"""
import glob
import os
import re
import subprocess
import sys
import tempfile

# The keywords of meson's i18n "glib" preset, which po/meson.build uses.
KEYWORDS = ["_", "N_", "C_:1c,2", "NC_:1c,2", "g_dngettext:2,3"]
MARKED = re.compile(r"\b(?:N?C?_|g_dngettext)\s*\(")
checks = 0


def check(description, passed, detail=""):
    global checks
    checks += 1
    print(("ok" if passed else "not ok") + f" {checks} - {description}")
    if not passed and detail:
        print("\n".join("# " + line for line in detail.strip().splitlines()))
    return passed


def main(root):
    po = os.path.join(root, "po")
    sources = sorted(os.path.relpath(path, root)
                     for folder in ("cli", "plugin", "ui")
                     for path in glob.glob(os.path.join(root, folder, "*.c")))
    marked = [path for path in sources
              if MARKED.search(open(os.path.join(root, path), encoding="utf-8").read())]
    with open(os.path.join(po, "POTFILES.in"), encoding="utf-8") as listing:
        listed = {line.strip() for line in listing
                  if line.strip() and not line.startswith("#")}
    unlisted = [path for path in marked if path not in listed]
    check("po/POTFILES.in names every source file with marked strings", not unlisted,
          "missing: " + " ".join(unlisted))

    with tempfile.TemporaryDirectory(prefix="convscope-po-") as tmp:
        pot = os.path.join(tmp, "convscope.pot")
        extract = subprocess.run(
            ["xgettext", "--from-code=UTF-8", "--package-name=convscope", "-o", pot]
            + [f"--keyword={keyword}" for keyword in KEYWORDS] + marked,
            cwd=root, capture_output=True, text=True)
        if not check("xgettext extracts the marked strings", extract.returncode == 0
                     and os.path.isfile(pot), extract.stderr):
            return 1
        msgids = sum(line.startswith("msgid ") for line in open(pot, encoding="utf-8")) - 1
        check(f"the sources mark strings to translate ({msgids})", msgids > 200)
        with open(os.path.join(po, "LINGUAS"), encoding="utf-8") as linguas:
            languages = [word for line in linguas if not line.startswith("#")
                         for word in line.split()]
        check("po/LINGUAS names a language", "ko" in languages, " ".join(languages))
        for language in languages:
            catalogue = os.path.join(po, language + ".po")
            # Untranslated and fuzzy entries count as missing.
            compare = subprocess.run(["msgcmp", catalogue, pot], capture_output=True,
                                     text=True)
            check(f"{language}.po translates every marked string", compare.returncode == 0,
                  compare.stderr)
            compiled = subprocess.run(
                ["msgfmt", "--check", "--statistics", "-o", os.devnull, catalogue],
                capture_output=True, text=True, env=dict(os.environ, LC_ALL="C"))
            statistics = compiled.stderr.strip()
            check(f"{language}.po compiles with matching formats, none fuzzy or untranslated",
                  compiled.returncode == 0
                  and re.fullmatch(r"\d+ translated messages\.", statistics) is not None,
                  statistics)
    print(f"1..{checks}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__.split("\n\n")[-1])
    sys.exit(main(sys.argv[1]))
