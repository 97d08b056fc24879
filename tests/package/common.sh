# SPDX-License-Identifier: GPL-3.0-or-later
# What tests/package/test-deb and test-bundle share, sourced by both
# after they set $work (a scratch directory with $work/log), $top (the
# checkout) and $shared (../shared, or empty): TAP results and GIMP
# classifying one photo with the installed plug-in.
n=0
failed=0

# One TAP line; a failure shows the end of $work/log.
result () {
  n=$((n + 1))
  if [ "$1" = ok ]; then
    echo "ok $n - $2"
  else
    echo "not ok $n - $2"
    failed=$((failed + 1))
    [ -s "$work/log" ] && sed 's/^/# /' "$work/log" | tail -n 20
  fi
}

# The photo and the class GIMP must name: the parrot with MobileNet v2
# from ../shared, else a bundled sandal with the bundled network.
if [ -n "$shared" ] && [ -f "$shared/images/parrot.jpg" ]; then
  photo=$shared/images/parrot.jpg model=$shared/models/mobilenet_v2_1.0_224_quant.tflite
  expected=macaw
else
  photo=$top/weights/samples/04-Sandal.png model= expected=Sandal
fi

# gimp-console classifies $photo into the CSV file $1, run through the
# command words before it (such as a change of user); TRUE when the top
# class is $expected.
classify_in_gimp () {
  csv=$1
  shift
  model_argument=
  [ -n "$model" ] && model_argument="#:model \"$model\""
  "$@" timeout 300 gimp-console-3.0 -i --batch-interpreter=plug-in-script-fu-eval \
    -b "(plug-in-convscope-classify-files #:run-mode RUN-NONINTERACTIVE
          #:files (list \"$photo\") $model_argument #:top-k 1 #:output \"$csv\")" \
    --quit >"$work/log" 2>&1
  grep -q ",1,$expected," "$csv" 2>/dev/null
}
