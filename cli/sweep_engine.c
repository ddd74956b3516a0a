/* cli/sweep_engine.c: running a planned sweep (cli/sweep.h) on the engines researchers have,
 * never a scheduler of srm's own: `srm sweep run` hands SWEEP/jobs.txt to GNU parallel with a
 * joblog and --resume-failed; `srm sweep slurm` writes SWEEP/sweep.sbatch, a Slurm job array
 * whose task i runs line i + 1 of jobs.txt. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/sweep.h"
#include "core/args.h"
#include "core/atomic.h"
#include "core/error.h"
#include "core/meta.h"
#include "core/report.h"

/* The number of jobs of the sweep folder dir, which must hold a plan, and its absolute path. */
static int open_plan(const char *dir, size_t *njobs, char *abs, size_t size)
{
    json_t *m;
    SRM_TRY(srm_sweep_open(dir, &m, abs, size));
    *njobs = json_array_size(json_object_get(m, "jobs"));
    json_decref(m);
    if (*njobs == 0) return SRM_ERROR(SRM_EINVAL, "%s/sweep.json: no jobs", dir);
    return SRM_OK;
}

/* From the joblog (tab-separated: Seq Host Starttime JobRuntime Send Receive Exitval Signal
 * Command): how many distinct jobs ended with exit 0 and how many did not, last attempt of each. */
static void joblog_counts(const char *path, size_t njobs, size_t *ok, size_t *failed)
{
    int *state = calloc(njobs + 1, sizeof *state); /* 0 not run, 1 ok, 2 failed */
    FILE *f = fopen(path, "r");
    char line[8192];
    *ok = *failed = 0;
    while (state && f && fgets(line, sizeof line, f)) {
        long seq, exitval, sig;
        double start, runtime;
        char host[256];
        if (sscanf(line, "%ld %255s %lf %lf %*s %*s %ld %ld", &seq, host, &start, &runtime,
                   &exitval, &sig) != 6 || seq < 1 || (size_t)seq > njobs)
            continue;
        state[seq] = exitval == 0 && sig == 0 ? 1 : 2;
    }
    if (f) fclose(f);
    for (size_t i = 1; state && i <= njobs; i++) *ok += state[i] == 1, *failed += state[i] == 2;
    free(state);
}

static int run_report(const char *dir, size_t njobs, size_t ok, size_t failed, int json)
{
    srm_report *r = srm_report_alloc();
    if (!r) return srm_error_code();
    char path[4200];
    snprintf(path, sizeof path, "%s/joblog.tsv", dir);
    int rc = srm_report_string(r, "sweep", NULL, dir);
    if (rc == SRM_OK) rc = srm_report_integer(r, "jobs", NULL, (long long)njobs);
    if (rc == SRM_OK) rc = srm_report_integer(r, "succeeded", NULL, (long long)ok);
    if (rc == SRM_OK) rc = srm_report_integer(r, "failed", NULL, (long long)failed);
    if (rc == SRM_OK)
        rc = srm_report_integer(r, "not_run", "not run", (long long)(njobs - ok - failed));
    if (rc == SRM_OK) rc = srm_report_string(r, "joblog", NULL, path);
    return srm_report_finish(r, rc, stdout, json);
}

/* Waits for child pid (through EINTR); 127 is its "could not exec" status. */
static int wait_child(pid_t pid, int *status)
{
    if (pid < 0) return SRM_ERROR(SRM_EIO, "fork: %s", strerror(errno));
    while (waitpid(pid, status, 0) < 0)
        if (errno != EINTR) return SRM_ERROR(SRM_EIO, "waitpid: %s", strerror(errno));
    return SRM_OK;
}

/* GNU parallel on jobs.txt: stdin from the file, its exit status returned in *status. */
static int spawn_parallel(const char *exe, const char *dir, unsigned long jobs, int *status)
{
    char jobsfile[4200], joblog[4200], nj[32];
    snprintf(jobsfile, sizeof jobsfile, "%s/jobs.txt", dir);
    snprintf(joblog, sizeof joblog, "%s/joblog.tsv", dir);
    snprintf(nj, sizeof nj, "%lu", jobs);
    int in = open(jobsfile, O_RDONLY);
    if (in < 0) return SRM_ERROR(SRM_EINVAL, "%s: %s", jobsfile, strerror(errno));
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) { /* the lines run in the sweep folder, by /bin/sh whatever the login shell */
        dup2(in, 0);
        close(in);
        if (chdir(dir) != 0) _exit(126);
        setenv("PARALLEL_SHELL", "/bin/sh", 1);
        const char *argv[12] = {exe, "--jobs", nj, "--joblog", joblog, "--resume-failed",
                                "--halt", "never", NULL, NULL};
        if (isatty(2)) argv[8] = "--eta";
        execvp(exe, (char *const *)argv);
        fprintf(stderr, "srm sweep run: cannot run %s: %s\n", exe, strerror(errno));
        _exit(127);
    }
    close(in);
    SRM_TRY(wait_child(pid, status));
    if (WIFEXITED(*status) && WEXITSTATUS(*status) == 127)
        return SRM_ERROR(SRM_EIO, "GNU parallel (%s) could not be run: install Debian's "
                         "parallel (make check does), or give --parallel PATH", exe);
    return SRM_OK;
}

int srm_sweep_run_dir(const char *dir, const char *exe, unsigned long jobs, size_t *ok,
                      size_t *failed, size_t *njobs)
{
    int status;
    char abs[4096];
    SRM_TRY(open_plan(dir, njobs, abs, sizeof abs));
    SRM_TRY(spawn_parallel(exe ? exe : "parallel", abs, jobs, &status));
    char log[4200];
    snprintf(log, sizeof log, "%s/joblog.tsv", abs);
    joblog_counts(log, *njobs, ok, failed);
    return SRM_OK;
}

int srm_sweep_run(int argc, char **argv)
{
    unsigned long jobs = 2, threads = 1;
    const char *exe = "parallel";
    int json = 0;
    const srm_arg args[] = {
        {"jobs", SRM_ARG_ULONG, &jobs, "N", "jobs at a time", NULL},
        {"threads", SRM_ARG_ULONG, &threads, "T",
         "OPENBLAS_NUM_THREADS of each job, unless the environment sets it", NULL},
        {"parallel", SRM_ARG_STRING, &exe, "PATH", "the GNU parallel binary", NULL},
        SRM_ARG_JSON(&json, "print the report as one JSON object"),
        SRM_ARGS_END};
    const srm_args_spec spec = {
        "srm sweep run SWEEP [--jobs N] [--threads T] [--json]",
        "Runs the jobs of SWEEP/jobs.txt (srm sweep plan) with GNU parallel, N at a time, in\n"
        "the sweep folder (the lines name runs/ID and logs/ID.log from there) and by /bin/sh:\n"
        "parallel --jobs N --joblog SWEEP/joblog.tsv --resume-failed --halt never (--eta on a\n"
        "terminal). Run it again after a kill or a failure: the joblog's finished jobs are\n"
        "skipped, the failed and the unfinished ones run again, and each srm train or lockstep\n"
        "job resumes from its checkpoint. Each job's output is in SWEEP/logs/ID.log. Reports\n"
        "how many jobs succeeded, failed and did not run; the exit status is 1 when any failed.",
        args, 1, 1};
    const char *pos[1];
    SRM_TRY(srm_sweep_args(&spec, argc, argv, pos));
    if (jobs == 0 || threads == 0) return SRM_ERROR(SRM_EINVAL, "--jobs and --threads must be > 0");
    size_t njobs, ok, failed;
    char dir[4096];
    if (!realpath(pos[0], dir)) return SRM_ERROR(SRM_EINVAL, "%s: %s", pos[0], strerror(errno));
    char t[32];
    snprintf(t, sizeof t, "%lu", threads);
    setenv("OPENBLAS_NUM_THREADS", t, 0);
    setenv("OMP_NUM_THREADS", t, 0);
    SRM_TRY(srm_sweep_run_dir(dir, exe, jobs, &ok, &failed, &njobs));
    int rc = run_report(dir, njobs, ok, failed, json);
    if (rc == SRM_OK && (failed || ok < njobs)) {
        fprintf(stderr, "srm sweep run: %zu of %zu jobs did not succeed (%s/joblog.tsv; their "
                "logs in %s/logs/); run srm sweep run again to retry them\n", njobs - ok, njobs,
                dir, dir);
        return SRM_NO;
    }
    return rc;
}

/* ---- Slurm ---- */

static void write_sbatch(FILE *f, const char *dir, size_t njobs, const srm_sweep_slurm_opts *o)
{
    fprintf(f, "#!/bin/sh\n# srm sweep slurm: the %zu jobs of %s/jobs.txt as one Slurm job "
            "array\n", njobs, dir);
    fprintf(f, "# srm %s, %s\n# command: %s\n", SRM_VERSION, srm_meta_date(), srm_meta_command());
    fprintf(f, "# submit: sbatch %s/sweep.sbatch\n# one task again (line i + 1 of jobs.txt): "
            "sbatch --array=i %s/sweep.sbatch\n", dir, dir);
    fprintf(f, "#SBATCH --job-name=%s\n#SBATCH --array=0-%zu", o->name, njobs - 1);
    if (o->max_running) fprintf(f, "%%%lu", o->max_running);
    fprintf(f, "\n#SBATCH --time=%s\n#SBATCH --mem=%s\n#SBATCH --cpus-per-task=%lu\n", o->time,
            o->mem, o->cpus);
    fprintf(f, "#SBATCH --output=%s/logs/slurm-%%A_%%a.out\n", dir);
    if (o->partition) fprintf(f, "#SBATCH --partition=%s\n", o->partition);
    if (o->account) fprintf(f, "#SBATCH --account=%s\n", o->account);
    fputs("cd ", f);
    srm_sweep_shell_quote(f, dir);
    fputs(" || exit 2\n"
          "jobs=jobs.txt\n"
          "line=$(sed -n \"$((SLURM_ARRAY_TASK_ID + 1))p\" \"$jobs\")\n"
          "if [ -z \"$line\" ]; then\n"
          "    echo \"srm sweep: no line $((SLURM_ARRAY_TASK_ID + 1)) in $jobs\" >&2\n"
          "    exit 2\n"
          "fi\n"
          "export OPENBLAS_NUM_THREADS=\"${SLURM_CPUS_PER_TASK:-1}\" "
          "OMP_NUM_THREADS=\"${SLURM_CPUS_PER_TASK:-1}\"\n"
          "exec sh -c \"$line\"\n", f);
}

static int valid_word(const char *flag, const char *v)
{
    if (!v) return SRM_OK;
    if (!*v || strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789:._-")
                   != strlen(v))
        return SRM_ERROR(SRM_EINVAL, "--%s: '%s' is not a Slurm value", flag, v);
    return SRM_OK;
}

int srm_sweep_sbatch_write(const char *dir, const srm_sweep_slurm_opts *o, char *path,
                           size_t path_size, size_t *njobs)
{
    if (o->cpus == 0) return SRM_ERROR(SRM_EINVAL, "--cpus must be > 0");
    SRM_TRY(valid_word("time", o->time));
    SRM_TRY(valid_word("mem", o->mem));
    SRM_TRY(valid_word("partition", o->partition));
    SRM_TRY(valid_word("account", o->account));
    SRM_TRY(valid_word("name", o->name));
    char abs[4096];
    SRM_TRY(open_plan(dir, njobs, abs, sizeof abs));
    /* #SBATCH lines are not shell: a path there cannot be quoted, and % is Slurm's */
    if (strpbrk(abs, " \t%\\'\"$"))
        return SRM_ERROR(SRM_EINVAL, "%s: a sweep folder for Slurm needs a path without spaces, "
                         "quotes, $ or %%", abs);
    if (*njobs > o->max_array)
        return SRM_ERROR(SRM_EINVAL, "%s: %zu tasks, more than --max-array-size %lu (Slurm's "
                         "MaxArraySize, 1001 by default): raise it if the cluster allows, or "
                         "split the sweep", dir, *njobs, o->max_array);
    snprintf(path, path_size, "%s/sweep.sbatch", abs);
    srm_atomic a;
    SRM_TRY(srm_atomic_open(&a, path));
    write_sbatch(a.f, abs, *njobs, o);
    SRM_TRY(srm_atomic_commit(&a));
    chmod(path, 0755);
    return SRM_OK;
}

int srm_sweep_sbatch_wait(const char *path)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        execlp("sbatch", "sbatch", "--wait", path, (char *)NULL);
        fprintf(stderr, "srm: cannot run sbatch: %s\n", strerror(errno));
        _exit(127);
    }
    int status;
    SRM_TRY(wait_child(pid, &status));
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
        return SRM_ERROR(SRM_EIO, "sbatch could not be run (is Slurm installed?)");
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return SRM_ERROR(SRM_EIO, "sbatch --wait %s: exit status %d (a task failed: see the "
                         "logs/ of the sweep)", path, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    return SRM_OK;
}

int srm_sweep_slurm(int argc, char **argv)
{
    srm_sweep_slurm_opts o = SRM_SWEEP_SLURM_DEFAULTS;
    int json = 0;
    const srm_arg args[] = {
        {"time", SRM_ARG_STRING, &o.time, "T", "time limit of each task (sbatch --time)", NULL},
        {"mem", SRM_ARG_STRING, &o.mem, "M", "memory of each task (sbatch --mem)", NULL},
        {"cpus", SRM_ARG_ULONG, &o.cpus, "C",
         "CPUs of each task (sbatch --cpus-per-task; also its OPENBLAS_NUM_THREADS)", NULL},
        {"max-running", SRM_ARG_ULONG, &o.max_running, "M",
         "at most M tasks at once (--array=0-N%M; 0: no limit)", NULL},
        {"partition", SRM_ARG_STRING, &o.partition, "P", "sbatch --partition", NULL},
        {"account", SRM_ARG_STRING, &o.account, "A", "sbatch --account", NULL},
        {"name", SRM_ARG_STRING, &o.name, "NAME", "sbatch --job-name", NULL},
        {"max-array-size", SRM_ARG_ULONG, &o.max_array, "N",
         "the cluster's MaxArraySize: at most N tasks (Slurm's default 1001 allows 0-1000)",
         NULL},
        SRM_ARG_JSON(&json, "print the report as one JSON object"),
        SRM_ARGS_END};
    const srm_args_spec spec = {
        "srm sweep slurm SWEEP [--time T] [--mem M] [--cpus C] [--max-running M] "
        "[--partition P] [--account A] [--json]",
        "Writes SWEEP/sweep.sbatch: one Slurm job array, task i running line i + 1 of\n"
        "SWEEP/jobs.txt (srm sweep plan), with the time, memory and CPU requests given here,\n"
        "each task running its line in the sweep folder, its Slurm output in\n"
        "SWEEP/logs/slurm-JOB_TASK.out and the srm job's own in\n"
        "SWEEP/logs/ID.log. Submit it with sbatch SWEEP/sweep.sbatch (sbatch --wait to block\n"
        "until all tasks end); a failed task alone again with sbatch --array=i\n"
        "SWEEP/sweep.sbatch (the command line overrides the script's --array). A task run again\n"
        "resumes its run from the checkpoint (srm train --reuse, srm lockstep). Then srm sweep\n"
        "collect SWEEP. The jobs read the environment sbatch passes on (--export=ALL, Slurm's\n"
        "default): set SRM_DATA or SRM_HOME before submitting if they are not the defaults.",
        args, 1, 1};
    const char *pos[1];
    SRM_TRY(srm_sweep_args(&spec, argc, argv, pos));
    size_t njobs;
    char path[4200];
    SRM_TRY(srm_sweep_sbatch_write(pos[0], &o, path, sizeof path, &njobs));
    srm_report *r = srm_report_alloc();
    if (!r) return srm_error_code();
    int rc = srm_report_string(r, "sbatch", "script", path);
    if (rc == SRM_OK) rc = srm_report_integer(r, "tasks", NULL, (long long)njobs);
    char submit[4300];
    snprintf(submit, sizeof submit, "sbatch %s", path);
    if (rc == SRM_OK) rc = srm_report_string(r, "submit", NULL, submit);
    return srm_report_finish(r, rc, stdout, json);
}
