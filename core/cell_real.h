/* core/cell_real.h: the one cell kernel, written once over the floating-point type. Not a public
 * header: core/cell.c includes it twice, once per precision, with
 *   REAL             double or float
 *   SFX(name)        the function name of this precision (name, or name##_f32)
 *   MODEL            srm_model or srm_model_f32 (the same field names)
 *   SIGMOID, TANH    the gate functions of this precision (core/cell.h)
 *   GEMM, GEMV       cblas_dgemm / cblas_dgemv, or the s versions
 *   KERNEL           attributes of the elementwise kernels (per-CPU clones for float)
 * The double instantiation is the arithmetic every committed result was made with: the order
 * of operations below is the contract described in cell.c. */

/* One LSTM unit: gates and the next c and h from its four pre-activations (blocks of n). */
#define SRM_LSTM_UNIT(pre, c_prev, i, n)                                                         \
    REAL gi = SIGMOID(pre[i]), gf = SIGMOID(pre[n + i]);                                      \
    REAL gz = TANH(pre[2 * n + i]), go = SIGMOID(pre[3 * n + i]);                             \
    REAL c = gf * c_prev[i] + gi * gz, t = TANH(c)

/* One LSTM row; every array is one row, in place where cell.h allows it (always inlined, so
 * that it is compiled for the caller's CPU clone). Two loops, so that
 * the common cases (both kept, or neither) have no branch inside and vectorise. Unit i reads
 * and writes only index i of each block, so the in-place cases carry no dependence from one
 * unit to the next: `ivdep` tells GCC so (without it, the possible aliasing of six arrays
 * keeps these loops scalar). */
static inline __attribute__((always_inline)) void SFX(lstm_forward_row)(REAL *h_next, REAL *c_next, REAL *gates, REAL *tc,
                                         const REAL *pre, const REAL *c_prev, size_t n)
{
    if (!gates != !tc) { /* one of the two kept: the general loop */
        for (size_t i = 0; i < n; i++) {
            SRM_LSTM_UNIT(pre, c_prev, i, n);
            if (gates) gates[i] = gi, gates[n + i] = gf, gates[2 * n + i] = gz, gates[3 * n + i] = go;
            c_next[i] = c;
            h_next[i] = go * t;
            if (tc) tc[i] = t;
        }
        return;
    }
    if (!gates) {
#pragma GCC ivdep
        for (size_t i = 0; i < n; i++) {
            SRM_LSTM_UNIT(pre, c_prev, i, n);
            (void)gi, (void)gf, (void)gz;
            c_next[i] = c;
            h_next[i] = go * t;
        }
        return;
    }
#pragma GCC ivdep
    for (size_t i = 0; i < n; i++) {
        SRM_LSTM_UNIT(pre, c_prev, i, n);
        gates[i] = gi, gates[n + i] = gf, gates[2 * n + i] = gz, gates[3 * n + i] = go;
        c_next[i] = c;
        h_next[i] = go * t;
        tc[i] = t;
    }
}

KERNEL void SFX(srm_cell_forward)(REAL *h_next, REAL *c_next, REAL *gates, REAL *tc,
                                  const REAL *pre, const REAL *c_prev, srm_cell cell, size_t R,
                                  size_t n, size_t ld)
{
    size_t gn = cell == SRM_CELL_LSTM ? 4 * n : n;
    for (size_t r = 0; r < R; r++) {
        const REAL *a = pre + r * gn;
        REAL *h = h_next + r * ld;
        switch (cell) {
        case SRM_CELL_RNN_TANH:
            for (size_t i = 0; i < n; i++) h[i] = TANH(a[i]);
            break;
        case SRM_CELL_RNN_RELU:
            for (size_t i = 0; i < n; i++) h[i] = a[i] > 0 ? a[i] : 0;
            break;
        case SRM_CELL_LINEAR:
            for (size_t i = 0; i < n; i++) h[i] = a[i];
            break;
        case SRM_CELL_LSTM:
            SFX(lstm_forward_row)(h, c_next + r * ld, gates ? gates + r * gn : NULL,
                                  tc ? tc + r * n : NULL, a, c_prev + r * ld, n);
            break;
        case SRM_CELL_GRU: /* never here: srm_cell_step runs the GRU (core/model.h) */
            break;
        }
    }
}

/* One LSTM row of backward; g and da may be the same array. */
static inline __attribute__((always_inline)) void SFX(lstm_backward_row)(REAL *da, REAL *dc, const REAL *dh, const REAL *dh_rec,
                                          const REAL *c_prev, const REAL *g, const REAL *tc,
                                          size_t n)
{
#pragma GCC ivdep
    for (size_t j = 0; j < n; j++) {
        REAL gi = g[j], gf = g[n + j], gz = g[2 * n + j], go = g[3 * n + j];
        REAL dhj = dh[j] + dh_rec[j];
        REAL dcj = dc[j] + dhj * go * (1 - tc[j] * tc[j]);
        da[j] = dcj * gz * gi * (1 - gi);
        da[n + j] = dcj * c_prev[j] * gf * (1 - gf);
        da[2 * n + j] = dcj * gi * (1 - gz * gz);
        da[3 * n + j] = dhj * tc[j] * go * (1 - go);
        dc[j] = dcj * gf;
    }
}

KERNEL void SFX(srm_cell_backward)(REAL *da, REAL *dc, const REAL *dh, const REAL *dh_rec,
                                   const REAL *h_next, const REAL *c_prev, const REAL *gates,
                                   const REAL *tc, srm_cell cell, size_t R, size_t n, size_t ld)
{
    size_t gn = cell == SRM_CELL_LSTM ? 4 * n : n;
    for (size_t r = 0; r < R; r++) {
        REAL *d = da + r * gn;
        const REAL *e = dh + r * n, *q = dh_rec + r * n, *h = h_next + r * ld;
        switch (cell) {
        case SRM_CELL_RNN_TANH:
            for (size_t j = 0; j < n; j++) d[j] = (e[j] + q[j]) * (1 - h[j] * h[j]);
            break;
        case SRM_CELL_RNN_RELU: /* h' > 0 exactly when the pre-activation is > 0 */
            for (size_t j = 0; j < n; j++) d[j] = h[j] > 0 ? e[j] + q[j] : 0;
            break;
        case SRM_CELL_LINEAR:
            for (size_t j = 0; j < n; j++) d[j] = e[j] + q[j];
            break;
        case SRM_CELL_LSTM:
            SFX(lstm_backward_row)(d, dc + r * n, e, q, c_prev + r * ld, gates + r * gn,
                                   tc + r * n, n);
            break;
        case SRM_CELL_GRU: /* never here: no batched GRU kernel yet */
            break;
        }
    }
}

void SFX(srm_cell_recur_forward)(REAL *pre, const REAL *h, const MODEL *m, size_t R, size_t ldh)
{
    size_t n = m->hidden, gn = n * m->gates;
    if (R == 1)
        GEMV(CblasRowMajor, CblasNoTrans, (int)gn, (int)n, 1, m->weight_hh, (int)n, h, 1, 1, pre,
             1);
    else
        GEMM(CblasRowMajor, CblasNoTrans, CblasTrans, (int)R, (int)gn, (int)n, 1, h, (int)ldh,
             m->weight_hh, (int)n, 1, pre, (int)gn);
}

void SFX(srm_cell_recur_backward)(REAL *dh, const REAL *da, const MODEL *m, size_t R)
{
    size_t n = m->hidden, gn = n * m->gates;
    if (R == 1)
        GEMV(CblasRowMajor, CblasTrans, (int)gn, (int)n, 1, m->weight_hh, (int)n, da, 1, 0, dh, 1);
    else
        GEMM(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)R, (int)n, (int)gn, 1, da, (int)gn,
             m->weight_hh, (int)n, 0, dh, (int)n);
}

void SFX(srm_cell_input_projection)(REAL *pre, const REAL *x, const MODEL *m, size_t R)
{
    size_t gn = m->gates * m->hidden, d = m->input;
    for (size_t i = 0; i < gn; i++) pre[i] = m->bias_ih[i] + m->bias_hh[i];
    for (size_t r = 1; r < R; r++) memcpy(pre + r * gn, pre, gn * sizeof(REAL));
    GEMM(CblasRowMajor, CblasNoTrans, CblasTrans, (int)R, (int)gn, (int)d, 1, x, (int)d,
         m->weight_ih, (int)d, 1, pre, (int)gn);
}
