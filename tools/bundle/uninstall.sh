#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Removes the Convscope plug-in that install.sh put into this user's GIMP
# 3 profile (the distribution's GIMP, the Flatpak one, or both).  The
# models downloaded into ~/.local/share/convscope stay.
#
#   ./uninstall.sh
set -eu
removed=0
for dir in "${XDG_CONFIG_HOME:-$HOME/.config}/GIMP/3.0/plug-ins/convscope" \
           "$HOME/.var/app/org.gimp.GIMP/config/GIMP/3.0/plug-ins/convscope"; do
  if [ -d "$dir" ]; then
    rm -rf "$dir"
    echo "Convscope removed from $dir"
    removed=1
  fi
done
[ $removed = 1 ] || echo "Convscope is not installed for this user."
