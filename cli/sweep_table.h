/* cli/sweep_table.h: the summary srm sweep collect builds (cli/sweep_collect.c) and writes
 * (cli/sweep_table.c): one group per grid point without --seed (and per k). */
#ifndef SRM_CLI_SWEEP_TABLE_H
#define SRM_CLI_SWEEP_TABLE_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

#include "cli/sweep.h"

typedef struct {
    json_t *params; /* [[name, value]...] without seed (borrowed from the manifest) */
    double k;       /* NAN for one number per run */
    size_t n, cap;
    double *v;
    double mean, sd, min, max, diff, se;
    size_t nonfinite; /* values left out of the statistics (a diverged run: null, inf) */
    long partner; /* a stable point's unstable partner, -1: none */
    int used;     /* an unstable point that is some stable point's partner */
} group;

typedef struct {
    group *g;
    size_t n, cap;
    const char *names[64]; /* the parameters that vary, in order of first appearance */
    size_t nnames;
    int has_stable;
    char metric[128]; /* what the values are */
} table;

/* Two parameter lists equal on every name both hold (with both_needed: the same names too),
 * ignoring `skip` (NULL: none). */
int srm_sweep_same_point(json_t *a, json_t *b, const char *skip, int both_needed);

/* A value in srm's TSVs: 17 significant digits, nan when there is none. */
void srm_sweep_number(FILE *f, double v);

/* dir/summary.tsv, dir/summary.md, dir/fig-sweep.tsv and the figure; *what says what was drawn. */
int srm_sweep_table_write(const table *t, const char *dir, int with_k, const char **what);

#endif
