/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * fuzz-npy.c — the command-line tool's .npy reader (cli/npy.c): header
 * dict, shape and data length on arbitrary bytes.  A parsed tensor must
 * hold exactly as many floats as its shape says.
 */
#include "npy.h"
#include "tensor.h"

#include <stdint.h>

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  GError *error = NULL;
  CsTensor tensor;

  if (npy_parse (data, size, "fuzz.npy", &tensor, &error))
    {
      int64_t n = cs_shape_numel (&tensor.shape);
      volatile float sum = 0;

      g_assert (n >= 0 && tensor.dtype == CS_DTYPE_FLOAT32);
      for (int64_t i = 0; i < n; i++)
        sum += ((const float *) tensor.data)[i];
      cli_tensor_clear (&tensor);
    }
  else
    g_assert (error != NULL && error->domain == CS_ERROR);
  g_clear_error (&error);
  return 0;
}
