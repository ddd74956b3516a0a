/* sim/rnn.c: workspaces and forward runs of recurrent models over whole sequences, full or
 * k-step truncated (proofs-notes/models.md). The input projection of all steps is one GEMM;
 * the recurrence is one GEMV per step (full run) or one GEMM per step for a batch of restarted
 * trajectories (truncated run). The elementwise maps repeat srm_cell_step's arithmetic in the
 * same order, so a full forward agrees with stepping srm_cell_step. */
#include <gsl/gsl_cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "sim/rnn.h"
#include "sim/rnn_internal.h"

int srm_loss_parse(const char *text, srm_loss_kind *out)
{
    if (strcmp(text, "mse") == 0) *out = SRM_LOSS_MSE;
    else if (strcmp(text, "xent") == 0) *out = SRM_LOSS_XENT;
    else if (strcmp(text, "bce") == 0) *out = SRM_LOSS_BCE;
    else return SRM_ERROR(SRM_EINVAL, "unknown loss '%s' (mse, xent, bce)", text);
    return SRM_OK;
}

int srm_loss_at_parse(const char *text, srm_loss_at *out)
{
    if (strcmp(text, "all") == 0) *out = SRM_LOSS_AT_ALL;
    else if (strcmp(text, "last") == 0) *out = SRM_LOSS_AT_LAST;
    else return SRM_ERROR(SRM_EINVAL, "unknown loss position '%s' (all, last)", text);
    return SRM_OK;
}

srm_rnn_workspace *srm_rnn_workspace_alloc(const srm_model *m, size_t t_max, size_t k_max)
{
    if (t_max == 0 || t_max > ((size_t)1 << 32)) {
        SRM_ERROR(SRM_EINVAL, "sequence length capacity %zu out of range (1 .. 2^32)", t_max);
        return NULL;
    }
    srm_rnn_workspace *ws = calloc(1, sizeof *ws);
    if (!ws) {
        SRM_ERROR(SRM_ENOMEM, "out of memory");
        return NULL;
    }
    size_t n = m->hidden, d = m->input;
    ws->cell = m->cell;
    ws->n = n, ws->d = d, ws->output = m->output, ws->vocab = m->vocab;
    ws->gn = m->gates * n;
    ws->S = srm_model_state_size(m);
    ws->out = m->output ? m->output : n;
    ws->t_max = t_max;
    ws->k_max = k_max;
    ws->batch = (k_max < t_max ? k_max : t_max) + 1;
    size_t sizes[] = {
        t_max * d,                                           /* xin */
        t_max * ws->gn,                                      /* xproj */
        (t_max + 1) * ws->S,                                 /* states */
        m->cell == SRM_CELL_LSTM ? t_max * 5 * n : 0,        /* cache */
        t_max * ws->out,                                     /* y */
        t_max * ws->out,                                     /* dy */
        t_max * n,                                           /* dh */
        t_max * ws->gn,                                      /* da */
        m->vocab ? t_max * d : 0,                            /* dxin */
        ws->S,                                               /* carry */
        ws->batch * ws->gn,                                  /* pre */
        ws->batch * ws->S,                                   /* bstate */
        ws->batch * ws->out,                                 /* bout */
    };
    double **ptrs[] = {&ws->xin, &ws->xproj, &ws->states, &ws->cache, &ws->y,
                       &ws->dy,  &ws->dh,    &ws->da,     &ws->dxin,  &ws->carry,
                       &ws->pre, &ws->bstate, &ws->bout};
    size_t total = 0;
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) total += sizes[i];
    ws->block = total < SIZE_MAX / sizeof(double) ? calloc(total, sizeof(double)) : NULL;
    if (!ws->block) {
        SRM_ERROR(SRM_ENOMEM, "out of memory for an RNN workspace of %zu doubles", total);
        free(ws);
        return NULL;
    }
    double *p = ws->block;
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        *ptrs[i] = sizes[i] ? p : NULL;
        p += sizes[i];
    }
    return ws;
}

void srm_rnn_workspace_free(srm_rnn_workspace *ws)
{
    if (!ws) return;
    free(ws->block);
    free(ws);
}

int srm_rnn_check(const srm_model *m, size_t T, const srm_rnn_workspace *ws)
{
    if (!ws || ws->cell != m->cell || ws->n != m->hidden || ws->d != m->input ||
        ws->output != m->output || ws->vocab != m->vocab)
        return SRM_ERROR(SRM_EINVAL, "RNN workspace was allocated for a different model shape");
    if (T == 0) return SRM_ERROR(SRM_EINVAL, "empty sequence (T = 0)");
    if (T > ws->t_max)
        return SRM_ERROR(SRM_EINVAL, "sequence length %zu exceeds the workspace's %zu", T,
                         ws->t_max);
    return SRM_OK;
}

int srm_rnn_prepare_input(const srm_model *m, const double *x, size_t T, srm_rnn_workspace *ws)
{
    size_t d = m->input, gn = ws->gn;
    const double *xin = x;
    if (m->vocab) {
        for (size_t t = 0; t < T; t++) {
            double v = x[t];
            if (!(v >= 0.0 && v < (double)m->vocab && v == floor(v)))
                return SRM_ERROR(SRM_EINVAL, "token %zu is %g, not an index in 0..%zu", t + 1,
                                 v, m->vocab - 1);
            memcpy(ws->xin + t * d, m->encoder_weight + (size_t)v * d, d * sizeof(double));
        }
        ws->tokens = x;
        xin = ws->xin;
    } else {
        memcpy(ws->xin, x, T * d * sizeof(double));
        ws->tokens = NULL;
    }
    /* Bias first, then the product added with beta = 1: the order srm_cell_step uses. */
    for (size_t i = 0; i < gn; i++) ws->xproj[i] = m->bias_ih[i] + m->bias_hh[i];
    for (size_t t = 1; t < T; t++) memcpy(ws->xproj + t * gn, ws->xproj, gn * sizeof(double));
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)T, (int)gn, (int)d, 1.0, xin,
                (int)d, m->weight_ih, (int)d, 1.0, ws->xproj, (int)gn);
    return SRM_OK;
}


void srm_rnn_cell_apply(srm_cell cell, size_t n, const double *pre, const double *s_prev,
                        double *s_next, double *cache)
{
    switch (cell) {
    case SRM_CELL_RNN_TANH:
        for (size_t i = 0; i < n; i++) s_next[i] = tanh(pre[i]);
        break;
    case SRM_CELL_RNN_RELU:
        for (size_t i = 0; i < n; i++) s_next[i] = pre[i] > 0.0 ? pre[i] : 0.0;
        break;
    case SRM_CELL_LINEAR:
        for (size_t i = 0; i < n; i++) s_next[i] = pre[i];
        break;
    case SRM_CELL_LSTM:
        /* Elementwise, c_prev[i] is read before c_next[i] is written: in place is safe. */
        for (size_t i = 0; i < n; i++) {
            double gi = srm_sigmoid(pre[i]), gf = srm_sigmoid(pre[n + i]);
            double gz = tanh(pre[2 * n + i]), go = srm_sigmoid(pre[3 * n + i]);
            double c = gf * s_prev[i] + gi * gz, tc = tanh(c);
            s_next[i] = c;
            s_next[n + i] = go * tc;
            if (cache) {
                cache[i] = gi, cache[n + i] = gf, cache[2 * n + i] = gz;
                cache[3 * n + i] = go, cache[4 * n + i] = tc;
            }
        }
        break;
    }
}

void srm_rnn_run_span(const srm_model *m, srm_rnn_workspace *ws, size_t t0, size_t L)
{
    size_t n = ws->n, gn = ws->gn, S = ws->S, hoff = S - n;
    memset(ws->states, 0, S * sizeof(double));
    for (size_t t = 0; t < L; t++) {
        double *pre = ws->pre, *s = ws->states + t * S;
        memcpy(pre, ws->xproj + (t0 + t) * gn, gn * sizeof(double));
        cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)gn, (int)n, 1.0, m->weight_hh, (int)n,
                    s + hoff, 1, 1.0, pre, 1);
        srm_rnn_cell_apply(m->cell, n, pre, s, s + S, ws->cache ? ws->cache + t * 5 * n : NULL);
    }
}

void srm_rnn_outputs(const srm_model *m, const srm_rnn_workspace *ws, const double *states,
                     size_t rows, double *y)
{
    size_t n = ws->n, S = ws->S, out = ws->out;
    const double *h = states + (S - n);
    if (!m->output) {
        for (size_t r = 0; r < rows; r++) memcpy(y + r * n, h + r * S, n * sizeof(double));
        return;
    }
    for (size_t r = 0; r < rows; r++) memcpy(y + r * out, m->decoder_bias, out * sizeof(double));
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)rows, (int)out, (int)n, 1.0, h,
                (int)S, m->decoder_weight, (int)n, 1.0, y, (int)out);
}

void srm_rnn_batch_step(const srm_model *m, srm_rnn_workspace *ws, size_t rows, size_t t)
{
    size_t n = ws->n, gn = ws->gn, S = ws->S;
    const double *xp = ws->xproj + (t - 1) * gn;
    for (size_t r = 0; r < rows; r++) memcpy(ws->pre + r * gn, xp, gn * sizeof(double));
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)rows, (int)gn, (int)n, 1.0,
                ws->bstate + (S - n), (int)S, m->weight_hh, (int)n, 1.0, ws->pre, (int)gn);
    for (size_t r = 0; r < rows; r++)
        srm_rnn_cell_apply(m->cell, n, ws->pre + r * gn, ws->bstate + r * S, ws->bstate + r * S,
                           NULL);
}

/* Truncated forward: k restarted trajectories as rows of ws->bstate. At time t the row of
 * start time t-1 (row (t-1) mod k) restarts from zero, every live row advances one step, and
 * the row started at t-k holds s^k_t. O(T k) cell steps, one GEMM per step. For t <= k,
 * s^k_t = s_t by definition; those rows come from the recurrent run so that they agree bit
 * for bit (GEMM and GEMV round differently). */
static void forward_truncated(const srm_model *m, size_t T, size_t k, srm_rnn_workspace *ws)
{
    size_t S = ws->S;
    srm_rnn_run_span(m, ws, 0, k);
    for (size_t t = 1; t <= T; t++) {
        memset(ws->bstate + ((t - 1) % k) * S, 0, S * sizeof(double));
        srm_rnn_batch_step(m, ws, t < k ? t : k, t);
        if (t > k) memcpy(ws->states + t * S, ws->bstate + ((t - k) % k) * S, S * sizeof(double));
    }
}

int srm_rnn_forward(const srm_model *m, const double *x, size_t T, size_t trunc_k,
                    double *states, double *outputs, srm_rnn_workspace *ws)
{
    SRM_TRY(srm_rnn_check(m, T, ws));
    if (trunc_k >= T) trunc_k = 0; /* every window reaches back to s_0: the full model */
    if (trunc_k > ws->batch - 1)
        return SRM_ERROR(SRM_EINVAL, "truncation k = %zu exceeds the workspace's k_max %zu",
                         trunc_k, ws->batch - 1);
    SRM_TRY(srm_rnn_prepare_input(m, x, T, ws));
    if (trunc_k == 0) srm_rnn_run_span(m, ws, 0, T);
    else forward_truncated(m, T, trunc_k, ws);
    size_t S = ws->S;
    if (states) memcpy(states, ws->states + S, T * S * sizeof(double));
    if (outputs && m->output) srm_rnn_outputs(m, ws, ws->states + S, T, outputs);
    return SRM_OK;
}

const char *srm_rnn_row_where(char *buf, size_t size, const char *path, const long *lines,
                              size_t t)
{
    if (lines)
        snprintf(buf, size, "%s:%ld", path ? path : "input", lines[t]);
    else
        snprintf(buf, size, "%s: row %zu", path ? path : "input", t + 1);
    return buf;
}

int srm_rnn_input_check(const srm_model *m, const double *x, size_t rows, size_t cols,
                        const char *path, const long *lines)
{
    char where[512];
    if (rows == 0) return SRM_ERROR(SRM_EINVAL, "%s: empty input sequence", path);
    if (m->vocab && cols != 1)
        return SRM_ERROR(SRM_EINVAL, "%s: input has %zu columns; a model with an encoder reads "
                         "one token index per row", path, cols);
    if (!m->vocab && cols != m->input)
        return SRM_ERROR(SRM_EINVAL, "%s: input has %zu columns; the model's input size is %zu",
                         path, cols, m->input);
    for (size_t t = 0; m->vocab && t < rows; t++)
        if (!(x[t] >= 0.0 && x[t] < (double)m->vocab && x[t] == floor(x[t])))
            return SRM_ERROR(SRM_EINVAL, "%s: token %g is not an index in 0..%zu",
                             srm_rnn_row_where(where, sizeof where, path, lines, t), x[t],
                             m->vocab - 1);
    return SRM_OK;
}
