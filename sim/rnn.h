/* sim/rnn.h: forward runs, exact BPTT gradients and k-step truncations (THEORY.md sections 1, 3).
 *
 * A sequence is x (T, d) row-major, starting from the zero state. The k-step truncation
 * restarts from the zero state k steps back: y^k_t depends on x_{t-k+1..t} only (k = 0 means
 * no truncation). The input projections of all time steps are one GEMM; only the recurrence is
 * sequential. Everything is double; nothing is allocated after srm_rnn_workspace_alloc. */
#ifndef SRM_RNN_H
#define SRM_RNN_H

#include <stddef.h>

#include "sim/model.h"

typedef enum { SRM_LOSS_MSE = 0, SRM_LOSS_XENT = 1, SRM_LOSS_BCE = 2 } srm_loss_kind;
typedef enum { SRM_LOSS_AT_ALL = 0, SRM_LOSS_AT_LAST = 1 } srm_loss_at;

int srm_loss_parse(const char *text, srm_loss_kind *out);  /* "mse", "xent", "bce" */
int srm_loss_at_parse(const char *text, srm_loss_at *out); /* "all", "last" */

typedef struct srm_rnn_workspace srm_rnn_workspace;

/* Workspace for sequences of length up to t_max and truncations up to k_max (0: none). */
srm_rnn_workspace *srm_rnn_workspace_alloc(const srm_model *m, size_t t_max, size_t k_max);
void srm_rnn_workspace_free(srm_rnn_workspace *ws);

/* Forward run. states (T, state_size) and outputs (T, m->output) may be NULL.
 * With trunc_k > 0, row t holds the k-step truncated state h^k_t / output y^k_t. */
int srm_rnn_forward(const srm_model *m, const double *x, size_t T, size_t trunc_k,
                    double *states, double *outputs, srm_rnn_workspace *ws);

/* Loss of the sequence and, if grad != NULL, its exact gradient ACCUMULATED into grad (a model
 * from srm_model_alloc_like; zero it first with srm_model_zero). Targets: (T, m->output) for
 * mse and bce; for xent either (T, 1) class indices or (T, m->output) probabilities, given by
 * target_cols. The loss is the sum over the loss positions (every t, or only t = T). When the
 * model has no decoder, the output is the hidden state h_t itself. */
int srm_rnn_loss_grad(const srm_model *m, const double *x, const double *target,
                      size_t target_cols, size_t T, size_t trunc_k, srm_loss_kind loss,
                      srm_loss_at at, double *loss_out, srm_model *grad,
                      srm_rnn_workspace *ws);

#endif
