; SPDX-License-Identifier: GPL-3.0-or-later
; Script-Fu: cuts one class out of a photo with a segmentation network:
; every pixel the network gives another class becomes transparent, and
; the result is saved as a PNG.  Headless, from the checkout:
;
;   gimp-console-3.0 -i --batch-interpreter=plug-in-script-fu-eval \
;     -b '(load "docs/examples/cut-out.scm")
;         (convscope-cut-out "pets.jpg" "dog" "deeplabv3_mnv2_pascal_quant.tflite"
;                            "dogs.png")' --quit
;
; The model needs its card beside it saying task=segmentation, and the
; class is one of its labels (the catalogue's DeepLab v3 knows Pascal
; VOC's 21: person, cat, dog, car, …).  The call fails, and writes no
; PNG, when the photo shows none of the class.

(define (convscope-cut-out photo class model png)
  (let* ((image (car (gimp-file-load RUN-NONINTERACTIVE photo)))
         (layer (vector-ref (car (gimp-image-get-layers image)) 0)))
    (plug-in-convscope-segment #:run-mode RUN-NONINTERACTIVE #:image image
                               #:drawables (vector layer) #:model model
                               #:classes class #:output "selection"
                               #:use-selection FALSE)
    (gimp-layer-add-alpha layer)
    (gimp-selection-invert image)
    (gimp-drawable-edit-clear layer)
    (gimp-file-save RUN-NONINTERACTIVE image png -1)
    (gimp-image-delete image)))
