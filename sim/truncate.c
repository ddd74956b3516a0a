/* sim/truncate.c: the gap between recurrent and k-step truncated states for every k at once,
 * and the model constants of the Proposition bounding it (see truncate.h). */
#include "sim/truncate.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/progress.h"
#include "sim/rnn_internal.h"
#include "sim/window.h"
#include "theory/bound.h"
#include "theory/norm.h"
#include "theory/stability.h"

srm_gap_norm srm_truncate_norm(const srm_model *m)
{
    return m->cell == SRM_CELL_LSTM ? SRM_GAP_NORM_INF : SRM_GAP_NORM_2;
}

const char *srm_gap_norm_name(srm_gap_norm norm) { return norm == SRM_GAP_NORM_INF ? "inf" : "2"; }

double srm_truncate_vector_norm(srm_gap_norm norm, const double *a, const double *b, size_t len)
{
    double acc = 0.0;
    for (size_t i = 0; i < len; i++) {
        double v = b ? a[i] - b[i] : a[i];
        if (norm == SRM_GAP_NORM_INF) acc = fabs(v) > acc ? fabs(v) : acc;
        else acc += v * v;
    }
    return norm == SRM_GAP_NORM_INF ? acc : sqrt(acc);
}

/* Rows 0..C-1 of ws->bstate are restarted trajectories (row r restarts from zero at every
 * start time t0 = r mod C), row C is the recurrent run; all advance with sim/window.h's engine
 * step. After the step at time t, the row with start time t-k holds s^k_t for every k = 1..C. */
int srm_truncate_gaps(const srm_model *m, const double *x, size_t T, size_t kmax,
                      srm_gap_norm norm, srm_truncation_gap *gaps, srm_rnn_workspace *ws)
{
    SRM_TRY(srm_rnn_check(m, T, ws));
    if (kmax == 0) return SRM_ERROR(SRM_EINVAL, "kmax must be at least 1");
    size_t C = kmax < T ? kmax : T;
    if (C > ws->batch - 1)
        return SRM_ERROR(SRM_EINVAL, "kmax = %zu needs a workspace with k_max >= %zu (has %zu)",
                         kmax, C, ws->batch - 1);
    SRM_TRY(srm_rnn_prepare_input(m, x, T, ws));
    size_t S = ws->S, out = ws->out;
    /* Output gaps without a decoder compare h only (the h part of the LSTM state). */
    size_t ylen = out;
    memset(gaps, 0, kmax * sizeof *gaps);
    memset(ws->bstate, 0, (C + 1) * S * sizeof(double));
    double prefix_max = 0.0; /* max_{u <= t} ||s_u|| */
    srm_progress *line = srm_progress_alloc(T, "truncate", "steps"); /* NULL: no line */
    for (size_t t = 1; t <= T; t++) {
        srm_progress_update(line, t - 1);
        memset(ws->bstate + ((t - 1) % C) * S, 0, S * sizeof(double));
        srm_window_advance(ws->bstate, S, ws->pre, ws->xproj + (t - 1) * ws->gn, 1, C + 1, m);
        srm_rnn_outputs(m, ws, ws->bstate, C + 1, ws->bout);
        const double *full = ws->bstate + C * S, *yfull = ws->bout + C * out;
        for (size_t k = 1; k < t && k <= C; k++) { /* k >= t: s^k_t = s_t, gap 0 */
            size_t r = (t - k) % C;
            double g = srm_truncate_vector_norm(norm, ws->bstate + r * S, full, S);
            double gy = srm_truncate_vector_norm(norm, ws->bout + r * out, yfull, ylen);
            srm_truncation_gap *e = &gaps[k - 1];
            e->max_state_gap = g > e->max_state_gap ? g : e->max_state_gap;
            e->mean_state_gap += g;
            e->max_output_gap = gy > e->max_output_gap ? gy : e->max_output_gap;
        }
        double sn = srm_truncate_vector_norm(norm, full, NULL, S);
        prefix_max = sn > prefix_max ? sn : prefix_max;
        if (T - t >= 1 && T - t <= kmax) gaps[T - t - 1].max_prior_norm = prefix_max;
    }
    srm_progress_free(line);
    for (size_t k = 1; k <= kmax; k++) gaps[k - 1].mean_state_gap /= (double)T;
    return SRM_OK;
}

int srm_truncate_constants(const srm_model *m, double input_bound, srm_truncation_constants *c)
{
    if (!(input_bound >= 0.0) || !isfinite(input_bound))
        return SRM_ERROR(SRM_EINVAL, "input bound %g must be finite and >= 0", input_bound);
    size_t n = m->hidden, d = m->input, S = srm_model_state_size(m);
    memset(c, 0, sizeof *c);
    c->norm = srm_truncate_norm(m);
    c->input_bound = input_bound;
    c->forget_max = NAN;
    c->input_lipschitz = NAN;
    /* ||phi(0, 0)||: one reference step from the zero state with zero input. */
    double *tmp = calloc(2 * S + d + srm_cell_step_work_size(m), sizeof(double));
    if (!tmp) return SRM_ERROR(SRM_ENOMEM, "out of memory");
    srm_cell_step(m, tmp, tmp + 2 * S, tmp + S, tmp + 2 * S + d);
    c->phi00 = srm_truncate_vector_norm(c->norm, tmp + S, NULL, S);
    free(tmp);
    if (m->cell == SRM_CELL_LSTM) {
        /* theory/stability.h derives lambda_inf; the Proposition needs only the contraction
         * lambda_inf < 1, not the four sufficient conditions behind `stable` there. */
        srm_lstm_stability st;
        SRM_TRY(srm_stability_lstm(m, input_bound, &st));
        c->lambda = st.lambda_inf;
        c->forget_max = st.f_max;
        c->stable = c->lambda < 1.0;
        c->state_bound = c->stable ? 1.0 / st.a : NAN; /* |h| <= 1 <= 1/a, |c| <= 1/a */
        c->output_lipschitz = m->output ? srm_norm_inf(m->decoder_weight, m->output, n) : 1.0;
        return SRM_OK;
    }
    srm_rnn_stability st;
    SRM_TRY(srm_stability_rnn(m, &st));
    c->lambda = st.lambda;
    c->input_lipschitz = st.lipschitz_x;
    c->output_lipschitz = 1.0;
    if (m->output) {
        srm_svd_workspace *sw = srm_svd_workspace_alloc(m->output, n);
        if (!sw) return srm_error_code();
        int rc = srm_norm_spectral(m->decoder_weight, m->output, n, sw, &c->output_lipschitz);
        srm_svd_workspace_free(sw);
        SRM_TRY(rc);
    }
    c->stable = c->lambda < 1.0;
    if (c->stable) {
        c->state_bound = (c->phi00 + c->input_lipschitz * input_bound) / (1.0 - c->lambda);
        if (m->cell == SRM_CELL_RNN_TANH && sqrt((double)n) < c->state_bound)
            c->state_bound = sqrt((double)n);
    } else {
        c->state_bound = NAN;
    }
    return SRM_OK;
}

double srm_truncate_bound_traj(const srm_truncation_constants *c, size_t k,
                               double max_prior_norm)
{
    return c->stable ? srm_bound_inference_gap(c->lambda, (double)k, max_prior_norm, 1.0) : NAN;
}

double srm_truncate_bound(const srm_truncation_constants *c, size_t k)
{
    return c->stable ? srm_bound_inference_gap(c->lambda, (double)k, c->state_bound, 1.0) : NAN;
}
