; SPDX-License-Identifier: GPL-3.0-or-later
; Script-Fu: classifies every image in a folder with Convscope's default
; model and writes one CSV (file, rank, label, score; the five most
; probable classes of each image).  The plug-in loads each file itself
; and the network only once.  Headless, from the checkout:
;
;   gimp-console-3.0 -i --batch-interpreter=plug-in-script-fu-eval \
;     -b '(load "docs/examples/classify-folder.scm")
;         (convscope-classify-folder "photos" "labels.csv")' --quit
;
; Every file in the folder must be an image GIMP can load; the call fails
; naming the first that is not, and then writes no CSV.  To choose the
; network, add  #:model "mobilenet_v2_1.0_224_quant.tflite"  to the call
; of plug-in-convscope-classify-files below.

(define (convscope-classify-folder folder csv)
  (let ((files (car (file-glob #:pattern (string-append folder "/*")
                               #:filename-encoding FALSE))))
    (if (null? files)
        (error "convscope-classify-folder: no files in" folder))
    (plug-in-convscope-classify-files #:run-mode RUN-NONINTERACTIVE
                                      #:files files
                                      #:output csv)
    (gimp-message (string-append (number->string (length files))
                                 " images classified into " csv))))
