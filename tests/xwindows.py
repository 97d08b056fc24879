# SPDX-License-Identifier: GPL-3.0-or-later
# A user's hands and eyes on GIMP's GUI under a virtual X server, for the
# scripts that test it from outside (tests/plugin/test-undo.py,
# tests/ui/gimp/test-gimp-dialog.py): windows found by their titles and
# typed into with xdotool (the XTEST extension, as a keyboard would), and
# their pixels read back through GDK in a process of its own, since the
# scripts run inside GIMP's Python-Fu.  Run as a program, this file is
# that process:  python3 xwindows.py WINDOW-ID OUT.png
import os
import subprocess
import sys
import time

# How long GIMP may take to show a window, or to settle after a change.
PATIENCE_S = 60
# How often a settling window is looked at; the spinner of a running
# network turns once a second, so no two looks this far apart match.
SETTLE_STEP_S = 0.7


def find_windows(title_regex):
    """The visible windows whose titles match @title_regex, at once."""
    found = subprocess.run(["xdotool", "search", "--onlyvisible", "--name", title_regex],
                           stdout=subprocess.PIPE, text=True)
    return found.stdout.split()


def window_titles(title_regex):
    """The titles of the visible windows that match @title_regex."""
    found = subprocess.run(["xdotool", "search", "--onlyvisible", "--name", title_regex,
                            "getwindowname", "%@"], stdout=subprocess.PIPE, text=True)
    return found.stdout.splitlines()


def _first_new(found, ignore, patience_s):
    """The first of what @found () returns that is not in @ignore, once
    there is one; None when none comes within @patience_s."""
    deadline = time.monotonic() + patience_s
    while time.monotonic() < deadline:
        fresh = [item for item in found() if item not in ignore]
        if fresh:
            return fresh[0]
        time.sleep(0.2)
    return None


def wait_for_title(title_regex, ignore=(), patience_s=PATIENCE_S):
    """The first title of a visible window matching @title_regex that is
    not in @ignore, once there is one (a new window's, or an old one's
    changed); None when none comes."""
    return _first_new(lambda: window_titles(title_regex), ignore, patience_s)


def wait_for_window(title_regex, ignore=(), patience_s=PATIENCE_S):
    """The first visible window matching @title_regex that is not in
    @ignore, once there is one; None when none comes."""
    return _first_new(lambda: find_windows(title_regex), ignore, patience_s)


def focused_window():
    """The id of the window that has the keyboard focus, as xdotool
    prints window ids."""
    return subprocess.run(["xdotool", "getwindowfocus"], stdout=subprocess.PIPE,
                          text=True, check=True).stdout.strip()


def press(window, keys):
    """Focuses @window and types @keys there (xdotool key names, several
    separated by spaces).  A window GIMP has just mapped (the image an
    Export opens) can take the focus a moment after it shows, so the
    keys go only once the focus has stayed on @window for one settling
    step."""
    deadline = time.monotonic() + PATIENCE_S
    while True:
        subprocess.run(["xdotool", "windowfocus", "--sync", window], check=True)
        time.sleep(SETTLE_STEP_S)
        if focused_window() == window:
            break
        if time.monotonic() > deadline:
            raise RuntimeError(f"window {window} does not keep the keyboard focus")
    subprocess.run(["xdotool", "key", "--clearmodifiers"] + keys.split(), check=True)


def move_pointer_away():
    """The pointer to the screen's bottom right corner, where it raises no
    tooltip over a window in a screenshot."""
    size = subprocess.run(["xdotool", "getdisplaygeometry"], stdout=subprocess.PIPE,
                          text=True, check=True).stdout.split()
    subprocess.run(["xdotool", "mousemove", str(int(size[0]) - 1), str(int(size[1]) - 1)],
                   check=True)


def grab(window, path):
    """Saves what @window shows as the PNG file @path; whether it could."""
    done = subprocess.run(["python3", os.path.abspath(__file__), window, path],
                          stderr=subprocess.PIPE, text=True)
    if done.returncode != 0:
        print(f"# grabbing window {window}: {done.stderr.strip()}", flush=True)
    return done.returncode == 0


def wait_until_still(window, path, patience_s=PATIENCE_S):
    """Waits until @window shows the same pixels three looks in a row (no
    spinner turning, nothing left to draw) and leaves them in the PNG file
    @path; whether it came to rest in time."""
    previous, same = None, 0
    deadline = time.monotonic() + patience_s
    while time.monotonic() < deadline:
        if grab(window, path):
            with open(path, "rb") as png:
                pixels = png.read()
            same = same + 1 if pixels == previous else 0
            if same == 2:
                return True
            previous = pixels
        time.sleep(SETTLE_STEP_S)
    return False


def main(argv):
    import gi
    gi.require_version("Gdk", "3.0")
    gi.require_version("GdkX11", "3.0")
    from gi.repository import Gdk, GdkX11

    window_id, path = int(argv[1], 0), argv[2]
    Gdk.init([])
    display = Gdk.Display.get_default()
    if display is None:
        sys.exit("no X display")
    window = GdkX11.X11Window.foreign_new_for_display(display, window_id)
    if window is None:
        sys.exit(f"no window {window_id}")
    _, _, width, height = window.get_geometry()
    pixbuf = Gdk.pixbuf_get_from_window(window, 0, 0, width, height)
    if pixbuf is None:
        sys.exit(f"window {window_id} shows nothing to read")
    pixbuf.savev(path, "png", [], [])


if __name__ == "__main__":
    main(sys.argv)
