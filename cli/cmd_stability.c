/* cli/cmd_stability.c: `srm stability MODEL`, the stability verdict of a model's weights
 * (theory/stability.h; proofs-notes/rnn-condition.md, proofs-notes/lstm-conditions.md). */
#include <math.h>
#include <stdio.h>

#include "cli/commands.h"
#include "cli/common.h"
#include "core/args.h"
#include "core/error.h"
#include "core/layout.h"
#include "core/report.h"
#include "core/model.h"
#include "theory/stability.h"

#define NUMBER SRM_REPORT_NUMBER
#define BOOL SRM_REPORT_BOOL

static int report_cell(srm_report *r, const srm_model *m)
{
    SRM_TRY(srm_report_string(r, "cell", "cell", srm_cell_name(m->cell)));
    return srm_report_integer(r, "hidden", "hidden size n", (long long)m->hidden);
}

static int report_rnn(srm_report *r, const srm_model *m)
{
    srm_rnn_stability s;
    SRM_TRY(srm_stability_rnn(m, &s));
    SRM_TRY(report_cell(r, m));
    /* A model projected at radius 1 sits on the boundary: its computed lambda is within a few
     * ulps of 1 on either side, so the verdict there is rounding, not a certificate. */
    const srm_report_entry e[] = {
        {NUMBER, "spectral_norm", "||W_hh||_2", s.spectral_norm},
        {NUMBER, "lipschitz_rho", "L_rho", s.lipschitz_rho},
        {NUMBER, "lambda", "lambda = L_rho ||W_hh||_2", s.lambda},
        {NUMBER, "lipschitz_x", "L_x = L_rho ||W_ih||_2", s.lipschitz_x},
        {BOOL, "stable", "stable (lambda < 1)", s.stable},
        {NUMBER, "margin", "margin 1 - lambda", 1.0 - s.lambda},
        {BOOL, "on_boundary", "on the boundary (|1 - lambda| < 1e-10)",
         fabs(1.0 - s.lambda) < 1e-10},
    };
    return srm_report_entries(r, e, sizeof e / sizeof e[0]);
}

/* The four LSTM conditions, each with its margin: ||W_g||_inf OP BOUND for gate g. */
static int report_conditions(srm_report *r, const srm_lstm_stability *s)
{
    static const char *const gate[] = {"i", "o", "z", "f"}, *const op[] = {"<", "<", "<=", "<"};
    static const char *const bound[] = {"a", "a", "a/4", "a^2"};
    const int holds[] = {s->holds_i, s->holds_o, s->holds_z, s->holds_f};
    const double margin[] = {s->margin_i, s->margin_o, s->margin_z, s->margin_f};
    for (size_t g = 0; g < 4; g++) {
        char key[32], label[64];
        snprintf(key, sizeof key, "condition_%s", gate[g]);
        snprintf(label, sizeof label, "||W_%s||_inf %s %s", gate[g], op[g], bound[g]);
        SRM_TRY(srm_report_bool(r, key, label, holds[g]));
        snprintf(key, sizeof key, "margin_%s", gate[g]);
        snprintf(label, sizeof label, "  margin %s - ||W_%s||_inf", bound[g], gate[g]);
        SRM_TRY(srm_report_number(r, key, label, margin[g]));
    }
    return SRM_OK;
}

static int report_lstm(srm_report *r, const srm_model *m, double input_bound)
{
    srm_lstm_stability s;
    SRM_TRY(srm_stability_lstm(m, input_bound, &s));
    SRM_TRY(report_cell(r, m));
    const double gate_norm[] = {s.norm_inf_i, s.norm_inf_f, s.norm_inf_z, s.norm_inf_o};
    const srm_report_entry forget[] = {
        {NUMBER, "norm_inf_uf", "||U_f||_inf", s.norm_inf_uf},
        {NUMBER, "max_abs_bias_f", "max |b_f|", s.max_abs_bias_f},
        {NUMBER, "f_max", "f_max = sigma(||W_f|| + ||U_f|| B_x + max|b_f|)", s.f_max},
        {NUMBER, "a", "a = 1 - f_max", s.a},
    }, contraction[] = {
        {NUMBER, "lambda_inf", "lambda_inf = A + ||W_o||/4 + 1 - a (max norm on (c, h))",
         s.lambda_inf},
        {SRM_REPORT_INTEGER_NA, "r", "r: sqrt(2n) lambda_inf^r < 1 (JSON -1: none)", (double)s.r},
        {BOOL, "stable", "stable (all four conditions)", s.stable},
    };
    SRM_TRY(srm_report_number(r, "input_bound", "input bound B_x", s.input_bound));
    for (size_t g = 0; g < 4; g++) { /* the recurrent gate blocks, in the order i, f, z, o */
        char key[32], label[32];
        snprintf(key, sizeof key, "norm_inf_%c", "ifzo"[g]);
        snprintf(label, sizeof label, "||W_%c||_inf", "ifzo"[g]);
        SRM_TRY(srm_report_number(r, key, label, gate_norm[g]));
    }
    SRM_TRY(srm_report_entries(r, forget, sizeof forget / sizeof forget[0]));
    SRM_TRY(report_conditions(r, &s));
    return srm_report_entries(r, contraction, sizeof contraction / sizeof contraction[0]);
}

typedef struct {
    double input_bound;
    int given; /* --input-bound appeared */
} bound_arg;

/* LSTM input bound: --input-bound, else the embedding's largest |entry| (what srm certify
 * reads, sim/certify.h), else 1. */
static int fill(srm_model *m, srm_report *r, void *ctx)
{
    const bound_arg *b = ctx;
    if (m->cell != SRM_CELL_LSTM) return report_rnn(r, m);
    double bound = b->input_bound;
    const char *from = b->given ? "--input-bound" : "default 1 (no embedding in the file)";
    if (!b->given && m->encoder_weight) {
        bound = srm_layout_embedding_bound(m->encoder_weight, m->vocab * m->input);
        from = "the embedding's largest |entry|";
    }
    SRM_TRY(srm_report_string(r, "input_bound_from", "input bound from", from));
    return report_lstm(r, m, bound);
}

int srm_cmd_stability(int argc, char **argv)
{
    bound_arg b = {1.0, 0};
    int json = 0;
    const srm_arg args[] = {
        {"input-bound", SRM_ARG_DOUBLE, &b.input_bound, "B",
         "LSTM: inputs satisfy ||x||_inf <= B (enters f_max) [the embedding's largest |entry|, "
         "else 1]", &b.given},
        {"json", SRM_ARG_FLAG, &json, NULL, "print one JSON object", NULL},
        {NULL, 0, NULL, NULL, NULL, NULL}};
    const srm_args_spec spec = {
        "srm stability MODEL [--input-bound B] [--json]",
        "Stability verdict of a model's weights (proofs-notes/rnn-condition.md, "
        "proofs-notes/lstm-conditions.md). RNN-type cells: "
        "lambda = L_rho ||W_hh||_2 and L_x = L_rho ||W_ih||_2. LSTM: the induced infinity norms "
        "of the recurrent gate blocks, f_max from weights, biases and B (with |h| <= 1), "
        "a = 1 - f_max, the four conditions with their margins, lambda_inf (one-step "
        "contraction in the max norm on (c, h)) and r, the number of steps after which the "
        "iterated map contracts in the Euclidean norm at this hidden size. Infinite values are "
        "null in JSON. A stack, a bidirectional model or a GRU gets srm certify's report "
        "(exit status 0 whatever the verdict).",
        args, 1, 1};
    const char *pos[1];
    size_t npos = 0;
    int rc = srm_args_parse(&spec, argc, argv, pos, &npos);
    if (rc != SRM_OK) return rc;
    if (!(b.input_bound >= 0))
        return SRM_ERROR(SRM_EINVAL, "--input-bound must be >= 0 (got %g)", b.input_bound);
    int whole = 0;
    SRM_TRY(srm_cli_whole_module(pos[0], &whole));
    if (whole) { /* a stack, both directions or a GRU: srm certify's report, exit status 0 */
        rc = srm_cmd_certify(argc, argv);
        return rc == SRM_NO ? SRM_OK : rc;
    }
    return srm_cli_model_report(pos[0], fill, &b, json);
}
