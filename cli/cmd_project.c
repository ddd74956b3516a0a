/* cli/cmd_project.c: `srm project IN OUT`, a model projected onto the stable set
 * (theory/project.h; proofs-notes/rnn-condition.md section 3, proofs-notes/lstm-conditions.md
 * section 4). OUT is written atomically, so IN may equal OUT and a failure leaves an existing
 * OUT as it was. */
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/common.h"
#include "core/args.h"
#include "core/error.h"
#include "core/report.h"
#include "core/model.h"
#include "theory/norm.h"
#include "theory/project.h"
#include "theory/project_rnn.h"
#include "theory/stability.h"

/* method: "svd", "power" or "gram" (theory/project_rnn.h). */
static int project_rnn(srm_model *m, double radius, const char *method_text, srm_report *r)
{
    int gram = strcmp(method_text, "gram") == 0;
    srm_norm_method method = SRM_NORM_METHOD_SVD;
    if (!gram && srm_norm_method_parse(method_text, &method) != SRM_OK) {
        srm_error_clear();
        return SRM_ERROR(SRM_EINVAL, "--method: expected svd, power or gram, got '%s'",
                         method_text);
    }
    srm_project_rnn_result p;
    SRM_TRY(srm_project_rnn(m, radius, gram, method, &p));
    const srm_project_result *res = &p.res;
    SRM_TRY(srm_report_string(r, "cell", "cell", srm_cell_name(m->cell)));
    SRM_TRY(srm_report_number(r, "radius", "radius r", radius));
    SRM_TRY(srm_report_string(r, "method", "method",
                              p.gram        ? "gram"
                              : p.fell_back ? "svd (gram: ||W_hh||_2 > 2r)"
                                            : srm_norm_method_name(method)));
    /* a skipped SVD left W_hh untouched, so "before" is the exact norm measured after; the
     * certificate goes under its own key */
    SRM_TRY(srm_report_number(r, "spectral_norm_before", "||W_hh||_2 before",
                              res->svd_skipped || (p.gram && !res->changed) ? p.after
                                                                            : res->norm_before));
    if (res->svd_skipped)
        SRM_TRY(srm_report_number(r, "spectral_norm_upper_bound",
                                  "certified upper bound used to skip the SVD", res->norm_before));
    const srm_report_entry e[] = {
        {SRM_REPORT_NUMBER, "spectral_norm_after", "||W_hh||_2 after", p.after},
        {SRM_REPORT_BOOL, "changed", "changed", res->changed},
        {SRM_REPORT_INTEGER, "clipped", "singular values clipped", (double)res->clipped},
        {SRM_REPORT_BOOL, "svd_skipped", "SVD skipped (certified inside)", res->svd_skipped},
    };
    return srm_report_entries(r, e, sizeof e / sizeof e[0]);
}

static int report_lstm_norms(srm_report *r, const char *when, const srm_lstm_stability *s)
{
    const char *names[] = {"norm_inf_i", "norm_inf_f", "norm_inf_z", "norm_inf_o",
                           "norm_inf_uf", "max_abs_bias_f", "a", "lambda_inf"};
    const char *labels[] = {"||W_i||_inf", "||W_f||_inf", "||W_z||_inf", "||W_o||_inf",
                            "||U_f||_inf", "max |b_f|", "a = 1 - f_max", "lambda_inf"};
    const double values[] = {s->norm_inf_i, s->norm_inf_f, s->norm_inf_z, s->norm_inf_o,
                             s->norm_inf_uf, s->max_abs_bias_f, s->a, s->lambda_inf};
    for (size_t j = 0; j < sizeof values / sizeof values[0]; j++) {
        char key[64], label[96];
        snprintf(key, sizeof key, "%s_%s", names[j], when);
        snprintf(label, sizeof label, "%s %s", labels[j], when);
        SRM_TRY(srm_report_number(r, key, label, values[j]));
    }
    char key[64], label[96];
    snprintf(key, sizeof key, "stable_%s", when);
    snprintf(label, sizeof label, "stable %s", when);
    return srm_report_bool(r, key, label, s->stable);
}

static int project_lstm(srm_model *m, double a, double margin, double input_bound, srm_report *r)
{
    srm_lstm_stability before, after;
    srm_project_lstm_result res;
    SRM_TRY(srm_stability_lstm(m, input_bound, &before));
    SRM_TRY(srm_project_lstm(m, a, margin, input_bound, &res));
    SRM_TRY(srm_stability_lstm(m, input_bound, &after));
    SRM_TRY(srm_report_string(r, "cell", "cell", srm_cell_name(m->cell)));
    SRM_TRY(srm_report_number(r, "a_target", "a target", a));
    SRM_TRY(srm_report_number(r, "margin", "margin m", margin));
    SRM_TRY(srm_report_number(r, "input_bound", "input bound B_x", input_bound));
    SRM_TRY(srm_report_number(r, "target_u_f", "target ||U_f||_inf", res.targets.u_f));
    SRM_TRY(srm_report_number(r, "target_b_f", "target max |b_f|", res.targets.b_f));
    SRM_TRY(report_lstm_norms(r, "before", &before));
    SRM_TRY(report_lstm_norms(r, "after", &after));
    SRM_TRY(srm_report_integer(r, "rows_scaled", "rows scaled", (long long)res.rows_scaled));
    return srm_report_integer(r, "biases_clipped", "forget biases clipped",
                              (long long)res.biases_clipped);
}

/* The authors' column rescaling (theory/project.h); reports the conditions before and after,
 * which it does not aim at. */
static int project_lstm_paper(srm_model *m, double input_bound, srm_report *r)
{
    srm_lstm_stability before, after;
    size_t zero, n = m->hidden > m->input ? m->hidden : m->input;
    double *work = malloc(n * sizeof *work);
    if (!work) return SRM_ERROR(SRM_ENOMEM, "out of memory");
    int rc = srm_stability_lstm(m, input_bound, &before);
    if (rc == SRM_OK) rc = srm_project_lstm_paper(m, work, &zero);
    free(work);
    SRM_TRY(rc);
    SRM_TRY(srm_stability_lstm(m, input_bound, &after));
    SRM_TRY(srm_report_string(r, "cell", "cell", srm_cell_name(m->cell)));
    SRM_TRY(srm_report_string(r, "projection", "projection",
                              "paper (columns of W_i, W_f, W_g, W_o to l1 norms 0.395, 0.155, "
                              "0.099, 0.395; of U_f to 0.25)"));
    SRM_TRY(srm_report_number(r, "input_bound", "input bound B_x", input_bound));
    SRM_TRY(report_lstm_norms(r, "before", &before));
    SRM_TRY(report_lstm_norms(r, "after", &after));
    return srm_report_integer(r, "zero_columns", "zero columns (left alone)", (long long)zero);
}

/* The command line, as parsed. */
typedef struct {
    const char *in, *out, *method_text;
    double radius, margin, a_target, input_bound;
    int rnn_given, lstm_given; /* an RNN-only or an LSTM-only option appeared */
    int paper;                 /* --projection paper */
} project_args;

/* Projects the model onto its stable set, reports the norms before and after, and saves it. */
static int project(srm_model *m, srm_report *r, void *ctx)
{
    const project_args *p = ctx;
    if (m->cell == SRM_CELL_LSTM && p->rnn_given)
        return SRM_ERROR(SRM_EINVAL, "%s is an LSTM: --radius and --method apply to RNN-type "
                                     "models (use --margin, --a-target, --input-bound)", p->in);
    if (m->cell != SRM_CELL_LSTM && p->lstm_given)
        return SRM_ERROR(SRM_EINVAL, "%s is an RNN-type model: --margin, --a-target and "
                                     "--input-bound apply to LSTMs (use --radius)", p->in);
    if (m->cell == SRM_CELL_LSTM && p->paper)
        SRM_TRY(project_lstm_paper(m, p->input_bound, r));
    else if (m->cell == SRM_CELL_LSTM)
        SRM_TRY(project_lstm(m, p->a_target, p->margin, p->input_bound, r));
    else
        SRM_TRY(project_rnn(m, p->radius, p->method_text, r));
    return srm_model_save(p->out, m);
}

int srm_cmd_project(int argc, char **argv)
{
    double radius = 1.0, margin = 0.01, a_target = 0.4, input_bound = 1.0;
    const char *method_text = "svd", *projection = "certified";
    int json = 0, radius_given = 0, method_given = 0, tune_given = 0, ib_given = 0;
    const srm_arg args[] = {
        {"radius", SRM_ARG_DOUBLE, &radius, "r", "RNN: clip singular values of W_hh at r",
         &radius_given},
        {"method", SRM_ARG_STRING, &method_text, "svd|power|gram",
         "RNN: power skips the SVD when a certified bound shows ||W_hh||_2 <= r; gram clips "
         "via the eigenpairs of W^T W above r^2 to r (1 - 1e-12) (faster; the SVD is used "
         "when ||W_hh||_2 > 2r)",
         &method_given},
        {"margin", SRM_ARG_DOUBLE, &margin, "m", "LSTM: every condition holds with margin m",
         &tune_given},
        {"a-target", SRM_ARG_DOUBLE, &a_target, "A", "LSTM: enforce a = 1 - f_max >= A",
         &tune_given},
        {"input-bound", SRM_ARG_DOUBLE, &input_bound, "B", "LSTM: inputs satisfy ||x||_inf <= B",
         &ib_given},
        {"projection", SRM_ARG_STRING, &projection, "certified|paper",
         "certified: as above; paper: the authors' (RNN: the SVD clip; LSTM: every column of "
         "W_i, W_f, W_g, W_o rescaled to l1 norm 0.395, 0.155, 0.099, 0.395 and of U_f to "
         "0.25, certifying nothing; --input-bound only sets what the report checks)",
         NULL},
        {"json", SRM_ARG_FLAG, &json, NULL, "print one JSON object", NULL},
        {NULL, 0, NULL, NULL, NULL, NULL}};
    const srm_args_spec spec = {
        "srm project IN OUT [--radius r] [--margin m] [--method svd|power|gram] [--json]",
        "RNN-type models: W_hh <- U min(S, r) V^T, the Frobenius-nearest matrix with "
        "||W_hh||_2 <= r. LSTM: every row of W_i, W_f, W_z, W_o whose absolute sum exceeds "
        "its target A - m, A^2 - m, A/4 - m, A - m is scaled down to it; ||U_f|| B and "
        "max|b_f| share what logit(1 - A) leaves after ||W_f|| (both scaled by one factor when "
        "they exceed it), so f_max <= 1 - A and the model meets the LSTM conditions with "
        "margin m. Prints the norms before and after.",
        args, 2, 2};
    const char *pos[2];
    size_t npos = 0;
    int rc = srm_args_parse(&spec, argc, argv, pos, &npos);
    if (rc != SRM_OK) return rc;
    int paper = strcmp(projection, "paper") == 0;
    if (!paper && strcmp(projection, "certified") != 0)
        return SRM_ERROR(SRM_EINVAL, "--projection: expected certified or paper, got '%s'",
                         projection);
    if (paper && (method_given || tune_given))
        return SRM_ERROR(SRM_EINVAL, "--projection paper takes neither --method (its RNN clip "
                                     "is the SVD) nor --margin or --a-target");
    project_args p = {pos[0], pos[1], method_text, radius, margin, a_target, input_bound,
                      radius_given || method_given, tune_given || ib_given, paper};
    return srm_cli_model_report(p.in, project, &p, json);
}
