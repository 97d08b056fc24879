#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Installs the Convscope plug-in from this bundle for the current user.
#
#   ./install.sh [--flatpak]
#
# Into $XDG_CONFIG_HOME/GIMP/3.0/plug-ins/convscope/ (~/.config/...) for a
# GIMP 3 installed from the distribution or built from source; with
# --flatpak, or when the Flatpak GIMP (org.gimp.GIMP) is the only GIMP 3
# here, into ~/.var/app/org.gimp.GIMP/config/GIMP/3.0/plug-ins/convscope/.
# An earlier Convscope there is replaced.  Restart GIMP afterwards.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
native_dir=${XDG_CONFIG_HOME:-$HOME/.config}/GIMP/3.0/plug-ins
flatpak_dir=$HOME/.var/app/org.gimp.GIMP/config/GIMP/3.0/plug-ins

case ${1:-} in
  --flatpak) target=$flatpak_dir ;;
  "")
    target=$native_dir
    if ! command -v gimp-3.0 >/dev/null 2>&1 && ! command -v gimp-console-3.0 >/dev/null 2>&1 \
       && { [ -d "$HOME/.var/app/org.gimp.GIMP" ] \
            || flatpak info org.gimp.GIMP >/dev/null 2>&1; }; then
      target=$flatpak_dir
    fi ;;
  *) echo "usage: ./install.sh [--flatpak]" >&2; exit 2 ;;
esac

mkdir -p "$target"
# Copied beside the old one and renamed over it, so GIMP never sees half
# a plug-in.
rm -rf "$target/.convscope-new"
mkdir "$target/.convscope-new"
for item in convscope weights locale help; do
  if [ -e "$here/$item" ]; then cp -R "$here/$item" "$target/.convscope-new/"; fi
done
chmod 755 "$target/.convscope-new/convscope"
rm -rf "$target/convscope"
mv "$target/.convscope-new" "$target/convscope"
echo "Convscope installed in $target/convscope; restart GIMP to use it."
