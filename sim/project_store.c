/* sim/project_store.c: a projected layer back into its state dict (project_store.h). */
#include "sim/project_store.h"

#include <math.h>
#include <string.h>

#include <stdlib.h>

#include "core/error.h"
#include "theory/project.h"
#include "theory/stability.h"

/* The four recurrent tensors of unit u and the model's blocks they hold. */
static size_t unit_tensors(const srm_layout_unit *lu, const srm_model *m,
                           const srm_tensor **t, double **block)
{
    const srm_tensor *all[4] = {lu->weight_ih, lu->weight_hh, lu->bias_ih, lu->bias_hh};
    double *blocks[4] = {m->weight_ih, m->weight_hh, m->bias_ih, m->bias_hh};
    size_t k = 0;
    for (size_t i = 0; i < 4; i++)
        if (all[i]) t[k] = all[i], block[k++] = blocks[i];
    return k;
}

/* x in dtype: rounded, toward zero where it would grow, then `ulps` more steps toward zero. */
static double stored(srm_dtype dtype, double x, int toward_zero, int ulps)
{
    double v = srm_dtype_round(dtype, x);
    if (toward_zero && fabs(v) > fabs(x)) v = srm_dtype_toward_zero(dtype, v);
    for (int j = 0; j < ulps; j++) v = srm_dtype_toward_zero(dtype, v);
    return v;
}

int srm_project_store_blocks(srm_tensors *ts, const srm_tensor *const *t, size_t nt,
                             double *const *orig, double *const *proj, double *const *rnd,
                             int toward_zero, srm_store_blocks_check check, void *ctx,
                             srm_store_result *out)
{
    out->changed = 0, out->ulps = 0;
    int rc = SRM_OK, ok = 0;
    for (int j = 0; rc == SRM_OK && !ok && j <= SRM_STORE_MAX_ULPS; j++) {
        for (size_t i = 0; i < nt; i++)
            for (size_t e = 0; e < t[i]->size; e++)
                rnd[i][e] = proj[i][e] != orig[i][e]
                                ? stored(t[i]->dtype, proj[i][e], toward_zero, j)
                                : orig[i][e]; /* as read: exact in its dtype */
        ok = 1;
        if (check) rc = check(ctx, &ok);
        out->ulps = j;
    }
    if (rc == SRM_OK && !ok)
        rc = SRM_ERROR(SRM_ENUMERIC, "the rounded weights miss the bound even %d ulps toward "
                       "zero", SRM_STORE_MAX_ULPS);
    for (size_t i = 0; rc == SRM_OK && i < nt; i++) {
        if (memcmp(rnd[i], orig[i], t[i]->size * sizeof(double)) == 0) continue;
        srm_tensor *mt = srm_tensors_find_mutable(ts, t[i]->name);
        memcpy(mt->data, rnd[i], t[i]->size * sizeof(double));
        srm_tensor_changed(mt);
        out->changed = 1;
    }
    return rc;
}

/* The model check on the rounded model. */
typedef struct {
    srm_store_check check;
    const srm_model *rounded;
    void *ctx;
} model_check;

static int check_model(void *ctx, int *ok)
{
    const model_check *mc = ctx;
    return mc->check(mc->rounded, mc->ctx, ok);
}

int srm_project_store(srm_tensors *ts, const srm_layout *lay, size_t u,
                      const srm_model *original, const srm_model *projected, int toward_zero,
                      srm_store_check check, void *ctx, srm_store_result *out)
{
    srm_model *r = srm_model_alloc_like(projected);
    if (!r) return srm_error_code();
    srm_model_copy(r, projected);
    const srm_tensor *t[4];
    double *po[4], *pp[4], *pr[4];
    size_t nt = unit_tensors(&lay->unit[u], original, t, po);
    unit_tensors(&lay->unit[u], projected, t, pp);
    unit_tensors(&lay->unit[u], r, t, pr);
    model_check mc = {check, r, ctx};
    int rc = srm_project_store_blocks(ts, t, nt, po, pp, pr, toward_zero,
                                      check ? check_model : NULL, &mc, out);
    srm_model_free(r);
    return rc;
}

int srm_project_clamp_embedding(srm_tensors *ts, const srm_layout *lay, double bound,
                                size_t *clamped)
{
    *clamped = 0;
    if (!lay->embedding) return SRM_OK;
    srm_tensor *e = srm_tensors_find_mutable(ts, lay->embedding->name);
    double b = srm_dtype_round(e->dtype, bound);
    if (b > bound) b = srm_dtype_toward_zero(e->dtype, b);
    for (size_t i = 0; i < e->size; i++)
        if (fabs(e->data[i]) > bound) e->data[i] = copysign(b, e->data[i]), (*clamped)++;
    if (*clamped) srm_tensor_changed(e);
    return SRM_OK;
}

/* The GRU's check on the rounded blocks: lambda_inf < 1 (theory/stability.h). */
typedef struct {
    srm_gru_weights w;
    double input_bound;
    srm_gru_stability *after;
} gru_check;

static int check_gru(void *ctx, int *ok)
{
    gru_check *g = ctx;
    SRM_TRY(srm_stability_gru(&g->w, g->input_bound, g->after));
    *ok = g->after->stable;
    return SRM_OK;
}

int srm_project_gru_unit(srm_tensors *ts, const srm_layout *lay, size_t u, double zeta,
                         double margin, double input_bound, srm_project_gru_result *res,
                         srm_gru_stability *before, srm_gru_stability *after,
                         srm_store_result *st)
{
    const srm_layout_unit *lu = &lay->unit[u];
    const srm_tensor *all[4] = {lu->weight_ih, lu->weight_hh, lu->bias_ih, lu->bias_hh}, *t[4];
    size_t nt = 0, total = 0, n = lay->hidden, d = lu->input;
    for (size_t i = 0; i < 4; i++)
        if (all[i]) t[nt++] = all[i], total += all[i]->size;
    double *buf = malloc(3 * total * sizeof *buf), *orig[4], *proj[4], *rnd[4];
    if (!buf) return SRM_ERROR(SRM_ENOMEM, "out of memory");
    for (size_t i = 0, at = 0; i < nt; at += t[i]->size, i++) {
        orig[i] = (double *)t[i]->data; /* read only */
        proj[i] = buf + at, rnd[i] = buf + total + at;
        memcpy(proj[i], t[i]->data, t[i]->size * sizeof(double));
    }
    double *b_ih = nt == 4 ? proj[2] : NULL, *b_hh = nt == 4 ? proj[3] : NULL;
    srm_gru_weights w0 = {n, d, orig[0], orig[1], nt == 4 ? orig[2] : NULL,
                          nt == 4 ? orig[3] : NULL};
    gru_check g = {{n, d, rnd[0], rnd[1], nt == 4 ? rnd[2] : NULL, nt == 4 ? rnd[3] : NULL},
                   input_bound, after};
    int rc = srm_stability_gru(&w0, input_bound, before);
    if (rc == SRM_OK)
        rc = srm_project_gru(proj[0], proj[1], b_ih, b_hh, n, d, zeta, margin, input_bound, res);
    if (rc == SRM_OK)
        rc = srm_project_store_blocks(ts, t, nt, orig, proj, rnd, 1, check_gru, &g, st);
    free(buf);
    return rc;
}
