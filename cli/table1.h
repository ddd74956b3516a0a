/* cli/table1.h: the runs of `srm table1` (cli/cmd_table1.c) and their tables
 * (cli/table1_tables.c). */
#ifndef SRM_CLI_TABLE1_H
#define SRM_CLI_TABLE1_H

#include <stddef.h>

#include "task/train.h"

/* Per (task, cell): unstable, stable (certified projection), stable (the authors'). */
enum { VARIANT_UNSTABLE, VARIANT_CERTIFIED, VARIANT_PAPER, VARIANTS };
#define MAX_RUNS (SRM_TASK_COUNT * 2 * VARIANTS)

typedef enum { RUN_NEW, RUN_RESUME, RUN_DONE } run_state;

typedef struct {
    srm_train_config c;
    char dir[4096];
    run_state state;
    int variant;            /* VARIANT_* */
    int selected;           /* asked for by --tasks/--cells/--projection (the others only fill
                             * the table) */
    double metric, seconds; /* from result.json once done (NaN before) */
} run;

/* "1m05s"-style wall time, "?" when unknown. */
void srm_table1_duration(char *buf, size_t size, double s);
/* "rnn" or "lstm". */
const char *srm_table1_cell(srm_cell c);
/* The run's folder name "task-cell-unstable|stable|stable-paper". */
void srm_table1_label(const run *r, char *buf, size_t size);
/* DIR/table1.tsv and DIR/table1.md from the runs (triples per task and cell, in build order),
 * atomically; the authors' columns once such a run is asked for or done. */
int srm_table1_write(const run *runs, size_t nruns, const char *out, const char *preset);

#endif
