/* cli/cmd_certify.c: `srm certify MODEL`, the stability certificate of any PyTorch recurrent
 * module: every layer and direction, the input bound each reads, the verdict, and the k the
 * stack's truncation bound needs for each --eps (sim/certify.h; proofs-notes/cascade.md).
 * Exit status 0 when certified stable, 1 when not, 2 on bad input. */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "core/args.h"
#include "core/error.h"
#include "cli/common.h"
#include "core/matrix.h"
#include "sim/certify.h"
#include "sim/rnn.h"
#include "task/analyze.h"
#include "task/analyze_summary.h"

#define MAX_EPS 16

typedef struct {
    double eps[MAX_EPS];
    size_t neps;
    long long k[MAX_EPS];
    double bound[MAX_EPS];
    int found[MAX_EPS];
} truncation;

static int parse_eps(const char *text, truncation *t)
{
    const char *p = text;
    t->neps = 0;
    while (*p) {
        char *end;
        double v = strtod(p, &end);
        if (end == p || !(v > 0) || !isfinite(v) || (*end && *end != ',') || t->neps == MAX_EPS)
            return SRM_ERROR(SRM_EINVAL, "--eps: expected up to %d positive numbers separated "
                             "by commas, got '%s'", MAX_EPS, text);
        t->eps[t->neps++] = v;
        p = *end ? end + 1 : end;
        if (*end && !*p)
            return SRM_ERROR(SRM_EINVAL, "--eps: trailing comma in '%s'", text);
    }
    return t->neps ? SRM_OK : SRM_ERROR(SRM_EINVAL, "--eps: empty list");
}

/* null for non-finite numbers (JSON has no inf or NaN) */
static json_t *num(double v) { return isfinite(v) ? json_real(v) : json_null(); }

/* --task or --data: the data-dependent figures of srm analyze on the task's test split or on
 * one input sequence from a file (one-layer models srm runs): per window length r the rates
 * ||J_{t+r} ... J_{t+1}||_2^(1/r) measured along the data, which certify nothing
 * (proofs-notes/data-dependent-stability.md). */
typedef struct {
    int done, from_file;
    char source[256]; /* the task's name, or the file */
    size_t steps, nr;
    double max_abs_input; /* --data: the largest |x_t,j| of the file */
    srm_analyze_window_summary w[SRM_ANALYZE_MAX_R];
} data_figures;

static const srm_analyze_options data_options = {.window = 100, .max_lag = 1, .r = {1, 5, 20},
                                                 .nr = 3, .seed = 1};

/* One trajectory from the zero state over the rows of the text matrix `file`. */
static int analyze_file(const srm_model *m, const char *file, srm_analyze **a, size_t *steps,
                        double *max_abs)
{
    srm_matrix *x = NULL;
    SRM_TRY(srm_matrix_read(file, &x));
    int rc = srm_rnn_input_check(m, x->data, x->rows, x->cols, file, x->lines);
    *max_abs = 0;
    for (size_t i = 0; rc == SRM_OK && i < x->rows * x->cols; i++)
        *max_abs = fmax(*max_abs, fabs(x->data[i]));
    if (rc == SRM_OK &&
        !(*a = srm_analyze_alloc(m, SRM_NET_SOFTMAX, x->rows, data_options.r, data_options.nr,
                                 0, x->rows)))
        rc = srm_error_code();
    if (rc == SRM_OK) rc = srm_analyze_add(*a, m, x->data, x->rows, 0, 0, NULL);
    *steps = x->rows;
    srm_matrix_free(x);
    return rc;
}

static int measure_data(const char *path, const srm_layout *lay, const srm_layout_options *lo,
                        const char *task_text, const char *file, const char *data_dir,
                        data_figures *df)
{
    if (lay->units > 1 || lay->gru)
        return SRM_ERROR(SRM_EINVAL, "%s: --task and --data measure srm analyze's Jacobian rates "
                         "of one-layer, one-direction RNNs and LSTMs; this is a %s", path,
                         lay->gru ? "GRU" : lay->layers > 1 ? "stack" : "bidirectional module");
    srm_task task = 0;
    if (!file) SRM_TRY(srm_cli_model_task(task_text, path, &task));
    srm_model *m = NULL;
    SRM_TRY(srm_model_load_with(path, lo, &m));
    srm_analyze_options o = data_options;
    o.model_path = path;
    o.max_tokens = srm_analyze_auto_tokens(srm_model_state_size(m), o.nr);
    srm_analyze *a = NULL;
    size_t nseq = 0;
    double *q = malloc(SRM_ANALYZE_NQ * o.nr * sizeof *q);
    int rc = !q     ? SRM_ERROR(SRM_ENOMEM, "out of memory")
             : file ? analyze_file(m, file, &a, &nseq, &df->max_abs_input)
                    : srm_analyze_task(m, task, data_dir, &o, &a, &nseq);
    if (rc == SRM_OK) {
        srm_analyze_summarize_windows(a, &o, df->w, q);
        df->steps = srm_analyze_steps(a), df->nr = o.nr, df->done = 1, df->from_file = !!file;
        snprintf(df->source, sizeof df->source, "%s", file ? file : srm_data_task_name(task));
    }
    srm_analyze_free(a);
    free(q);
    srm_model_free(m);
    return rc;
}

static json_t *data_json(const data_figures *df)
{
    json_t *rows = json_array();
    for (size_t i = 0; i < df->nr; i++)
        json_array_append_new(rows, json_pack("{s:I, s:I, s:o, s:o, s:o, s:o}", "r",
                                              (json_int_t)df->w[i].r, "windows",
                                              (json_int_t)df->w[i].count, "rate_max",
                                              num(df->w[i].rate.max), "rate_p99",
                                              num(df->w[i].rate.p99), "rate_median",
                                              num(df->w[i].rate.median), "rate_min",
                                              num(df->w[i].rate.min)));
    json_t *o = json_pack("{s:s, s:I, s:o, s:s}", df->from_file ? "file" : "task", df->source,
                          "steps", (json_int_t)df->steps, "windows", rows, "note",
                          df->from_file ? "measured along the file's inputs: certifies nothing"
                                        : "measured along the test split: certifies nothing");
    if (o && df->from_file) json_object_set_new(o, "max_abs_input", num(df->max_abs_input));
    return o;
}

static const char *cell_name(const srm_layout *lay)
{
    return lay->gru ? "gru" : srm_cell_name(lay->cell);
}

static json_t *gru_json(const srm_gru_stability *g)
{
    return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "norm_inf_hr",
                     num(g->norm_inf_hr), "norm_inf_hz", num(g->norm_inf_hz), "norm_inf_hn",
                     num(g->norm_inf_hn), "norm_inf_ir", num(g->norm_inf_ir), "norm_inf_iz",
                     num(g->norm_inf_iz), "norm_inf_in", num(g->norm_inf_in), "z_max",
                     num(g->z_max), "r_max", num(g->r_max), "m_max", num(g->m_max), "x_move",
                     num(g->x_move));
}

static json_t *unit_json(const srm_certify *c, const srm_certify_unit *u)
{
    json_t *o = json_pack("{s:s, s:I, s:b, s:I, s:o, s:s, s:o, s:o, s:o, s:b, s:b}", "label",
                          u->label, "layer", (json_int_t)u->layer, "reverse", u->reverse,
                          "input", (json_int_t)u->input, "input_bound", num(u->input_bound),
                          "input_bound_from", u->input_from, "lambda", num(u->tc.lambda),
                          "lipschitz_x", num(u->lipschitz_x), "state_bound",
                          num(u->tc.state_bound), "contractive", u->tc.stable, "stable",
                          u->stable);
    if (c->layout.gru) {
        json_object_set_new(o, "gru", gru_json(&u->gru));
        return o;
    }
    if (c->layout.cell != SRM_CELL_LSTM) {
        json_object_set_new(o, "spectral_norm", num(u->rnn.spectral_norm));
        return o;
    }
    const srm_lstm_stability *s = &u->lstm;
    json_t *l = json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:b, s:b, s:b, s:b, s:o, "
                          "s:o, s:o, s:o, s:I}", "norm_inf_i", num(s->norm_inf_i), "norm_inf_f",
                          num(s->norm_inf_f), "norm_inf_z", num(s->norm_inf_z), "norm_inf_o",
                          num(s->norm_inf_o), "norm_inf_uf", num(s->norm_inf_uf),
                          "max_abs_bias_f", num(s->max_abs_bias_f), "f_max", num(s->f_max), "a",
                          num(s->a), "condition_i", s->holds_i, "condition_f", s->holds_f,
                          "condition_z", s->holds_z, "condition_o", s->holds_o, "margin_i",
                          num(s->margin_i), "margin_f", num(s->margin_f), "margin_z",
                          num(s->margin_z), "margin_o", num(s->margin_o), "r", (json_int_t)s->r);
    json_object_set_new(o, "lstm", l);
    return o;
}

static int print_json(const char *path, const srm_certify *c, const truncation *t,
                      const data_figures *df)
{
    const srm_layout *lay = &c->layout;
    json_t *units = json_array(), *tr = json_array();
    for (size_t u = 0; u < lay->units; u++) json_array_append_new(units, unit_json(c, &c->unit[u]));
    for (size_t i = 0; i < t->neps; i++)
        json_array_append_new(tr, json_pack("{s:o, s:o, s:o}", "eps", num(t->eps[i]), "k",
                                            t->found[i] ? json_integer(t->k[i]) : json_null(),
                                            "bound", t->found[i] ? num(t->bound[i]) : json_null()));
    json_t *o = json_pack(
        "{s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:o, s:s, s:b, s:b, s:o, s:s, s:o, s:o}", "model",
        path, "prefix", lay->prefix, "cell", cell_name(lay), "cell_from",
        lay->cell_from, "layers", (json_int_t)lay->layers, "directions",
        (json_int_t)lay->directions, "hidden", (json_int_t)lay->hidden, "input_bound",
        num(c->input_bound), "input_bound_from", c->input_from, "stable", c->stable,
        "contractive", c->contractive, "output_lipschitz", num(c->output_lipschitz), "gap_of",
        c->has_decoder ? "decoder output" : "top layer output", "truncation", tr, "units",
        units);
    if (!o) return SRM_ERROR(SRM_ENOMEM, "out of memory building JSON");
    if (df->done) json_object_set_new(o, "data", data_json(df));
    char *text = json_dumps(o, JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17));
    json_decref(o);
    if (!text) return SRM_ERROR(SRM_ENOMEM, "out of memory building JSON");
    printf("%s\n", text);
    free(text);
    return SRM_OK;
}

static void print_unit(const srm_certify *c, const srm_certify_unit *u)
{
    const char *norm = c->layout.cell == SRM_CELL_LSTM || c->layout.gru ? "max" : "2";
    printf("%s: lambda %.6g, L_x %.6g, state bound %.6g (%s-norm), input bound %.6g (%s); %s\n",
           u->label, u->tc.lambda, u->lipschitz_x, u->tc.state_bound, norm, u->input_bound,
           u->input_from, u->stable ? "stable" : u->tc.stable ? "contractive, conditions fail"
                                                             : "NOT stable");
    if (c->layout.gru)
        printf("  z_max %.4g, r_max %.4g, |W_hn h + b_hn| <= %.4g, X = %.4g (proofs-notes/"
               "gru-condition.md)\n", u->gru.z_max, u->gru.r_max, u->gru.m_max, u->gru.x_move);
    if (c->layout.cell != SRM_CELL_LSTM || c->layout.gru) return;
    const srm_lstm_stability *s = &u->lstm;
    char r[24] = "n/a"; /* no r: lambda_inf >= 1 */
    if (s->r >= 0) snprintf(r, sizeof r, "%ld", (long)s->r);
    printf("  ||W_i|| %.4g < a %s, ||W_o|| %.4g < a %s, ||W_z|| %.4g <= a/4 %s, ||W_f|| %.4g < "
           "a^2 %s; a = 1 - f_max = %.4g, r = %s\n", s->norm_inf_i, s->holds_i ? "yes" : "NO",
           s->norm_inf_o, s->holds_o ? "yes" : "NO", s->norm_inf_z, s->holds_z ? "yes" : "NO",
           s->norm_inf_f, s->holds_f ? "yes" : "NO", s->a, r);
}

static void print_data(const data_figures *df)
{
    if (!df->done) return;
    if (df->from_file)
        printf("data-dependent (srm analyze on %s from the zero state, %zu steps, max |x| %.4g; "
               "measured, certifies nothing):\n", df->source, df->steps, df->max_abs_input);
    else
        printf("data-dependent (srm analyze on %s's test split, %zu steps; measured, certifies "
               "nothing):\n", df->source, df->steps);
    for (size_t i = 0; i < df->nr; i++)
        printf("  r = %zu: rate ||J_{t+r}...J_{t+1}||_2^(1/r) max %.4g, p99 %.4g, median %.4g "
               "(%zu windows)\n", df->w[i].r, df->w[i].rate.max, df->w[i].rate.p99,
               df->w[i].rate.median, df->w[i].count);
}

static void print_text(const char *path, const srm_certify *c, const truncation *t)
{
    const srm_layout *lay = &c->layout;
    printf("model: %s\nmodule: prefix '%s', %s (from the %s), %zu layer%s, %zu direction%s, "
           "hidden %zu\ninput bound B = %.6g: %s\n", path, lay->prefix, cell_name(lay),
           lay->cell_from, lay->layers, lay->layers > 1 ? "s" : "", lay->directions,
           lay->directions > 1 ? "s" : "", lay->hidden, c->input_bound, c->input_from);
    for (size_t u = 0; u < lay->units; u++) print_unit(c, &c->unit[u]);
    printf("verdict: %s\n", c->stable        ? "certified stable (every layer and direction)"
                            : c->contractive ? "contractive, but not every LSTM condition holds"
                                             : "not certified stable");
    if (!c->contractive) return;
    printf("truncation (bound on the %s gap, proofs-notes/cascade.md):\n",
           c->has_decoder ? "decoder output" : "top layer output");
    for (size_t i = 0; i < t->neps; i++)
        if (t->found[i])
            printf("  eps %g: k = %lld (bound %.3g)\n", t->eps[i], t->k[i], t->bound[i]);
        else
            printf("  eps %g: k beyond the search limit (theory/cascade.h)\n", t->eps[i]);
}

int srm_cmd_certify(int argc, char **argv)
{
    double input_bound = NAN;
    const char *eps_text = "0.01", *prefix = NULL, *nonlin = NULL, *task = NULL, *data = NULL;
    const char *file = NULL;
    int json = 0;
    const srm_arg args[] = {
        {"eps", SRM_ARG_STRING, &eps_text, "LIST",
         "tolerances on the output gap: the k each needs", NULL},
        {"input-bound", SRM_ARG_DOUBLE, &input_bound, "B",
         "inputs satisfy ||x||_inf <= B [the embedding's largest |entry|, else 1]",
         NULL},
        {"prefix", SRM_ARG_STRING, &prefix, "P",
         "module prefix to certify when the file has several (e.g. encoder.rnn.)", NULL},
        {"nonlinearity", SRM_ARG_STRING, &nonlin, "tanh|relu|linear",
         "RNN cells: the nonlinearity, which the shapes do not show [tanh]", NULL},
        {"task", SRM_ARG_STRING, &task, "T",
         "add the data-dependent figures of srm analyze on task T's test split (one-layer "
         "models; T may be 'model': the task in the model's metadata)", NULL},
        {"data-dir", SRM_ARG_STRING, &data, "DIR", "data folder for --task (see srm data)",
         NULL},
        {"data", SRM_ARG_STRING, &file, "FILE",
         "add the same figures along one input sequence: a text matrix, one x_t per row, run "
         "from the zero state (one-layer models)", NULL},
        SRM_ARG_JSON(&json, "print one JSON object"),
        {NULL, 0, NULL, NULL, NULL, NULL}};
    const srm_args_spec spec = {
        "srm certify MODEL [--eps LIST] [--input-bound B] [--prefix P] [--nonlinearity N] "
        "[--task T | --data FILE] [--json]",
        "Certifies the recurrent module of a safetensors state dict (any PyTorch nn.RNN, nn.LSTM "
        "or nn.GRU under any prefix, stacked, in one or both directions; F64, F32, F16 or BF16): "
        "for every layer and direction its lambda (RNN: ||W_hh||_2; LSTM: lambda_inf and srm's "
        "four conditions; GRU: lambda_inf, proofs-notes/gru-condition.md), L_x, state bound and "
        "the input bound it reads; the verdict; and for each eps the k for which the truncated "
        "stack's output is within eps (proofs-notes/cascade.md). Exit status 0 when certified "
        "stable, 1 when not, 2 on bad input.",
        args, 1, 1};
    const char *pos[1];
    size_t npos = 0;
    int rc = srm_args_parse(&spec, argc, argv, pos, &npos);
    if (rc != SRM_OK) return rc;
    if (task && file)
        return SRM_ERROR(SRM_EINVAL, "--task and --data: give one source of data, not both");
    truncation t = {.neps = 0}; /* found[] zero: no k until one is computed */
    SRM_TRY(parse_eps(eps_text, &t));
    srm_certify *c = malloc(sizeof *c);
    if (!c) return SRM_ERROR(SRM_ENOMEM, "out of memory");
    srm_certify_options opt = {prefix, nonlin, input_bound};
    rc = srm_certify_file(pos[0], &opt, c);
    for (size_t i = 0; rc == SRM_OK && c->contractive && i < t.neps; i++) {
        int krc = srm_certify_k(c, t.eps[i], &t.k[i], &t.bound[i]);
        t.found[i] = krc == SRM_OK;
        if (krc != SRM_OK && krc != SRM_ENUMERIC) rc = krc;
    }
    data_figures df = {0};
    if (rc == SRM_OK && (task || file))
        rc = measure_data(pos[0], &c->layout, &(srm_layout_options){prefix, nonlin},
                          task && strcmp(task, "model") == 0 ? NULL : task, file, data, &df);
    if (rc == SRM_OK && json) rc = print_json(pos[0], c, &t, &df);
    else if (rc == SRM_OK) print_text(pos[0], c, &t), print_data(&df);
    int stable = rc == SRM_OK && c->stable;
    free(c);
    if (rc != SRM_OK && rc != SRM_EINVAL) { /* exit status 1 means "not stable": errors are 2 */
        char msg[1024];
        snprintf(msg, sizeof msg, "%s", srm_error_message());
        return SRM_ERROR(SRM_EINVAL, "%s", msg);
    }
    if (rc != SRM_OK) return rc;
    return stable ? SRM_OK : SRM_NO;
}
