; SPDX-License-Identifier: GPL-3.0-or-later
; Script-Fu: lays the Grad-CAM heat map of the most probable class over
; an image, as a layer in a layer group named after the class, with
; Convscope's default model, and returns the class's label.  The heat map
; is coloured with viridis, so a grayscale image is made RGB first.  From
; the Script-Fu console, on the first open image:
;
;   (load "docs/examples/heatmap.scm")
;   (convscope-heat-map (vector-ref (car (gimp-get-images)) 0))
;
; Headless, from the checkout:
;
;   gimp-console-3.0 -i --batch-interpreter=plug-in-script-fu-eval \
;     -b '(load "docs/examples/heatmap.scm")
;         (gimp-message (convscope-heat-map
;                         (car (gimp-file-load RUN-NONINTERACTIVE "photo.png"))))' --quit
;
; To choose the network, add  #:model "mobilenet_v2_1.0_224_quant.tflite"
; to the call of plug-in-convscope-heatmap below; #:method "occlusion"
; asks the model-agnostic method instead.

(define (convscope-heat-map image)
  (let ((layer (vector-ref (car (gimp-image-get-layers image)) 0)))
    (if (not (= (car (gimp-image-get-base-type image)) RGB))
        (gimp-image-convert-rgb image))
    (cadr (plug-in-convscope-heatmap #:run-mode RUN-NONINTERACTIVE
                                     #:image image
                                     #:drawables (vector layer)
                                     #:method "gradcam"
                                     #:colormap "viridis"
                                     #:opacity 60
                                     #:output "layer"))))
