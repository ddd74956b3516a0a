/* theory/stability_gru.c: the GRU's contraction constant in the max norm (theory/stability.h,
 * proofs-notes/gru-condition.md). */
#include <math.h>

#include "core/cell.h"
#include "core/error.h"
#include "theory/norm.h"
#include "theory/stability.h"

/* max_j |b1_j + b2_j| over rows [row0, row0 + n) (NULL biases are zero). */
static double max_bias(const double *b1, const double *b2, size_t row0, size_t n)
{
    double m = 0;
    for (size_t j = row0; j < row0 + n; j++)
        m = fmax(m, fabs((b1 ? b1[j] : 0) + (b2 ? b2[j] : 0)));
    return m;
}

int srm_stability_gru(const srm_gru_weights *w, double input_bound, srm_gru_stability *out)
{
    size_t n = w->hidden, d = w->input;
    if (!(input_bound >= 0) || !isfinite(input_bound))
        return SRM_ERROR(SRM_EINVAL, "GRU stability: the input bound must be finite and >= 0");
    out->input_bound = input_bound;
    /* gate order r, z, n: rows [0, n), [n, 2n), [2n, 3n) */
    out->norm_inf_hr = srm_norm_inf_rows(w->weight_hh, 0, n, n);
    out->norm_inf_hz = srm_norm_inf_rows(w->weight_hh, n, n, n);
    out->norm_inf_hn = srm_norm_inf_rows(w->weight_hh, 2 * n, n, n);
    out->norm_inf_ir = d ? srm_norm_inf_rows(w->weight_ih, 0, n, d) : 0;
    out->norm_inf_iz = d ? srm_norm_inf_rows(w->weight_ih, n, n, d) : 0;
    out->norm_inf_in = d ? srm_norm_inf_rows(w->weight_ih, 2 * n, n, d) : 0;
    double tz = out->norm_inf_hz + out->norm_inf_iz * input_bound +
                max_bias(w->bias_ih, w->bias_hh, n, n);
    double tr = out->norm_inf_hr + out->norm_inf_ir * input_bound +
                max_bias(w->bias_ih, w->bias_hh, 0, n);
    out->z_preactivation = tz;
    out->z_max = srm_sigmoid(tz);
    out->r_max = srm_sigmoid(tr);
    out->m_max = out->norm_inf_hn + max_bias(NULL, w->bias_hh, 2 * n, n);
    double X = out->r_max * out->norm_inf_hn + out->m_max * out->norm_inf_hr / 4;
    out->x_move = X;
    double zs = X <= 1 ? out->z_max : srm_sigmoid(-tz);
    out->lambda_inf = out->norm_inf_hz / 2 + X + zs * (1 - X);
    out->lipschitz_x = out->norm_inf_iz / 2 +
                       out->z_max * (out->norm_inf_in + out->m_max * out->norm_inf_ir / 4);
    out->stable = out->lambda_inf < 1;
    return SRM_OK;
}
