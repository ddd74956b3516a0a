/* core/gru.h: nn.GRU's step and its backward, the one home of the GRU cell
 * (proofs-notes/gru-condition.md section 1). Rows of the weights are the gates r, z, n:
 *   r = sigmoid(W_ir x + b_ir + W_hr h + b_hr),  z = sigmoid(W_iz x + b_iz + W_hz h + b_hz),
 *   n = tanh(W_in x + b_in + r * (W_hn h + b_hn)),  h' = (1 - z) n + z h.
 * The reference step srm_cell_step (core/model.h) and the stack gradients (sim/stack_grad.c)
 * both call these. */
#ifndef SRM_GRU_H
#define SRM_GRU_H

#include "core/model.h"

/* h' of one step from h (n) and x (d); gates (3n) receives r, z, n and ghn (n) W_hn h + b_hn,
 * what srm_gru_backward needs. */
void srm_gru_forward(const srm_model *m, const double *h, const double *x, double *h_next,
                     double *gates, double *ghn);

/* Backward of one step at (h, x) with upstream dh (n) on h': ACCUMULATES the parameter
 * gradients into g (a model of m's shapes), ADDS W_ih^T da into dx (d; skipped when NULL) and
 * WRITES dh_prev (n, distinct from dh), the gradient on h. work: 6n doubles. */
void srm_gru_backward(const srm_model *m, const double *h, const double *x, const double *gates,
                      const double *ghn, const double *dh, srm_model *g, double *dx,
                      double *dh_prev, double *work);

#endif
