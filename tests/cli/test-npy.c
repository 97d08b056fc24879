/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test-npy.c — unit tests of the .npy reader and writer (cli/npy.c): a
 * round trip through a file, the header variants NumPy writes, and a
 * catalogue of hostile files that must each give a clear CS_ERROR naming
 * the file rather than a crash or a wrong tensor.
 */
#include <string.h>

#include <glib/gstdio.h>

#include "npy.h"
#include "tensor.h"

#define NAME "hostile.npy"

/* A .npy image: magic, @major.0, the header length in the width that
 * version uses, @header verbatim, then @data_bytes bytes of floats 0, 1,
 * 2, ... (the tail of the last one if not a multiple of 4). */
static GBytes *
make_npy (int major, const char *header, size_t data_bytes)
{
  GByteArray *bytes = g_byte_array_new ();
  size_t      header_len = strlen (header);
  guint8      prefix[12] = { 0x93, 'N', 'U', 'M', 'P', 'Y', major, 0 };
  size_t      prefix_len = major == 1 ? 10 : 12;

  for (size_t i = 0; i < prefix_len - 8; i++)
    prefix[8 + i] = (header_len >> (8 * i)) & 0xff;
  g_byte_array_append (bytes, prefix, prefix_len);
  g_byte_array_append (bytes, (const guint8 *) header, header_len);
  for (size_t i = 0; i < data_bytes; i++)
    {
      float  value = (float) (i / 4);
      guint8 le[4];
      guint32 word;

      memcpy (&word, &value, 4);
      word = GUINT32_TO_LE (word);
      memcpy (le, &word, 4);
      g_byte_array_append (bytes, &le[i % 4], 1);
    }
  return g_byte_array_free_to_bytes (bytes);
}

static gboolean
parse_bytes (GBytes *bytes, CsTensor *tensor, GError **error)
{
  gsize         size;
  gconstpointer data = g_bytes_get_data (bytes, &size);

  return npy_parse (data, size, NAME, tensor, error);
}

static void
assert_parses (int major, const char *header, size_t data_bytes,
               int rank, const int64_t *dims)
{
  g_autoptr (GBytes) bytes = make_npy (major, header, data_bytes);
  GError  *error = NULL;
  CsTensor tensor;

  g_assert_true (parse_bytes (bytes, &tensor, &error));
  g_assert_no_error (error);
  g_assert_cmpint (tensor.dtype, ==, CS_DTYPE_FLOAT32);
  g_assert_cmpint (tensor.shape.rank, ==, rank);
  for (int i = 0; i < rank; i++)
    g_assert_cmpint (tensor.shape.dims[i], ==, dims[i]);
  for (size_t i = 0; i < data_bytes / 4; i++)
    g_assert_cmpfloat (((float *) tensor.data)[i], ==, (float) i);
  cli_tensor_clear (&tensor);
}

/* Parsing must fail with @code, a message naming the file and containing
 * @fragment, and leave the tensor empty. */
static void
assert_rejects (GBytes *bytes, CsErrorCode code, const char *fragment)
{
  GError  *error = NULL;
  CsTensor tensor;

  g_assert_false (parse_bytes (bytes, &tensor, &error));
  g_assert_error (error, CS_ERROR, (int) code);
  g_assert_true (g_str_has_prefix (error->message, NAME ": "));
  if (strstr (error->message, fragment) == NULL)
    g_error ("'%s' lacks '%s'", error->message, fragment);
  g_assert_null (strchr (error->message, '\n'));
  g_assert_null (tensor.data);
  g_error_free (error);
}

static void
assert_rejects_header (const char *header, size_t data_bytes,
                       CsErrorCode code, const char *fragment)
{
  g_autoptr (GBytes) bytes = make_npy (1, header, data_bytes);

  assert_rejects (bytes, code, fragment);
}

static void
test_round_trip (void)
{
  g_autofree char *dir = g_dir_make_tmp ("npy-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "t.npy", NULL);
  g_autofree char *contents = NULL;
  CsShape  shape = { 3, { 2, 3, 5 } };
  CsTensor written, read;
  GError  *error = NULL;
  gsize    length, data_offset;

  g_assert_true (cli_tensor_alloc (&written, "t", &shape, &error));
  for (int i = 0; i < 30; i++)
    ((float *) written.data)[i] = i * 0.25f - 3.0f;
  g_assert_true (npy_write_file (path, &written, &error));
  g_assert_no_error (error);

  /* As NumPy writes it: version 1.0, the data aligned to 64 bytes right
   * after the header's newline. */
  g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
  g_assert_cmpuint (length, >, 30 * 4);
  data_offset = length - 30 * 4;
  g_assert_cmpuint (data_offset % 64, ==, 0);
  g_assert_cmpint (contents[6], ==, 1);
  g_assert_cmpint (contents[8] | contents[9] << 8, ==, data_offset - 10);
  g_assert_cmpint (contents[data_offset - 1], ==, '\n');
  g_assert_true (g_str_has_prefix (contents + 10, "{'descr': '<f4', "
                                   "'fortran_order': False, 'shape': (2, 3, 5), }"));

  g_assert_true (npy_read_file (path, &read, &error));
  g_assert_no_error (error);
  g_assert_true (cs_shape_equal (&read.shape, &shape));
  g_assert_cmpmem (read.data, 30 * 4, written.data, 30 * 4);

  cli_tensor_clear (&read);
  cli_tensor_clear (&written);
  g_unlink (path);
  g_rmdir (dir);
}

static void
test_write_rank_one_and_scalar (void)
{
  g_autofree char *dir = g_dir_make_tmp ("npy-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "t.npy", NULL);
  const CsShape shapes[] = { { 1, { 7 } }, { 0, { 0 } } };

  for (size_t s = 0; s < G_N_ELEMENTS (shapes); s++)
    {
      CsTensor written, read;
      GError  *error = NULL;

      g_assert_true (cli_tensor_alloc (&written, NULL, &shapes[s], &error));
      g_assert_true (npy_write_file (path, &written, &error));
      g_assert_true (npy_read_file (path, &read, &error));
      g_assert_no_error (error);
      g_assert_true (cs_shape_equal (&read.shape, &shapes[s]));
      cli_tensor_clear (&read);
      cli_tensor_clear (&written);
    }
  g_unlink (path);
  g_rmdir (dir);
}

static void
test_write_failure (void)
{
  CsShape  shape = { 1, { 2 } };
  CsTensor tensor;
  GError  *error = NULL;

  g_assert_true (cli_tensor_alloc (&tensor, NULL, &shape, &error));
  g_assert_false (npy_write_file ("/nonexistent-dir/x.npy", &tensor, &error));
  g_assert_error (error, CS_ERROR, CS_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "/nonexistent-dir/x.npy"));
  g_error_free (error);
  cli_tensor_clear (&tensor);
}

static void
test_header_variants (void)
{
  const int64_t nchw[] = { 1, 3, 2, 2 };
  const int64_t five[] = { 5 };
  const int64_t empty[] = { 0, 4 };

  assert_parses (1, "{'descr': '<f4', 'fortran_order': False, "
                 "'shape': (1, 3, 2, 2), }          \n", 48, 4, nchw);
  /* Keys in another order, double quotes, no trailing comma. */
  assert_parses (1, "{\"shape\": (1,3,2,2), \"fortran_order\": False, "
                 "\"descr\": \"<f4\"}\n", 48, 4, nchw);
  assert_parses (2, "{'descr': '<f4', 'fortran_order': False, 'shape': (5,), }\n",
                 20, 1, five);
  assert_parses (3, "{'descr': '<f4', 'fortran_order': False, 'shape': (5,), }\n",
                 20, 1, five);
  assert_parses (1, "{'descr': '<f4', 'fortran_order': False, 'shape': (), }\n",
                 4, 0, NULL);
  assert_parses (1, "{'descr': '<f4', 'fortran_order': False, 'shape': (0, 4), }\n",
                 0, 2, empty);
}

static void
test_hostile_prefix (void)
{
  static const guint8 short_file[] = { 0x93, 'N', 'U', 'M' };
  static const guint8 no_length[] = { 0x93, 'N', 'U', 'M', 'P', 'Y', 2, 0, 10 };
  g_autoptr (GBytes) empty = g_bytes_new_static ("", 0);
  g_autoptr (GBytes) truncated = g_bytes_new_static (short_file, sizeof short_file);
  g_autoptr (GBytes) text = g_bytes_new_static ("hello, world\n", 13);
  g_autoptr (GBytes) v2_no_length = g_bytes_new_static (no_length, sizeof no_length);
  g_autoptr (GBytes) v4 = make_npy (4, "{}", 0);
  g_autoptr (GBytes) v0 = make_npy (0, "{}", 0);
  g_autoptr (GBytes) v11 = NULL;
  g_autoptr (GBytes) long_claim = NULL;
  g_autoptr (GBytes) huge_claim = NULL;
  GByteArray *array;

  assert_rejects (empty, CS_ERROR_FORMAT, "not a NumPy .npy file");
  assert_rejects (truncated, CS_ERROR_FORMAT, "not a NumPy .npy file");
  assert_rejects (text, CS_ERROR_FORMAT, "not a NumPy .npy file");
  assert_rejects (v2_no_length, CS_ERROR_FORMAT, "ends before its header length");
  assert_rejects (v4, CS_ERROR_UNSUPPORTED, "version 4.0");
  assert_rejects (v0, CS_ERROR_UNSUPPORTED, "version 0.0");

  array = g_byte_array_new ();
  g_byte_array_append (array, (const guint8 *) "\x93NUMPY\x01\x01\x02\x00{}", 12);
  v11 = g_byte_array_free_to_bytes (array);
  assert_rejects (v11, CS_ERROR_UNSUPPORTED, "version 1.1");

  /* A header length that runs past the end of the file. */
  array = g_byte_array_new ();
  g_byte_array_append (array, (const guint8 *) "\x93NUMPY\x01\x00\x00\x01{}", 12);
  long_claim = g_byte_array_free_to_bytes (array);
  assert_rejects (long_claim, CS_ERROR_FORMAT, "truncated");

  /* A version 2 length of 4 GiB − 1 must not be believed. */
  array = g_byte_array_new ();
  g_byte_array_append (array, (const guint8 *) "\x93NUMPY\x02\x00\xff\xff\xff\xff{}", 14);
  huge_claim = g_byte_array_free_to_bytes (array);
  assert_rejects (huge_claim, CS_ERROR_FORMAT, "more than the");
}

static void
test_hostile_header (void)
{
  const struct
  {
    const char *header;
    size_t      data_bytes;
    CsErrorCode code;
    const char *fragment;
  } cases[] = {
    { "", 0, CS_ERROR_FORMAT, "'{'" },
    { "not a dict", 0, CS_ERROR_FORMAT, "'{'" },
    { "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", 16,
      CS_ERROR_UNSUPPORTED, "'<f8' is not supported" },
    { "{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }", 8,
      CS_ERROR_UNSUPPORTED, "'>f4'" },
    { "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }", 8,
      CS_ERROR_FORMAT, "quoted string" },
    { "{'descr': '<f4', 'fortran_order': True, 'shape': (2,), }", 8,
      CS_ERROR_UNSUPPORTED, "Fortran" },
    { "{'descr': '<f4', 'fortran_order': 0, 'shape': (2,), }", 8,
      CS_ERROR_FORMAT, "True or False" },
    { "{'descr': '<f4', 'shape': (2,), }", 8, CS_ERROR_FORMAT,
      "lacks the key 'fortran_order'" },
    { "{'descr': '<f4', 'fortran_order': False, }", 8, CS_ERROR_FORMAT,
      "lacks the key 'shape'" },
    { "{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (2,)}", 8,
      CS_ERROR_FORMAT, "'descr' twice" },
    { "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'extra': 1}", 8,
      CS_ERROR_FORMAT, "unexpected key 'extra'" },
    { "{'descr': '<f4', 'fortran_order': False, 'shape': (2), }", 8,
      CS_ERROR_FORMAT, "',' after the only dimension" },
    { "{'descr': '<f4', 'fortran_order': False, 'shape': (-2,), }", 8,
      CS_ERROR_FORMAT, "non-negative integer" },
    { "{'descr': '<f4', 'fortran_order': False, 'shape': (2.5,), }", 8,
      CS_ERROR_FORMAT, "',' after the only dimension" },
    { "{'descr': '<f4', 'fortran_order': False, 'shape': (02,), }", 8,
      CS_ERROR_FORMAT, "leading zeros" },
    { "{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,), }", 8,
      CS_ERROR_FORMAT, "too large" },
    /* Each dimension fits; their product overflows any size. */
    { "{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296), }",
      8, CS_ERROR_FORMAT, "promises a 4294967296×4294967296" },
    { "{'descr': '<f4', 'fortran_order': False, 'shape': (1,1,1,1,1,1,1,1,1), }", 4,
      CS_ERROR_UNSUPPORTED, "more than 8 dimensions" },
    { "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 3, 8, 8), }", 100,
      CS_ERROR_FORMAT, "promises a 1×3×8×8 float32 array but the file holds 100 bytes" },
    { "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", 7,
      CS_ERROR_FORMAT, "holds 7 bytes" },
    { "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", 9,
      CS_ERROR_FORMAT, "holds 9 bytes" },
    { "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), } junk", 8,
      CS_ERROR_FORMAT, "only padding" },
    { "{'descr': '<f4', 'fortran_order': False, 'shape': (2,)", 8,
      CS_ERROR_FORMAT, "',' or '}'" },
    { "{'descr': '<f4", 8, CS_ERROR_FORMAT, "closing quote" },
    { "{'descr': '<f\\x34', 'fortran_order': False, 'shape': (2,)}", 8,
      CS_ERROR_FORMAT, "without escapes" },
    { "{'descr' '<f4', 'fortran_order': False, 'shape': (2,)}", 8,
      CS_ERROR_FORMAT, "':'" },
    { "{'\x1b[31mred': 1}", 0, CS_ERROR_FORMAT, "unexpected key '\\033[31mred'" },
  };

  for (size_t i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *shown = g_strescape (cases[i].header, NULL);

      g_test_message ("header %zu: %s", i, shown);
      assert_rejects_header (cases[i].header, cases[i].data_bytes,
                             cases[i].code, cases[i].fragment);
    }
}

static void
test_nul_in_header (void)
{
  static const char header[] = "{'descr': '<f4',\0'fortran_order': False, "
                               "'shape': (2,), }";
  GByteArray *array = g_byte_array_new ();
  g_autoptr (GBytes) bytes = NULL;
  guint8 prefix[10] = { 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0,
                        sizeof header - 1, 0 };

  g_byte_array_append (array, prefix, sizeof prefix);
  g_byte_array_append (array, (const guint8 *) header, sizeof header - 1);
  g_byte_array_append (array, (const guint8 *) "\0\0\0\0\0\0\0\0", 8);
  bytes = g_byte_array_free_to_bytes (array);
  assert_rejects (bytes, CS_ERROR_FORMAT, "malformed .npy header");
}

static void
test_missing_file (void)
{
  CsTensor tensor;
  GError  *error = NULL;

  g_assert_false (npy_read_file ("/nonexistent/in.npy", &tensor, &error));
  g_assert_error (error, CS_ERROR, CS_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "/nonexistent/in.npy"));
  g_error_free (error);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/npy/round-trip", test_round_trip);
  g_test_add_func ("/npy/write-rank-one-and-scalar", test_write_rank_one_and_scalar);
  g_test_add_func ("/npy/write-failure", test_write_failure);
  g_test_add_func ("/npy/header-variants", test_header_variants);
  g_test_add_func ("/npy/hostile-prefix", test_hostile_prefix);
  g_test_add_func ("/npy/hostile-header", test_hostile_header);
  g_test_add_func ("/npy/nul-in-header", test_nul_in_header);
  g_test_add_func ("/npy/missing-file", test_missing_file);
  return g_test_run ();
}
