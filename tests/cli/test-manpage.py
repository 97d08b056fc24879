#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""convscope(1) keeps up with the program: every command `convscope
--help` lists and every long option of each command's --help appears in
the built manual page, in bold as scdoc writes it.  Prints TAP.

usage: test-manpage.py CONVSCOPE CONVSCOPE.1"""
import os
import re
import subprocess
import sys


def help_text(program, *args):
    env = dict(os.environ, LC_ALL="C.UTF-8", LANGUAGE="")
    return subprocess.run([program, *args, "--help"], capture_output=True, text=True,
                          env=env, check=True).stdout


def main(program, manpage):
    with open(manpage, encoding="utf-8") as page:
        roff = page.read()
    commands = re.findall(r"^  (\w+) ", help_text(program).split("Commands:", 1)[1],
                          re.MULTILINE)
    checks = 0

    def check(description, passed):
        nonlocal checks
        checks += 1
        print(("ok" if passed else "not ok") + f" {checks} - {description}")

    check(f"convscope --help lists commands ({' '.join(commands)})", len(commands) >= 5)
    for command in commands:
        check(f"the page describes {command}", f"\\fB{command}\\fR" in roff)
        options = help_text(program, command).split("Application Options:", 1)[1]
        for option in re.findall(r"--([a-z][a-z-]*)", options):
            check(f"the page names {command} --{option}", f"\\fB--{option}\\fR" in roff)
    print(f"1..{checks}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__.split("\n\n")[-1])
    main(*sys.argv[1:])
