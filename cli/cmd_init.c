/* cli/cmd_init.c: `srm init`, a random model with a chosen stability (theory/ for the norms).
 *
 * Scales follow PyTorch's nn.RNN / nn.LSTM / nn.Linear: every parameter uniform in
 * (-1/sqrt(n), 1/sqrt(n)), n the hidden size (the decoder's fan-in is n too). The one exception
 * is W_hh of RNN-type cells: Gaussian (so its direction is rotation-invariant), then rescaled so
 * that ||W_hh||_2 = lambda exactly (to rounding). Draws happen in block order (weight_ih,
 * weight_hh, bias_ih, bias_hh, decoder) from gsl_rng_mt19937 seeded with --seed, so a seed
 * fixes the file; with SRM_DATE fixed the bytes are identical too. */
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <string.h>
#include <stdio.h>

#include "cli/commands.h"
#include "core/args.h"
#include "core/error.h"
#include "core/meta.h"
#include "core/report.h"
#include "core/model.h"
#include "theory/norm.h"
#include "theory/project.h"
#include "theory/stability.h"

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

int srm_cmd_init(int argc, char **argv)
{
    const char *cell_text = NULL, *out = NULL;
    unsigned long hidden = 0, input = 0, output = 0, seed = 1;
    double lambda = 0.9, margin = 0.01, a_target = 0.4, input_bound = 1.0;
    int stable = 0, json = 0, lambda_given = 0, hidden_given = 0, input_given = 0;
    const srm_arg args[] = {
        {"cell", SRM_ARG_STRING, &cell_text, "CELL", "rnn (tanh), rnn_relu, linear or lstm", NULL},
        {"hidden", SRM_ARG_ULONG, &hidden, "n", "hidden size (required)", &hidden_given},
        {"input", SRM_ARG_ULONG, &input, "d", "input size (required)", &input_given},
        {"output", SRM_ARG_ULONG, &output, "m", "add decoder.weight (m x n) and decoder.bias", NULL},
        {"lambda", SRM_ARG_DOUBLE, &lambda, "L",
         "RNN-type cells: ||W_hh||_2 = L exactly (L >= 1 gives an unstable model)", &lambda_given},
        {"stable", SRM_ARG_FLAG, &stable, NULL,
         "LSTM: project onto the stability conditions; RNN: insist on L < 1", NULL},
        {"margin", SRM_ARG_DOUBLE, &margin, "m", "LSTM --stable: margin of every condition", NULL},
        {"a-target", SRM_ARG_DOUBLE, &a_target, "A", "LSTM --stable: a = 1 - f_max to enforce",
         NULL},
        {"input-bound", SRM_ARG_DOUBLE, &input_bound, "B",
         "LSTM --stable: inputs satisfy ||x||_inf <= B", NULL},
        {"seed", SRM_ARG_SEED, &seed, "s", "GSL mt19937 seed", NULL},
        {"out", SRM_ARG_STRING, &out, "MODEL", "output safetensors file (required)", NULL},
        {"json", SRM_ARG_FLAG, &json, NULL, "print one JSON object", NULL},
        {NULL, 0, NULL, NULL, NULL, NULL}};
    const srm_args_spec spec = {
        "srm init --cell rnn|rnn_relu|linear|lstm --hidden n --input d [--output m] "
        "[--lambda L] [--stable] [--seed s] --out MODEL",
        "Writes a random model. Parameters are uniform in (-1/sqrt(n), 1/sqrt(n)) as in "
        "PyTorch, except W_hh of RNN-type cells: Gaussian rescaled to ||W_hh||_2 = L. An LSTM "
        "with --stable is projected (srm project) so that it meets the LSTM conditions with "
        "the margin. The same seed always gives the same weights.",
        args, 0, 0};
    size_t npos = 0;
    int rc = srm_args_parse(&spec, argc, argv, NULL, &npos);
    if (rc != SRM_OK) return rc;
    if (!cell_text) return SRM_ERROR(SRM_EINVAL, "--cell is required (rnn, rnn_relu, linear, lstm)");
    if (!hidden_given || hidden < 1) return SRM_ERROR(SRM_EINVAL, "--hidden n >= 1 is required");
    if (!input_given || input < 1) return SRM_ERROR(SRM_EINVAL, "--input d >= 1 is required");
    if (!out) return SRM_ERROR(SRM_EINVAL, "--out MODEL is required");
    srm_cell cell;
    SRM_TRY(srm_cell_parse(cell_text, &cell));
    if (cell == SRM_CELL_LSTM && lambda_given)
        return SRM_ERROR(SRM_EINVAL, "--lambda applies to RNN-type cells; for an LSTM use --stable");
    if (cell != SRM_CELL_LSTM) {
        if (!(lambda >= 0)) return SRM_ERROR(SRM_EINVAL, "--lambda must be >= 0 (got %g)", lambda);
        if (stable && !(lambda < 1))
            return SRM_ERROR(SRM_EINVAL, "--stable needs --lambda < 1 (got %g)", lambda);
    }
    srm_meta_set_seed(seed);

    srm_model *m = srm_model_alloc(cell, hidden, input, output, 0);
    if (!m) return srm_error_code();
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    srm_report *r = srm_report_alloc();
    if (!rng || !r) { rc = SRM_ERROR(SRM_ENOMEM, "out of memory"); goto done; }
    gsl_rng_set(rng, seed);
    size_t n = hidden, gn = m->gates * n;
    double k = 1 / sqrt((double)n), norm = 0;
    uniform_fill(rng, m->weight_ih, gn * input, k);
    if (cell == SRM_CELL_LSTM) uniform_fill(rng, m->weight_hh, gn * n, k);
    else if ((rc = recurrent_with_norm(rng, m, lambda, &norm)) != SRM_OK) goto done;
    uniform_fill(rng, m->bias_ih, gn, k);
    uniform_fill(rng, m->bias_hh, gn, k);
    if (output) {
        uniform_fill(rng, m->decoder_weight, output * n, k);
        uniform_fill(rng, m->decoder_bias, output, k);
    }
    srm_project_lstm_result proj = {0};
    if (cell == SRM_CELL_LSTM && stable &&
        (rc = srm_project_lstm(m, a_target, margin, input_bound, &proj)) != SRM_OK)
        goto done;
    if ((rc = srm_model_save(out, m)) != SRM_OK) goto done;

    if ((rc = srm_report_string(r, "cell", "cell", srm_cell_name(cell))) ||
        (rc = srm_report_integer(r, "hidden", "hidden", (long long)n)) ||
        (rc = srm_report_integer(r, "input", "input", (long long)input)) ||
        (rc = srm_report_integer(r, "output", "output", (long long)output)) ||
        (rc = srm_report_integer(r, "seed", "seed", (long long)seed)) ||
        (rc = srm_report_string(r, "out", "out", out)))
        goto done;
    if (cell != SRM_CELL_LSTM) {
        rc = srm_report_number(r, "spectral_norm", "||W_hh||_2", norm);
    } else {
        srm_lstm_stability s;
        if ((rc = srm_stability_lstm(m, input_bound, &s)) ||
            (rc = srm_report_integer(r, "rows_scaled", "rows scaled", (long long)proj.rows_scaled)) ||
            (rc = srm_report_number(r, "a", "a = 1 - f_max", s.a)) ||
            (rc = srm_report_number(r, "lambda_inf", "lambda_inf", s.lambda_inf)))
            goto done;
        rc = srm_report_bool(r, "stable", "stable (LSTM conditions)", s.stable);
    }
    if (rc == SRM_OK) rc = srm_report_print(r, stdout, json);
done:
    srm_report_free(r);
    if (rng) gsl_rng_free(rng);
    srm_model_free(m);
    return rc;
}
