/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * op-common.h — checks and data movement shared by the reference ops:
 * validating a node's inputs and outputs against what the op expects,
 * reading the constant parameter inputs ONNX allows in place of
 * attributes, and copying strided blocks of elements of any dtype (the
 * shape ops run on float32 data and on int64 shape arithmetic alike).
 */
#ifndef CS_OP_COMMON_H
#define CS_OP_COMMON_H

#include "ops.h"
#include "../kernels/epilogue.h"

G_BEGIN_DECLS

/* The footprint of an op whose output element depends on the same
 * element of its input only (activations, BatchNormalization, Identity). */
gboolean cs_op_footprint_same (const CsGraph  *graph,
                               const CsNode   *node,
                               int             j,
                               const CsRegion *out,
                               int             i,
                               CsRegion       *in);

/* Checks that @node has between @min_inputs and @max_inputs (G_MAXINT:
 * no limit) inputs, the first @min_inputs of them present, and exactly
 * @n_outputs outputs. */
gboolean cs_op_check_arity (const CsGraph *graph,
                            const CsNode  *node,
                            int            min_inputs,
                            int            max_inputs,
                            int            n_outputs,
                            GError       **error);

/* Checks that input @i is float32 with a rank between @min_rank and
 * @max_rank. */
gboolean cs_op_check_float (const CsGraph *graph,
                            const CsNode  *node,
                            int            i,
                            int            min_rank,
                            int            max_rank,
                            GError       **error);

/* Normalizes @axis, which may count from the end, into [0, @rank);
 * @what names the attribute in the message. */
gboolean cs_op_axis (const CsGraph *graph,
                     const CsNode  *node,
                     int64_t        axis,
                     int            rank,
                     const char    *what,
                     int           *out,
                     GError       **error);

/* Normalizes @n axes in place against @rank and sets bit i of *@mask for
 * each; repeated axes are an error. */
gboolean cs_op_axes_mask (const CsGraph *graph,
                          const CsNode  *node,
                          int64_t       *axes,
                          int            n,
                          int            rank,
                          guint         *mask,
                          GError       **error);

/* Reads the int64 scalar or 1-D constant input @i into @values (room for
 * @capacity) and sets *@n.  A non-constant input is CS_ERROR_UNSUPPORTED:
 * @what ("the target shape") must be known at load time. */
gboolean cs_op_const_ints (const CsGraph *graph,
                           const CsNode  *node,
                           int            i,
                           const char    *what,
                           int64_t       *values,
                           int            capacity,
                           int           *n,
                           GError       **error);

/* Reads the one-element constant input @i of either dtype as a double. */
gboolean cs_op_const_scalar (const CsGraph *graph,
                             const CsNode  *node,
                             int            i,
                             const char    *what,
                             double        *value,
                             GError       **error);

/* The filter of Conv and ConvTranspose: checks that the weights (input 1,
 * 4-D float32, checked by the caller) are constant and their last two
 * dimensions match @window's kernel, taking the kernel from them where
 * the file left it out, and that the optional bias (input 2) is a
 * constant float32 vector of @n_out values. */
gboolean cs_op_check_filter (const CsGraph *graph,
                             const CsNode  *node,
                             CsWindow      *window,
                             int64_t        n_out,
                             GError       **error);

/* Sets output @i's dtype and shape after checking every dimension is
 * non-negative and the size within CS_MAX_TENSOR_BYTES (cs_shape_fits). */
gboolean cs_op_set_output (CsGraph       *graph,
                           CsNode        *node,
                           int            i,
                           CsDType        dtype,
                           const CsShape *shape,
                           GError       **error);

/* Broadcasts @a and @b as NumPy does (aligned at the last dimension,
 * sizes equal or one of them 1) into *@out, which may be @a or @b. */
gboolean cs_op_broadcast_shapes (const CsGraph *graph,
                                 const CsNode  *node,
                                 const CsShape *a,
                                 const CsShape *b,
                                 CsShape       *out,
                                 GError       **error);

/* The element strides that read a tensor of @shape as one of @out's
 * shape, to which it broadcasts: 0 along the dimensions it repeats,
 * including the leading ones it lacks. */
void cs_op_broadcast_strides (const CsShape *shape,
                              const CsShape *out,
                              int64_t       *strides);

/* Row-major element strides of @shape. */
void cs_op_strides (const CsShape *shape, int64_t *strides);

/* Copies a @rank-dimensional block of @dims elements of @elem_size bytes
 * between two strided layouts (strides in elements, possibly negative or
 * zero on the source).  Contiguous inner runs become one memcpy. */
void cs_op_strided_copy (void          *dst,
                         const int64_t *dst_strides,
                         const void    *src,
                         const int64_t *src_strides,
                         const int64_t *dims,
                         int            rank,
                         size_t         elem_size);

/* Copies input 0 to output 0 byte for byte, unless the session let them
 * share memory: the run of every op that only relabels the shape. */
void cs_op_copy_input (const CsNode *node, CsExec *exec);

/* The backward of ops that only relabel the shape (and of rounding
 * that the gradient passes straight through): dx += dy. */
gboolean cs_op_backward_pass_through (const CsNode *node,
                                      CsGradExec   *exec,
                                      GError      **error);
/* The backward of ops that move elements without computing (Concat,
 * Split, Slice, Transpose): the op runs once more on the positions of its
 * float inputs' elements (as int32 bits, which it moves untouched), and
 * each output element's gradient is added where it came from. */
gboolean cs_op_backward_moves (const CsNode *node,
                               CsGradExec   *exec,
                               GError      **error);

/* Bytes per element of value @index. */
static inline size_t
cs_op_elem_size (const CsGraph *graph, int index)
{
  return cs_dtype_size (cs_graph_value (graph, index)->dtype);
}

G_END_DECLS

#endif /* CS_OP_COMMON_H */
