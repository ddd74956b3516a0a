/* cli/cmd_truncate.c: `srm truncate MODEL (--input X | --random-input T) --kmax K --out GAP.tsv`,
 * the gap between the recurrent model and each of its k-step truncations, k = 1..K, next to
 * the Proposition's bounds with the model's own constants (sim/truncate.h,
 * proofs-notes/inference.md section 5). */
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/common.h"
#include "core/args.h"
#include "core/atomic.h"
#include "core/error.h"
#include "core/matrix.h"
#include "core/meta.h"
#include "core/report.h"
#include "core/model.h"
#include "sim/certify.h"
#include "sim/random.h"
#include "sim/stack.h"
#include "sim/rnn.h"
#include "sim/truncate.h"

static int write_tsv(const char *path, const srm_model *m, const srm_truncation_constants *c,
                     const srm_truncation_gap *gaps, size_t T, size_t kmax)
{
    srm_atomic a;
    SRM_TRY(srm_cli_tsv_open(&a, path));
    FILE *f = a.f;
    int inf = c->norm == SRM_GAP_NORM_INF;
    fprintf(f, "# cell: %s, n = %zu, T = %zu\n", srm_cell_name(m->cell), m->hidden, T);
    fprintf(f, "# norm: %s\n", inf ? "inf (max norm on the full LSTM state s = (c, h); outputs "
            "in the max norm too)" : "2 (Euclidean, on h)");
    fprintf(f, "# state gap: ||s_t - s^k_t|| over t = 1..T (max, mean); s^k_t restarts from 0 "
            "at max(0, t-k)\n");
    fprintf(f, "# bound_traj = lambda^k max_t ||s_{t-k}||; bound = lambda^k H; nan: lambda >= 1, "
            "not certified stable\n");
    fprintf(f, "# lambda: %.17g (%s)\n", c->lambda,
            inf ? "lambda_inf of theory/stability.h" : "||W_hh||_2, L_rho = 1");
    fprintf(f, "# input_bound B_x: %.17g (%s norm)\n", c->input_bound, inf ? "inf" : "2");
    if (!inf) fprintf(f, "# input_lipschitz L_x = ||W_ih||_2: %.17g\n", c->input_lipschitz);
    else fprintf(f, "# forget_max f_max: %.17g\n", c->forget_max);
    fprintf(f, "# state_bound H: %.17g (%s)\n", c->state_bound,
            inf ? "1/(1 - f_max)" : "(||phi(0,0)|| + L_x B_x)/(1 - lambda), tanh: <= sqrt(n)");
    fprintf(f, "# output_lipschitz L_f: %.17g (output gap <= L_f * state gap)\n",
            c->output_lipschitz);
    fprintf(f, "k\tmax_state_gap\tmean_state_gap\tmax_output_gap\tbound_traj\tbound\n");
    for (size_t k = 1; k <= kmax; k++) {
        const srm_truncation_gap *g = &gaps[k - 1];
        fprintf(f, "%zu\t%.17g\t%.17g\t%.17g\t%.17g\t%.17g\n", k, g->max_state_gap,
                g->mean_state_gap, g->max_output_gap,
                srm_truncate_bound_traj(c, k, g->max_prior_norm), srm_truncate_bound(c, k));
    }
    return srm_atomic_commit(&a);
}

/* The command line, as parsed. */
typedef struct {
    const char *model, *input, *out;
    unsigned long random_T, kmax, seed;
    double input_bound;
    int json, bound_given, seed_given;
} truncate_args;

static int parse(int argc, char **argv, truncate_args *p)
{
    const char *input = NULL, *out = NULL;
    unsigned long random_T = 0, kmax = 0, seed = 1;
    double input_bound = 1.0;
    int json = 0, bound_given = 0, seed_given = 0;
    const srm_arg args[] = {
        {"input", SRM_ARG_STRING, &input, "X", "input text matrix, one x_t per row", NULL},
        {"random-input", SRM_ARG_ULONG, &random_T, "T",
         "instead: T random inputs, coordinates uniform in [-B, B]/sqrt(d)", NULL},
        {"input-bound", SRM_ARG_DOUBLE, &input_bound, "B",
         "--random-input: ||x_t||_2 <= B", &bound_given},
        {"seed", SRM_ARG_SEED, &seed, "s", "--random-input: GSL mt19937 seed", &seed_given},
        {"kmax", SRM_ARG_ULONG, &kmax, "K", "truncations k = 1..K (required)", NULL},
        {"out", SRM_ARG_STRING, &out, "GAP", "output TSV, '-' for stdout (required)", NULL},
        {"json", SRM_ARG_FLAG, &json, NULL, "print one JSON object", NULL},
        {NULL, 0, NULL, NULL, NULL, NULL}};
    const srm_args_spec spec = {
        "srm truncate MODEL (--input X | --random-input T [--input-bound B] [--seed s]) "
        "--kmax K --out GAP.tsv [--json]",
        "Measures how far each k-step truncation (restart from the zero state k steps back, "
        "proofs-notes/inference.md section 1) is from the recurrent model, for k = 1..K, all in "
        "one pass of "
        "O(T K) cell steps. GAP.tsv columns: k, max_state_gap, mean_state_gap, max_output_gap, "
        "bound_traj (lambda^k max_t ||s_{t-k}||), bound (lambda^k H). RNN-type cells: "
        "Euclidean norm on h, lambda = ||W_hh||_2, B_x = max ||x_t||_2. LSTM: max norm on "
        "s = (c, h), where its contraction lambda_inf is certified, B_x = max ||x_t||_inf. "
        "Random inputs: ||x_t||_2 <= B and ||x_t||_inf <= B/sqrt(d); encoder models read (or "
        "draw) token indices and B_x comes from the embedding rows used. Bounds are nan (null "
        "in JSON) when lambda >= 1. Prints the constants. A stack, a bidirectional module or a "
        "GRU (any PyTorch state dict) writes k, max_gap, mean_gap (its top layer's outputs "
        "against the k-truncated stack's, proofs-notes/cascade.md) and bound (srm certify's "
        "cascade bound for inputs within their measured max norm).",
        args, 1, 1};
    const char *pos[1];
    size_t npos = 0;
    int rc = srm_args_parse(&spec, argc, argv, pos, &npos);
    if (rc != SRM_OK) return rc;
    *p = (truncate_args){pos[0], input, out, random_T, kmax, seed, input_bound, json,
                         bound_given, seed_given};
    if (!p->out || p->kmax == 0)
        return SRM_ERROR(SRM_EINVAL, "--kmax K >= 1 and --out GAP.tsv are required");
    if (p->kmax > 1000000)
        return SRM_ERROR(SRM_EINVAL, "--kmax %lu is too large (at most 1000000; every k >= T "
                         "gives gap 0 anyway)", p->kmax);
    if ((p->input != NULL) == (p->random_T != 0))
        return SRM_ERROR(SRM_EINVAL, "give exactly one of --input X and --random-input T");
    if (p->input && (p->bound_given || p->seed_given))
        return SRM_ERROR(SRM_EINVAL, "--input-bound and --seed apply to --random-input only "
                         "(with --input, B_x is measured)");
    if (!(p->input_bound >= 0)) return SRM_ERROR(SRM_EINVAL, "--input-bound must be >= 0");
    return SRM_OK;
}

/* The inputs, read (--input) or drawn (--random-input, seeded), and B_x: the a-priori bound of
 * random inputs, measured over the inputs for --input and for encoder models. */
static int inputs(const truncate_args *p, const srm_model *m, srm_gap_norm norm, srm_matrix **x,
                  double *bx)
{
    if (p->input) {
        SRM_TRY(srm_matrix_read(p->input, x));
        SRM_TRY(srm_rnn_input_check(m, (*x)->data, (*x)->rows, (*x)->cols, p->input,
                                    (*x)->lines));
        *bx = srm_random_measure_bound(m, norm, *x, 0.0);
        return SRM_OK;
    }
    if (!(*x = srm_matrix_alloc(p->random_T, m->vocab ? 1 : m->input)))
        return SRM_ERROR(SRM_ENOMEM, "out of memory for %lu random inputs", p->random_T);
    srm_meta_set_seed(p->seed);
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    if (!rng) return SRM_ERROR(SRM_ENOMEM, "out of memory");
    gsl_rng_set(rng, p->seed);
    srm_random_inputs(m, p->input_bound, rng, *x);
    gsl_rng_free(rng);
    *bx = srm_random_input_bound(m, norm, p->input_bound);
    if (m->vocab) *bx = srm_random_measure_bound(m, norm, *x, *bx);
    return SRM_OK;
}

static int report(const truncate_args *p, const srm_model *m, srm_gap_norm norm, size_t T,
                  const srm_truncation_constants *c, const srm_truncation_gap *gaps)
{
    srm_report *r = srm_report_alloc();
    if (!r) return srm_error_code();
    srm_report_string(r, "cell", "cell", srm_cell_name(m->cell));
    srm_report_integer(r, "T", "sequence length T", (long long)T);
    srm_report_integer(r, "kmax", "K", (long long)p->kmax);
    srm_report_string(r, "norm", "norm", srm_gap_norm_name(norm));
    const srm_report_entry e[] = {
        {SRM_REPORT_NUMBER, "lambda", "lambda", c->lambda},
        {SRM_REPORT_BOOL, "stable", "certified stable (lambda < 1)", c->stable},
        {SRM_REPORT_NUMBER, "input_bound", "B_x", c->input_bound},
        {SRM_REPORT_NUMBER, "input_lipschitz", "L_x", c->input_lipschitz},
        {SRM_REPORT_NUMBER, "state_bound", "H", c->state_bound},
        {SRM_REPORT_NUMBER, "output_lipschitz", "L_f", c->output_lipschitz},
        {SRM_REPORT_NUMBER, "gap_k1", "max state gap at k = 1", gaps[0].max_state_gap},
        {SRM_REPORT_NUMBER, "gap_kmax", "max state gap at k = K",
         gaps[p->kmax - 1].max_state_gap},
    };
    int rc = srm_report_entries(r, e, sizeof e / sizeof e[0]);
    /* with the TSV on stdout, the report goes to stderr (its `#` lines carry the constants too) */
    return srm_report_finish(r, rc, strcmp(p->out, "-") == 0 ? stderr : stdout, p->json);
}

/* GAP.tsv of a stack, both directions or a GRU: k, max_gap, mean_gap of the top layer's
 * outputs against the k-truncated stack's (sim/stack.h), and bound, the cascade bound of
 * srm certify for inputs within their measured max-norm bound (proofs-notes/cascade.md). */
static int write_module_tsv(const char *path, const srm_certify *c, double binf,
                            const double *mx, const double *mean, size_t T, size_t kmax,
                            double *worst)
{
    srm_atomic a;
    SRM_TRY(srm_cli_tsv_open(&a, path));
    fprintf(a.f, "# module: %zu layer(s), %zu direction(s), %s; gaps of the top layer's outputs "
            "in the %s norm over T = %zu steps; inputs ||x_t||_inf <= %.17g; bound: the cascade "
            "bound e_L(k) (proofs-notes/cascade.md; nan when a layer is not contractive)\n",
            c->layout.layers, c->layout.directions, c->layout.gru ? "gru"
            : srm_cell_name(c->layout.cell), c->cascade.norm ? "max" : "2", T, binf);
    fprintf(a.f, "k\tmax_gap\tmean_gap\tbound\n");
    *worst = 0;
    int rc = SRM_OK;
    for (size_t k = 1; rc == SRM_OK && k <= kmax; k++) {
        double b = NAN;
        if (c->contractive) rc = srm_cascade_gap(&c->cascade, (long long)k, &b);
        if (rc == SRM_OK && c->contractive) *worst = fmax(*worst, mx[k - 1] / b);
        fprintf(a.f, "%zu\t%.17g\t%.17g\t%.17g\n", k, mx[k - 1], mean[k - 1], b);
    }
    if (rc != SRM_OK) return srm_atomic_abort(&a), rc;
    return srm_cli_tsv_close(&a, path);
}

static int truncate_module(const truncate_args *p)
{
    srm_stack *s = NULL;
    SRM_TRY(srm_stack_load(p->model, NULL, &s));
    int gated = s->lay.gru || s->lay.cell == SRM_CELL_LSTM;
    srm_matrix *x = NULL;
    srm_certify *c = malloc(sizeof *c);
    double *gaps = calloc(2 * p->kmax, sizeof *gaps), bx = 0, worst = 0;
    int rc = c && gaps ? inputs(p, s->unit[0], gated ? SRM_GAP_NORM_INF : SRM_GAP_NORM_2, &x, &bx)
                       : SRM_ERROR(SRM_ENOMEM, "out of memory");
    double binf = rc == SRM_OK ? srm_random_measure_bound(s->unit[0], SRM_GAP_NORM_INF, x, 0) : 0;
    srm_certify_options opt = {NULL, NULL, binf};
    if (rc == SRM_OK) rc = srm_certify_file(p->model, &opt, c);
    if (rc == SRM_OK)
        rc = srm_stack_truncation_gaps(s->unit, s->lay.layers, s->lay.directions, x->data,
                                       x->rows, p->kmax, gated, gaps, gaps + p->kmax);
    if (rc == SRM_OK)
        rc = write_module_tsv(p->out, c, binf, gaps, gaps + p->kmax, x->rows, p->kmax, &worst);
    srm_report *r = rc == SRM_OK ? srm_report_alloc() : NULL;
    if (rc == SRM_OK && !r) rc = srm_error_code();
    if (rc == SRM_OK) {
        const srm_report_entry e[] = {
            {SRM_REPORT_INTEGER, "layers", NULL, (double)s->lay.layers},
            {SRM_REPORT_INTEGER, "directions", NULL, (double)s->lay.directions},
            {SRM_REPORT_NUMBER, "input_bound_inf", "input bound ||x||_inf", binf},
            {SRM_REPORT_BOOL, "contractive", "every layer contractive (bound applies)",
             c->contractive},
            {SRM_REPORT_NUMBER, "worst_ratio", "largest max_gap / bound", c->contractive ? worst
                                                                                    : NAN},
        };
        rc = srm_report_entries(r, e, sizeof e / sizeof e[0]);
    }
    if (r) rc = srm_report_finish(r, rc, strcmp(p->out, "-") == 0 ? stderr : stdout, p->json);
    free(gaps), free(c);
    srm_matrix_free(x);
    srm_stack_free(s);
    return rc;
}

int srm_cmd_truncate(int argc, char **argv)
{
    truncate_args p;
    int rc = parse(argc, argv, &p);
    if (rc != SRM_OK) return rc;
    int whole = 0;
    SRM_TRY(srm_cli_whole_module(p.model, &whole));
    if (whole) return truncate_module(&p);
    srm_model *m = NULL;
    SRM_TRY(srm_model_load(p.model, &m));
    srm_matrix *x = NULL;
    srm_rnn_workspace *ws = NULL;
    srm_truncation_gap *gaps = NULL;
    srm_gap_norm norm = srm_truncate_norm(m);
    size_t T = 0;
    double bx = 0.0;
    rc = inputs(&p, m, norm, &x, &bx);
    if (rc == SRM_OK) {
        T = x->rows;
        gaps = calloc(p.kmax, sizeof *gaps);
        if (!gaps) rc = SRM_ERROR(SRM_ENOMEM, "out of memory");
    }
    if (rc == SRM_OK && !(ws = srm_rnn_workspace_alloc(m, T, p.kmax < T ? p.kmax : T)))
        rc = srm_error_code();
    srm_truncation_constants c;
    if (rc == SRM_OK) rc = srm_truncate_constants(m, bx, &c);
    if (rc == SRM_OK) rc = srm_truncate_gaps(m, x->data, T, p.kmax, norm, gaps, ws);
    if (rc == SRM_OK) rc = write_tsv(p.out, m, &c, gaps, T, p.kmax);
    if (rc == SRM_OK) rc = report(&p, m, norm, T, &c, gaps);
    free(gaps);
    srm_rnn_workspace_free(ws);
    srm_matrix_free(x);
    srm_model_free(m);
    return rc;
}
