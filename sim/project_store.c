/* sim/project_store.c: a projected layer back into its state dict (project_store.h). */
#include "sim/project_store.h"

#include <math.h>
#include <string.h>

#include "core/error.h"

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

int srm_project_store(srm_tensors *ts, const srm_layout *lay, size_t u,
                      const srm_model *original, const srm_model *projected, int toward_zero,
                      srm_store_check check, void *ctx, srm_store_result *out)
{
    out->changed = 0, out->ulps = 0;
    srm_model *r = srm_model_alloc_like(projected);
    if (!r) return srm_error_code();
    const srm_tensor *t[4];
    double *po[4], *pp[4], *pr[4];
    size_t nt = unit_tensors(&lay->unit[u], original, t, po);
    unit_tensors(&lay->unit[u], projected, t, pp);
    unit_tensors(&lay->unit[u], r, t, pr);
    int rc = SRM_OK, ok = 0;
    for (int j = 0; rc == SRM_OK && !ok && j <= SRM_STORE_MAX_ULPS; j++) {
        srm_model_copy(r, projected);
        for (size_t i = 0; i < nt; i++)
            for (size_t e = 0; e < t[i]->size; e++)
                if (pp[i][e] != po[i][e]) pr[i][e] = stored(t[i]->dtype, pp[i][e], toward_zero, j);
                else pr[i][e] = po[i][e]; /* as read: exact in its dtype */
        ok = 1;
        if (check) rc = check(r, ctx, &ok);
        out->ulps = j;
    }
    if (rc == SRM_OK && !ok)
        rc = SRM_ERROR(SRM_ENUMERIC, "unit %zu: the rounded weights miss the bound even %d ulps "
                       "toward zero", u, SRM_STORE_MAX_ULPS);
    for (size_t i = 0; rc == SRM_OK && i < nt; i++) {
        if (memcmp(pr[i], po[i], t[i]->size * sizeof(double)) == 0) continue;
        srm_tensor *mt = srm_tensors_find_mutable(ts, t[i]->name);
        memcpy(mt->data, pr[i], t[i]->size * sizeof(double));
        srm_tensor_changed(mt);
        out->changed = 1;
    }
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
