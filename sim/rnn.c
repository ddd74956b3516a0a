/* sim/rnn.c: workspaces and forward runs of recurrent models over whole sequences, full or
 * k-step truncated (proofs-notes/models.md). The input projection of all steps is one GEMM;
 * the recurrence is one GEMV per step (full run); the truncated run is sim/window.h's engine.
 * The cell arithmetic is core/cell.h's, so a full forward agrees with stepping srm_cell_step. */
#include <gsl/gsl_cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/cell.h"
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
    if (m->cell == SRM_CELL_GRU) {
        SRM_ERROR(SRM_EINVAL, "sim/rnn.h does not run GRUs yet (sim/stack.h does)");
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
        m->cell == SRM_CELL_LSTM ? t_max * 4 * n : 0,        /* gates */
        m->cell == SRM_CELL_LSTM ? t_max * n : 0,            /* tc */
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
    double **ptrs[] = {&ws->xin, &ws->xproj, &ws->states, &ws->gates, &ws->tc,
                       &ws->y,   &ws->dy,    &ws->dh,     &ws->da,    &ws->dxin,
                       &ws->carry, &ws->pre, &ws->bstate, &ws->bout};
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
    if (k_max > 0 && (ws->win = srm_window_alloc(m, ws->batch - 1, 1)) == NULL) {
        srm_rnn_workspace_free(ws);
        return NULL;
    }
    return ws;
}

void srm_rnn_workspace_free(srm_rnn_workspace *ws)
{
    if (!ws) return;
    srm_window_free(ws->win);
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
    size_t d = m->input;
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
    srm_cell_input_projection(ws->xproj, xin, m, T);
    return SRM_OK;
}

void srm_rnn_run_span(const srm_model *m, srm_rnn_workspace *ws, size_t t0, size_t L)
{
    size_t n = ws->n, gn = ws->gn, S = ws->S, hoff = S - n;
    memset(ws->states, 0, S * sizeof(double));
    for (size_t t = 0; t < L; t++) {
        double *pre = ws->pre, *s = ws->states + t * S;
        memcpy(pre, ws->xproj + (t0 + t) * gn, gn * sizeof(double));
        srm_cell_recur_forward(pre, s + hoff, m, 1, n);
        srm_cell_forward(s + S + hoff, s + S, ws->gates ? ws->gates + t * 4 * n : NULL,
                         ws->tc ? ws->tc + t * n : NULL, pre, s, m->cell, 1, n, S);
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

/* The engine's projections of positions [u, u + len): rows of ws->xproj, made for the whole
 * sequence by srm_rnn_prepare_input. */
static int span_projection(void *ctx, size_t u, size_t len, double *xproj)
{
    const srm_rnn_workspace *ws = ctx;
    memcpy(xproj, ws->xproj + u * ws->gn, len * ws->gn * sizeof(double));
    return SRM_OK;
}

/* Truncated forward: for t <= k, s^k_t = s_t by definition; those rows come from the recurrent
 * run so that they agree bit for bit (the engine's GEMMs round differently from its GEMVs).
 * The rows t > k are the engine's windows, a chunk of positions at a time. */
static int forward_truncated(const srm_model *m, size_t T, size_t k, srm_rnn_workspace *ws)
{
    size_t S = ws->S, C = srm_window_chunk(ws->win);
    srm_rnn_run_span(m, ws, 0, k);
    for (size_t p = k; p < T; p += C) {
        size_t len = T - p < C ? T - p : C;
        const double *st;
        SRM_TRY(srm_window_run(ws->win, m, T, 1, k, p, len, span_projection, ws, &st));
        memcpy(ws->states + (p + 1) * S, st, len * S * sizeof(double));
    }
    return SRM_OK;
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
    else SRM_TRY(forward_truncated(m, T, trunc_k, ws));
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
