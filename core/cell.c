/* core/cell.c: the one cell kernel (see cell.h): forward, backward and Jacobian factors of the
 * RNN and LSTM step on R rows, and the products with W_hh and W_ih around them. The order of
 * every floating-point operation is part of the contract: trained models, the PyTorch fixtures
 * of tests/ref/ and results/ were made with exactly this arithmetic. */
#include "core/cell.h"

#include <gsl/gsl_cblas.h>
#include <math.h>
#include <string.h>

/* One LSTM row; every array is one row, in place where cell.h allows it. */
static void lstm_forward_row(double *h_next, double *c_next, double *gates, double *tc,
                             const double *pre, const double *c_prev, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        double gi = srm_sigmoid(pre[i]), gf = srm_sigmoid(pre[n + i]);
        double gz = tanh(pre[2 * n + i]), go = srm_sigmoid(pre[3 * n + i]);
        double c = gf * c_prev[i] + gi * gz, t = tanh(c);
        if (gates) gates[i] = gi, gates[n + i] = gf, gates[2 * n + i] = gz, gates[3 * n + i] = go;
        c_next[i] = c;
        h_next[i] = go * t;
        if (tc) tc[i] = t;
    }
}

void srm_cell_forward(double *h_next, double *c_next, double *gates, double *tc, const double *pre,
                      const double *c_prev, srm_cell cell, size_t R, size_t n, size_t ld)
{
    size_t gn = cell == SRM_CELL_LSTM ? 4 * n : n;
    for (size_t r = 0; r < R; r++) {
        const double *a = pre + r * gn;
        double *h = h_next + r * ld;
        switch (cell) {
        case SRM_CELL_RNN_TANH:
            for (size_t i = 0; i < n; i++) h[i] = tanh(a[i]);
            break;
        case SRM_CELL_RNN_RELU:
            for (size_t i = 0; i < n; i++) h[i] = a[i] > 0.0 ? a[i] : 0.0;
            break;
        case SRM_CELL_LINEAR:
            for (size_t i = 0; i < n; i++) h[i] = a[i];
            break;
        case SRM_CELL_LSTM:
            lstm_forward_row(h, c_next + r * ld, gates ? gates + r * gn : NULL,
                             tc ? tc + r * n : NULL, a, c_prev + r * ld, n);
            break;
        }
    }
}

/* One LSTM row of backward; g and da may be the same array. */
static void lstm_backward_row(double *da, double *dc, const double *dh, const double *dh_rec,
                              const double *c_prev, const double *g, const double *tc, size_t n)
{
    for (size_t j = 0; j < n; j++) {
        double gi = g[j], gf = g[n + j], gz = g[2 * n + j], go = g[3 * n + j];
        double dhj = dh[j] + dh_rec[j];
        double dcj = dc[j] + dhj * go * (1.0 - tc[j] * tc[j]);
        da[j] = dcj * gz * gi * (1.0 - gi);
        da[n + j] = dcj * c_prev[j] * gf * (1.0 - gf);
        da[2 * n + j] = dcj * gi * (1.0 - gz * gz);
        da[3 * n + j] = dhj * tc[j] * go * (1.0 - go);
        dc[j] = dcj * gf;
    }
}

void srm_cell_backward(double *da, double *dc, const double *dh, const double *dh_rec,
                       const double *h_next, const double *c_prev, const double *gates,
                       const double *tc, srm_cell cell, size_t R, size_t n, size_t ld)
{
    size_t gn = cell == SRM_CELL_LSTM ? 4 * n : n;
    for (size_t r = 0; r < R; r++) {
        double *d = da + r * gn;
        const double *e = dh + r * n, *q = dh_rec + r * n, *h = h_next + r * ld;
        switch (cell) {
        case SRM_CELL_RNN_TANH:
            for (size_t j = 0; j < n; j++) d[j] = (e[j] + q[j]) * (1.0 - h[j] * h[j]);
            break;
        case SRM_CELL_RNN_RELU: /* h' > 0 exactly when the pre-activation is > 0 */
            for (size_t j = 0; j < n; j++) d[j] = h[j] > 0.0 ? e[j] + q[j] : 0.0;
            break;
        case SRM_CELL_LINEAR:
            for (size_t j = 0; j < n; j++) d[j] = e[j] + q[j];
            break;
        case SRM_CELL_LSTM:
            lstm_backward_row(d, dc + r * n, e, q, c_prev + r * ld, gates + r * gn, tc + r * n, n);
            break;
        }
    }
}

size_t srm_cell_factor_count(srm_cell cell) { return cell == SRM_CELL_LSTM ? 6 : 1; }

/* The Jacobian form groups the products per factor (ai = g i (1 - i)), where backward groups
 * them from the incoming gradient (dc g i (1 - i)); the two round differently, and each is kept
 * as srm analyze and training were measured with. */
void srm_cell_factors(double *fac, const double *pre, const double *c_prev, srm_cell cell,
                      size_t R, size_t n, size_t ld)
{
    size_t gn = cell == SRM_CELL_LSTM ? 4 * n : n;
    for (size_t r = 0; r < R; r++) {
        const double *a = pre + r * gn;
        if (cell != SRM_CELL_LSTM) {
            double *u = fac + r * n;
            for (size_t i = 0; i < n; i++) {
                if (cell == SRM_CELL_RNN_TANH) {
                    double h = tanh(a[i]);
                    u[i] = 1.0 - h * h;
                } else {
                    u[i] = cell == SRM_CELL_RNN_RELU ? (a[i] > 0 ? 1.0 : 0.0) : 1.0;
                }
            }
            continue;
        }
        double *u = fac + r * 6 * n;
        const double *c = c_prev + r * ld;
        for (size_t i = 0; i < n; i++) {
            double gi = srm_sigmoid(a[i]), gf = srm_sigmoid(a[n + i]);
            double gz = tanh(a[2 * n + i]), go = srm_sigmoid(a[3 * n + i]);
            double t = tanh(gf * c[i] + gi * gz);
            u[i] = gf;
            u[n + i] = gz * gi * (1 - gi);
            u[2 * n + i] = c[i] * gf * (1 - gf);
            u[3 * n + i] = gi * (1 - gz * gz);
            u[4 * n + i] = t * go * (1 - go);
            u[5 * n + i] = go * (1 - t * t);
        }
    }
}

void srm_cell_recur_forward(double *pre, const double *h, const srm_model *m, size_t R,
                            size_t ldh)
{
    size_t n = m->hidden, gn = n * m->gates;
    if (R == 1)
        cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)gn, (int)n, 1.0, m->weight_hh, (int)n, h,
                    1, 1.0, pre, 1);
    else
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)R, (int)gn, (int)n, 1.0, h,
                    (int)ldh, m->weight_hh, (int)n, 1.0, pre, (int)gn);
}

void srm_cell_recur_backward(double *dh, const double *da, const srm_model *m, size_t R)
{
    size_t n = m->hidden, gn = n * m->gates;
    if (R == 1)
        cblas_dgemv(CblasRowMajor, CblasTrans, (int)gn, (int)n, 1.0, m->weight_hh, (int)n, da, 1,
                    0.0, dh, 1);
    else
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)R, (int)n, (int)gn, 1.0, da,
                    (int)gn, m->weight_hh, (int)n, 0.0, dh, (int)n);
}

void srm_cell_input_projection(double *pre, const double *x, const srm_model *m, size_t R)
{
    size_t gn = m->gates * m->hidden, d = m->input;
    for (size_t i = 0; i < gn; i++) pre[i] = m->bias_ih[i] + m->bias_hh[i];
    for (size_t r = 1; r < R; r++) memcpy(pre + r * gn, pre, gn * sizeof(double));
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)R, (int)gn, (int)d, 1.0, x, (int)d,
                m->weight_ih, (int)d, 1.0, pre, (int)gn);
}

void srm_cell_preactivation(double *pre, const srm_model *m, const double *s, const double *x)
{
    size_t n = m->hidden, gn = m->gates * n;
    for (size_t i = 0; i < gn; i++) pre[i] = m->bias_ih[i] + m->bias_hh[i];
    cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)gn, (int)m->input, 1.0, m->weight_ih,
                (int)m->input, x, 1, 1.0, pre, 1);
    srm_cell_recur_forward(pre, m->cell == SRM_CELL_LSTM ? s + n : s, m, 1, n);
}
