/* cli/cmd_fit.c: `srm fit GAP.tsv...`, the fitted decay rate of truncation gaps (sim/fit.h).
 * One output row per gap file; the file names go into `#` lines because core/tsv.h reads
 * numeric columns only. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/common.h"
#include "core/args.h"
#include "core/atomic.h"
#include "core/error.h"
#include "core/report.h"
#include "core/tsv.h"
#include "sim/fit.h"

#define MAX_FILES 256

typedef struct {
    double lambda, step_ratio;
    srm_fit_result fit;
} fit_row;

/* "0.5,0.9,0.99" into out (cap entries). */
static int parse_double_list(const char *text, double *out, size_t cap, size_t *count)
{
    *count = 0;
    const char *p = text;
    while (*p) {
        char *end;
        double v = strtod(p, &end);
        if (end == p || !isfinite(v) || (*end != ',' && *end != '\0'))
            return SRM_ERROR(SRM_EINVAL, "--lambda: '%s' is not a comma-separated number list",
                             text);
        if (*count == cap) return SRM_ERROR(SRM_EINVAL, "--lambda: more than %zu values", cap);
        out[(*count)++] = v;
        p = *end ? end + 1 : end;
    }
    return SRM_OK;
}

/* lambda from a "# lambda: X" (or "lambda = X") provenance line; NaN when there is none. */
static double lambda_from_comments(const srm_tsv *t)
{
    for (size_t i = 0; i < t->ncomments; i++) {
        const char *c = t->comments[i];
        while (*c == ' ') c++;
        if (strncmp(c, "lambda", 6) != 0) continue;
        c += 6;
        while (*c == ' ') c++;
        if (*c != ':' && *c != '=') continue;
        char *end;
        double v = strtod(c + 1, &end);
        if (end != c + 1 && isfinite(v)) return v;
    }
    return NAN;
}

static int fit_file(const char *path, const char *column, double floor, double lambda,
                    fit_row *row)
{
    srm_tsv *t = NULL;
    SRM_TRY(srm_tsv_read(path, &t));
    long ck = srm_tsv_column(t, "k"), cg = srm_tsv_column(t, column);
    int rc = SRM_OK;
    if (ck < 0 || cg < 0) {
        rc = SRM_ERROR(SRM_EINVAL, "%s: no column '%s'", path, ck < 0 ? "k" : column);
        srm_tsv_free(t);
        return rc;
    }
    double *k = malloc(2 * (t->rows ? t->rows : 1) * sizeof *k);
    if (!k) {
        srm_tsv_free(t);
        return SRM_ERROR(SRM_ENOMEM, "out of memory");
    }
    double *gap = k + t->rows;
    for (size_t i = 0; i < t->rows; i++) {
        k[i] = srm_tsv_get(t, i, (size_t)ck);
        gap[i] = srm_tsv_get(t, i, (size_t)cg);
    }
    row->lambda = isnan(lambda) ? lambda_from_comments(t) : lambda;
    rc = srm_fit_decay(k, gap, t->rows, floor, &row->fit);
    if (rc == SRM_OK && srm_fit_max_step_ratio(k, gap, t->rows, floor, &row->step_ratio, NULL))
        row->step_ratio = NAN; /* cannot happen once the fit succeeded; keep the fit */
    if (rc != SRM_OK) {
        /* Prefix the file name so the one-line message says which input failed. */
        char msg[512];
        snprintf(msg, sizeof msg, "%s", srm_error_message());
        rc = SRM_ERROR(rc, "%s: column %s: %s", path, column, msg);
    }
    free(k);
    srm_tsv_free(t);
    return rc;
}

static int write_rates(const char *out, const char *column, double floor, const fit_row *rows,
                       const char **files, size_t n)
{
    srm_atomic a;
    SRM_TRY(srm_cli_tsv_open(&a, out));
    FILE *f = a.f;
    fprintf(f, "# fit: least squares of log(%s) on k over rows with %s > %g * max(%s); "
               "rate = exp(slope); rate_lo, rate_hi: 95%% interval of the slope (Student t); "
               "step_ratio: max (gap(k')/gap(k))^(1/(k'-k)) over consecutive fitted rows\n",
            column, column, floor, column);
    for (size_t i = 0; i < n; i++) fprintf(f, "# file %zu: %s\n", i + 1, files[i]);
    fprintf(f, "file\tlambda\trate\trate_lo\trate_hi\tslope\tslope_stderr\tstep_ratio\t"
               "npoints\tk_first\tk_last\n");
    for (size_t i = 0; i < n; i++) {
        const srm_fit_result *r = &rows[i].fit;
        char b[10][32];
        fprintf(f, "%zu\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%zu\t%s\t%s\n", i + 1,
                srm_report_format(b[0], 32, rows[i].lambda), srm_report_format(b[1], 32, r->rate),
                srm_report_format(b[2], 32, r->rate_lo), srm_report_format(b[3], 32, r->rate_hi),
                srm_report_format(b[4], 32, r->slope),
                srm_report_format(b[5], 32, r->slope_stderr),
                srm_report_format(b[6], 32, rows[i].step_ratio), r->used,
                srm_report_format(b[7], 32, r->k_first), srm_report_format(b[8], 32, r->k_last));
    }
    return srm_atomic_commit(&a);
}

int srm_cmd_fit(int argc, char **argv)
{
    const char *column = "max_state_gap", *out = NULL, *lambda_text = NULL;
    double floor = 1e-13;
    int json = 0;
    const srm_arg args[] = {
        {"column", SRM_ARG_STRING, &column, "NAME", "gap column to fit", NULL},
        {"floor", SRM_ARG_DOUBLE, &floor, "F",
         "ignore rows with gap <= F * (largest gap): rounding noise", NULL},
        {"lambda", SRM_ARG_STRING, &lambda_text, "L,L,..",
         "lambda of each file (default: its '# lambda:' line, else nan)", NULL},
        {"out", SRM_ARG_STRING, &out, "RATE.tsv", "write one row per file (- for stdout)", NULL},
        {"json", SRM_ARG_FLAG, &json, NULL, "print one JSON object", NULL},
        {NULL, 0, NULL, NULL, NULL, NULL}};
    const srm_args_spec spec = {
        "srm fit GAP.tsv [GAP2.tsv ...] [--column max_state_gap] [--floor F] [--lambda L,..] "
        "[--out RATE.tsv]",
        "Fitted decay rate of truncation gaps (proofs-notes/inference.md section 4): for each "
        "gap file of "
        "`srm truncate`, a GSL least-squares line through (k, log gap) over the rows whose gap "
        "is finite and above F times the largest gap; rate = exp(slope) with a 95% interval, "
        "and the worst one-step ratio gap(k+1)/gap(k). For a lambda-stable model both are at "
        "most lambda. RATE.tsv columns: file lambda rate rate_lo rate_hi slope slope_stderr "
        "step_ratio npoints k_first k_last (file = index of a '# file N:' line).",
        args, 1, MAX_FILES};
    const char *files[MAX_FILES];
    size_t nfiles = 0;
    int rc = srm_args_parse(&spec, argc, argv, files, &nfiles);
    if (rc != SRM_OK) return rc;
    if (!(floor >= 0.0)) return SRM_ERROR(SRM_EINVAL, "--floor must be >= 0 (got %g)", floor);
    double lambdas[MAX_FILES];
    size_t nl = 0;
    if (lambda_text) {
        SRM_TRY(parse_double_list(lambda_text, lambdas, MAX_FILES, &nl));
        if (nl != nfiles)
            return SRM_ERROR(SRM_EINVAL, "--lambda has %zu values for %zu files", nl, nfiles);
    }
    fit_row *rows = calloc(nfiles, sizeof *rows);
    if (!rows) return SRM_ERROR(SRM_ENOMEM, "out of memory");
    for (size_t i = 0; i < nfiles && rc == SRM_OK; i++)
        rc = fit_file(files[i], column, floor, nl ? lambdas[i] : NAN, &rows[i]);
    if (rc == SRM_OK && out) rc = write_rates(out, column, floor, rows, files, nfiles);
    if (rc == SRM_OK && !(out && strcmp(out, "-") == 0)) {
        double *v = malloc(5 * nfiles * sizeof *v);
        srm_report *r = srm_report_alloc();
        if (!v || !r) rc = SRM_ERROR(SRM_ENOMEM, "out of memory");
        for (size_t i = 0; rc == SRM_OK && i < nfiles; i++) {
            v[i] = rows[i].lambda;
            v[nfiles + i] = rows[i].fit.rate;
            v[2 * nfiles + i] = rows[i].fit.rate_lo;
            v[3 * nfiles + i] = rows[i].fit.rate_hi;
            v[4 * nfiles + i] = rows[i].step_ratio;
        }
        if (rc == SRM_OK) rc = srm_report_string(r, "column", "column", column);
        if (rc == SRM_OK) rc = srm_report_array(r, "lambda", "lambda", v, nfiles);
        if (rc == SRM_OK) rc = srm_report_array(r, "rate", "fitted rate", v + nfiles, nfiles);
        if (rc == SRM_OK)
            rc = srm_report_array(r, "rate_lo", "rate, 95% low", v + 2 * nfiles, nfiles);
        if (rc == SRM_OK)
            rc = srm_report_array(r, "rate_hi", "rate, 95% high", v + 3 * nfiles, nfiles);
        if (rc == SRM_OK)
            rc = srm_report_array(r, "step_ratio", "worst step ratio", v + 4 * nfiles, nfiles);
        rc = srm_report_finish(r, rc, stdout, json);
        free(v);
    }
    free(rows);
    return rc;
}
