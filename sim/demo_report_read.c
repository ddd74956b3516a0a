/* sim/demo_report_read.c: reading the demo's folder for the report (sim/demo_report.h): paths,
 * optional TSV and JSON files, columns by name, and the small text and verdict helpers every
 * section of sim/demo_report_check.c uses. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "sim/demo_report_internal.h"

void srm_demo_report_path(char *buf, size_t cap, const char *dir, const char *name)
{
    snprintf(buf, cap, "%s/%s", dir, name);
}

static int file_exists(const char *path)
{
    FILE *f = fopen(path, "r");
    if (f) fclose(f);
    return f != NULL;
}

int srm_demo_report_tsv(const srm_demo_report_dir *c, const char *name, srm_tsv **out)
{
    char p[4096];
    srm_demo_report_path(p, sizeof p, c->dir, name);
    *out = NULL;
    return file_exists(p) ? srm_tsv_read(p, out) : SRM_OK;
}

json_t *srm_demo_report_json(const srm_demo_report_dir *c, const char *name)
{
    char p[4096];
    srm_demo_report_path(p, sizeof p, c->dir, name);
    return json_load_file(p, 0, NULL);
}

double srm_demo_report_json_number(const json_t *j, const char *key)
{
    const json_t *v = j ? json_object_get(j, key) : NULL;
    return v && json_is_number(v) ? json_number_value(v) : NAN;
}

double srm_demo_report_stability_lambda(const json_t *j)
{
    double l = srm_demo_report_json_number(j, "lambda");
    return isnan(l) ? srm_demo_report_json_number(j, "lambda_inf") : l;
}

double *srm_demo_report_column(const srm_tsv *t, const char *name, const char *file)
{
    long j = srm_tsv_column(t, name);
    if (j < 0) {
        SRM_ERROR(SRM_EINVAL, "%s: no column '%s'", file, name);
        return NULL;
    }
    double *v = malloc((t->rows ? t->rows : 1) * sizeof *v);
    if (!v) {
        SRM_ERROR(SRM_ENOMEM, "out of memory");
        return NULL;
    }
    for (size_t i = 0; i < t->rows; i++) v[i] = srm_tsv_get(t, i, (size_t)j);
    return v;
}

void srm_demo_report_appendf(char *buf, size_t cap, const char *fmt, ...)
{
    size_t len = strlen(buf);
    if (len >= cap) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + len, cap - len, fmt, ap);
    va_end(ap);
}

void srm_demo_report_not_measured(srm_demo_report_section *s, const char *why)
{
    s->verdict = SRM_DEMO_NOT_MEASURED;
    s->ratio = NAN;
    snprintf(s->worst, sizeof s->worst, "not measured: %s", why);
}

void srm_demo_report_judge_le(srm_demo_report_section *s, double ratio)
{
    s->ratio = ratio;
    s->verdict = isfinite(ratio) && ratio <= 1.0 + SRM_DEMO_TOL ? SRM_DEMO_PASS : SRM_DEMO_FAIL;
}

const char *srm_demo_report_verdict_name(int v)
{
    return v == SRM_DEMO_PASS ? "PASS" : v == SRM_DEMO_FAIL ? "FAIL" : "NOT MEASURED";
}
