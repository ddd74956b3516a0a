/* cli/sweep_plan.c: `srm sweep plan` (cli/sweep.h). A grid over the flags of one srm command,
 * from the command line (a,b,c lists, N-M integer ranges, on/off for flags without a value)
 * and from a grid file (NAME VALUE... per line, values whitespace-separated, so that a value
 * may hold commas), expanded into one job per point, first axis outermost. A job's id is a
 * readable slug of its axis values and the first 8 hex digits of the SHA-256 of the command
 * and its parameters sorted by name: the same point always gets the same id, and planning
 * again keeps every job already planned (matched by that hash) and adds the missing ones. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/sweep.h"
#include "core/args.h"
#include "core/atomic.h"
#include "core/error.h"
#include "core/file.h"
#include "core/meta.h"
#include "core/run_dir.h"
#include "core/report.h"
#include "core/sha256.h"

#include "cli/sweep_grid.h"

#define MAX_JOBS 100000

static const srm_sweep_command commands[] = {
    {"train", SRM_SWEEP_OUT_DIR, "--reuse --quiet", NULL, NULL},
    {"lockstep", SRM_SWEEP_OUT_DIR, "--quiet", "trunc", "gap_all"},
    {"truncate", SRM_SWEEP_OUT_TSV, "", NULL, "max_output_gap"},
    {"trajectory", SRM_SWEEP_OUT_TSV, "", "ks", "dist"},
    {"certify", SRM_SWEEP_OUT_STDOUT, "--json", "eps", NULL},
};

const srm_sweep_command *srm_sweep_command_find(const char *name)
{
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(commands[i].name, name) == 0) return &commands[i];
    return NULL;
}

/* Every flag must be one the command's --help lists. */
static int check_flags(const char *srm, const srm_sweep_command *cmd, const grid *g)
{
    char line[4200], *help = NULL;
    size_t hlen = 0;
    snprintf(line, sizeof line, "'%s' %s --help 2>/dev/null", srm, cmd->name);
    FILE *p = popen(line, "r");
    if (!p) return SRM_ERROR(SRM_EIO, "cannot run %s %s --help", srm, cmd->name);
    FILE *mem = open_memstream(&help, &hlen);
    while (mem && fgets(line, sizeof line, p)) fputs(line, mem);
    pclose(p);
    if (mem) fclose(mem);
    int rc = help ? SRM_OK : SRM_ERROR(SRM_ENOMEM, "out of memory");
    for (size_t i = 0; rc == SRM_OK && i < g->n; i++) {
        if (g->a[i].name[0] == '@') continue; /* a positional argument */
        char want[160];
        snprintf(want, sizeof want, "  --%s ", g->a[i].name);
        char *hit = strstr(help, want);
        if (!hit) {
            snprintf(want, sizeof want, "  --%s\n", g->a[i].name);
            hit = strstr(help, want);
        }
        if (!hit)
            rc = SRM_ERROR(SRM_EINVAL, "plan: srm %s has no --%s (srm %s --help)",
                           cmd->name, g->a[i].name, cmd->name);
    }
    free(help);
    return rc;
}

/* ---- jobs ---- */

void srm_sweep_shell_quote(FILE *f, const char *s)
{
    if (*s && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._,:/=+-@")
                  == strlen(s)) {
        fputs(s, f);
        return;
    }
    fputc('\'', f);
    for (; *s; s++)
        if (*s == '\'') fputs("'\\''", f);
        else fputc(*s, f);
    fputc('\'', f);
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The hash of a point: the command, then name=value per parameter sorted by name; a flag
 * without a value that is off is left out (it is absent from the command). */
static void point_hash(const char *cmd, const grid *g, const size_t *pick, char hex[65])
{
    const char *names[MAX_AXES];
    for (size_t i = 0; i < g->n; i++) names[i] = g->a[i].name;
    qsort(names, g->n, sizeof names[0], cmp_names);
    srm_sha256 s;
    srm_sha256_init(&s);
    srm_sha256_update(&s, cmd, strlen(cmd) + 1);
    for (size_t k = 0; k < g->n; k++)
        for (size_t i = 0; i < g->n; i++)
            if (g->a[i].name == names[k]) {
                const char *v = g->a[i].value[pick[i]];
                if (g->a[i].boolean && strcmp(v, "off") == 0) continue;
                srm_sha256_update(&s, names[k], strlen(names[k]));
                srm_sha256_update(&s, "=", 1);
                srm_sha256_update(&s, v, strlen(v) + 1);
            }
    unsigned char d[SRM_SHA256_BYTES];
    srm_sha256_final(&s, d);
    srm_sha256_hex(d, hex);
}

/* The slug of the axis values (flags with one value are left out): a word as itself, a number
 * after its flag's name (seed3), on/off as NAME / noNAME (stable / unstable); [A-Za-z0-9._]
 * only. */
static void point_id(const srm_sweep_command *cmd, const grid *g, const size_t *pick,
                     const char *hex, char *id, size_t size)
{
    char slug[160] = "";
    for (size_t i = 0; i < g->n; i++) {
        const axis *x = &g->a[i];
        if (x->n < 2) continue;
        const char *v = x->value[pick[i]];
        char part[96];
        if (x->name[0] == '@' && strrchr(v, '/')) v = strrchr(v, '/') + 1; /* a file's name */
        if (x->boolean && strcmp(x->name, "stable") == 0) /* stable / unstable */
            snprintf(part, sizeof part, "%s%s", strcmp(v, "on") ? "un" : "", x->name);
        else if (x->boolean) snprintf(part, sizeof part, "%s%s", strcmp(v, "on") ? "no" : "", x->name);
        else if (x->name[0] != '@' && (isdigit((unsigned char)v[0]) || v[0] == '-' || v[0] == '.'))
            snprintf(part, sizeof part, "%s%s", x->name, v);
        else snprintf(part, sizeof part, "%s", v);
        for (char *c = part; *c; c++)
            if (!isalnum((unsigned char)*c) && *c != '.') *c = '_';
        size_t used = strlen(slug);
        if (used + strlen(part) + 2 < sizeof slug)
            snprintf(slug + used, sizeof slug - used, "%s%s", used ? "-" : "", part);
    }
    snprintf(id, size, "%s-%.8s", slug[0] ? slug : cmd->name, hex);
}

/* The job's shell line: srm, the command, its flags, --out in runs/, the command's own extra
 * flags, stdout and stderr into logs/ID.log (certify: stdout into runs/ID.json). */
static char *job_line(const char *srm, const srm_sweep_command *cmd, const grid *g,
                      const size_t *pick, const char *id)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) return NULL;
    srm_sweep_shell_quote(f, srm);
    fprintf(f, " %s", cmd->name);
    for (size_t i = 0; i < g->n; i++)
        if (g->a[i].name[0] == '@') fputc(' ', f), srm_sweep_shell_quote(f, g->a[i].value[pick[i]]);
    for (size_t i = 0; i < g->n; i++) {
        const char *v = g->a[i].value[pick[i]];
        if (g->a[i].name[0] == '@') continue;
        if (g->a[i].boolean) {
            if (strcmp(v, "on") == 0) fprintf(f, " --%s", g->a[i].name);
            continue;
        }
        fprintf(f, " --%s ", g->a[i].name);
        srm_sweep_shell_quote(f, v);
    }
    /* paths relative to the sweep folder, where the engines run the lines (ids are file names) */
    if (cmd->out != SRM_SWEEP_OUT_STDOUT)
        fprintf(f, " --out runs/%s%s", id, cmd->out == SRM_SWEEP_OUT_TSV ? ".tsv" : "");
    if (cmd->extra[0]) fprintf(f, " %s", cmd->extra);
    if (cmd->out == SRM_SWEEP_OUT_STDOUT) /* exit 1 is a verdict, not a failure; whole files */
        fprintf(f, " >runs/%s.json.tmp 2>logs/%s.log; s=$?; [ $s -le 1 ] && mv runs/%s.json.tmp "
                "runs/%s.json", id, id, id, id);
    else
        fprintf(f, " >logs/%s.log 2>&1", id);
    fclose(f);
    return buf;
}

static json_t *job_params(const grid *g, const size_t *pick)
{
    json_t *p = json_array();
    for (size_t i = 0; p && i < g->n; i++) {
        json_t *pair = json_pack("[ss]", g->a[i].name, g->a[i].value[pick[i]]);
        if (!pair || json_array_append_new(p, pair) != 0) return json_decref(p), NULL;
    }
    return p;
}

static json_t *find_hash(json_t *jobs, const char *hex)
{
    size_t i;
    json_t *job;
    json_array_foreach(jobs, i, job)
        if (strcmp(json_string_value(json_object_get(job, "hash")), hex) == 0) return job;
    return NULL;
}

/* The number of points of g, at most MAX_JOBS (checked before any multiplication overflows). */
static int grid_total(const grid *g, size_t *total)
{
    *total = 1;
    for (size_t i = 0; i < g->n; i++) {
        if (g->a[i].n > MAX_JOBS / *total)
            return SRM_ERROR(SRM_EINVAL, "plan: more than %d jobs", MAX_JOBS);
        *total *= g->a[i].n;
    }
    return SRM_OK;
}

/* Adds every point of g missing from m's jobs; *added counts them; hashes (or NULL) gets the
 * hash of every point of g. */
static int add_jobs(json_t *m, const char *srm, const srm_sweep_command *cmd, const grid *g,
                    size_t total, size_t *added, json_t *hashes)
{
    size_t pick[MAX_AXES] = {0};
    json_t *jobs = json_object_get(m, "jobs");
    *added = 0;
    for (size_t done = 0; done < total; done++) {
        char hex[65], id[200];
        point_hash(cmd->name, g, pick, hex);
        hex[16] = '\0';
        if (hashes && json_array_append_new(hashes, json_string(hex)) != 0)
            return SRM_ERROR(SRM_ENOMEM, "out of memory");
        if (!find_hash(jobs, hex)) {
            point_id(cmd, g, pick, hex, id, sizeof id);
            char *line = job_line(srm, cmd, g, pick, id);
            json_t *p = job_params(g, pick);
            json_t *job = line && p ? json_pack("{ss ss sI so ss}", "id", id, "hash", hex, "line",
                                                (json_int_t)json_array_size(jobs) + 1,
                                                "params", p, "command", line)
                                    : NULL;
            free(line);
            if (!job || json_array_append_new(jobs, job) != 0)
                return SRM_ERROR(SRM_ENOMEM, "out of memory");
            (*added)++;
        }
        for (size_t i = g->n; i-- > 0;) { /* the last axis fastest */
            if (++pick[i] < g->a[i].n) break;
            pick[i] = 0;
        }
    }
    return SRM_OK;
}

static int plan_report(const char *dir, const char *cmd, size_t jobs, size_t added, int json)
{
    srm_report *r = srm_report_alloc();
    if (!r) return srm_error_code();
    char path[4200];
    snprintf(path, sizeof path, "%s/jobs.txt", dir);
    int rc = srm_report_string(r, "sweep", NULL, dir);
    if (rc == SRM_OK) rc = srm_report_string(r, "command", NULL, cmd);
    if (rc == SRM_OK) rc = srm_report_integer(r, "jobs", NULL, (long long)jobs);
    if (rc == SRM_OK) rc = srm_report_integer(r, "added", NULL, (long long)added);
    if (rc == SRM_OK) rc = srm_report_integer(r, "kept", NULL, (long long)(jobs - added));
    if (rc == SRM_OK) rc = srm_report_string(r, "jobs_file", "jobs file", path);
    return srm_report_finish(r, rc, stdout, json);
}

static const char *const plan_help =
    "usage: srm sweep plan SWEEP COMMAND [ARG...] [--FLAG VALUES]... [--grid FILE] [--srm PATH]\n"
    "                      [--json]\n"
    "\n"
    "Plans a grid of srm COMMAND (train, lockstep, truncate, trajectory, certify) into the\n"
    "folder SWEEP: SWEEP/jobs.txt holds one complete shell command per line (line i is Slurm\n"
    "array task i - 1), each with --out runs/ID (truncate, trajectory: runs/ID.tsv; certify:\n"
    "its --json report into runs/ID.json) and its output in logs/ID.log, relative to SWEEP,\n"
    "where srm sweep run and the Slurm script run the lines (a sweep can move);\n"
    "SWEEP/sweep.json is the manifest (srm version, every plan's command line, per job its id,\n"
    "parameters and line). Every --FLAG after COMMAND is COMMAND's own flag: VALUES a,b,c\n"
    "is an axis of the grid, N-M an integer range (--seed 1-5), =TEXT the value TEXT as\n"
    "written (--data-dir =2020-01), on,off a flag without a value present or absent\n"
    "(--stable off,on); one value is fixed. lockstep --trunc, trajectory\n"
    "--ks and certify --eps take a comma list themselves: sweep them from a grid file.\n"
    "COMMAND's positional arguments (srm truncate MODEL) come before its flags, a,b lists of\n"
    "them axes too; one that names a file is made absolute. Give the paths in flag values\n"
    "absolute: the jobs may run in another folder, or on another host.\n"
    "--grid FILE adds axes, one per line: NAME VALUE VALUE... (whitespace between values, #\n"
    "comments; NAME with or without --). The jobs are the product of the axes, the first\n"
    "outermost. A job's id is its axis values and the first 8 hex digits of a SHA-256 of the\n"
    "command and its parameters: planning the same grid again plans the same ids, and a\n"
    "plan into an existing sweep adds only the jobs it does not hold yet (jobs.txt keeps its\n"
    "lines in order). srm train jobs get --reuse --quiet, so a job run again resumes its\n"
    "checkpoint or keeps its finished result; srm lockstep resumes by itself. Every flag must\n"
    "be one that srm COMMAND --help lists. Then: srm sweep run SWEEP (GNU parallel) or srm\n"
    "sweep slurm SWEEP (sbatch), and srm sweep collect SWEEP.\n"
    "\n"
    "options:\n"
    "  --grid FILE            more axes, one per line [none]\n"
    "  --srm PATH             the srm binary the jobs run [this one]\n"
    "  --json                 print the report as one JSON object [off]\n"
    "  --help                 show this help and exit\n";

int srm_sweep_plan(int argc, char **argv)
{
    const char *gridfile = NULL, *srm_path = NULL;
    int json = 0, nrest = 0;
    char **rest = calloc((size_t)argc + 1, sizeof *rest);
    if (!rest) return SRM_ERROR(SRM_ENOMEM, "out of memory");
    int rc = SRM_OK;
    for (int i = 1; rc == SRM_OK && i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(plan_help, stdout);
            free(rest);
            return -1;
        } else if (strcmp(argv[i], "--json") == 0) json = 1;
        else if (strcmp(argv[i], "--grid") == 0 || strcmp(argv[i], "--srm") == 0) {
            if (i + 1 >= argc) rc = SRM_ERROR(SRM_EINVAL, "plan: %s needs a value", argv[i]);
            else if (argv[i][2] == 'g') gridfile = argv[++i];
            else srm_path = argv[++i];
        } else rest[nrest++] = argv[i];
    }
    if (rc == SRM_OK && nrest < 2)
        rc = SRM_ERROR(SRM_EINVAL, "plan: SWEEP and COMMAND are required (usage: srm "
                       "sweep plan SWEEP COMMAND [--FLAG VALUES]...)");
    const srm_sweep_command *cmd = rc == SRM_OK ? srm_sweep_command_find(rest[1]) : NULL;
    if (rc == SRM_OK && !cmd)
        rc = SRM_ERROR(SRM_EINVAL, "plan: cannot sweep '%s' (train, lockstep, "
                       "truncate, trajectory, certify)", rest[1]);
    size_t jobs = 0, added = 0;
    char dir[4096];
    if (rc == SRM_OK)
        rc = srm_sweep_plan_grid(rest[0], cmd->name, gridfile, srm_path, nrest - 2, rest + 2, dir,
                                 sizeof dir, &jobs, &added, NULL);
    if (rc == SRM_OK) rc = plan_report(dir, cmd->name, jobs, added, json);
    free(rest);
    return rc;
}

int srm_sweep_plan_grid(const char *sweep, const char *command, const char *gridfile,
                        const char *srm_path, int argc, char **argv, char *dir, size_t dir_size,
                        size_t *jobs, size_t *added, json_t *hashes)
{
    const srm_sweep_command *cmd = srm_sweep_command_find(command);
    if (!cmd) return SRM_ERROR(SRM_EINVAL, "cannot sweep srm %s", command);
    char self[4096];
    int rc = SRM_OK;
    ssize_t n = srm_path ? 0 : readlink("/proc/self/exe", self, sizeof self - 1);
    if (!srm_path && n <= 0)
        rc = SRM_ERROR(SRM_EIO, "cannot find this srm binary (/proc/self/exe); give --srm PATH");
    if (rc == SRM_OK && !srm_path) self[n] = '\0';
    else if (rc == SRM_OK && !realpath(srm_path, self))
        rc = SRM_ERROR(SRM_EINVAL, "--srm %s: %s", srm_path, strerror(errno));
    grid g = {0};
    if (rc == SRM_OK && gridfile) rc = srm_sweep_grid_file(gridfile, &g);
    if (rc == SRM_OK) rc = srm_sweep_grid_flags(argc, argv, cmd, &g);
    if (rc == SRM_OK) rc = check_flags(self, cmd, &g);
    size_t total = 0;
    if (rc == SRM_OK) rc = grid_total(&g, &total);
    json_t *m = NULL;
    srm_run_dir lock = {.lock_fd = -1}; /* one plan at a time into a folder */
    if (rc == SRM_OK) rc = srm_run_dir_open(&lock, sweep);
    if (rc == SRM_OK) rc = srm_sweep_dir_open(sweep, dir, dir_size);
    if (rc == SRM_OK) rc = srm_sweep_manifest_load(dir, cmd, &m);
    if (rc == SRM_OK) rc = add_jobs(m, self, cmd, &g, total, added, hashes);
    json_t *plan = rc == SRM_OK ? json_pack("{ss ss sI}", "command", srm_meta_command(), "date",
                                            srm_meta_date(), "added", (json_int_t)*added)
                                : NULL;
    if (rc == SRM_OK && (!plan || json_array_append_new(json_object_get(m, "plans"), plan)))
        rc = SRM_ERROR(SRM_ENOMEM, "out of memory");
    if (rc == SRM_OK) rc = srm_sweep_manifest_write(dir, m);
    if (rc == SRM_OK) *jobs = json_array_size(json_object_get(m, "jobs"));
    if (lock.lock_fd >= 0 || lock.created) srm_run_dir_close(&lock, rc);
    json_decref(m);
    srm_sweep_grid_free(&g);
    return rc;
}
