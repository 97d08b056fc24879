/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * tflite-reference.h — TFLite's requantization as its reference kernels
 * write it (lite/kernels/internal/quantization_util.cc and common.h,
 * gemmlowp's fixedpoint.h): what the tests hold the engine's 8-bit
 * arithmetic to, written apart from it.
 */
#ifndef CS_TFLITE_REFERENCE_H
#define CS_TFLITE_REFERENCE_H

#include <stdint.h>

/* QuantizeMultiplier: @real as *@multiplier·2^(*@shift − 31). */
void    tflite_quantize_multiplier (double real, int32_t *multiplier, int *shift);

/* MultiplyByQuantizedMultiplier: SaturatingRoundingDoublingHighMul, then
 * RoundingDivideByPOT. */
int32_t tflite_multiply_by_quantized_multiplier (int32_t x, int32_t multiplier, int shift);

#endif /* CS_TFLITE_REFERENCE_H */
