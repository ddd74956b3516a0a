/* sim/stack_grad.c: BPTT through a stack of layers in both directions (sim/stack.h). */
#include <stdlib.h>
#include <string.h>

#include "core/cell.h"
#include "core/error.h"
#include "core/gru.h"
#include "sim/stack.h"

/* What one unit's forward keeps for backward, per processing step i (t = i, or T-1-i).
 * A GRU keeps r, z, n in gates and W_hn h + b_hn in tc (core/gru.h); pre and c are unused. */
typedef struct {
    double *pre, *gates, *tc, *c, *h; /* (T, G n), (T, G n), (T, n), (T, n), (T, n) */
} unit_tape;

static size_t gates_of(const srm_model *m) { return m->gates * m->hidden; }

/* Forward of one unit over in (T, d) in its direction; its h into out columns [off, off + n). */
static void tape_forward(const srm_model *m, const double *in, size_t T, int reverse,
                         unit_tape *tp, double *out, size_t w, size_t off, double *s)
{
    size_t n = m->hidden, gn = gates_of(m), S = srm_model_state_size(m);
    for (size_t i = 0; i < T; i++) {
        size_t t = reverse ? T - 1 - i : i;
        memset(s, 0, S * sizeof *s); /* s = (c, h) of the previous step, packed */
        if (m->cell == SRM_CELL_GRU) {
            srm_gru_forward(m, i ? tp->h + (i - 1) * n : s, in + t * m->input, tp->h + i * n,
                            tp->gates + i * gn, tp->tc + i * n);
            memcpy(out + t * w + off, tp->h + i * n, n * sizeof *s);
            continue;
        }
        if (i) {
            if (m->cell == SRM_CELL_LSTM) memcpy(s, tp->c + (i - 1) * n, n * sizeof *s);
            memcpy(s + (S - n), tp->h + (i - 1) * n, n * sizeof *s);
        }
        srm_cell_preactivation(tp->pre + i * gn, m, s, in + t * m->input);
        srm_cell_forward(tp->h + i * n, tp->c + i * n, tp->gates + i * gn, tp->tc + i * n,
                         tp->pre + i * gn, s, m->cell, 1, n, n);
        memcpy(out + t * w + off, tp->h + i * n, n * sizeof *s);
    }
}

/* a (rows, cols) += u v^T. */
static void outer(double *a, const double *u, const double *v, size_t rows, size_t cols)
{
    for (size_t i = 0; i < rows; i++)
        for (size_t j = 0; j < cols; j++) a[i * cols + j] += u[i] * v[j];
}

/* tape_backward for a GRU (core/gru.h). work: 9n doubles. */
static void gru_backward(const srm_model *m, const double *in, size_t T, int reverse,
                         const unit_tape *tp, const double *dy, size_t w, size_t off,
                         srm_model *g, double *dx, double *work)
{
    size_t n = m->hidden, d = m->input;
    double *dh = work, *dh_rec = dh + n, *zero = dh + 2 * n, *gwork = dh + 3 * n;
    memset(dh, 0, 3 * n * sizeof *dh);
    for (size_t i = T; i-- > 0;) {
        size_t t = reverse ? T - 1 - i : i;
        for (size_t j = 0; j < n; j++) dh[j] = dy[t * w + off + j] + dh_rec[j];
        srm_gru_backward(m, i ? tp->h + (i - 1) * n : zero, in + t * d, tp->gates + i * 3 * n,
                         tp->tc + i * n, dh, g, dx + t * d, dh_rec, gwork);
    }
}

/* Backward of one unit: upstream dy columns [off, off + n) of rows of width w; parameter
 * gradients into g, input gradients added to dx (T, d). work: G n + 3 n doubles. */
static void tape_backward(const srm_model *m, const double *in, size_t T, int reverse,
                          const unit_tape *tp, const double *dy, size_t w, size_t off,
                          srm_model *g, double *dx, double *work)
{
    size_t n = m->hidden, gn = gates_of(m), d = m->input;
    double *da = work, *dc = da + gn, *dh_rec = dc + n, *zero = dh_rec + n;
    memset(dc, 0, 3 * n * sizeof *dc);
    for (size_t i = T; i-- > 0;) {
        size_t t = reverse ? T - 1 - i : i;
        const double *c_prev = i ? tp->c + (i - 1) * n : zero;
        const double *h_prev = i ? tp->h + (i - 1) * n : zero;
        srm_cell_backward(da, dc, dy + t * w + off, dh_rec, tp->h + i * n, c_prev,
                          tp->gates + i * gn, tp->tc + i * n, m->cell, 1, n, n);
        outer(g->weight_ih, da, in + t * d, gn, d);
        outer(g->weight_hh, da, h_prev, gn, n);
        for (size_t j = 0; j < gn; j++) g->bias_ih[j] += da[j], g->bias_hh[j] += da[j];
        for (size_t j = 0; j < d; j++)
            for (size_t r = 0; r < gn; r++) dx[t * d + j] += m->weight_ih[r * d + j] * da[r];
        srm_cell_recur_backward(dh_rec, da, m, 1);
    }
}

int srm_stack_grad(srm_model *const *unit, size_t layers, size_t directions, const double *x,
                   size_t T, const double *dout, srm_model *const *grad)
{
    size_t U = layers * directions, n = unit[0]->hidden, w = n * directions, tape = 0, dmax = w;
    for (size_t u = 0; u < U; u++) {
        tape += T * (2 * gates_of(unit[u]) + 3 * n);
        if (unit[u]->input > dmax) dmax = unit[u]->input;
    }
    /* outputs of every layer (L T w), two input-gradient buffers, tape, state, work */
    size_t total = layers * T * w + 2 * T * dmax + tape + 2 * n + 4 * n * 4 + 8;
    double *buf = calloc(total, sizeof *buf);
    unit_tape *tp = malloc(U * sizeof *tp);
    if (!buf || !tp) return free(buf), free(tp), SRM_ERROR(SRM_ENOMEM, "out of memory");
    double *outs = buf, *dx[2] = {outs + layers * T * w, outs + layers * T * w + T * dmax};
    double *p = dx[1] + T * dmax, *s = p + tape, *work = s + 2 * n;
    for (size_t u = 0; u < U; u++) {
        size_t gn = gates_of(unit[u]);
        tp[u] = (unit_tape){p, p + T * gn, p + 2 * T * gn, p + 2 * T * gn + T * n,
                            p + 2 * T * gn + 2 * T * n};
        p += T * (2 * gn + 3 * n);
    }
    for (size_t l = 0; l < layers; l++)
        for (size_t r = 0; r < directions; r++)
            tape_forward(unit[l * directions + r], l ? outs + (l - 1) * T * w : x, T, (int)r,
                         &tp[l * directions + r], outs + l * T * w, w, r * n, s);
    const double *dy = dout;
    for (size_t l = layers; l-- > 0;) {
        double *dxl = dx[l % 2];
        memset(dxl, 0, T * dmax * sizeof *dxl);
        for (size_t r = 0; r < directions; r++) {
            size_t u = l * directions + r;
            const double *in = l ? outs + (l - 1) * T * w : x;
            if (unit[u]->cell == SRM_CELL_GRU)
                gru_backward(unit[u], in, T, (int)r, &tp[u], dy, w, r * n, grad[u], dxl, work);
            else
                tape_backward(unit[u], in, T, (int)r, &tp[u], dy, w, r * n, grad[u], dxl, work);
        }
        dy = dxl; /* (T, w): the layer below's upstream */
    }
    free(tp);
    free(buf);
    return SRM_OK;
}
