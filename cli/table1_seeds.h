/* cli/table1_seeds.h: `srm table1 --seeds LIST` (cli/table1_seeds.c), Table 1 across seeds as a
 * sweep of srm train jobs on GNU parallel or Slurm (cli/sweep.h). */
#ifndef SRM_CLI_TABLE1_SEEDS_H
#define SRM_CLI_TABLE1_SEEDS_H

typedef struct {
    const char *out, *preset, *tasks, *cells, *seeds, *engine, *data_dir;
    const char *slurm_time, *slurm_mem;
    int variants; /* bits 1 << VARIANT_CERTIFIED, 1 << VARIANT_PAPER (cli/table1.h) */
    unsigned long jobs;
    int json;
} srm_table1_seeds_opts;

/* Plans DIR/sweep (argv: table1's arguments, whose srm train hyper-parameter flags every job
 * gets), runs it on o->engine, and writes DIR/table1-seeds.tsv and .md. */
int srm_table1_seeds(const srm_table1_seeds_opts *o, int argc, char **argv);

#endif
