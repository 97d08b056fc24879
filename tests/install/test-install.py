#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""What `meson install` puts where.  Installs the build into a
temporary DESTDIR, everything (cli) or only what is tagged plugin
(plugin, which needs only `ninja gimp-plugin`), then checks:
- cli: that `convscope` is under the prefix, that `--version` prints the
  project's version, and, when the build has the CLI's catalogues, that
  they are under the prefix and `--help`, a subcommand's help and a usage
  error come out in Korean;
- plugin: that the plug-in lands under the prefix (unless
  -Dgimp_plugin_dir names its directory) in PLUG-INS/convscope/ with its
  weights, its own catalogues (GIMP 3 takes a plug-in's translations only
  from inside its folder) and its help pages.
Prints TAP.

Korean is asked for with LANG=ko_KR.UTF-8: the locale the system has,
else one made with localedef into the temporary directory (LOCPATH), else
(no locale sources, as in tools/sandbox's root) a stand-in there made of
C.UTF-8's data, enough for gettext, which picks catalogues by the
locale's name (tools/gimp-test --locale does the same).

usage: test-install.py BUILD PREFIX VERSION cli yes|no
       test-install.py BUILD PREFIX VERSION plugin PLUGIN_DIR GIMP_PLUGIN_DIR_OPTION
  (yes: the CLI's catalogues are built; the option is -Dgimp_plugin_dir's value)"""
import os
import shutil
import subprocess
import sys
import tempfile

checks = 0


def check(description, passed, detail=""):
    global checks
    checks += 1
    print(("ok" if passed else "not ok") + f" {checks} - {description}")
    if not passed and detail:
        print("\n".join("# " + line for line in str(detail).strip().splitlines()))
    return passed


def korean_environment(tmp):
    """The environment that asks for Korean, and how it does."""
    base = {name: value for name, value in os.environ.items()
            if not name.startswith("LC_") and name not in ("LANG", "LANGUAGE")}
    available = subprocess.run(["locale", "-a"], capture_output=True, text=True).stdout
    if any(name.lower() in ("ko_kr.utf8", "ko_kr.utf-8") for name in available.split()):
        return dict(base, LANG="ko_KR.UTF-8"), "the system's ko_KR.UTF-8"
    locales = os.path.join(tmp, "locales")
    os.makedirs(locales)
    subprocess.run(["localedef", "-i", "ko_KR", "-f", "UTF-8",
                    os.path.join(locales, "ko_KR.UTF-8")], capture_output=True)
    # localedef exits with 1 for mere warnings; what counts is what it made.
    if os.path.isfile(os.path.join(locales, "ko_KR.UTF-8", "LC_MESSAGES", "SYS_LC_MESSAGES")):
        return dict(base, LANG="ko_KR.UTF-8", LOCPATH=locales), "ko_KR.UTF-8 made by localedef"
    shutil.copytree("/usr/lib/locale/C.utf8", os.path.join(locales, "ko_KR.UTF-8"),
                    dirs_exist_ok=True)
    return (dict(base, LANG="ko_KR.UTF-8", LOCPATH=locales),
            "a stand-in ko_KR.UTF-8 with C.UTF-8's data")


def check_korean_cli(root, program, tmp):
    catalogue = os.path.join(root, "share", "locale", "ko", "LC_MESSAGES", "convscope.mo")
    check("its Korean catalogue is installed under the prefix", os.path.isfile(catalogue),
          catalogue)
    env, how = korean_environment(tmp)
    print(f"# Korean through {how}")
    shown = subprocess.run([program, "--help"], capture_output=True, text=True, env=env)
    check("convscope --help is in Korean",
          shown.returncode == 0 and "사용법:" in shown.stdout
          and "합성곱 신경망" in shown.stdout and "Usage:" not in shown.stdout,
          shown.stdout + shown.stderr)
    shown = subprocess.run([program, "info", "--help"], capture_output=True, text=True,
                           env=env)
    check("convscope info --help is in Korean, options and summary",
          shown.returncode == 0 and "네트워크를 층별로 설명합니다." in shown.stdout
          and "설명을 JSON으로 출력합니다" in shown.stdout
          and "출력 크기 공식" in shown.stdout, shown.stdout + shown.stderr)
    shown = subprocess.run([program, "bench"], capture_output=True, text=True, env=env)
    check("a usage error is in Korean",
          shown.returncode == 2 and shown.stderr.startswith("convscope: bench에는 MODEL"),
          shown.stderr)


def check_cli(root, version, cli_translated, tmp):
    program = os.path.join(root, "bin", "convscope")
    check("convscope is installed under the prefix", os.access(program, os.X_OK), program)
    shown = subprocess.run([program, "--version"], capture_output=True, text=True)
    check("convscope --version prints the project's version",
          shown.stdout == f"convscope {version}\n", shown.stdout + shown.stderr)
    if cli_translated == "yes":
        check_korean_cli(root, program, tmp)
    else:
        check("the CLI in Korean # SKIP GNU gettext (msgfmt) was not found, so the "
              "build has no catalogues for the CLI", True)


def check_plugin(destdir, prefix, plugin_dir, plugin_dir_option):
    if not plugin_dir_option:
        check("the plug-in directory is under the prefix",
              plugin_dir.startswith(prefix.rstrip("/") + "/"), plugin_dir)
    target = destdir + plugin_dir
    check("the plug-in is installed as PLUG-INS/convscope/convscope",
          os.access(os.path.join(target, "convscope"), os.X_OK), target)
    check("its weights are beside it",
          os.path.isfile(os.path.join(target, "weights", "fashion-mnist-cnn.onnx")))
    check("its Korean catalogue is inside its folder",
          os.path.isfile(os.path.join(target, "locale", "ko", "LC_MESSAGES", "convscope.mo")))
    check("its help pages are inside its folder",
          os.path.isfile(os.path.join(target, "help", "en", "gimp-help.xml")))


def main(build, prefix, version, mode, *rest):
    with tempfile.TemporaryDirectory(prefix="convscope-install-") as tmp:
        destdir = os.path.join(tmp, "root")
        tags = ["--tags", "plugin"] if mode == "plugin" else []
        installed = subprocess.run(["meson", "install", "--no-rebuild", "--destdir", destdir,
                                    "-C", build] + tags, capture_output=True, text=True)
        if not check("meson install into a DESTDIR succeeds", installed.returncode == 0,
                     installed.stdout[-2000:] + installed.stderr):
            return 1
        if mode == "plugin":
            check_plugin(destdir, prefix, *rest)
        else:
            check_cli(destdir + prefix, version, *rest, tmp)
    print(f"1..{checks}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) < 5 or (sys.argv[4], len(sys.argv)) not in (("cli", 6), ("plugin", 7)):
        sys.exit(__doc__.split("\n\n")[-1])
    sys.exit(main(*sys.argv[1:]))
