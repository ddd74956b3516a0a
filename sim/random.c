/* sim/random.c: random models and inputs of the synthetic lab (sim/random.h). */
#include "sim/random.h"

#include <gsl/gsl_randist.h>
#include <math.h>
#include <string.h>

#include "core/error.h"
#include "theory/norm.h"

static void uniform_fill(gsl_rng *rng, double *w, size_t count, double bound)
{
    for (size_t i = 0; i < count; i++) w[i] = bound * (2 * gsl_rng_uniform(rng) - 1);
}

/* W_hh Gaussian, then scaled to spectral norm lambda; a second pass removes the rounding of the
 * first (the relative error left is a few ulps). */
static int recurrent_with_norm(gsl_rng *rng, srm_model *m, double lambda, double *norm_out)
{
    size_t n = m->hidden;
    for (size_t i = 0; i < n * n; i++) m->weight_hh[i] = gsl_ran_gaussian(rng, 1 / sqrt((double)n));
    srm_svd_workspace *ws = srm_svd_workspace_alloc(n, n);
    if (!ws) return srm_error_code();
    int rc = SRM_OK;
    /* lambda = 0: W_hh = 0 exactly (a memoryless model); no rescaling of a zero matrix. */
    for (int pass = 0; pass < 2 && rc == SRM_OK && lambda > 0; pass++) {
        double s;
        if ((rc = srm_norm_spectral(m->weight_hh, n, n, ws, &s)) != SRM_OK) break;
        if (!(s > 0)) { rc = SRM_ERROR(SRM_ENUMERIC, "W_hh drew as the zero matrix"); break; }
        for (size_t i = 0; i < n * n; i++) m->weight_hh[i] *= lambda / s;
    }
    if (rc == SRM_OK && lambda == 0) memset(m->weight_hh, 0, n * n * sizeof(double));
    if (rc == SRM_OK) rc = srm_norm_spectral(m->weight_hh, n, n, ws, norm_out);
    srm_svd_workspace_free(ws);
    return rc;
}

int srm_random_model(srm_model *m, double lambda, gsl_rng *rng, double *norm)
{
    size_t n = m->hidden, gn = m->gates * n;
    double k = 1 / sqrt((double)n);
    uniform_fill(rng, m->weight_ih, gn * m->input, k);
    if (m->cell == SRM_CELL_LSTM) uniform_fill(rng, m->weight_hh, gn * n, k);
    else SRM_TRY(recurrent_with_norm(rng, m, lambda, norm));
    uniform_fill(rng, m->bias_ih, gn, k);
    uniform_fill(rng, m->bias_hh, gn, k);
    if (m->output) {
        uniform_fill(rng, m->decoder_weight, m->output * n, k);
        uniform_fill(rng, m->decoder_bias, m->output, k);
    }
    return SRM_OK;
}

void srm_random_inputs(const srm_model *m, double input_bound, gsl_rng *rng, srm_matrix *x)
{
    double half = input_bound / sqrt((double)m->input);
    for (size_t i = 0; i < x->rows * x->cols; i++)
        x->data[i] = m->vocab ? (double)gsl_rng_uniform_int(rng, m->vocab)
                              : half * (2.0 * gsl_rng_uniform(rng) - 1.0);
}

double srm_random_input_bound(const srm_model *m, srm_gap_norm norm, double input_bound)
{
    double half = input_bound / sqrt((double)m->input);
    return m->vocab ? 0.0 : norm == SRM_GAP_NORM_INF ? half : input_bound;
}

double srm_random_measure_bound(const srm_model *m, srm_gap_norm norm, const srm_matrix *x,
                                double start)
{
    double bx = start;
    for (size_t t = 0; t < x->rows; t++) {
        const double *v = m->vocab ? m->encoder_weight + (size_t)x->data[t] * m->input
                                   : x->data + t * m->input;
        bx = fmax(bx, srm_truncate_vector_norm(norm, v, NULL, m->input));
    }
    return bx;
}
