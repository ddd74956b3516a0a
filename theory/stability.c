/* theory/stability.c: the RNN and LSTM stability verdicts (derivation in stability.h). */
#include "theory/stability.h"

#include <limits.h>
#include <math.h>

#include "core/cell.h"
#include "core/error.h"
#include "theory/norm.h"

double srm_stability_lipschitz_rho(srm_cell cell)
{
    (void)cell; /* tanh, ReLU and the identity are all 1-Lipschitz */
    return 1.0;
}

static int spectral(const double *w, size_t rows, size_t cols, double *norm)
{
    srm_svd_workspace *ws = srm_svd_workspace_alloc(rows, cols);
    if (!ws) return srm_error_code();
    int rc = srm_norm_spectral(w, rows, cols, ws, norm);
    srm_svd_workspace_free(ws);
    return rc;
}

int srm_stability_rnn(const srm_model *m, srm_rnn_stability *out)
{
    if (m->cell == SRM_CELL_LSTM)
        return SRM_ERROR(SRM_EINVAL, "RNN stability: the model is an LSTM");
    size_t n = m->hidden, d = m->input;
    out->cell = m->cell;
    out->lipschitz_rho = srm_stability_lipschitz_rho(m->cell);
    SRM_TRY(spectral(m->weight_hh, n, n, &out->spectral_norm));
    double norm_ih = 0;
    if (d > 0) SRM_TRY(spectral(m->weight_ih, n, d, &norm_ih));
    out->lambda = out->lipschitz_rho * out->spectral_norm;
    out->lipschitz_x = out->lipschitz_rho * norm_ih;
    out->stable = out->lambda < 1;
    return SRM_OK;
}

long srm_stability_lstm_steps(size_t hidden, double lambda_inf)
{
    if (!(lambda_inf < 1) || !(lambda_inf >= 0)) return -1;
    double c = sqrt(2.0 * (double)hidden);
    if (lambda_inf == 0) return 1;
    /* sqrt(2n) lambda^r < 1  <=>  r > ln(2n) / (2 ln(1/lambda)); start there, then fix the
     * rounding of the logarithms by testing the inequality itself in log form. */
    double x = log(2.0 * (double)hidden) / (-2.0 * log(lambda_inf));
    if (!(x < (double)(LONG_MAX / 2))) return -1;
    long r = (long)floor(x) + 1;
    if (r < 1) r = 1;
    double lc = log(c), ll = log(lambda_inf);
    while (r > 1 && lc + (double)(r - 1) * ll < 0) r--;
    while (!(lc + (double)r * ll < 0)) r++;
    return r;
}

int srm_stability_lstm_evaluate(srm_lstm_stability *s)
{
    const double in[] = {s->input_bound, s->norm_inf_i,  s->norm_inf_f,    s->norm_inf_z,
                         s->norm_inf_o,  s->norm_inf_uf, s->max_abs_bias_f};
    for (size_t j = 0; j < sizeof in / sizeof in[0]; j++)
        if (!(in[j] >= 0) || !isfinite(in[j]))
            return SRM_ERROR(SRM_EINVAL, "LSTM stability: norms and the input bound must be "
                                         "finite and >= 0 (got %g)", in[j]);
    if (s->hidden < 1) return SRM_ERROR(SRM_EINVAL, "LSTM stability: hidden size must be >= 1");
    double t = s->norm_inf_f + s->norm_inf_uf * s->input_bound + s->max_abs_bias_f;
    s->f_preactivation = t;
    s->f_max = srm_sigmoid(t);
    s->a = srm_sigmoid(-t); /* 1 - sigma(t) = sigma(-t), exact even when f_max ~ 1 */
    double a = s->a;
    s->margin_i = a - s->norm_inf_i;
    s->margin_o = a - s->norm_inf_o;
    s->margin_z = a / 4 - s->norm_inf_z;
    s->margin_f = a * a - s->norm_inf_f;
    s->holds_i = s->margin_i > 0;
    s->holds_o = s->margin_o > 0;
    s->holds_z = s->margin_z >= 0;
    s->holds_f = s->margin_f > 0;
    if (a > 0) {
        double A = s->norm_inf_i / 4 + s->norm_inf_z + s->norm_inf_f / (4 * a);
        s->lambda_inf = A + s->norm_inf_o / 4 + s->f_max;
    } else {
        s->lambda_inf = INFINITY;
    }
    s->r = srm_stability_lstm_steps(s->hidden, s->lambda_inf);
    s->stable = s->holds_i && s->holds_o && s->holds_z && s->holds_f && s->lambda_inf < 1;
    return SRM_OK;
}

int srm_stability_lstm(const srm_model *m, double input_bound, srm_lstm_stability *out)
{
    if (m->cell != SRM_CELL_LSTM)
        return SRM_ERROR(SRM_EINVAL, "LSTM stability: the model is %s, not an LSTM",
                         srm_cell_name(m->cell));
    size_t n = m->hidden, d = m->input;
    out->hidden = n;
    out->input_bound = input_bound;
    /* Gate order i, f, g(=z), o: rows [0,n), [n,2n), [2n,3n), [3n,4n). */
    out->norm_inf_i = srm_norm_inf_rows(m->weight_hh, 0, n, n);
    out->norm_inf_f = srm_norm_inf_rows(m->weight_hh, n, n, n);
    out->norm_inf_z = srm_norm_inf_rows(m->weight_hh, 2 * n, n, n);
    out->norm_inf_o = srm_norm_inf_rows(m->weight_hh, 3 * n, n, n);
    out->norm_inf_uf = d > 0 ? srm_norm_inf_rows(m->weight_ih, n, n, d) : 0;
    double bmax = 0;
    for (size_t j = n; j < 2 * n; j++) {
        double b = fabs(m->bias_ih[j] + m->bias_hh[j]);
        if (b > bmax) bmax = b;
    }
    out->max_abs_bias_f = bmax;
    SRM_TRY(srm_stability_lstm_evaluate(out));
    out->norm_inf_ui = d > 0 ? srm_norm_inf_rows(m->weight_ih, 0, n, d) : 0;
    out->norm_inf_uz = d > 0 ? srm_norm_inf_rows(m->weight_ih, 2 * n, n, d) : 0;
    out->norm_inf_uo = d > 0 ? srm_norm_inf_rows(m->weight_ih, 3 * n, n, d) : 0;
    double a = out->a;
    out->lipschitz_x = a > 0 ? out->norm_inf_ui / 4 + out->norm_inf_uz +
                                   out->norm_inf_uf / (4 * a) + out->norm_inf_uo / 4
                             : INFINITY;
    return SRM_OK;
}
