/* cli/sweep_manifest.c: a sweep folder and its manifest (cli/sweep.h): SWEEP/ with runs/ and
 * logs/, sweep.json read and written atomically, with jobs.txt (the jobs' lines in order). */
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
#include "core/meta.h"

int srm_sweep_args(const srm_args_spec *spec, int argc, char **argv, const char **sweep)
{
    size_t npos;
    return srm_args_parse(spec, argc, argv, sweep, &npos);
}

/* What every reader of a manifest relies on: a command, plans, and jobs each with a unique id
 * (a file name), a hash, its line in jobs.txt (job i at line i: Slurm's array task i - 1), a
 * command of one line and its parameters as [name, value] string pairs. */
static int job_ok(json_t *job, size_t i, json_t *seen)
{
    const char *id = json_string_value(json_object_get(job, "id"));
    const char *line = json_string_value(json_object_get(job, "command"));
    json_t *at = json_object_get(job, "line"), *p;
    int ok = id && *id && id[0] != '.' &&
             strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") ==
                 strlen(id) &&
             !json_object_get(seen, id) && json_object_set_new(seen, id, json_true()) == 0 &&
             json_is_string(json_object_get(job, "hash")) && line && !strpbrk(line, "\n\r") &&
             json_is_integer(at) && json_integer_value(at) == (json_int_t)i + 1 &&
             json_is_array(json_object_get(job, "params"));
    size_t q;
    json_array_foreach(ok ? json_object_get(job, "params") : NULL, q, p)
        ok &= json_is_array(p) && json_array_size(p) == 2 &&
              json_is_string(json_array_get(p, 0)) && json_is_string(json_array_get(p, 1));
    return ok;
}

static int check_manifest(json_t *m, const char *path)
{
    json_t *jobs = json_object_get(m, "jobs"), *job;
    if (!json_is_object(m) || !json_is_string(json_object_get(m, "command")) ||
        !json_is_array(json_object_get(m, "plans")) || !json_is_array(jobs))
        return SRM_ERROR(SRM_EINVAL, "%s: not a sweep manifest (command, plans, jobs)", path);
    json_t *seen = json_object();
    if (!seen) return SRM_ERROR(SRM_ENOMEM, "out of memory");
    size_t i;
    int rc = SRM_OK;
    json_array_foreach(jobs, i, job)
        if (!job_ok(job, i, seen)) {
            rc = SRM_ERROR(SRM_EINVAL, "%s: job %zu is damaged (it needs a unique id, a hash, "
                           "a one-line command, \"line\": %zu and params)", path, i + 1, i + 1);
            break;
        }
    json_decref(seen);
    return rc;
}

int srm_sweep_manifest_read(const char *dir, json_t **out)
{
    char path[4200];
    json_error_t err;
    *out = NULL;
    snprintf(path, sizeof path, "%s/sweep.json", dir);
    if (access(path, F_OK) != 0) return SRM_OK;
    json_t *m = json_load_file(path, 0, &err);
    if (!m) return SRM_ERROR(SRM_EINVAL, "%s:%d: %s", path, err.line, err.text);
    int rc = check_manifest(m, path);
    if (rc != SRM_OK) json_decref(m);
    else *out = m;
    return rc;
}

int srm_sweep_open(const char *dir, json_t **m, char *abs, size_t size)
{
    char real[4096];
    if (!realpath(dir, real) || snprintf(abs, size, "%s", real) >= (int)size)
        return SRM_ERROR(SRM_EINVAL, "%s: %s", dir, strerror(errno ? errno : ENAMETOOLONG));
    SRM_TRY(srm_sweep_manifest_read(abs, m));
    if (!*m)
        return SRM_ERROR(SRM_EINVAL, "%s: no sweep.json (plan the sweep first: srm sweep plan "
                         "%s COMMAND ...)", dir, dir);
    return SRM_OK;
}

/* sweep.json, then jobs.txt (the jobs' lines in order), each atomically: jobs.txt never lists
 * a job the manifest does not hold. */
int srm_sweep_manifest_write(const char *dir, json_t *m)
{
    char path[4200];
    srm_atomic a;
    snprintf(path, sizeof path, "%s/sweep.json", dir);
    SRM_TRY(srm_atomic_open(&a, path));
    if (json_dumpf(m, a.f, JSON_INDENT(1)) != 0 || fputc('\n', a.f) == EOF) {
        srm_atomic_abort(&a);
        return SRM_ERROR(SRM_EIO, "%s: cannot write", path);
    }
    SRM_TRY(srm_atomic_commit(&a));
    snprintf(path, sizeof path, "%s/jobs.txt", dir);
    SRM_TRY(srm_atomic_open(&a, path));
    size_t i;
    json_t *job;
    json_array_foreach(json_object_get(m, "jobs"), i, job)
        fprintf(a.f, "%s\n", json_string_value(json_object_get(job, "command")));
    return srm_atomic_commit(&a);
}

static int make_dir(const char *path)
{
    struct stat st;
    if (mkdir(path, 0777) == 0) return SRM_OK;
    if (errno == EEXIST && stat(path, &st) == 0 && S_ISDIR(st.st_mode)) return SRM_OK;
    return SRM_ERROR(SRM_EINVAL, "%s: cannot create the folder (%s)", path,
                     errno == EEXIST ? "a file of that name exists" : strerror(errno));
}

/* The sweep folder (created), its runs/ and logs/, as an absolute path. */
int srm_sweep_dir_open(const char *dir, char *abs, size_t size)
{
    char sub[4200];
    SRM_TRY(make_dir(dir));
    if (!realpath(dir, sub) || snprintf(abs, size, "%s", sub) >= (int)size)
        return SRM_ERROR(SRM_EINVAL, "%s: cannot resolve the path", dir);
    snprintf(sub, sizeof sub, "%s/runs", abs);
    SRM_TRY(make_dir(sub));
    snprintf(sub, sizeof sub, "%s/logs", abs);
    return make_dir(sub);
}

/* The manifest of dir for cmd: read back (it must be cmd's), or a new one. */
int srm_sweep_manifest_load(const char *dir, const srm_sweep_command *cmd, json_t **out)
{
    SRM_TRY(srm_sweep_manifest_read(dir, out));
    if (!*out) {
        *out = json_pack("{ss ss ss s[] s[]}", "srm_version", SRM_VERSION, "sweep", dir,
                         "command", cmd->name, "plans", "jobs");
        return *out ? SRM_OK : SRM_ERROR(SRM_ENOMEM, "out of memory");
    }
    const char *had = json_string_value(json_object_get(*out, "command"));
    if (strcmp(had, cmd->name) != 0) {
        int rc = SRM_ERROR(SRM_EINVAL, "%s/sweep.json: a sweep of srm %s, not of srm %s (choose "
                           "another folder)", dir, had, cmd->name);
        json_decref(*out), *out = NULL;
        return rc;
    }
    return SRM_OK;
}

