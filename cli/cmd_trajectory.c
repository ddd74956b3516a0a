/* cli/cmd_trajectory.c: `srm trajectory`, lockstep training of a recurrent student and
 * k-truncated students on a stable teacher's data; writes the weight distance, both losses and
 * the training theorem's bound per (step, k) (sim/trajectory.h,
 * proofs-notes/training-theorem.md). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "core/args.h"
#include "core/error.h"
#include "core/meta.h"
#include "core/report.h"
#include "sim/trajectory.h"

/* The command line, as parsed: the configuration's defaults, overwritten by the flags. */
typedef struct {
    srm_trajectory_config c;
    const char *cell, *ks, *schedule, *loss_at, *out;
    unsigned long hidden, input, output, seqs, length, steps, every, seed;
    int json, lambda_given;
} trajectory_args;

/* `srm trajectory --help`: the usage line and the paragraph. */
static const char TRAJECTORY_USAGE[] = "srm trajectory --out TRAJ.tsv [options]";
static const char TRAJECTORY_SUMMARY[] =
    "Trains, from one shared random initialisation and with projected full-batch gradient\n"
    "descent on the same data (S sequences with inputs in the unit ball, labelled by a\n"
    "random stable teacher of the same cell), a recurrent student and one k-truncated\n"
    "student per k. Writes one row per (step, k): step, k, dist = ||w_recurr - w_trunc||_2,\n"
    "loss_recurr, loss_trunc, bound (the training theorem with gamma and beta ESTIMATED\n"
    "along the run) and bound_analytic (with the proved constants of\n"
    "proofs-notes/gradient-gap.md and smoothness.md; tanh RNN only, nan for the LSTM,\n"
    "inf when it overflows). The LSTM is projected onto the paper's set (a = 0.4, margin\n"
    "0.005) and the bound uses that set's certified lambda_inf. JSON prints non-finite\n"
    "numbers as null.";

static int parse(int argc, char **argv, trajectory_args *p)
{
    srm_trajectory_config c;
    srm_trajectory_config_default(&c);
    const char *cell = "rnn", *ks = "1,2,4,8,16", *schedule = "inv", *loss_at = "last";
    const char *out = NULL;
    unsigned long hidden = c.hidden, input = c.input, output = c.output, seqs = c.seqs;
    unsigned long length = c.length, steps = c.steps, every = c.every, seed = c.seed;
    int json = 0, lambda_given = 0;
    const srm_arg args[] = {
        {"cell", SRM_ARG_STRING, &cell, "CELL", "rnn (tanh) or lstm", NULL},
        {"hidden", SRM_ARG_ULONG, &hidden, "N", "hidden size n", NULL},
        {"input", SRM_ARG_ULONG, &input, "D", "input size d", NULL},
        {"output", SRM_ARG_ULONG, &output, "M", "output size m (linear readout)", NULL},
        {"lambda", SRM_ARG_DOUBLE, &c.lambda, "L",
         "rnn: teacher ||W_hh||_2 and students' projection radius (lstm: not used)",
         &lambda_given},
        {"ks", SRM_ARG_STRING, &ks, "K,K,..", "truncation lengths, one student each", NULL},
        {"steps", SRM_ARG_ULONG, &steps, "N", "projected gradient steps", NULL},
        {"alpha", SRM_ARG_DOUBLE, &c.alpha, "A", "step size scale", NULL},
        {"schedule", SRM_ARG_STRING, &schedule, "S", "inv (alpha/t) or const (alpha)", NULL},
        {"seqs", SRM_ARG_ULONG, &seqs, "S", "training sequences (full batch)", NULL},
        {"length", SRM_ARG_ULONG, &length, "T", "sequence length", NULL},
        {"loss-at", SRM_ARG_STRING, &loss_at, "AT",
         "last (the theorem's loss at time T) or all positions (averaged)", NULL},
        {"init-scale", SRM_ARG_DOUBLE, &c.init_scale, "X", "students' initial weight scale",
         NULL},
        {"every", SRM_ARG_ULONG, &every, "E", "write every E-th step (the last always)", NULL},
        {"seed", SRM_ARG_SEED, &seed, "SEED", "random seed (teacher, data, initialisation)",
         NULL},
        {"out", SRM_ARG_STRING, &out, "TRAJ.tsv", "output TSV (required; - for stdout)", NULL},
        {"json", SRM_ARG_FLAG, &json, NULL, "print the report as one JSON object", NULL},
        {NULL, 0, NULL, NULL, NULL, NULL}};
    const srm_args_spec spec = {TRAJECTORY_USAGE, TRAJECTORY_SUMMARY, args, 0, 0};
    int rc = srm_args_parse_flags(&spec, argc, argv);
    if (rc != SRM_OK) return rc;
    *p = (trajectory_args){c, cell, ks, schedule, loss_at, out, hidden, input, output, seqs,
                           length, steps, every, seed, json, lambda_given};
    return SRM_OK;
}

/* The parsed flags into p->c, checked. */
static int configure(trajectory_args *p)
{
    srm_trajectory_config *c = &p->c;
    SRM_TRY(srm_cell_parse(p->cell, &c->cell));
    if (c->cell != SRM_CELL_RNN_TANH && c->cell != SRM_CELL_LSTM)
        return SRM_ERROR(SRM_EINVAL, "--cell must be rnn or lstm (got '%s')", p->cell);
    if (c->cell == SRM_CELL_LSTM && p->lambda_given)
        return SRM_ERROR(SRM_EINVAL, "--lambda applies to --cell rnn; the LSTM is projected onto "
                         "the paper's stability set and the bound uses its certified lambda_inf");
    SRM_TRY(srm_schedule_parse(p->schedule, &c->schedule));
    SRM_TRY(srm_loss_at_parse(p->loss_at, &c->loss_at));
    if (!p->out) return SRM_ERROR(SRM_EINVAL, "--out TRAJ.tsv is required");
    long klist[SRM_TRAJECTORY_MAX_KS];
    SRM_TRY(srm_args_parse_long_list("ks", p->ks, klist, SRM_TRAJECTORY_MAX_KS, &c->nks));
    for (size_t j = 0; j < c->nks; j++) {
        for (size_t i = 0; i < j; i++)
            if (klist[i] == klist[j])
                return SRM_ERROR(SRM_EINVAL, "--ks: k = %ld appears twice in '%s'", klist[j],
                                 p->ks);
        c->ks[j] = (size_t)klist[j];
    }
    c->hidden = p->hidden, c->input = p->input, c->output = p->output, c->seqs = p->seqs;
    c->length = p->length, c->steps = p->steps, c->every = p->every, c->seed = p->seed;
    return SRM_OK;
}

static int report(const trajectory_args *p, const srm_trajectory_result *r)
{
    const srm_trajectory_config *c = &p->c;
    double kd[SRM_TRAJECTORY_MAX_KS], fb[SRM_TRAJECTORY_MAX_KS];
    for (size_t j = 0; j < c->nks; j++) {
        kd[j] = (double)c->ks[j];
        /* the last rows are the final step, k in config order */
        fb[j] = r->rows[r->nrows - c->nks + j].bound;
    }
    const srm_report_entry constants[] = {
        {SRM_REPORT_NUMBER, "gamma", "gamma (estimated)", r->estimate.gamma},
        {SRM_REPORT_NUMBER, "beta", "beta (estimated)", r->estimate.beta},
        {SRM_REPORT_NUMBER, "gamma_analytic", "gamma (analytic)",
         r->has_analytic ? r->analytic.gamma : NAN},
        {SRM_REPORT_NUMBER, "beta_analytic", "beta (analytic)",
         r->has_analytic ? r->analytic.beta : NAN},
    };
    srm_report *rep = srm_report_alloc();
    int rc = rep ? srm_report_string(rep, "cell", NULL, srm_cell_name(c->cell)) : srm_error_code();
    if (rc == SRM_OK) rc = srm_report_number(rep, "lambda", NULL, r->lambda);
    if (rc == SRM_OK) rc = srm_report_integer(rep, "steps", NULL, (long long)c->steps);
    if (rc == SRM_OK) rc = srm_report_string(rep, "schedule", NULL, srm_schedule_name(c->schedule));
    if (rc == SRM_OK) rc = srm_report_entries(rep, constants, 4);
    if (rc == SRM_OK) rc = srm_report_array(rep, "ks", NULL, kd, c->nks);
    if (rc == SRM_OK) rc = srm_report_array(rep, "final_dist", "final dist", r->final_dist, c->nks);
    if (rc == SRM_OK) rc = srm_report_array(rep, "final_bound", "final bound", fb, c->nks);
    if (rc == SRM_OK)
        rc = srm_report_number(rep, "loss_recurr", "final loss_recurr",
                               r->rows[r->nrows - 1].loss_recurr);
    if (rc == SRM_OK && c->cell == SRM_CELL_RNN_TANH)
        rc = srm_report_number(rep, "max_recurrent_norm", "max ||W_hh||_2", r->max_recurrent_norm);
    if (rc == SRM_OK) rc = srm_report_string(rep, "out", NULL, p->out);
    /* with the TSV on stdout the report goes to stderr, so the TSV stays parseable */
    return srm_report_finish(rep, rc, strcmp(p->out, "-") == 0 ? stderr : stdout, p->json);
}

int srm_cmd_trajectory(int argc, char **argv)
{
    trajectory_args p;
    int rc = parse(argc, argv, &p);
    if (rc != SRM_OK) return rc;
    SRM_TRY(configure(&p));
    srm_meta_set_seed(p.seed);

    srm_trajectory_result *r = NULL;
    SRM_TRY(srm_trajectory_run(&p.c, NULL, NULL, &r));
    rc = srm_trajectory_write_tsv(p.out, r);
    if (rc == SRM_OK) rc = report(&p, r);
    srm_trajectory_result_free(r);
    return rc;
}
