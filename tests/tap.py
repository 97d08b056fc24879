# SPDX-License-Identifier: GPL-3.0-or-later
# TAP for the test scripts that run inside GIMP (tools/gimp-test and
# tools/gimp-dialog-test put this folder on their PYTHONPATH): numbered
# "ok"/"not ok" lines, printed at once so that a script that dies midway
# still shows how far it got, and the plan at the end.
checks = []


def check(description, passed, detail=""):
    """One check; @detail goes on a comment line when it fails."""
    checks.append(passed)
    line = ("ok" if passed else "not ok") + f" {len(checks)} - {description}"
    print(line if passed or not detail else f"{line}\n# {detail}", flush=True)


def skip(description, reason):
    checks.append(True)
    print(f"ok {len(checks)} - {description} # SKIP {reason}", flush=True)


def plan():
    """The plan line, after the last check."""
    print(f"1..{len(checks)}", flush=True)
