/* cli/cmd_project.c: `srm project IN OUT`, a model projected onto the stable set
 * (theory/project.h; proofs-notes/rnn-condition.md section 3, proofs-notes/lstm-conditions.md
 * section 4), every layer and direction of any PyTorch state dict (core/layout.h). Nothing is
 * lost: tensors it does not change keep their bytes, every tensor its dtype (the rounded weights
 * are verified, sim/project_store.h), the metadata stays and gains the projection's provenance.
 * OUT is written atomically, so IN may equal OUT and a failure leaves an existing OUT as it was.
 * Report keys carry a suffix per unit after the first ("_l1", "_l0_reverse"). */
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/common.h"
#include "core/args.h"
#include "core/error.h"
#include "core/layout.h"
#include "core/report.h"
#include "core/model.h"
#include "core/safetensors.h"
#include "sim/project_store.h"
#include "theory/norm.h"
#include "theory/project.h"
#include "theory/project_rnn.h"
#include "theory/stability.h"

/* The report of one unit: keys get the unit's suffix ("" for the first). */
typedef struct {
    srm_report *r;
    char sfx[40];
} unit_report;

static int put(unit_report *u, srm_report_kind kind, const char *key, const char *label,
               double v)
{
    char k[96], l[160];
    snprintf(k, sizeof k, "%s%s", key, u->sfx);
    snprintf(l, sizeof l, "%s%s%s", label, u->sfx[0] ? " " : "", u->sfx);
    const srm_report_entry e = {kind, k, l, v};
    return srm_report_entries(u->r, &e, 1);
}

static int put_string(unit_report *u, const char *key, const char *label, const char *v)
{
    char k[96], l[160];
    snprintf(k, sizeof k, "%s%s", key, u->sfx);
    snprintf(l, sizeof l, "%s%s%s", label, u->sfx[0] ? " " : "", u->sfx);
    return srm_report_string(u->r, k, l, v);
}

/* method: "svd", "power" or "gram" (theory/project_rnn.h). */
static int project_rnn(srm_model *m, double radius, const char *method_text, unit_report *r)
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
    SRM_TRY(put_string(r, "cell", "cell", srm_cell_name(m->cell)));
    SRM_TRY(put(r, SRM_REPORT_NUMBER, "radius", "radius r", radius));
    SRM_TRY(put_string(r, "method", "method",
                       p.gram        ? "gram"
                       : p.fell_back ? "svd (gram: ||W_hh||_2 > 2r)"
                                     : srm_norm_method_name(method)));
    /* a skipped SVD left W_hh untouched, so "before" is the exact norm measured after; the
     * certificate goes under its own key */
    SRM_TRY(put(r, SRM_REPORT_NUMBER, "spectral_norm_before", "||W_hh||_2 before",
                res->svd_skipped || (p.gram && !res->changed) ? p.after : res->norm_before));
    if (res->svd_skipped)
        SRM_TRY(put(r, SRM_REPORT_NUMBER, "spectral_norm_upper_bound",
                    "certified upper bound used to skip the SVD", res->norm_before));
    SRM_TRY(put(r, SRM_REPORT_NUMBER, "spectral_norm_after", "||W_hh||_2 after", p.after));
    SRM_TRY(put(r, SRM_REPORT_BOOL, "changed", "changed", res->changed));
    SRM_TRY(put(r, SRM_REPORT_INTEGER, "clipped", "singular values clipped",
                (double)res->clipped));
    return put(r, SRM_REPORT_BOOL, "svd_skipped", "SVD skipped (certified inside)",
               res->svd_skipped);
}

static int report_lstm_norms(unit_report *r, const char *when, const srm_lstm_stability *s)
{
    const char *names[] = {"norm_inf_i", "norm_inf_f", "norm_inf_z", "norm_inf_o",
                           "norm_inf_uf", "max_abs_bias_f", "a", "lambda_inf"};
    const char *labels[] = {"||W_i||_inf", "||W_f||_inf", "||W_z||_inf", "||W_o||_inf",
                            "||U_f||_inf", "max |b_f|", "a = 1 - f_max", "lambda_inf"};
    const double values[] = {s->norm_inf_i, s->norm_inf_f, s->norm_inf_z, s->norm_inf_o,
                             s->norm_inf_uf, s->max_abs_bias_f, s->a, s->lambda_inf};
    char key[64], label[96];
    for (size_t j = 0; j < sizeof values / sizeof values[0]; j++) {
        snprintf(key, sizeof key, "%s_%s", names[j], when);
        snprintf(label, sizeof label, "%s %s", labels[j], when);
        SRM_TRY(put(r, SRM_REPORT_NUMBER, key, label, values[j]));
    }
    snprintf(key, sizeof key, "stable_%s", when);
    snprintf(label, sizeof label, "stable %s", when);
    return put(r, SRM_REPORT_BOOL, key, label, s->stable);
}

static int project_lstm(srm_model *m, double a, double margin, double input_bound,
                        unit_report *r)
{
    srm_lstm_stability before;
    srm_project_lstm_result res;
    SRM_TRY(srm_stability_lstm(m, input_bound, &before));
    SRM_TRY(srm_project_lstm(m, a, margin, input_bound, &res));
    SRM_TRY(put_string(r, "cell", "cell", srm_cell_name(m->cell)));
    SRM_TRY(put(r, SRM_REPORT_NUMBER, "a_target", "a target", a));
    SRM_TRY(put(r, SRM_REPORT_NUMBER, "margin", "margin m", margin));
    SRM_TRY(put(r, SRM_REPORT_NUMBER, "input_bound", "input bound B_x", input_bound));
    SRM_TRY(put(r, SRM_REPORT_NUMBER, "target_u_f", "target ||U_f||_inf", res.targets.u_f));
    SRM_TRY(put(r, SRM_REPORT_NUMBER, "target_b_f", "target max |b_f|", res.targets.b_f));
    SRM_TRY(report_lstm_norms(r, "before", &before));
    SRM_TRY(put(r, SRM_REPORT_INTEGER, "rows_scaled", "rows scaled", (double)res.rows_scaled));
    return put(r, SRM_REPORT_INTEGER, "biases_clipped", "forget biases clipped",
               (double)res.biases_clipped);
}

/* The authors' column rescaling (theory/project.h); reports the conditions before, which it
 * does not aim at. */
static int project_lstm_paper(srm_model *m, double input_bound, unit_report *r)
{
    srm_lstm_stability before;
    size_t zero, n = m->hidden > m->input ? m->hidden : m->input;
    double *work = malloc(n * sizeof *work);
    if (!work) return SRM_ERROR(SRM_ENOMEM, "out of memory");
    int rc = srm_stability_lstm(m, input_bound, &before);
    if (rc == SRM_OK) rc = srm_project_lstm_paper(m, work, &zero);
    free(work);
    SRM_TRY(rc);
    SRM_TRY(put_string(r, "cell", "cell", srm_cell_name(m->cell)));
    SRM_TRY(put_string(r, "projection", "projection",
                       "paper (columns of W_i, W_f, W_g, W_o to l1 norms 0.395, 0.155, 0.099, "
                       "0.395; of U_f to 0.25)"));
    SRM_TRY(put(r, SRM_REPORT_NUMBER, "input_bound", "input bound B_x", input_bound));
    SRM_TRY(report_lstm_norms(r, "before", &before));
    return put(r, SRM_REPORT_INTEGER, "zero_columns", "zero columns (left alone)",
               (double)zero);
}

/* The command line, as parsed. */
typedef struct {
    const char *in, *out, *method_text, *prefix, *nonlinearity;
    double radius, margin, a_target, input_bound, z_target;
    int rnn_given, lstm_given; /* an RNN-only or an LSTM-only option appeared */
    int a_given, z_given;      /* --a-target (LSTM only), --z-target (GRU only) */
    int ib_given;              /* --input-bound appeared */
    int paper;                 /* --projection paper */
} project_args;

/* The checks on the rounded layer: the RNN's ||W_hh||_2 <= r, the LSTM's conditions. */
typedef struct {
    double radius, input_bound;
} store_ctx;

static int check_rnn(const srm_model *m, void *ctx, int *ok)
{
    srm_rnn_stability s;
    SRM_TRY(srm_stability_rnn(m, &s));
    *ok = s.spectral_norm <= ((const store_ctx *)ctx)->radius;
    return SRM_OK;
}

static int check_lstm(const srm_model *m, void *ctx, int *ok)
{
    srm_lstm_stability s;
    SRM_TRY(srm_stability_lstm(m, ((const store_ctx *)ctx)->input_bound, &s));
    *ok = s.stable;
    return SRM_OK;
}

/* What the stored (rounded) weights measure. */
static int report_stored(const srm_model *m, double input_bound, const srm_store_result *st,
                         unit_report *r)
{
    SRM_TRY(put(r, SRM_REPORT_INTEGER, "ulps_toward_zero",
                "ulps toward zero the stored dtype needed", (double)st->ulps));
    if (m->cell != SRM_CELL_LSTM) {
        srm_rnn_stability s;
        SRM_TRY(srm_stability_rnn(m, &s));
        return put(r, SRM_REPORT_NUMBER, "spectral_norm_stored", "||W_hh||_2 as stored",
                   s.spectral_norm);
    }
    srm_lstm_stability s;
    SRM_TRY(srm_stability_lstm(m, input_bound, &s));
    return report_lstm_norms(r, "after", &s);
}

/* Projects unit u of the file's layout, stores it into ts and reports it. */
static int project_unit(srm_tensors *ts, const srm_layout *lay, size_t u, double input_bound,
                        const project_args *p, unit_report *r)
{
    srm_model *orig = NULL, *m = NULL;
    SRM_TRY(srm_layout_unit_model(p->in, lay, u, 0, &orig));
    m = srm_model_alloc_like(orig);
    if (!m) return srm_model_free(orig), srm_error_code();
    srm_model_copy(m, orig);
    int lstm = m->cell == SRM_CELL_LSTM, rc;
    if (lstm && p->paper) rc = project_lstm_paper(m, input_bound, r);
    else if (lstm) rc = project_lstm(m, p->a_target, p->margin, input_bound, r);
    else rc = project_rnn(m, p->radius, p->method_text, r);
    store_ctx ctx = {p->radius, input_bound};
    srm_store_result st = {0, 0};
    srm_store_check check = p->paper && lstm ? NULL : lstm ? check_lstm : check_rnn;
    if (rc == SRM_OK)
        rc = srm_project_store(ts, lay, u, orig, m, lstm && !p->paper, check, &ctx, &st);
    srm_model_free(orig);
    orig = NULL;
    if (rc == SRM_OK) rc = srm_layout_unit_model(p->in, lay, u, 0, &orig);
    if (rc == SRM_OK) rc = report_stored(orig, input_bound, &st, r);
    srm_model_free(orig);
    srm_model_free(m);
    return rc;
}

/* The LSTM's bound on layer 0's inputs: --input-bound, else the embedding's largest |entry|
 * (what srm certify and srm stability read), else 1. */
static double data_bound(const srm_layout *lay, const project_args *p)
{
    if (p->ib_given || !lay->embedding) return p->input_bound;
    return srm_layout_embedding_bound(lay->embedding->data, lay->embedding->size);
}

/* The GRU's projection onto its condition (proofs-notes/gru-condition.md section 4). */
static int project_gru_unit(srm_tensors *ts, const srm_layout *lay, size_t u, double bound,
                            const project_args *p, unit_report *r)
{
    srm_project_gru_result res;
    srm_gru_stability before, after;
    srm_store_result st;
    SRM_TRY(srm_project_gru_unit(ts, lay, u, p->z_target, p->margin, bound, &res, &before,
                                 &after, &st));
    SRM_TRY(put_string(r, "cell", "cell", "gru"));
    const srm_report_entry e[] = {
        {SRM_REPORT_NUMBER, "z_target", "update-gate target zeta", p->z_target},
        {SRM_REPORT_NUMBER, "margin", "margin m", p->margin},
        {SRM_REPORT_NUMBER, "input_bound", "input bound B", bound},
        {SRM_REPORT_NUMBER, "lambda_inf_before", "lambda_inf before", before.lambda_inf},
        {SRM_REPORT_NUMBER, "z_max_before", "z_max before", before.z_max},
        {SRM_REPORT_NUMBER, "lambda_inf_after", "lambda_inf after (as stored)", after.lambda_inf},
        {SRM_REPORT_NUMBER, "z_max_after", "z_max after", after.z_max},
        {SRM_REPORT_BOOL, "stable_after", "stable after", after.stable},
        {SRM_REPORT_INTEGER, "rows_scaled", "rows scaled", (double)res.rows_scaled},
        {SRM_REPORT_INTEGER, "biases_clipped", "biases scaled", (double)res.biases_clipped},
        {SRM_REPORT_INTEGER, "ulps_toward_zero", "ulps toward zero the stored dtype needed",
         (double)st.ulps},
    };
    for (size_t i = 0; i < sizeof e / sizeof e[0]; i++)
        SRM_TRY(put(r, e[i].kind, e[i].key, e[i].label, e[i].value));
    return SRM_OK;
}

static int check_options(const srm_layout *lay, const project_args *p)
{
    int lstm = lay->cell == SRM_CELL_LSTM && !lay->gru;
    if (lay->gru && (p->rnn_given || p->a_given || p->paper))
        return SRM_ERROR(SRM_EINVAL, "%s is a GRU: --radius, --method, --a-target and "
                         "--projection paper do not apply (use --z-target, --margin, "
                         "--input-bound)", p->in);
    if (!lay->gru && p->z_given)
        return SRM_ERROR(SRM_EINVAL, "%s is not a GRU: --z-target applies to GRUs", p->in);
    if (lay->gru) return SRM_OK;
    if (lstm && p->rnn_given)
        return SRM_ERROR(SRM_EINVAL, "%s is an LSTM: --radius and --method apply to RNN-type "
                                     "models (use --margin, --a-target, --input-bound)", p->in);
    if (!lstm && p->lstm_given)
        return SRM_ERROR(SRM_EINVAL, "%s is an RNN-type model: --margin, --a-target and "
                                     "--input-bound apply to LSTMs (use --radius)", p->in);
    return SRM_OK;
}

/* Every unit projected and stored, the embedding clamped (LSTM), the provenance added. */
static int project_file(srm_tensors *ts, const srm_layout *lay, const project_args *p,
                        srm_report *r)
{
    SRM_TRY(check_options(lay, p));
    double b0 = data_bound(lay, p);
    for (size_t u = 0; u < lay->units; u++) {
        unit_report ur = {r, ""};
        if (u) snprintf(ur.sfx, sizeof ur.sfx, "_l%zu%s", lay->unit[u].layer,
                        lay->unit[u].reverse ? "_reverse" : "");
        double b = lay->unit[u].layer ? 1.0 : b0;
        SRM_TRY(lay->gru ? project_gru_unit(ts, lay, u, b, p, &ur)
                         : project_unit(ts, lay, u, b, p, &ur));
    }
    size_t clamped = 0;
    int gated = lay->cell == SRM_CELL_LSTM || lay->gru;
    if (gated) SRM_TRY(srm_project_clamp_embedding(ts, lay, b0, &clamped));
    SRM_TRY(srm_report_integer(r, "layers", "layers", (long long)lay->layers));
    SRM_TRY(srm_report_integer(r, "directions", "directions", (long long)lay->directions));
    SRM_TRY(srm_report_integer(r, "embedding_clamped",
                               "embedding entries clamped to the input bound", (long long)clamped));
    char v[64];
    snprintf(v, sizeof v, "%.17g", gated ? b0 : p->radius);
    SRM_TRY(srm_tensors_set_meta(ts, "srm_project",
                                 p->paper  ? "paper"
                                 : lay->gru ? "certified (GRU row scaling)"
                                 : gated    ? "certified (LSTM row scaling)"
                                            : "certified (SVD clip)"));
    SRM_TRY(srm_tensors_set_meta(ts, gated ? "srm_project_input_bound" : "srm_project_radius",
                                 v));
    return srm_safetensors_write(p->out, ts);
}

/* --cell: the file must hold that cell (what the shapes and metadata say). */
static int check_cell(const char *path, const srm_layout *lay, const char *want)
{
    const char *has = lay->gru ? "gru" : lay->cell == SRM_CELL_LSTM ? "lstm" : "rnn";
    if (strcmp(want, "rnn") && strcmp(want, "lstm") && strcmp(want, "gru"))
        return SRM_ERROR(SRM_EINVAL, "--cell: expected rnn, lstm or gru, got '%s'", want);
    if (strcmp(want, has))
        return SRM_ERROR(SRM_EINVAL, "%s: --cell %s, but the file's cell is %s (from the %s); "
                         "nothing written", path, want, lay->gru ? "gru" : srm_cell_name(lay->cell),
                         lay->cell_from);
    return SRM_OK;
}

/* Reads p->in, finds its recurrent module (of the cell `cell` when given), projects it into
 * p->out and prints the report. */
static int project_path(const project_args *p, const char *cell, int json)
{
    srm_tensors *ts = NULL;
    SRM_TRY(srm_safetensors_read(p->in, &ts));
    srm_layout *lay = malloc(sizeof *lay);
    srm_report *r = srm_report_alloc();
    srm_layout_options lo = {p->prefix, p->nonlinearity};
    int rc = lay && r ? srm_layout_find(p->in, ts, &lo, lay)
                      : SRM_ERROR(SRM_ENOMEM, "out of memory");
    if (rc == SRM_OK && cell) rc = check_cell(p->in, lay, cell);
    if (rc == SRM_OK) rc = project_file(ts, lay, p, r);
    rc = srm_report_finish(r, rc, stdout, json);
    free(lay);
    srm_tensors_free(ts);
    return rc;
}

int srm_cmd_project(int argc, char **argv)
{
    double radius = 1.0, margin = 0.01, a_target = 0.4, input_bound = 1.0, z_target = 0.7;
    const char *method_text = "svd", *projection = "certified", *prefix = NULL, *nonlin = NULL;
    const char *cell = NULL;
    int json = 0, radius_given = 0, method_given = 0, tune_given = 0, ib_given = 0;
    int a_given = 0, z_given = 0;
    const srm_arg args[] = {
        {"radius", SRM_ARG_DOUBLE, &radius, "r", "RNN: clip singular values of W_hh at r",
         &radius_given},
        {"method", SRM_ARG_STRING, &method_text, "svd|power|gram",
         "RNN: power skips the SVD when a certified bound shows ||W_hh||_2 <= r; gram clips "
         "via the eigenpairs of W^T W above r^2 to r (1 - 1e-12) (faster; the SVD is used "
         "when ||W_hh||_2 > 2r)",
         &method_given},
        {"margin", SRM_ARG_DOUBLE, &margin, "m",
         "LSTM: every condition holds with margin m; GRU: lambda_inf <= 1 - m", &tune_given},
        {"a-target", SRM_ARG_DOUBLE, &a_target, "A", "LSTM: enforce a = 1 - f_max >= A",
         &a_given},
        {"z-target", SRM_ARG_DOUBLE, &z_target, "Z", "GRU: enforce z_max <= Z (in (1/2, 1))",
         &z_given},
        {"input-bound", SRM_ARG_DOUBLE, &input_bound, "B",
         "LSTM and GRU: inputs satisfy ||x||_inf <= B; an embedding beyond B is clamped to it "
         "[the embedding's largest |entry|, else 1]",
         &ib_given},
        {"projection", SRM_ARG_STRING, &projection, "certified|paper",
         "certified: as above; paper: the authors' (RNN: the SVD clip; LSTM: every column of "
         "W_i, W_f, W_g, W_o rescaled to l1 norm 0.395, 0.155, 0.099, 0.395 and of U_f to "
         "0.25, certifying nothing; --input-bound only sets what the report checks)",
         NULL},
        {"prefix", SRM_ARG_STRING, &prefix, "P", "module prefix when the file has several", NULL},
        {"nonlinearity", SRM_ARG_STRING, &nonlin, "tanh|relu|linear",
         "RNN cells: the nonlinearity, which the shapes do not show [tanh]", NULL},
        {"cell", SRM_ARG_STRING, &cell, "rnn|lstm|gru",
         "the cell IN must hold (rnn: any RNN-type cell); another is refused [any]", NULL},
        {"json", SRM_ARG_FLAG, &json, NULL, "print one JSON object", NULL},
        {NULL, 0, NULL, NULL, NULL, NULL}};
    const srm_args_spec spec = {
        "srm project IN OUT [--cell rnn|lstm|gru] [--radius r] [--margin m] "
        "[--method svd|power|gram] [--z-target Z] [--json]",
        "Every layer and direction of IN's recurrent module (any PyTorch state dict). "
        "RNN-type models: W_hh <- U min(S, r) V^T, the Frobenius-nearest matrix with "
        "||W_hh||_2 <= r. LSTM: every row of W_i, W_f, W_z, W_o whose absolute sum exceeds "
        "its target A - m, A^2 - m, A/4 - m, A - m is scaled down to it; ||U_f|| B and "
        "max|b_f| share what logit(1 - A) leaves after ||W_f|| (both scaled by one factor when "
        "they exceed it), so f_max <= 1 - A and the model meets the LSTM conditions with "
        "margin m. GRU: ||W_hn||, max|b_hn| <= 0.4, ||W_hr|| <= 0.5, ||W_hz|| <= 1 - Z - 2m, "
        "and ||W_iz|| B + max|b_z| share logit(Z) - (1 - Z - 2m), so z_max <= Z and "
        "lambda_inf <= 1 - m (proofs-notes/gru-condition.md). Every tensor keeps its dtype (the "
        "rounded weights are verified, and moved toward zero by whole ulps until they meet the "
        "bound), tensors it does not change keep their bytes, and the metadata is kept. Prints "
        "the norms before and after (keys of units after the first end in "
        "_l<layer>[_reverse]).",
        args, 2, 2};
    const char *pos[2];
    size_t npos = 0;
    int rc = srm_args_parse(&spec, argc, argv, pos, &npos);
    if (rc != SRM_OK) return rc;
    int paper = strcmp(projection, "paper") == 0;
    if (!paper && strcmp(projection, "certified") != 0)
        return SRM_ERROR(SRM_EINVAL, "--projection: expected certified or paper, got '%s'",
                         projection);
    tune_given = tune_given || a_given;
    if (paper && (method_given || tune_given))
        return SRM_ERROR(SRM_EINVAL, "--projection paper takes neither --method (its RNN clip "
                                     "is the SVD) nor --margin or --a-target");
    project_args p = {pos[0], pos[1], method_text, prefix, nonlin, radius, margin, a_target,
                      input_bound, z_target, radius_given || method_given, tune_given || ib_given,
                      a_given, z_given, ib_given, paper};
    return project_path(&p, cell, json);
}
