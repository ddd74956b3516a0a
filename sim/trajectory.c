/* sim/trajectory.c: lockstep projected gradient descent of a recurrent student and k-truncated
 * students on a teacher's data, with the training theorem's bound (see trajectory.h and
 * proofs-notes/gradient-gap.md, proofs-notes/smoothness.md). */
#include "sim/trajectory.h"

#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/atomic.h"
#include "core/error.h"
#include "core/meta.h"
#include "core/progress.h"
#include "core/report.h"
#include "sim/teacher.h"
#include "theory/norm.h"
#include "theory/project.h"

void srm_trajectory_config_default(srm_trajectory_config *c)
{
    memset(c, 0, sizeof *c);
    c->cell = SRM_CELL_RNN_TANH;
    c->hidden = 16;
    c->input = 4;
    c->output = 1;
    c->lambda = 0.5;
    c->seqs = 8;
    c->length = 40;
    c->loss_at = SRM_LOSS_AT_LAST;
    const size_t ks[] = {1, 2, 4, 8, 16};
    memcpy(c->ks, ks, sizeof ks);
    c->nks = 5;
    c->steps = 200;
    c->alpha = 1.0;
    c->schedule = SRM_SCHEDULE_INV;
    c->init_scale = 0.5;
    c->every = 1;
    c->seed = 1;
}

/* Everything a run owns; freed by run_free whatever state it reached. */
typedef struct {
    const srm_trajectory_config *cfg;
    srm_teacher_data *task;
    srm_model *teacher, *rec, *rec_prev, *g_rec, *g_rec_prev, *g_scratch;
    srm_model *trunc[SRM_TRAJECTORY_MAX_KS], *g_trunc[SRM_TRAJECTORY_MAX_KS];
    srm_rnn_workspace *rnn_ws;
    srm_svd_workspace *svd_hh, *svd_ih, *svd_dec;
    double loss_trunc[SRM_TRAJECTORY_MAX_KS];
} run_state;

static void run_free(run_state *s)
{
    srm_teacher_data_free(s->task);
    srm_model *models[] = {s->teacher, s->rec, s->rec_prev, s->g_rec, s->g_rec_prev, s->g_scratch};
    for (size_t i = 0; i < sizeof models / sizeof models[0]; i++) srm_model_free(models[i]);
    for (size_t j = 0; j < SRM_TRAJECTORY_MAX_KS; j++) {
        srm_model_free(s->trunc[j]);
        srm_model_free(s->g_trunc[j]);
    }
    srm_rnn_workspace_free(s->rnn_ws);
    srm_svd_workspace_free(s->svd_hh);
    srm_svd_workspace_free(s->svd_ih);
    srm_svd_workspace_free(s->svd_dec);
}

static int check_config(const srm_trajectory_config *c)
{
    if (c->cell != SRM_CELL_RNN_TANH && c->cell != SRM_CELL_LSTM)
        return SRM_ERROR(SRM_EINVAL, "--cell must be rnn or lstm (got %s)",
                         srm_cell_name(c->cell));
    if (c->hidden == 0 || c->input == 0 || c->output == 0)
        return SRM_ERROR(SRM_EINVAL, "--hidden, --input and --output must be > 0");
    if (!(c->lambda > 0.0 && c->lambda < 1.0))
        return SRM_ERROR(SRM_EINVAL, "--lambda must be in (0, 1) (got %g)",
                         c->lambda);
    if (c->seqs == 0 || c->length == 0)
        return SRM_ERROR(SRM_EINVAL, "--seqs and --length must be > 0");
    if (c->nks == 0 || c->nks > SRM_TRAJECTORY_MAX_KS)
        return SRM_ERROR(SRM_EINVAL, "--ks needs 1 to %d values", SRM_TRAJECTORY_MAX_KS);
    for (size_t j = 0; j < c->nks; j++)
        if (c->ks[j] == 0) return SRM_ERROR(SRM_EINVAL, "every k must be >= 1");
    if (c->steps == 0) return SRM_ERROR(SRM_EINVAL, "--steps must be > 0");
    if (!(c->alpha > 0.0) || !isfinite(c->alpha))
        return SRM_ERROR(SRM_EINVAL, "--alpha must be > 0 (got %g)", c->alpha);
    if (!(c->init_scale >= 0.0) || !isfinite(c->init_scale))
        return SRM_ERROR(SRM_EINVAL, "--init-scale must be >= 0");
    if (c->every == 0) return SRM_ERROR(SRM_EINVAL, "--every must be > 0");
    return SRM_OK;
}

/* p or p^k (trunc_k > 0) of model m: the mean over sequences and loss positions of the squared
 * error, and its gradient into g (overwritten). */
static int objective(run_state *s, const srm_model *m, size_t trunc_k, double *loss,
                     srm_model *g)
{
    const srm_teacher_data *t = s->task;
    size_t T = t->length, d = t->input, out = t->output;
    double total = 0.0;
    srm_model_zero(g);
    for (size_t q = 0; q < t->seqs; q++) {
        double l = 0.0;
        SRM_TRY(srm_rnn_loss_grad(m, t->x + q * T * d, t->y + q * T * out, out, T, trunc_k,
                                  SRM_LOSS_MSE, s->cfg->loss_at, &l, g, s->rnn_ws));
        total += l;
    }
    double scale = 1.0 / ((double)t->seqs * (s->cfg->loss_at == SRM_LOSS_AT_ALL ? T : 1));
    for (size_t i = 0; i < g->nparam; i++) g->w[i] *= scale;
    *loss = total * scale;
    return SRM_OK;
}

static int project(run_state *s, srm_model *m)
{
    if (m->cell == SRM_CELL_LSTM) {
        srm_project_lstm_result res;
        return srm_project_lstm(m, SRM_TEACHER_LSTM_A, SRM_TEACHER_LSTM_MARGIN,
                                SRM_TEACHER_INPUT_BOUND, &res);
    }
    srm_project_result res;
    return srm_project_spectral(m->weight_hh, m->hidden, m->hidden, s->cfg->lambda,
                                SRM_NORM_METHOD_SVD, s->svd_hh, NULL, NULL, &res);
}

static double vector_norm(const double *v, size_t n)
{
    double q = 0.0;
    for (size_t i = 0; i < n; i++) q += v[i] * v[i];
    return sqrt(q);
}

/* Grows the region (norm maxima) and the recorded max ||W_hh||_2 by the weights of m. */
static int include_weights(run_state *s, const srm_model *m, srm_trajectory_result *r)
{
    if (m->cell != SRM_CELL_RNN_TANH) return SRM_OK;
    srm_training_region *g = &r->region;
    size_t n = m->hidden;
    double hh, ih, dec, b2 = 0.0;
    SRM_TRY(srm_norm_spectral(m->weight_hh, n, n, s->svd_hh, &hh));
    SRM_TRY(srm_norm_spectral(m->weight_ih, n, m->input, s->svd_ih, &ih));
    SRM_TRY(srm_norm_spectral(m->decoder_weight, m->output, n, s->svd_dec, &dec));
    for (size_t i = 0; i < n; i++) {
        double b = m->bias_ih[i] + m->bias_hh[i]; /* the model only sees the sum */
        b2 += b * b;
    }
    r->max_recurrent_norm = fmax(r->max_recurrent_norm, hh);
    g->input_weight = fmax(g->input_weight, ih);
    g->bias = fmax(g->bias, sqrt(b2));
    g->decoder_weight = fmax(g->decoder_weight, dec);
    g->decoder_bias = fmax(g->decoder_bias, vector_norm(m->decoder_bias, m->output));
    return SRM_OK;
}

static int setup(run_state *s, gsl_rng *rng)
{
    const srm_trajectory_config *c = s->cfg;
    size_t kmax = 0;
    for (size_t j = 0; j < c->nks; j++) kmax = c->ks[j] > kmax ? c->ks[j] : kmax;
    s->teacher = srm_model_alloc(c->cell, c->hidden, c->input, c->output, 0);
    if (!s->teacher) return srm_error_code();
    SRM_TRY(srm_teacher_init(s->teacher, c->lambda, rng));
    SRM_TRY(srm_teacher_data_alloc(s->teacher, c->seqs, c->length, rng, &s->task));
    srm_model **owned[] = {&s->rec, &s->rec_prev, &s->g_rec, &s->g_rec_prev, &s->g_scratch};
    for (size_t i = 0; i < sizeof owned / sizeof owned[0]; i++)
        if (!(*owned[i] = srm_model_alloc_like(s->teacher))) return srm_error_code();
    for (size_t j = 0; j < c->nks; j++)
        if (!(s->trunc[j] = srm_model_alloc_like(s->teacher)) ||
            !(s->g_trunc[j] = srm_model_alloc_like(s->teacher)))
            return srm_error_code();
    if (!(s->rnn_ws = srm_rnn_workspace_alloc(s->teacher, c->length, kmax)) ||
        !(s->svd_hh = srm_svd_workspace_alloc(c->hidden, c->hidden)) ||
        !(s->svd_ih = srm_svd_workspace_alloc(c->hidden, c->input)) ||
        !(s->svd_dec = srm_svd_workspace_alloc(c->output, c->hidden)))
        return srm_error_code();
    /* The shared initialisation, inside the stable set like every later iterate. */
    srm_teacher_randomize(s->rec, c->init_scale, rng);
    SRM_TRY(project(s, s->rec));
    for (size_t j = 0; j < c->nks; j++) srm_model_copy(s->trunc[j], s->rec);
    return SRM_OK;
}

static void swap_models(srm_model **a, srm_model **b)
{
    srm_model *t = *a;
    *a = *b;
    *b = t;
}

static size_t recorded_steps(const srm_trajectory_config *c)
{
    return c->steps / c->every + 1 + (c->steps % c->every != 0);
}

/* One gradient-descent step of size eta on m, then the projection. */
static int descend(run_state *s, srm_model *m, const srm_model *g, double eta)
{
    for (size_t i = 0; i < m->nparam; i++) m->w[i] -= eta * g->w[i];
    return project(s, m);
}

static int run_steps(run_state *s, srm_trajectory_observer observer, void *ctx,
                     srm_trajectory_result *r)
{
    const srm_trajectory_config *c = s->cfg;
    srm_progress *progress = srm_progress_alloc(c->steps + 1, "trajectory", "steps");
    size_t row = 0;
    int rc = SRM_OK;
    for (size_t step = 0; step <= c->steps && rc == SRM_OK; step++) {
        if (step > 0) {
            double eta = srm_schedule_step(c->schedule, c->alpha, step);
            rc = descend(s, s->rec, s->g_rec_prev, eta);
            for (size_t j = 0; j < c->nks && rc == SRM_OK; j++)
                rc = descend(s, s->trunc[j], s->g_trunc[j], eta);
            if (rc != SRM_OK) break;
        }
        double loss_rec = 0.0, unused;
        if ((rc = objective(s, s->rec, 0, &loss_rec, s->g_rec)) != SRM_OK) break;
        if (step > 0) /* local smoothness of p along the recurrent trajectory */
            srm_training_estimate_smoothness(&r->estimate,
                                             srm_model_distance(s->g_rec, s->g_rec_prev),
                                             srm_model_distance(s->rec, s->rec_prev));
        rc = include_weights(s, s->rec, r);
        for (size_t j = 0; j < c->nks && rc == SRM_OK; j++) {
            size_t k = c->ks[j];
            srm_model *v = s->trunc[j];
            if ((rc = objective(s, v, k, &s->loss_trunc[j], s->g_trunc[j])) != SRM_OK) break;
            /* grad p at the truncated iterate: the gap and the smoothness pair the recursion
             * delta_{t+1} <= delta_t + alpha_t (||grad p(w) - grad p(v)|| +
             * ||grad p(v) - grad p^k(v)||) actually uses. */
            if ((rc = objective(s, v, 0, &unused, s->g_scratch)) != SRM_OK) break;
            srm_training_estimate_gap(&r->estimate, srm_model_distance(s->g_scratch, s->g_trunc[j]),
                                      k, r->lambda);
            srm_training_estimate_smoothness(&r->estimate,
                                             srm_model_distance(s->g_rec, s->g_scratch),
                                             srm_model_distance(s->rec, v));
            /* and the gap at the recurrent iterate, as the lemma is stated for any w */
            if ((rc = objective(s, s->rec, k, &unused, s->g_scratch)) != SRM_OK) break;
            srm_training_estimate_gap(&r->estimate, srm_model_distance(s->g_rec, s->g_scratch),
                                      k, r->lambda);
            rc = include_weights(s, v, r);
        }
        if (rc == SRM_OK && observer) rc = observer(ctx, step, s->rec, s->trunc, c->nks);
        if (rc != SRM_OK) break;
        if (step % c->every == 0 || step == c->steps) {
            for (size_t j = 0; j < c->nks; j++)
                r->rows[row++] = (srm_trajectory_row){
                    .step = step, .k = c->ks[j], .dist = srm_model_distance(s->rec, s->trunc[j]),
                    .loss_recurr = loss_rec, .loss_trunc = s->loss_trunc[j]};
        }
        swap_models(&s->g_rec, &s->g_rec_prev);
        srm_model_copy(s->rec_prev, s->rec);
        if (progress) srm_progress_update(progress, step + 1);
    }
    srm_progress_free(progress);
    if (rc != SRM_OK) return rc;
    for (size_t j = 0; j < c->nks; j++) r->final_dist[j] = srm_model_distance(s->rec, s->trunc[j]);
    r->nrows = row;
    return SRM_OK;
}

/* Fills the bound columns once the constants are known (they are maxima over the whole run). */
static void fill_bounds(srm_trajectory_result *r)
{
    const srm_trajectory_config *c = &r->config;
    for (size_t i = 0; i < r->nrows; i++) {
        srm_trajectory_row *w = &r->rows[i];
        w->bound = srm_training_bound(c->schedule, c->alpha, r->estimate.gamma, r->estimate.beta,
                                      r->lambda, w->k, w->step);
        w->bound_analytic = r->has_analytic
            ? srm_training_bound(c->schedule, c->alpha, r->analytic.gamma, r->analytic.beta,
                                 r->lambda, w->k, w->step)
            : NAN;
    }
}

int srm_trajectory_run(const srm_trajectory_config *config, srm_trajectory_observer observer,
                       void *ctx, srm_trajectory_result **out)
{
    *out = NULL;
    SRM_TRY(check_config(config));
    srm_trajectory_result *r = calloc(1, sizeof *r);
    if (!r) return SRM_ERROR(SRM_ENOMEM, "out of memory");
    r->config = *config;
    r->lambda = config->lambda;
    int rc = SRM_OK;
    if (config->cell == SRM_CELL_LSTM) rc = srm_teacher_lstm_lambda(config->hidden, &r->lambda);
    srm_training_estimate_init(&r->estimate);
    r->rows = calloc(recorded_steps(config) * config->nks, sizeof *r->rows);
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    run_state s = {.cfg = &r->config};
    if (rc == SRM_OK && (!r->rows || !rng))
        rc = SRM_ERROR(SRM_ENOMEM, "out of memory for the trajectory");
    if (rc == SRM_OK) {
        gsl_rng_set(rng, config->seed);
        rc = setup(&s, rng);
    }
    if (rc == SRM_OK) rc = run_steps(&s, observer, ctx, r);
    if (rc == SRM_OK && config->cell == SRM_CELL_RNN_TANH) {
        r->region.hidden = config->hidden;
        r->region.lambda = config->lambda;
        r->region.input_bound = s.task->input_bound;
        r->region.target_bound = s.task->target_bound;
        r->region.loss_curvature = 1.0; /* sim/rnn_grad.c: mse is 1/2 ||y - z||^2 */
        rc = srm_training_constants_rnn(&r->region, &r->analytic);
        r->has_analytic = rc == SRM_OK;
    }
    if (rc == SRM_OK) fill_bounds(r);
    run_free(&s);
    gsl_rng_free(rng);
    if (rc != SRM_OK) {
        srm_trajectory_result_free(r);
        return rc;
    }
    *out = r;
    return SRM_OK;
}

void srm_trajectory_result_free(srm_trajectory_result *r)
{
    if (!r) return;
    free(r->rows);
    free(r);
}

static void put(FILE *f, double v, const char *sep)
{
    char buf[64];
    fputs(srm_report_format(buf, sizeof buf, v), f);
    fputs(sep, f);
}

int srm_trajectory_write_tsv(const char *path, const srm_trajectory_result *r)
{
    const srm_trajectory_config *c = &r->config;
    srm_atomic a;
    SRM_TRY(srm_atomic_open(&a, path));
    FILE *f = a.f;
    srm_meta_write(f);
    fprintf(f, "# trajectory: cell %s, hidden %zu, input %zu, output %zu, %zu sequences of "
            "length %zu, squared loss at %s, %zu steps, alpha %.17g, schedule %s "
            "(alpha_t = %s)\n", srm_cell_name(c->cell), c->hidden, c->input, c->output, c->seqs,
            c->length,
            c->loss_at == SRM_LOSS_AT_LAST ? "the last position" : "all positions (averaged)",
            c->steps, c->alpha,
            srm_schedule_name(c->schedule), c->schedule == SRM_SCHEDULE_INV ? "alpha/t" : "alpha");
    fprintf(f, "# lambda: %.17g (%s)\n", r->lambda,
            c->cell == SRM_CELL_LSTM ? "certified lambda_inf of the LSTM stability set"
                                     : "teacher ||W_hh||_2; students projected onto "
                                       "||W_hh||_2 <= lambda after every step");
    fprintf(f, "# bound: the theorem with ESTIMATED constants gamma_hat %.17g, beta_hat %.17g "
            "(maxima of observed gradient-gap and smoothness ratios along this run; "
            "%s)\n", r->estimate.gamma, r->estimate.beta,
            c->cell == SRM_CELL_LSTM
                ? "an observation only: LSTM row scaling is not non-expansive"
                : "a valid after-the-fact bound for this run, since the maxima are taken over "
                  "exactly the weight pairs the recursion uses: proofs-notes/training-theorem.md");
    if (r->has_analytic)
        fprintf(f, "# bound_analytic: the theorem with ANALYTIC constants gamma %.17g, beta "
                "%.17g (proofs-notes/gradient-gap.md, smoothness.md; rigorous on the region "
                "||U||_2 <= %.17g, ||b_ih+b_hh|| <= %.17g, ||D||_2 <= %.17g, ||c|| <= %.17g, "
                "B_x %.17g, ||y*|| <= %.17g that holds every iterate; inf = overflow)\n",
                r->analytic.gamma, r->analytic.beta, r->region.input_weight, r->region.bias,
                r->region.decoder_weight, r->region.decoder_bias, r->region.input_bound,
                r->region.target_bound);
    else
        fprintf(f, "# bound_analytic: nan (analytic constants are derived for the tanh RNN "
                "only)\n");
    fprintf(f, "step\tk\tdist\tloss_recurr\tloss_trunc\tbound\tbound_analytic\n");
    for (size_t i = 0; i < r->nrows; i++) {
        const srm_trajectory_row *w = &r->rows[i];
        fprintf(f, "%zu\t%zu\t", w->step, w->k);
        put(f, w->dist, "\t");
        put(f, w->loss_recurr, "\t");
        put(f, w->loss_trunc, "\t");
        put(f, w->bound, "\t");
        put(f, w->bound_analytic, "\n");
    }
    return srm_atomic_commit(&a);
}
