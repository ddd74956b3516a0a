/* task/net_trunc.c: the k-step truncated evaluation of the benchmark network (see net.h): the
 * windows come from sim/window.h's truncation engine, the same one the synthetic lab's
 * truncated runs use; this file feeds it the batch's inputs and decodes and scores its states. */
#include <stdlib.h>

#include "core/cell.h"
#include "core/error.h"
#include "sim/window.h"
#include "task/net.h"
#include "task/net_internal.h"

struct srm_net_trunc {
    srm_net_output output;
    size_t n, S, out, chunk, b_max;
    srm_window *win; /* the engine's workspace: chunk * b_max windows */
    void *block;
    double *xin;     /* (chunk * b_max, d) input vectors of a block of positions */
    double *y;       /* (chunk * b_max, out) outputs of a chunk */
};

srm_net_trunc *srm_net_trunc_alloc(const srm_model *m, srm_net_output output, size_t chunk,
                                   size_t b_max)
{
    if (srm_net_check_model(m) != SRM_OK) return NULL;
    if (chunk == 0 || b_max == 0) {
        SRM_ERROR(SRM_EINVAL, "truncated evaluation needs chunk, b_max >= 1");
        return NULL;
    }
    srm_net_trunc *tw = calloc(1, sizeof *tw);
    if (!tw) {
        SRM_ERROR(SRM_ENOMEM, "out of memory");
        return NULL;
    }
    size_t rows = chunk * b_max;
    tw->output = output, tw->n = m->hidden, tw->S = srm_model_state_size(m);
    tw->out = m->output, tw->chunk = chunk, tw->b_max = b_max;
    size_t sizes[] = {rows * m->input, rows * tw->out};
    void **const ptrs[] = {(void **)&tw->xin, (void **)&tw->y};
    tw->block = srm_net_carve(2, sizes, sizeof(double), ptrs);
    tw->win = srm_window_alloc(m, chunk, b_max);
    if (!tw->block || !tw->win) {
        srm_net_trunc_free(tw);
        SRM_ERROR(SRM_ENOMEM, "out of memory for truncated evaluation (%zu rows)", rows);
        return NULL;
    }
    return tw;
}

void srm_net_trunc_free(srm_net_trunc *tw)
{
    if (!tw) return;
    srm_window_free(tw->win);
    free(tw->block);
    free(tw);
}

typedef struct {
    const srm_model *m;
    const srm_net_batch *b;
    double *xin;
} trunc_input;

/* The engine's projections of positions [u, u + len) of every column: gathered input vectors,
 * then one GEMM. */
static int trunc_projection(void *ctx, size_t u, size_t len, double *xproj)
{
    const trunc_input *in = ctx;
    size_t B = in->b->B;
    SRM_TRY(srm_net_gather_inputs(in->m, in->b, u * B, len * B, in->xin));
    srm_cell_input_projection(xproj, in->xin, in->m, len * B);
    return SRM_OK;
}

int srm_net_trunc_eval(srm_net_trunc *tw, const srm_model *m, const srm_net_batch *b, size_t k,
                       double *loss_sum, size_t *count, int32_t *argmax)
{
    size_t T = b->T, B = b->B, C = tw->chunk, n = tw->n, S = tw->S;
    if (k == 0) return SRM_ERROR(SRM_EINVAL, "truncation length k must be >= 1");
    if (B == 0 || B > tw->b_max)
        return SRM_ERROR(SRM_EINVAL, "%zu columns exceed the workspace's %zu", B, tw->b_max);
    *loss_sum = 0;
    *count = 0;
    trunc_input in = {m, b, tw->xin};
    for (size_t p = 0; p < T; p += C) {
        size_t Cc = T - p < C ? T - p : C;
        const double *st; /* (Cc * B, S): s^k_t of positions p .. p + Cc - 1 */
        SRM_TRY(srm_window_run(tw->win, m, T, B, k, p, Cc, trunc_projection, &in, &st));
        srm_net_decode(m, st + (S - n), S, Cc * B, tw->y);
        SRM_TRY(srm_net_rows_loss(tw->output, tw->y, Cc * B, tw->out, b, p * B, loss_sum, count));
        if (argmax) srm_net_argmax_rows(tw->y, Cc * B, tw->out, argmax + p * B);
    }
    return SRM_OK;
}
