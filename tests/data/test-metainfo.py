#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The AppStream metadata is valid (appstreamcli validate --strict, no
network) and its newest release is the project's version.  Prints TAP.

usage: test-metainfo.py APPSTREAMCLI METAINFO VERSION"""
import subprocess
import sys
import xml.etree.ElementTree as ElementTree


def main(appstreamcli, metainfo, version):
    validated = subprocess.run([appstreamcli, "validate", "--no-net", "--strict", metainfo],
                               capture_output=True, text=True)
    print(("ok" if validated.returncode == 0 else "not ok")
          + " 1 - appstreamcli validate --strict accepts it")
    if validated.returncode != 0:
        print("\n".join("# " + line for line in validated.stdout.splitlines()))
    releases = ElementTree.parse(metainfo).getroot().findall("releases/release")
    newest = releases[0].get("version") if releases else None
    print(("ok" if newest == version else "not ok")
          + f" 2 - the newest release is the project's version {version}")
    if newest != version:
        print(f"# newest release: {newest}")
    print("1..2")


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__.split("\n\n")[-1])
    main(*sys.argv[1:])
