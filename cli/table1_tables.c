/* cli/table1_tables.c: DIR/table1.tsv and DIR/table1.md of `srm table1` (cli/cmd_table1.c):
 * per (task, cell) the test metric of every run, the gaps to the unstable one and the training
 * times. */
#include <math.h>
#include <stdio.h>

#include "cli/table1.h"
#include "core/atomic.h"
#include "core/error.h"
#include "core/meta.h"

void srm_table1_duration(char *buf, size_t size, double s)
{
    if (!(s >= 0) || s > 1e8) snprintf(buf, size, "?");
    else if (s < 10) snprintf(buf, size, "%.1fs", s);
    else if (s < 60) snprintf(buf, size, "%.0fs", s);
    else if (s < 3600) snprintf(buf, size, "%dm%02ds", (int)(s / 60), (int)s % 60);
    else snprintf(buf, size, "%dh%02dm", (int)(s / 3600), ((int)s % 3600) / 60);
}

const char *srm_table1_cell(srm_cell c) { return c == SRM_CELL_LSTM ? "lstm" : "rnn"; }

/* The run's label "task-cell-stable" ("-stable-paper" for the authors' projection). */
void srm_table1_label(const run *r, char *buf, size_t size)
{
    static const char *const names[] = {"unstable", "stable", "stable-paper"};
    snprintf(buf, size, "%s-%s-%s", srm_data_task_name(r->c.task), srm_table1_cell(r->c.cell),
             names[r->variant]);
}

static const char *fmt_metric(char *buf, size_t size, double v, srm_task task)
{
    if (!isfinite(v)) return "n/a";
    snprintf(buf, size, task == SRM_TASK_WIKITEXT2 || task == SRM_TASK_ATIS ? "%.2f" : "%.3f", v);
    return buf;
}

/* "+g" of a gap, or "n/a". */
static void fmt_gap(char *buf, size_t size, double gap, srm_task task)
{
    char g[32];
    if (isfinite(gap))
        snprintf(buf, size, "%s%s", gap >= 0 ? "+" : "", fmt_metric(g, sizeof g, gap, task));
    else snprintf(buf, size, "n/a");
}

/* A stable variant's markdown cells: metric and gap to the unstable run. */
static void md_cells(FILE *f, const run *u, const run *s)
{
    char b[32], g[40];
    fmt_gap(g, sizeof g, s->metric - u->metric, u->c.task);
    fprintf(f, " %s | %s |", fmt_metric(b, sizeof b, s->metric, u->c.task), g);
}

/* A run's training time as a markdown cell ("n/a" before it ran). */
static void md_time(FILE *f, const run *r)
{
    char t[32];
    srm_table1_duration(t, sizeof t, r->seconds);
    fprintf(f, " %s |", isfinite(r->seconds) ? t : "n/a");
}

/* One (task, cell) row of both tables; q (the authors' projection) only when paper. */
static void write_row(FILE *tsv, FILE *md, const run *u, const run *s, const run *q, int paper)
{
    srm_task task = u->c.task;
    int higher = srm_train_metric_higher_is_better(task);
    fprintf(tsv, "%s\t%s\t%s\t%d\t%.17g\t%.17g\t%.17g\t%.6g\t%.6g", srm_data_task_name(task),
            srm_table1_cell(u->c.cell), srm_train_metric_name(task), higher, u->metric, s->metric,
            s->metric - u->metric, u->seconds, s->seconds);
    if (paper)
        fprintf(tsv, "\t%.17g\t%.17g\t%.6g", q->metric, q->metric - u->metric, q->seconds);
    fprintf(tsv, "\n");
    char b[32];
    fprintf(md, "| %s | %s (%s) | %s | %s |", srm_data_task_name(task), srm_train_metric_name(task),
            higher ? "higher is better" : "lower is better", srm_table1_cell(u->c.cell),
            fmt_metric(b, sizeof b, u->metric, task));
    md_cells(md, u, s);
    if (paper) md_cells(md, u, q);
    md_time(md, u);
    md_time(md, s);
    if (paper) md_time(md, q);
    fprintf(md, "\n");
}

/* The headers; with paper, the columns of the authors' projection after the others. */
static void write_headers(FILE *tsv, FILE *md, const char *preset, int paper)
{
    srm_meta_write(tsv);
    fprintf(tsv, "# Table 1 of Miller & Hardt (ICLR 2019) with --config %s: the test metric of "
            "each model (best by validation), gap = stable - unstable; metric direction in "
            "higher_is_better (perplexity, bits_per_char, nll_per_frame: lower; f1: higher); "
            "seconds = training time; nan = not run yet%s\n"
            "task\tcell\tmetric\thigher_is_better\tmetric_unstable\tmetric_stable\tgap\t"
            "seconds_unstable\tseconds_stable%s\n", preset,
            paper ? "; stable = srm's certified projection, stable_paper = the authors' "
                    "projection (--projection paper)" : "",
            paper ? "\tmetric_stable_paper\tgap_paper\tseconds_stable_paper" : "");
    fprintf(md, "<!-- %s; %s; %s -->\n\n"
            "Table 1 (Miller & Hardt, ICLR 2019) reproduced by srm with `--config %s`: test "
            "metric of the model kept by validation (lowest loss; ATIS: highest F1); gap = stable - unstable. "
            "Perplexity, bits per character and NLL per frame: lower is better; slot F1: higher "
            "is better.%s\n\n",
            srm_meta_command(), SRM_VERSION, srm_meta_date(), preset,
            paper ? " stable (certified): srm's projection onto its sufficient conditions; "
                    "stable (paper): the authors' projection and initialisation." : "");
    if (paper)
        fprintf(md, "| task | metric | cell | unstable | stable (certified) | gap (certified) | "
                "stable (paper) | gap (paper) | time unstable | time certified | time paper |\n"
                "|---|---|---|---|---|---|---|---|---|---|---|\n");
    else
        fprintf(md, "| task | metric | cell | unstable | stable | gap (stable - unstable) | "
                "time unstable | time stable |\n|---|---|---|---|---|---|---|---|\n");
}

int srm_table1_write(const run *runs, size_t nruns, const char *out, const char *preset)
{
    char path[4200], md[4200];
    snprintf(path, sizeof path, "%s/table1.tsv", out);
    snprintf(md, sizeof md, "%s/table1.md", out);
    srm_atomic t, m;
    SRM_TRY(srm_atomic_open(&t, path));
    int rc = srm_atomic_open(&m, md);
    if (rc != SRM_OK) {
        srm_atomic_abort(&t);
        return rc;
    }
    /* the authors' columns appear once such a run is asked for or done */
    int paper = 0;
    for (size_t i = VARIANT_PAPER; i < nruns; i += VARIANTS)
        paper |= runs[i].selected || runs[i].state == RUN_DONE;
    write_headers(t.f, m.f, preset, paper);
    /* runs come in (task, cell) triples: unstable, certified, paper; a triple neither asked for
     * nor run before is left out */
    for (size_t i = 0; i + VARIANTS <= nruns; i += VARIANTS) {
        int any = 0;
        for (size_t v = 0; v < VARIANTS; v++)
            any |= runs[i + v].selected || runs[i + v].state == RUN_DONE;
        if (any) write_row(t.f, m.f, &runs[i], &runs[i + 1], &runs[i + 2], paper);
    }
    if (ferror(t.f) || ferror(m.f)) {
        srm_atomic_abort(&t);
        srm_atomic_abort(&m);
        return SRM_ERROR(SRM_EIO, "%s: write error", out);
    }
    rc = srm_atomic_commit(&t);
    if (rc == SRM_OK) rc = srm_atomic_commit(&m);
    else srm_atomic_abort(&m);
    return rc;
}

