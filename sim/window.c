/* sim/window.c: the k-step truncation engine (see window.h): restarted windows as rows that
 * advance together, one GEMM and one cell-kernel call per step. */
#include "sim/window.h"

#include <stdlib.h>
#include <string.h>

#include "core/cell.h"
#include "core/error.h"

struct srm_window {
    srm_cell cell;
    size_t n, gn, S, chunk, b_max;
    double *block; /* every array below points into it */
    double *xproj; /* (chunk * b_max, gn) input projections of a block of positions */
    double *state; /* (chunk * b_max, S) one window per row: c then h */
    double *pre;   /* (chunk * b_max, gn) pre-activations of the live windows */
};

void srm_window_advance(double *states, size_t ld, double *pre, const double *xproj, size_t B,
                        size_t rows, const srm_model *m)
{
    size_t n = m->hidden, gn = m->gates * n, hoff = srm_model_state_size(m) - n;
    for (size_t r = 0; r < rows; r++)
        memcpy(pre + r * gn, xproj + (r % B) * gn, gn * sizeof(double));
    srm_cell_recur_forward(pre, states + hoff, m, rows, ld);
    srm_cell_forward(states + hoff, states, NULL, NULL, pre, states, m->cell, rows, n, ld);
}

srm_window *srm_window_alloc(const srm_model *m, size_t chunk, size_t b_max)
{
    if (chunk == 0 || b_max == 0) {
        SRM_ERROR(SRM_EINVAL, "truncated windows need chunk, b_max >= 1");
        return NULL;
    }
    srm_window *w = calloc(1, sizeof *w);
    if (!w) {
        SRM_ERROR(SRM_ENOMEM, "out of memory");
        return NULL;
    }
    size_t rows = chunk * b_max;
    w->cell = m->cell, w->n = m->hidden, w->gn = m->gates * m->hidden;
    w->S = srm_model_state_size(m), w->chunk = chunk, w->b_max = b_max;
    w->block = calloc(rows * (2 * w->gn + w->S), sizeof(double));
    if (!w->block) {
        free(w);
        SRM_ERROR(SRM_ENOMEM, "out of memory for truncated windows (%zu rows)", rows);
        return NULL;
    }
    w->xproj = w->block;
    w->state = w->xproj + rows * w->gn;
    w->pre = w->state + rows * w->S;
    return w;
}

void srm_window_free(srm_window *w)
{
    if (!w) return;
    free(w->block);
    free(w);
}

size_t srm_window_chunk(const srm_window *w) { return w->chunk; }

int srm_window_run(srm_window *w, const srm_model *m, size_t T, size_t B, size_t k, size_t p,
                   size_t len, srm_window_project_fn project, void *ctx, const double **states)
{
    size_t C = w->chunk, gn = w->gn, S = w->S;
    if (m->cell != w->cell || m->hidden != w->n || srm_model_state_size(m) != S)
        return SRM_ERROR(SRM_EINVAL, "truncated windows were allocated for a different model");
    if (k == 0) return SRM_ERROR(SRM_EINVAL, "truncation length k must be >= 1");
    if (B == 0 || B > w->b_max || len == 0 || len > C || p + len > T)
        return SRM_ERROR(SRM_EINVAL, "%zu positions x %zu columns at %zu of %zu do not fit the "
                         "window workspace (%zu x %zu)", len, B, p, T, C, w->b_max);
    if (k > T) k = T;
    memset(w->state, 0, len * B * S * sizeof(double));
    size_t blk = 0, blk_len = 0; /* positions [blk, blk + blk_len) are projected */
    for (size_t u = p + 1 >= k ? p + 1 - k : 0; u < p + len; u++) {
        if (blk_len == 0 || u >= blk + blk_len) {
            blk = u;
            blk_len = T - u < C ? T - u : C;
            SRM_TRY(project(ctx, u, blk_len, w->xproj));
        }
        /* live windows: positions t in [max(p, u), min(p + len - 1, u + k - 1)] */
        size_t lo = u > p ? u - p : 0, hi = u + k - 1 - p;
        if (hi > len - 1) hi = len - 1;
        srm_window_advance(w->state + lo * B * S, S, w->pre, w->xproj + (u - blk) * B * gn, B,
                           (hi - lo + 1) * B, m);
    }
    *states = w->state;
    return SRM_OK;
}
