/* cli/common.c: helpers several commands share (cli/common.h). */
#include "cli/common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/error.h"
#include "core/layout.h"
#include "core/safetensors.h"
#include "core/file.h"
#include "core/meta.h"

int srm_cli_find_home(const char *probe, char *home, size_t size)
{
    const char *env = getenv("SRM_HOME");
    if (env) {
        char p[8192];
        snprintf(p, sizeof p, "%s/%s", env, probe);
        if (access(p, R_OK) == 0) {
            snprintf(home, size, "%s", env);
            return 1;
        }
    }
    return srm_file_find_repository(probe, home, size) == 1;
}

int srm_cli_task(const char *text, srm_task *task)
{
    if (!text) return SRM_ERROR(SRM_EINVAL, "--task is required");
    return srm_data_task_parse(text, task);
}

int srm_cli_whole_module(const char *path, int *whole)
{
    srm_tensors *ts = NULL;
    SRM_TRY(srm_safetensors_read(path, &ts));
    srm_layout *lay = malloc(sizeof *lay);
    int rc = lay ? srm_layout_find(path, ts, NULL, lay) : SRM_ERROR(SRM_ENOMEM, "out of memory");
    *whole = rc == SRM_OK && (lay->units > 1 || lay->gru);
    free(lay);
    srm_tensors_free(ts);
    return rc;
}

int srm_cli_model_task(const char *text, const char *model, srm_task *task)
{
    srm_tensors *ts = NULL;
    SRM_TRY(srm_safetensors_read(model, &ts));
    const char *meta = srm_tensors_meta(ts, "task");
    srm_task from_model = SRM_TASK_ATIS;
    int rc = meta ? srm_data_task_parse(meta, &from_model) : SRM_OK;
    if (rc != SRM_OK)
        rc = SRM_ERROR(SRM_EINVAL, "%s: __metadata__ task '%s' is not a task", model, meta);
    else if (!text && !meta)
        rc = SRM_ERROR(SRM_EINVAL, "--task is required (%s has no task in its metadata)", model);
    else if (text && (rc = srm_data_task_parse(text, task)) == SRM_OK && meta &&
             *task != from_model)
        rc = SRM_ERROR(SRM_EINVAL, "--task %s, but %s was trained on %s", text, model, meta);
    if (rc == SRM_OK && !text) *task = from_model;
    srm_tensors_free(ts);
    return rc;
}

int srm_cli_model_report(const char *path, srm_cli_model_fn fill, void *ctx, int json)
{
    srm_model *m = NULL;
    SRM_TRY(srm_model_load(path, &m));
    srm_report *r = srm_report_alloc();
    int rc = r ? fill(m, r, ctx) : srm_error_code();
    rc = srm_report_finish(r, rc, stdout, json);
    srm_model_free(m);
    return rc;
}

int srm_cli_tsv_open(srm_atomic *a, const char *path)
{
    SRM_TRY(srm_atomic_open(a, path));
    srm_meta_write(a->f);
    return SRM_OK;
}

int srm_cli_tsv_close(srm_atomic *a, const char *path)
{
    if (ferror(a->f)) {
        srm_atomic_abort(a);
        return SRM_ERROR(SRM_EIO, "%s: write error", path);
    }
    return srm_atomic_commit(a);
}
