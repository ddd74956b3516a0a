/* cli/sweep.h: `srm sweep` (cli/cmd_sweep.c): grids of srm commands planned into
 * SWEEP/jobs.txt (cli/sweep_plan.c), run by GNU parallel or a Slurm job array
 * (cli/sweep_engine.c), and aggregated across seeds (cli/sweep_collect.c).
 *
 * A sweep folder holds jobs.txt (line i: one complete shell command, the job of Slurm array
 * task i - 1), sweep.json (the manifest: srm version, the command the jobs run, every plan's
 * command line, and per job its id, its parameter hash, its parameters in order and its line),
 * runs/ (each job's --out), logs/ (each job's stdout and stderr). */
#ifndef SRM_CLI_SWEEP_H
#define SRM_CLI_SWEEP_H

#include <jansson.h>
#include <stddef.h>

/* What srm sweep knows of a command it plans. */
typedef enum {
    SRM_SWEEP_OUT_DIR,   /* --out DIR, result.json or summary.tsv inside (train, lockstep) */
    SRM_SWEEP_OUT_TSV,   /* --out FILE.tsv (truncate, trajectory) */
    SRM_SWEEP_OUT_STDOUT /* the --json report on stdout, into runs/ID.json (certify) */
} srm_sweep_out;

typedef struct {
    const char *name;      /* the srm command */
    srm_sweep_out out;
    const char *extra;     /* flags every job gets ("--reuse --quiet"), or "" */
    const char *list_flag; /* a flag whose value is itself a comma list (not an axis), or NULL */
    const char *k_value;   /* collect: the TSV's gap column per k, or NULL (result.json) */
} srm_sweep_command;

/* The command named `name`, or NULL. */
const srm_sweep_command *srm_sweep_command_find(const char *name);

/* Reads SWEEP/sweep.json; SRM_OK with *out NULL when there is none. */
int srm_sweep_manifest_read(const char *dir, json_t **out);

/* Writes SWEEP/sweep.json atomically. */
int srm_sweep_manifest_write(const char *dir, json_t *manifest);

/* srm sweep plan: argv[0] is "plan". */
int srm_sweep_plan(int argc, char **argv);

/* srm sweep collect: argv[0] is "collect". */
int srm_sweep_collect(int argc, char **argv);

/* srm sweep run and srm sweep slurm: argv[0] is "run" or "slurm". */
int srm_sweep_run(int argc, char **argv);
int srm_sweep_slurm(int argc, char **argv);

#endif
