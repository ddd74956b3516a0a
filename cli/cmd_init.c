/* cli/cmd_init.c: `srm init`, a random model with a chosen stability: the draws of
 * sim/random.h (PyTorch's scales, W_hh rescaled to ||W_hh||_2 = lambda), from gsl_rng_mt19937
 * seeded with --seed, so a seed fixes the file; with SRM_DATE fixed the bytes are identical too.
 * An LSTM with --stable is then projected onto the stability conditions (theory/project.h). */
#include <gsl/gsl_rng.h>
#include <stdio.h>

#include "cli/commands.h"
#include "cli/common.h"
#include "core/args.h"
#include "core/error.h"
#include "core/meta.h"
#include "core/report.h"
#include "core/model.h"
#include "theory/project.h"
#include "theory/stability.h"
#include "sim/random.h"

/* The command line, as parsed. */
typedef struct {
    const char *cell_text, *out;
    unsigned long hidden, input, output, seed;
    double lambda, margin, a_target, input_bound;
    int stable, json, lambda_given, hidden_given, input_given;
    srm_cell cell;
} init_args;

static int parse(int argc, char **argv, init_args *p)
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
    int rc = srm_args_parse_flags(&spec, argc, argv);
    if (rc != SRM_OK) return rc;
    *p = (init_args){cell_text, out, hidden, input, output, seed, lambda, margin, a_target,
                     input_bound, stable, json, lambda_given, hidden_given, input_given, 0};
    if (!p->cell_text)
        return SRM_ERROR(SRM_EINVAL, "--cell is required (rnn, rnn_relu, linear, lstm)");
    if (!p->hidden_given || p->hidden < 1)
        return SRM_ERROR(SRM_EINVAL, "--hidden n >= 1 is required");
    if (!p->input_given || p->input < 1) return SRM_ERROR(SRM_EINVAL, "--input d >= 1 is required");
    if (!p->out) return SRM_ERROR(SRM_EINVAL, "--out MODEL is required");
    SRM_TRY(srm_cell_parse(p->cell_text, &p->cell));
    if (p->cell == SRM_CELL_LSTM && p->lambda_given)
        return SRM_ERROR(SRM_EINVAL,
                         "--lambda applies to RNN-type cells; for an LSTM use --stable");
    if (p->cell != SRM_CELL_LSTM) {
        if (!(p->lambda >= 0))
            return SRM_ERROR(SRM_EINVAL, "--lambda must be >= 0 (got %g)", p->lambda);
        if (p->stable && !(p->lambda < 1))
            return SRM_ERROR(SRM_EINVAL, "--stable needs --lambda < 1 (got %g)", p->lambda);
    }
    return SRM_OK;
}

static int report(const init_args *p, const srm_model *m, double norm,
                  const srm_project_lstm_result *proj, srm_report *r)
{
    SRM_TRY(srm_report_string(r, "cell", "cell", srm_cell_name(p->cell)));
    const srm_report_entry sizes[] = {
        {SRM_REPORT_INTEGER, "hidden", "hidden", (double)p->hidden},
        {SRM_REPORT_INTEGER, "input", "input", (double)p->input},
        {SRM_REPORT_INTEGER, "output", "output", (double)p->output},
        {SRM_REPORT_INTEGER, "seed", "seed", (double)p->seed},
    };
    SRM_TRY(srm_report_entries(r, sizes, 4));
    SRM_TRY(srm_report_string(r, "out", "out", p->out));
    if (p->cell != SRM_CELL_LSTM) return srm_report_number(r, "spectral_norm", "||W_hh||_2", norm);
    srm_lstm_stability s;
    SRM_TRY(srm_stability_lstm(m, p->input_bound, &s));
    const srm_report_entry lstm[] = {
        {SRM_REPORT_INTEGER, "rows_scaled", "rows scaled", (double)proj->rows_scaled},
        {SRM_REPORT_NUMBER, "a", "a = 1 - f_max", s.a},
        {SRM_REPORT_NUMBER, "lambda_inf", "lambda_inf", s.lambda_inf},
        {SRM_REPORT_BOOL, "stable", "stable (LSTM conditions)", s.stable},
    };
    return srm_report_entries(r, lstm, 4);
}

int srm_cmd_init(int argc, char **argv)
{
    init_args p;
    int rc = parse(argc, argv, &p);
    if (rc != SRM_OK) return rc;
    srm_meta_set_seed(p.seed);

    srm_model *m = srm_model_alloc(p.cell, p.hidden, p.input, p.output, 0);
    if (!m) return srm_error_code();
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    srm_report *r = srm_report_alloc();
    double norm = 0;
    srm_project_lstm_result proj = {0};
    if (!rng || !r) rc = SRM_ERROR(SRM_ENOMEM, "out of memory");
    else gsl_rng_set(rng, p.seed);
    if (rc == SRM_OK) rc = srm_random_model(m, p.lambda, rng, &norm);
    if (rc == SRM_OK && p.cell == SRM_CELL_LSTM && p.stable)
        rc = srm_project_lstm(m, p.a_target, p.margin, p.input_bound, &proj);
    if (rc == SRM_OK) rc = srm_model_save(p.out, m);
    if (rc == SRM_OK) rc = report(&p, m, norm, &proj, r);
    rc = srm_report_finish(r, rc, stdout, p.json);
    if (rng) gsl_rng_free(rng);
    srm_model_free(m);
    return rc;
}
