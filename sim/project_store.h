/* sim/project_store.h: writing a projected layer back into the state dict it came from, in the
 * dtype each tensor is stored in, so that the stored weights (not only the double ones) meet
 * the projection's bound.
 *
 * Entries the projection left unchanged keep their bytes. A changed entry is rounded to its
 * dtype (to nearest, or toward zero where the projection must not grow a magnitude); then the
 * caller's check runs on the rounded layer, in double. While it fails, every changed entry is
 * moved one more unit in the last place toward zero (at most SRM_STORE_MAX_ULPS times); a check
 * that never passes is an error and nothing is written. */
#ifndef SRM_PROJECT_STORE_H
#define SRM_PROJECT_STORE_H

#include "core/layout.h"
#include "core/model.h"
#include "core/safetensors.h"
#include "theory/project.h"
#include "theory/stability.h"

#define SRM_STORE_MAX_ULPS 64

/* *ok = whether the rounded layer m meets the bound. */
typedef int (*srm_store_check)(const srm_model *m, void *ctx, int *ok);

typedef struct {
    int changed; /* some entry was written */
    int ulps;    /* ulps toward zero the check needed beyond the rounding */
} srm_store_result;

/* Stores `projected` (unit u of lay, read from ts; `original` as read) into ts. check may be
 * NULL (nothing to verify: the authors' projection). */
int srm_project_store(srm_tensors *ts, const srm_layout *lay, size_t u,
                      const srm_model *original, const srm_model *projected, int toward_zero,
                      srm_store_check check, void *ctx, srm_store_result *out);

/* The same on explicit blocks: tensors t[0..nt) of ts, their values as read (orig), as
 * projected (proj), and buffers rnd for the rounded values, which check(ctx, &ok) reads (for
 * tensors srm has no model of: the GRU). */
typedef int (*srm_store_blocks_check)(void *ctx, int *ok);
int srm_project_store_blocks(srm_tensors *ts, const srm_tensor *const *t, size_t nt,
                             double *const *orig, double *const *proj, double *const *rnd,
                             int toward_zero, srm_store_blocks_check check, void *ctx,
                             srm_store_result *out);

/* GRU unit u of lay: srm_project_gru on copies of its tensors, stored as above (toward zero,
 * verified: lambda_inf < 1 on the rounded weights); the constants before and after. */
int srm_project_gru_unit(srm_tensors *ts, const srm_layout *lay, size_t u, double zeta,
                         double margin, double input_bound, srm_project_gru_result *res,
                         srm_gru_stability *before, srm_gru_stability *after,
                         srm_store_result *st);

/* Clamps every entry of the embedding tensor to [-bound, bound] (its dtype, toward zero); the
 * count of entries clamped goes to *clamped. */
int srm_project_clamp_embedding(srm_tensors *ts, const srm_layout *lay, double bound,
                                size_t *clamped);

#endif
