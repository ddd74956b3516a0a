/* theory/project_gru.c: the GRU's row-scaling projection (theory/project.h,
 * proofs-notes/gru-condition.md section 4). */
#include <math.h>

#include "core/error.h"
#include "theory/norm.h"
#include "theory/project.h"

/* The reset product's share: ||W_hn|| <= T_HN, max|b_hn| <= B_HN, ||W_hr|| <= T_HR give
 * X <= T_HN + (T_HN + B_HN) T_HR / 4 = 1/2. */
#define T_HN 0.4
#define B_HN 0.4
#define T_HR 0.5

static int finite_all(const double *w, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (!isfinite(w[i])) return 0;
    return 1;
}

int srm_project_gru(double *weight_ih, double *weight_hh, double *bias_ih, double *bias_hh,
                    size_t n, size_t d, double zeta, double margin, double input_bound,
                    srm_project_gru_result *out)
{
    *out = (srm_project_gru_result){0};
    srm_gru_targets *t = &out->targets;
    double w_hz = 1 - zeta - 2 * margin, budget = log(zeta / (1 - zeta)) - w_hz;
    if (!(zeta > 0.5 && zeta < 1) || !(margin >= 0) || !(w_hz > 0) || !(budget >= 0))
        return SRM_ERROR(SRM_EINVAL, "GRU projection: need 1/2 < zeta < 1 and 0 <= m with "
                         "1 - zeta - 2m > 0 and logit(zeta) >= 1 - zeta - 2m (got zeta %g, m %g)",
                         zeta, margin);
    if (!(input_bound >= 0) || !isfinite(input_bound))
        return SRM_ERROR(SRM_EINVAL, "GRU projection: input bound must be >= 0 (got %g)",
                         input_bound);
    if (!finite_all(weight_hh, 3 * n * n) || !finite_all(weight_ih, 3 * n * d))
        return SRM_ERROR(SRM_EINVAL, "GRU projection: non-finite weights");
    *t = (srm_gru_targets){zeta, margin, input_bound, w_hz, T_HR, T_HN, B_HN, 0, 0};
    double u = d ? srm_norm_inf_rows(weight_ih, n, n, d) : 0, beta = 0;
    for (size_t j = n; j < 2 * n; j++)
        beta = fmax(beta, fabs((bias_ih ? bias_ih[j] : 0) + (bias_hh ? bias_hh[j] : 0)));
    double used = u * input_bound + beta, scale = used > budget ? budget / used : 1.0;
    t->w_iz = input_bound > 0 ? u * scale : u; /* with B = 0, W_iz never reaches the gate */
    t->b_z = beta * scale;
    /* gate order r, z, n */
    out->rows_scaled += srm_project_scale_rows(weight_hh, 0, n, n, t->w_hr);
    out->rows_scaled += srm_project_scale_rows(weight_hh, n, n, n, t->w_hz);
    out->rows_scaled += srm_project_scale_rows(weight_hh, 2 * n, n, n, t->w_hn);
    if (d) out->rows_scaled += srm_project_scale_rows(weight_ih, n, n, d, t->w_iz);
    out->biases_clipped += srm_project_scale_biases(bias_ih, bias_hh, n, n, t->b_z);
    out->biases_clipped += srm_project_scale_biases(NULL, bias_hh, 2 * n, n, t->b_hn);
    return SRM_OK;
}
