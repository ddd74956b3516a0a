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

#include "core/args.h"

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

/* The options of an action on one sweep folder (its one positional argument, into *sweep). */
int srm_sweep_args(const srm_args_spec *spec, int argc, char **argv, const char **sweep);

/* The sweep folder dir, which must hold a plan: its manifest and its absolute path (the folder
 * as named now: a sweep copied or moved elsewhere is read where it is). */
int srm_sweep_open(const char *dir, json_t **m, char *abs, size_t size);

/* Reads SWEEP/sweep.json, checked (SRM_EINVAL naming it when damaged); SRM_OK with *out NULL
 * when there is none. */
int srm_sweep_manifest_read(const char *dir, json_t **out);

/* Writes SWEEP/sweep.json and SWEEP/jobs.txt (the jobs' lines in order), each atomically. */
int srm_sweep_manifest_write(const char *dir, json_t *manifest);

/* The manifest of dir for cmd: read back (SRM_EINVAL when it is another command's), or new. */
int srm_sweep_manifest_load(const char *dir, const srm_sweep_command *cmd, json_t **out);

/* Creates the sweep folder dir (and its runs/ and logs/) when missing; its absolute path. */
int srm_sweep_dir_open(const char *dir, char *abs, size_t size);

/* srm sweep plan: argv[0] is "plan". */
int srm_sweep_plan(int argc, char **argv);

/* Plans srm `command` over the grid of argv (COMMAND's arguments and --FLAG VALUES, as srm
 * sweep plan takes them) and gridfile (or NULL) into the folder sweep, jobs running srm_path
 * (NULL: this binary). The folder's absolute path into dir; *jobs all its jobs, *added the new;
 * hashes (a JSON array, or NULL) gets the hash of every point of this grid. */
int srm_sweep_plan_grid(const char *sweep, const char *command, const char *gridfile,
                        const char *srm_path, int argc, char **argv, char *dir, size_t dir_size,
                        size_t *jobs, size_t *added, json_t *hashes);

/* GNU parallel (exe, NULL: "parallel") on dir's jobs.txt, `jobs` at a time: of *njobs jobs,
 * *ok succeeded and *failed did not (the last attempt of each in the joblog, so counting
 * earlier runs of the sweep too; the rest did not run). */
int srm_sweep_run_dir(const char *dir, const char *exe, unsigned long jobs, size_t *ok,
                      size_t *failed, size_t *njobs);

/* s for /bin/sh: as it is when it is a plain word, else in single quotes. */
void srm_sweep_shell_quote(FILE *f, const char *s);

/* The Slurm job array script of the sweep folder dir (see srm sweep slurm --help). */
typedef struct {
    const char *time, *mem, *partition, *account, *name;
    unsigned long cpus, max_running, max_array;
} srm_sweep_slurm_opts;
#define SRM_SWEEP_SLURM_DEFAULTS {"01:00:00", "4G", NULL, NULL, "srm-sweep", 1, 0, 1001}
int srm_sweep_sbatch_write(const char *dir, const srm_sweep_slurm_opts *o, char *path,
                           size_t path_size, size_t *njobs);
/* sbatch --wait PATH: SRM_OK when every task ended with exit 0. */
int srm_sweep_sbatch_wait(const char *path);

/* One row of a sweep's summary: a grid point without --seed (and a k). */
typedef struct {
    json_t *params; /* [[name, value]...]: the point's parameters but seed (train: + metric) */
    double k;       /* NAN for one number per run */
    size_t n;
    double mean, sd, min, max; /* across its runs; sd the sample sd (NAN for n = 1) */
    double diff, se; /* a stable point: mean - its unstable partner's mean, Welch's se; NAN */
} srm_sweep_point;

typedef struct srm_sweep_summary srm_sweep_summary;
/* The summary of the finished jobs of the sweep folder dir (value: the JSON key of a result;
 * NULL: the command's default); with write_files SWEEP/summary.tsv, summary.md, the figure;
 * only (a JSON array of job hashes, or NULL for all) keeps those jobs alone. */
int srm_sweep_summarize(const char *dir, const char *value, int write_files, json_t *only,
                        srm_sweep_summary **out);
size_t srm_sweep_summary_points(const srm_sweep_summary *s, const srm_sweep_point **points);
void srm_sweep_summary_free(srm_sweep_summary *s);
/* A parameter's value in a point's list, NULL when absent. */
const char *srm_sweep_param(json_t *params, const char *name);

/* srm sweep collect: argv[0] is "collect". */
int srm_sweep_collect(int argc, char **argv);

/* srm sweep run and srm sweep slurm: argv[0] is "run" or "slurm". */
int srm_sweep_run(int argc, char **argv);
int srm_sweep_slurm(int argc, char **argv);

#endif
