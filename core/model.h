/* core/model.h: recurrent models in PyTorch's layout, with all parameters in one block.
 *
 * Cells (proofs-notes/models.md): tanh RNN, ReLU RNN, linear RNN (rho = identity) and LSTM.
 * Tensors, named as nn.RNN/nn.LSTM name them, all row-major views into the single block `w`:
 *   rnn.weight_ih_l0  (G*n, d)     G = 1 for RNN-type cells, 4 for the LSTM (gates i, f, g, o)
 *   rnn.weight_hh_l0  (G*n, n)
 *   rnn.bias_ih_l0    (G*n)
 *   rnn.bias_hh_l0    (G*n)
 *   decoder.weight    (m, n)       optional linear readout y = decoder.weight h + decoder.bias
 *   decoder.bias      (m)
 *   encoder.weight    (V, d)       optional embedding
 * The block order is exactly the order above, so a gradient block allocated with
 * srm_model_alloc_like has the same layout and ||w - w'|| is one BLAS call over `nparam`. */
#ifndef SRM_MODEL_H
#define SRM_MODEL_H

#include <math.h>
#include <stddef.h>

typedef enum {
    SRM_CELL_RNN_TANH = 0,
    SRM_CELL_RNN_RELU = 1,
    SRM_CELL_LINEAR = 2,
    SRM_CELL_LSTM = 3,
    SRM_CELL_GRU = 4 /* nn.GRU (gates r, z, n): stored, certified and run by the reference step
                        srm_cell_step only (sim/stack.h); the batched kernels, sim/rnn.h and the
                        benchmark network refuse it, and srm_model_load does not return it */
} srm_cell;

typedef struct {
    srm_cell cell;
    size_t hidden; /* n */
    size_t input;  /* d */
    size_t output; /* m; 0 = no decoder */
    size_t vocab;  /* V; 0 = no encoder */
    size_t gates;  /* G: 1, 4 (LSTM) or 3 (GRU) */
    size_t nparam; /* total number of doubles in w */
    double *w;     /* every parameter, contiguous */
    double *weight_ih, *weight_hh, *bias_ih, *bias_hh;
    double *decoder_weight, *decoder_bias; /* NULL when output == 0 */
    double *encoder_weight;                /* NULL when vocab == 0 */
} srm_model;

srm_model *srm_model_alloc(srm_cell cell, size_t hidden, size_t input, size_t output,
                           size_t vocab); /* zero weights; NULL (error recorded) on failure */
srm_model *srm_model_alloc_like(const srm_model *m); /* same shapes, zero-filled */
void srm_model_free(srm_model *m);
void srm_model_copy(srm_model *dst, const srm_model *src); /* same shapes required */
void srm_model_zero(srm_model *m);
/* ||a.w - b.w||_2 over every parameter (same shapes required). */
double srm_model_distance(const srm_model *a, const srm_model *b);

/* One tensor of a model: its name (the table above), shape (ndim 1: shape[0] only) and a view
 * of its part of the block. The one table of tensor names: saving, loading, checkpoints and
 * gradient files all go through srm_model_tensors. */
typedef struct {
    const char *name;
    size_t ndim, shape[2];
    double *data;
} srm_model_tensor;
#define SRM_MODEL_TENSORS_MAX 7
/* The names, as nn.RNN/nn.LSTM and pytorch/examples' RNNModel write them. */
#define SRM_TENSOR_WEIGHT_IH "rnn.weight_ih_l0"
#define SRM_TENSOR_WEIGHT_HH "rnn.weight_hh_l0"
#define SRM_TENSOR_BIAS_IH "rnn.bias_ih_l0"
#define SRM_TENSOR_BIAS_HH "rnn.bias_hh_l0"
#define SRM_TENSOR_DECODER_WEIGHT "decoder.weight"
#define SRM_TENSOR_DECODER_BIAS "decoder.bias"
#define SRM_TENSOR_ENCODER_WEIGHT "encoder.weight"
/* Fills t[0..) with m's tensors in block order (decoder and encoder only when present) and
 * returns their count (at most SRM_MODEL_TENSORS_MAX). */
size_t srm_model_tensors(const srm_model *m, srm_model_tensor *t);

/* Size of the state s: n for RNN-type cells, 2n for the LSTM with s = (c, h), c first. */
size_t srm_model_state_size(const srm_model *m);

const char *srm_cell_name(srm_cell cell); /* "rnn_tanh", "rnn_relu", "linear", "lstm" */
/* Accepts the metadata names and the CLI aliases ("rnn" = rnn_tanh). */
int srm_cell_parse(const char *text, srm_cell *out);

/* Loads a one-layer, one-direction safetensors model (F64, F32, F16 or BF16) through
 * core/layout.h: any module prefix, the cell from the shapes (a metadata "cell" must agree, and
 * says relu or linear), missing biases read as zero, the embedding under any of the layout's
 * names. A stack or a bidirectional model is an error pointing to srm certify; every error
 * names the file and the tensor. */
int srm_model_load(const char *path, srm_model **out);
/* srm_model_load_with (core/layout.h) takes the layout's options too. */
int srm_model_save(const char *path, const srm_model *m); /* F64, atomic */

/* One step of the cell map (proofs-notes/models.md section 2): s_next = phi_w(s, x).
 * s, s_next have srm_model_state_size(m) entries (LSTM: c then h); x has m->input entries;
 * work has at least srm_cell_step_work_size(m) doubles. s and s_next must not alias. */
size_t srm_cell_step_work_size(const srm_model *m);
/* Two GEMVs and the elementwise step of core/cell.h (the one cell kernel, on R rows). */
void srm_cell_step(const srm_model *m, const double *s, const double *x, double *s_next,
                   double *work);

#endif
