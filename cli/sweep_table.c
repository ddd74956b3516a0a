/* cli/sweep_table.c: what srm sweep collect writes (cli/sweep_table.h): summary.tsv, summary.md
 * and the figure with its data, fig-sweep.tsv. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli/common.h"
#include "cli/plot.h"
#include "cli/sweep_table.h"
#include "core/atomic.h"
#include "core/error.h"
#include "core/meta.h"

/* A parameter's column: its flag name, arg1, arg2... for the positional arguments (@1, @2). */
static const char *column_name(const char *name)
{
    static char buf[16];
    if (name[0] != '@') return name;
    snprintf(buf, sizeof buf, "arg%s", name + 1);
    return buf;
}

/* A point's label: its values of the varying parameters but seed (and stable, unless
 * with_stable: then stable or unstable), joined by '-', one word. */
static const char *label_of(const table *t, const group *g, char *buf, size_t size,
                            int with_stable)
{
    buf[0] = '\0';
    for (size_t k = 0; k < t->nnames; k++) {
        const char *v = srm_sweep_param(g->params, t->names[k]);
        int is_stable = strcmp(t->names[k], "stable") == 0;
        if ((is_stable && !with_stable) || !v || strcmp(t->names[k], "metric") == 0) continue;
        if (t->names[k][0] == '@' && strrchr(v, '/')) v = strrchr(v, '/') + 1; /* a file */
        int on = strcmp(v, "on") == 0, flag = on || strcmp(v, "off") == 0;
        if (is_stable) v = on ? "stable" : "unstable";
        size_t used = strlen(buf);
        snprintf(buf + used, size - used, "%s%s%s", used ? "-" : "", flag && !is_stable && !on
                 ? "no" : "", flag && !is_stable ? t->names[k] : v);
    }
    for (char *c = buf; *c; c++)
        if (*c == ' ' || *c == '\t' || *c == '\'' || *c == '"') *c = '_';
    if (!buf[0]) snprintf(buf, size, "all");
    return buf;
}

void srm_sweep_number(FILE *f, double v)
{
    if (isnan(v)) fputs("nan", f);
    else fprintf(f, "%.17g", v);
}

static int write_tsv(const table *t, const char *path, int with_k)
{
    srm_atomic a;
    SRM_TRY(srm_cli_tsv_open(&a, path));
    fprintf(a.f, "# srm sweep collect: one row per grid point without --seed%s; n finite "
            "values, sd the sample sd (n - 1)%s; nonfinite: values left out (a diverged run)\n"
            "# value: %s\n", with_k ? " and per k" : "",
            t->has_stable ? "; diff = mean(stable) - mean(unstable), se its standard error "
                            "(Welch)" : "", t->metric);
    for (size_t k = 0; k < t->nnames; k++) fprintf(a.f, "%s\t", column_name(t->names[k]));
    fprintf(a.f, "%sn\tmean\tsd\tmin\tmax%s\tnonfinite\n", with_k ? "k\t" : "",
            t->has_stable ? "\tdiff\tse" : "");
    for (size_t i = 0; i < t->n; i++) {
        const group *g = &t->g[i];
        for (size_t k = 0; k < t->nnames; k++) {
            const char *v = srm_sweep_param(g->params, t->names[k]);
            fprintf(a.f, "%s\t", v ? v : "none");
        }
        if (with_k) fprintf(a.f, "%.17g\t", g->k);
        fprintf(a.f, "%zu", g->n);
        const double x[] = {g->mean, g->sd, g->min, g->max, g->diff, g->se};
        for (int q = 0; q < (t->has_stable ? 6 : 4); q++) fputc('\t', a.f), srm_sweep_number(a.f, x[q]);
        fprintf(a.f, "\t%zu\n", g->nonfinite);
    }
    return srm_cli_tsv_close(&a, path);
}

static void md_number(FILE *f, double v)
{
    if (isnan(v)) fputs("n/a", f);
    else fprintf(f, "%.4g", v);
}

static int write_md(const table *t, const char *path, int with_k)
{
    srm_atomic a;
    SRM_TRY(srm_atomic_open(&a, path));
    fprintf(a.f, "<!-- srm %s; command: %s; date: %s -->\n\n%s across seeds (srm sweep collect;"
            " mean ± sample sd, n runs).\n\n|", SRM_VERSION, srm_meta_command(), srm_meta_date(),
            t->metric);
    for (size_t k = 0; k < t->nnames; k++) fprintf(a.f, " %s |", column_name(t->names[k]));
    fprintf(a.f, "%s mean ± sd | min | max | n |%s\n|", with_k ? " k |" : "",
            t->has_stable ? " stable - unstable ± se |" : "");
    size_t cols = t->nnames + (with_k ? 1 : 0) + 4 + (t->has_stable ? 1 : 0);
    for (size_t c = 0; c < cols; c++) fputs("---|", a.f);
    fputc('\n', a.f);
    for (size_t i = 0; i < t->n; i++) {
        const group *g = &t->g[i];
        fputc('|', a.f);
        for (size_t k = 0; k < t->nnames; k++) {
            const char *v = srm_sweep_param(g->params, t->names[k]);
            fprintf(a.f, " %s |", v ? v : "-");
        }
        if (with_k) fprintf(a.f, " %g |", g->k);
        fputc(' ', a.f), md_number(a.f, g->mean), fputs(" ± ", a.f), md_number(a.f, g->sd);
        fputs(" | ", a.f), md_number(a.f, g->min), fputs(" | ", a.f), md_number(a.f, g->max);
        fprintf(a.f, " | %zu |", g->n);
        if (t->has_stable) {
            fputc(' ', a.f);
            if (!isnan(g->diff)) md_number(a.f, g->diff), fputs(" ± ", a.f), md_number(a.f, g->se);
            fputs(" |", a.f);
        }
        fputc('\n', a.f);
    }
    return srm_cli_tsv_close(&a, path); /* ferror checked, then committed */
}

static void add_word(char *words, size_t size, const char *w)
{
    size_t used = strlen(words);
    snprintf(words + used, size - used, "%s%s", used ? " " : "", w);
}

/* A k sweep's figure data: one block per point (gnuplot index), rows k mean min max; the
 * points' labels in `words`. */
static void figure_k(const table *t, FILE *f, char *words, size_t size, size_t *nwords)
{
    char lab[512];
    for (size_t i = 0; i < t->n; i++) {
        const group *g = &t->g[i];
        int first = 1;
        for (size_t j = 0; j < i && first; j++)
            first = !srm_sweep_same_point(t->g[j].params, g->params, NULL, 1);
        if (!first) continue;
        add_word(words, size, label_of(t, g, lab, sizeof lab, 1));
        fprintf(f, "%s# %s: k mean min max\n", (*nwords)++ ? "\n\n" : "", lab);
        for (size_t j = i; j < t->n; j++) {
            const group *h = &t->g[j];
            if (!srm_sweep_same_point(h->params, g->params, NULL, 1)) continue;
            fprintf(f, "%.17g\t", h->k), srm_sweep_number(f, h->mean);
            fputc('\t', f), srm_sweep_number(f, h->min), fputc('\t', f), srm_sweep_number(f, h->max);
            fputc('\n', f);
        }
    }
}

/* A metric sweep's figure data: one block per metric (a panel each; train sweeps over tasks
 * have several), one row per point: label mean sd, or with --stable label, the unstable
 * partner's mean and sd, the stable mean and sd. The panels' metrics in `words`. */
static void figure_metric(const table *t, FILE *f, char *words, size_t size, size_t *nwords)
{
    char lab[512];
    for (size_t i = 0; i < t->n; i++) {
        const char *mi = srm_sweep_param(t->g[i].params, "metric");
        int first = 1;
        for (size_t j = 0; j < i && first; j++) {
            const char *mj = srm_sweep_param(t->g[j].params, "metric");
            first = !(mi ? mj && strcmp(mi, mj) == 0 : !mj);
        }
        if (!first) continue;
        add_word(words, size, mi ? mi : t->metric);
        fprintf(f, "%s# %s: label %s\n", (*nwords)++ ? "\n\n" : "", mi ? mi : t->metric,
                t->has_stable ? "unstable sd_unstable stable sd_stable" : "mean sd");
        for (size_t j = i; j < t->n; j++) {
            const group *g = &t->g[j];
            const char *mj = srm_sweep_param(g->params, "metric"), *st = srm_sweep_param(g->params, "stable");
            if (mi ? !mj || strcmp(mi, mj) != 0 : mj != NULL) continue;
            if (t->has_stable && st && strcmp(st, "off") == 0 && g->used) continue;
            const group *pair[2] = {g, NULL};
            if (t->has_stable && st && strcmp(st, "on") == 0)
                pair[0] = g->partner >= 0 ? &t->g[g->partner] : NULL, pair[1] = g;
            fputs(label_of(t, g, lab, sizeof lab, 0), f);
            for (int q = 0; q < (t->has_stable ? 2 : 1); q++) {
                fputc('\t', f), srm_sweep_number(f, pair[q] ? pair[q]->mean : NAN);
                fputc('\t', f), srm_sweep_number(f, pair[q] && !isnan(pair[q]->sd) ? pair[q]->sd : 0);
            }
            fputc('\n', f);
        }
    }
}

static int write_figure_data(const table *t, const char *path, int with_k, char *words,
                             size_t size, size_t *nwords)
{
    srm_atomic a;
    SRM_TRY(srm_cli_tsv_open(&a, path));
    *nwords = 0, words[0] = '\0';
    if (with_k) figure_k(t, a.f, words, size, nwords);
    else figure_metric(t, a.f, words, size, nwords);
    return srm_cli_tsv_close(&a, path);
}

/* The figure: plots/fig-sweep-metric.gp (bars with sd error bars) or fig-sweep-gap.gp (the
 * mean gap against k with the min..max band across seeds). */
static int draw(const table *t, const char *dir, int with_k, const char **what)
{
    char data[4200], labels[8192], vars[16384];
    size_t nlabels;
    snprintf(data, sizeof data, "%s/fig-sweep.tsv", dir);
    SRM_TRY(write_figure_data(t, data, with_k, labels, sizeof labels, &nlabels));
    vars[0] = '\0';
    srm_cli_gp_string(vars, sizeof vars, "data", data);
    srm_cli_gp_string(vars, sizeof vars, "labels", labels);
    srm_cli_gp_string(vars, sizeof vars, "ylabel", t->metric);
    srm_cli_gp_string(vars, sizeof vars, "title", dir);
    snprintf(vars + strlen(vars), sizeof vars - strlen(vars), "stable=%d; ", t->has_stable);
    const char *names[] = {with_k ? "fig-sweep-gap" : "fig-sweep-metric"};
    char *v[] = {vars};
    return srm_cli_figures(dir, names, v, 1, what);
}

int srm_sweep_table_write(const table *t, const char *dir, int with_k, const char **what)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/summary.tsv", dir);
    SRM_TRY(write_tsv(t, path, with_k));
    snprintf(path, sizeof path, "%s/summary.md", dir);
    SRM_TRY(write_md(t, path, with_k));
    /* the tables stand without the figure: gnuplot failing (all values nan) is said, not fatal */
    static char why[600];
    if (draw(t, dir, with_k, what) != SRM_OK) {
        snprintf(why, sizeof why, "none: %s", srm_error_message());
        srm_error_clear();
        *what = why;
    }
    return SRM_OK;
}
