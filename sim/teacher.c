/* sim/teacher.c: random stable teachers, bounded random inputs and the teacher's targets, for
 * the lockstep training experiment (sim/trajectory.c). */
#include "sim/teacher.h"

#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdlib.h>

#include "core/error.h"
#include "sim/rnn.h"
#include "theory/norm.h"
#include "theory/project.h"
#include "theory/stability.h"

static void fill_gaussian(double *w, size_t count, double sd, gsl_rng *rng)
{
    for (size_t i = 0; i < count; i++) w[i] = sd > 0.0 ? gsl_ran_gaussian(rng, sd) : 0.0;
}

void srm_teacher_randomize(srm_model *m, double scale, gsl_rng *rng)
{
    size_t gn = m->gates * m->hidden;
    /* Fan-in scaling keeps pre-activations of order `scale` for ||x|| <= 1 and |h_i| <= 1. */
    fill_gaussian(m->weight_ih, gn * m->input, scale / sqrt((double)m->input), rng);
    fill_gaussian(m->weight_hh, gn * m->hidden, scale / sqrt((double)m->hidden), rng);
    fill_gaussian(m->bias_ih, gn, scale / 10.0, rng);
    fill_gaussian(m->bias_hh, gn, scale / 10.0, rng);
    if (m->output) {
        fill_gaussian(m->decoder_weight, m->output * m->hidden, scale / sqrt((double)m->hidden),
                      rng);
        fill_gaussian(m->decoder_bias, m->output, 0.0, rng);
    }
}

int srm_teacher_project(srm_model *m, double lambda, int exact)
{
    if (m->cell == SRM_CELL_LSTM) {
        srm_project_lstm_result res;
        return srm_project_lstm(m, SRM_TEACHER_LSTM_A, SRM_TEACHER_LSTM_MARGIN,
                                SRM_TEACHER_INPUT_BOUND, &res);
    }
    size_t n = m->hidden;
    srm_svd_workspace *ws = srm_svd_workspace_alloc(n, n);
    if (!ws) return srm_error_code();
    int rc;
    if (exact) {
        double norm = 0.0;
        rc = srm_norm_spectral(m->weight_hh, n, n, ws, &norm);
        if (rc == SRM_OK && !(norm > 0.0))
            rc = SRM_ERROR(SRM_ENUMERIC, "teacher: recurrent matrix is zero, cannot rescale");
        for (size_t i = 0; rc == SRM_OK && i < n * n; i++) m->weight_hh[i] *= lambda / norm;
    } else {
        srm_project_result res;
        rc = srm_project_spectral(m->weight_hh, n, n, lambda, SRM_NORM_METHOD_SVD, ws, NULL, NULL,
                                  &res);
    }
    srm_svd_workspace_free(ws);
    return rc;
}

int srm_teacher_lstm_lambda(size_t hidden, double *lambda)
{
    double a = SRM_TEACHER_LSTM_A, margin = SRM_TEACHER_LSTM_MARGIN;
    /* Any projected LSTM has gate norms <= the targets and forget pre-activation <=
     * logit(1 - a), hence its own a >= a; lambda_inf grows as a shrinks, so the worst case is
     * the targets with the forget budget used up exactly. */
    srm_lstm_stability s = {.hidden = hidden, .input_bound = 0.0, .norm_inf_i = a - margin,
                            .norm_inf_f = a * a - margin, .norm_inf_z = a / 4 - margin,
                            .norm_inf_o = a - margin, .norm_inf_uf = 0.0};
    s.max_abs_bias_f = log((1.0 - a) / a) - s.norm_inf_f;
    SRM_TRY(srm_stability_lstm_evaluate(&s));
    if (!(s.lambda_inf < 1.0))
        return SRM_ERROR(SRM_ENUMERIC, "LSTM stability set is not certified (lambda_inf %g)",
                         s.lambda_inf);
    *lambda = s.lambda_inf;
    return SRM_OK;
}

int srm_teacher_init(srm_model *teacher, double lambda, gsl_rng *rng)
{
    if (teacher->output == 0)
        return SRM_ERROR(SRM_EINVAL, "teacher: the model needs a decoder (output > 0)");
    srm_teacher_randomize(teacher, 1.0, rng);
    return srm_teacher_project(teacher, lambda, 1);
}

void srm_teacher_data_free(srm_teacher_data *task)
{
    if (!task) return;
    free(task->x);
    free(task->y);
    free(task);
}

static double norm2(const double *v, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++) s += v[i] * v[i];
    return sqrt(s);
}

int srm_teacher_data_alloc(const srm_model *teacher, size_t seqs, size_t length,
                           gsl_rng *rng, srm_teacher_data **out)
{
    *out = NULL;
    if (seqs == 0 || length == 0)
        return SRM_ERROR(SRM_EINVAL, "task: need at least one sequence of length >= 1 "
                         "(got %zu x %zu)", seqs, length);
    if (teacher->output == 0) return SRM_ERROR(SRM_EINVAL, "task: the teacher needs a decoder");
    size_t d = teacher->input, m = teacher->output;
    srm_teacher_data *task = calloc(1, sizeof *task);
    if (!task) return SRM_ERROR(SRM_ENOMEM, "out of memory");
    *task = (srm_teacher_data){.seqs = seqs, .length = length, .input = d, .output = m};
    task->x = malloc(seqs * length * d * sizeof(double));
    task->y = malloc(seqs * length * m * sizeof(double));
    srm_rnn_workspace *ws = srm_rnn_workspace_alloc(teacher, length, 0);
    int rc = SRM_OK;
    if (!task->x || !task->y)
        rc = SRM_ERROR(SRM_ENOMEM, "out of memory for %zu sequences of length %zu", seqs, length);
    else if (!ws)
        rc = srm_error_code();
    for (size_t i = 0; rc == SRM_OK && i < seqs * length; i++) {
        /* Uniform in the unit ball: uniform direction, radius U^(1/d). */
        double *x = task->x + i * d;
        gsl_ran_dir_nd(rng, d, x);
        double r = pow(gsl_rng_uniform(rng), 1.0 / (double)d);
        for (size_t j = 0; j < d; j++) x[j] *= r;
        if (norm2(x, d) > task->input_bound) task->input_bound = norm2(x, d);
    }
    for (size_t s = 0; rc == SRM_OK && s < seqs; s++)
        rc = srm_rnn_forward(teacher, task->x + s * length * d, length, 0, NULL,
                             task->y + s * length * m, ws);
    for (size_t i = 0; rc == SRM_OK && i < seqs * length; i++) {
        double r = norm2(task->y + i * m, m);
        if (r > task->target_bound) task->target_bound = r;
    }
    srm_rnn_workspace_free(ws);
    if (rc != SRM_OK) {
        srm_teacher_data_free(task);
        return rc;
    }
    *out = task;
    return SRM_OK;
}
