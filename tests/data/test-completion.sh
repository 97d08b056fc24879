#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The bash completion of data/completion/convscope against the built
# program: commands, a command's options, the catalogue's names for fetch
# and models --default, model files.  CONVSCOPE_WEIGHTS_DIR points at the
# source tree's catalogue.  Prints TAP.
#
# Usage: test-completion.sh COMPLETION CONVSCOPE WEIGHTS_DIR
set -u
shopt -s extglob
source "$1"
program=$2
export CONVSCOPE_WEIGHTS_DIR=$3
n=0

complete_words () {
  COMP_WORDS=("$program" "$@"); COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 )); COMPREPLY=()
  _convscope
  echo " ${COMPREPLY[*]} "
}

expect () {
  local description=$1 got=$2; shift 2
  local word missing=""
  n=$((n + 1))
  for word; do
    [[ $got == *" $word "* ]] || missing+=" $word"
  done
  if [ -z "$missing" ]; then echo "ok $n - $description"
  else echo "not ok $n - $description"; echo "# missing:$missing; got:$got"; fi
}

expect "the commands" "$(complete_words '')" info run classify bench models fetch --version
expect "classify's options" "$(complete_words classify --)" --top --resize --labels --card --json
expect "bench's options" "$(complete_words bench --)" --threads --runs --warmup --taps
expect "the resize policies" "$(complete_words classify --resize '')" stretch crop letterbox
expect "the catalogue for fetch" "$(complete_words fetch mobilenet-v)" mobilenet-v2
expect "the catalogue and none for models --default" \
  "$(complete_words models --default '')" none mobilenet-v2
cd "$CONVSCOPE_WEIGHTS_DIR" || exit 1
expect "model files for info" "$(complete_words info fash)" fashion-mnist-cnn.onnx
echo "1..$n"
