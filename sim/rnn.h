/* sim/rnn.h: forward runs, exact BPTT gradients and k-step truncations (proofs-notes/models.md).
 *
 * A sequence is x (T, d) row-major, starting from the zero state. The k-step truncation
 * restarts from the zero state k steps back: y^k_t depends on x_{t-k+1..t} only (k = 0 means
 * no truncation). The input projections of all time steps are one GEMM; only the recurrence is
 * sequential. The cell arithmetic is core/cell.h's; the truncated forward runs on sim/window.h's
 * engine. Everything is double; nothing is allocated after srm_rnn_workspace_alloc.
 * A model with an encoder (vocab > 0) reads x as (T, 1) token indices; its input vectors are the
 * rows of encoder.weight, which then receives gradients too.
 * Proofs: proofs-notes/gradient-gap.md (the truncated objective and its gradient). */
#ifndef SRM_RNN_H
#define SRM_RNN_H

#include <stddef.h>

#include "core/model.h"

typedef enum { SRM_LOSS_MSE = 0, SRM_LOSS_XENT = 1, SRM_LOSS_BCE = 2 } srm_loss_kind;
typedef enum { SRM_LOSS_AT_ALL = 0, SRM_LOSS_AT_LAST = 1 } srm_loss_at;

int srm_loss_parse(const char *text, srm_loss_kind *out);  /* "mse", "xent", "bce" */
int srm_loss_at_parse(const char *text, srm_loss_at *out); /* "all", "last" */

typedef struct srm_rnn_workspace srm_rnn_workspace;

/* Workspace for sequences of length up to t_max and truncations up to k_max (0: none). k_max
 * bounds srm_rnn_forward's trunc_k and sim/truncate.h's kmax (capped at t_max: a truncation
 * with k >= T is the full model); srm_rnn_loss_grad accepts any trunc_k. A workspace serves
 * every model of the same shape (cell, sizes), e.g. a recurrent and a truncated student. */
srm_rnn_workspace *srm_rnn_workspace_alloc(const srm_model *m, size_t t_max, size_t k_max);
void srm_rnn_workspace_free(srm_rnn_workspace *ws);

/* Forward run. states (T, state_size; LSTM rows c_t then h_t) and outputs (T, m->output) may
 * be NULL; row t-1 holds time t. With trunc_k > 0, row t-1 holds the k-step truncated state
 * s^k_t / output y^k_t instead (s^k_t = s_t for t <= k). */
int srm_rnn_forward(const srm_model *m, const double *x, size_t T, size_t trunc_k,
                    double *states, double *outputs, srm_rnn_workspace *ws);

/* Check a text matrix x (rows, cols) read from `path` before a run, so that errors name the
 * file and line ("PATH:LINE:", with `lines` the file line of each row from srm_matrix_read, or
 * "PATH: row N:" when lines is NULL): an input sequence has cols == m->input, or one token index
 * in 0..vocab-1 per row for a model with an encoder; targets for `loss` are as
 * srm_rnn_loss_grad describes. */
int srm_rnn_input_check(const srm_model *m, const double *x, size_t rows, size_t cols,
                        const char *path, const long *lines);
int srm_rnn_target_check(const srm_model *m, srm_loss_kind loss, const double *z, size_t rows,
                         size_t cols, const char *path, const long *lines);
/* The same check for outputs of width `out` (a stack's top layer, sim/stack.h). */
int srm_loss_target_check(size_t out, srm_loss_kind loss, const double *z, size_t rows,
                          size_t cols, const char *path, const long *lines);
/* The loss at one position, y[0..out) against the target row z (zcols = 1: a class index for
 * xent; else out columns), as srm_rnn_loss_grad lists; writes dloss/dy into dy, which may be
 * y itself (each y_j is read before dy_j is written). */
double srm_loss_position(srm_loss_kind kind, const double *y, size_t out, const double *z,
                         size_t zcols, double *dy);
/* "PATH:LINE" of row t (0-based) into buf, for error messages of the checks above. */
const char *srm_rnn_row_where(char *buf, size_t size, const char *path, const long *lines,
                              size_t t);

/* Loss of the sequence and, if grad != NULL, its exact gradient ACCUMULATED into grad (a model
 * from srm_model_alloc_like; zero it first with srm_model_zero). The output y_t is
 * decoder.weight h_t + decoder.bias, or h_t itself when the model has no decoder. Per loss
 * position, with z_t the target row:
 *   mse   1/2 ||y_t - z_t||^2                  z: (T, out)
 *   xent  -sum_j p_j log softmax(y_t)_j        z: (T, 1) class indices (p one-hot), or
 *                                                 (T, out) probabilities p (target_cols says)
 *   bce   sum_j softplus(y_j) - z_j y_j        z: (T, out) in [0, 1]; sigmoid cross-entropy
 * The loss is the SUM over the loss positions (every t, or only t = T). With trunc_k > 0 the
 * loss at t uses y^k_t, from the zero state at max(0, t-k), and its gradient is BPTT through
 * that window only (proofs-notes/models.md section 4); trunc_k >= T is the full model. */
int srm_rnn_loss_grad(const srm_model *m, const double *x, const double *target,
                      size_t target_cols, size_t T, size_t trunc_k, srm_loss_kind loss,
                      srm_loss_at at, double *loss_out, srm_model *grad,
                      srm_rnn_workspace *ws);

#endif
