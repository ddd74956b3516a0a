/* sim/rnn_internal.h: the workspace layout and the span runner shared by sim/rnn.c (forward),
 * sim/rnn_grad.c (losses, BPTT) and sim/truncate.c (all k-step truncations at once). The cell
 * arithmetic itself is core/cell.h's, the truncation engine sim/window.h's.
 * Not a public header: other modules use sim/rnn.h and sim/truncate.h.
 *
 * Time is 1-based as in proofs-notes/models.md: s_0 = 0 and x_t is input row t-1. A "span" is a
 * run of L steps from the zero state over consecutive inputs: the whole sequence, or the window
 * x_{t0+1..t0+L} of a truncated model. */
#ifndef SRM_RNN_INTERNAL_H
#define SRM_RNN_INTERNAL_H

#include <stddef.h>

#include "core/model.h"
#include "sim/rnn.h"
#include "sim/window.h"

struct srm_rnn_workspace {
    srm_cell cell;
    size_t n, d, output, vocab; /* the model shape this workspace serves */
    size_t gn, S, out;          /* G*n pre-activations, state size, loss outputs (m or n) */
    size_t t_max, k_max, batch; /* batch rows: min(k_max, t_max) restarted + 1 full run */
    double *block;              /* the one allocation every array below points into */
    const double *tokens;       /* encoder models: the token indices of the current x */
    double *xin;    /* (t_max, d) input vectors (embedding rows when vocab > 0) */
    double *xproj;  /* (t_max, gn) W_ih x_t + b_ih + b_hh */
    double *states; /* (t_max + 1, S) s_0 = 0, s_1, ... of the current span */
    double *gates;  /* (t_max, 4n) LSTM: gate activations i, f, g, o of every step; else NULL */
    double *tc;     /* (t_max, n) LSTM: tanh(c_t) of every step; else NULL */
    double *y;      /* (t_max, out) outputs of the current span */
    double *dy;     /* (t_max, out) dloss/dy_t */
    double *dh;     /* (t_max, n) dloss/dh_t directly from the loss */
    double *da;     /* (t_max, gn) dloss/d pre-activation */
    double *dxin;   /* (t_max, d) dloss/dx_t (encoder gradient) */
    double *carry;  /* (S) dloss/ds_t through the recurrence */
    double *pre;    /* (batch, gn) pre-activations of a step */
    double *bstate; /* (batch, S) batched trajectories, one per row */
    double *bout;   /* (batch, out) their outputs */
    srm_window *win; /* fixed-k truncated forward, chunks of batch - 1 positions (k_max 0: NULL) */
};

/* Checks that ws fits m (same shapes) and T <= t_max. */
int srm_rnn_check(const srm_model *m, size_t T, const srm_rnn_workspace *ws);

/* Fills ws->xin (embedding lookup for encoder models: x is (T, 1) token indices) and
 * ws->xproj = x W_ih^T + b_ih + b_hh for all T steps with one GEMM. */
int srm_rnn_prepare_input(const srm_model *m, const double *x, size_t T, srm_rnn_workspace *ws);

/* Runs L steps from the zero state over ws->xproj rows t0 .. t0+L-1 into ws->states rows
 * 0..L and (LSTM) ws->gates, ws->tc rows 0..L-1. */
void srm_rnn_run_span(const srm_model *m, srm_rnn_workspace *ws, size_t t0, size_t L);

/* Outputs of `rows` states (row stride S, h at offset S - n) into y (rows, ws->out):
 * decoder.weight h + decoder.bias, or h itself without a decoder. One GEMM. */
void srm_rnn_outputs(const srm_model *m, const srm_rnn_workspace *ws, const double *states,
                     size_t rows, double *y);

#endif
