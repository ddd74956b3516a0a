/* task/dataset.c: task names and the data-folder search (see dataset.h); the manifest check is
 * in task/manifest.c. */
#include "task/dataset.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/error.h"
#include "core/file.h"

static const char *const task_names[SRM_TASK_COUNT] = {"wikitext2", "ptbchar", "jsb", "atis"};
static const char *const task_folders[SRM_TASK_COUNT] = {"wikitext-2", "ptb-char",
                                                         "jsb-chorales", "atis"};
static const char *const split_names[SRM_SPLIT_COUNT] = {"train", "valid", "test"};

int srm_data_task_parse(const char *name, srm_task *task)
{
    for (int t = 0; t < SRM_TASK_COUNT; t++)
        if (strcmp(name, task_names[t]) == 0) {
            *task = (srm_task)t;
            return SRM_OK;
        }
    return SRM_ERROR(SRM_EINVAL, "unknown task '%s' (choose wikitext2, ptbchar, jsb or atis)",
                     name);
}

const char *srm_data_task_name(srm_task task) { return task_names[task]; }
const char *srm_data_task_folder(srm_task task) { return task_folders[task]; }
const char *srm_data_split_name(srm_split split) { return split_names[split]; }

int srm_data_path(char *out, size_t size, const char *dir, const char *folder, const char *file)
{
    int n = snprintf(out, size, "%s/%s/%s", dir, folder, file);
    if (n < 0 || (size_t)n >= size)
        return SRM_ERROR(SRM_EINVAL, "path too long: %s/%s/%s", dir, folder, file);
    return SRM_OK;
}

static int is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Whether `dir` holds what a search for `task` needs: the task's subfolder, or for
 * SRM_TASK_COUNT any task's subfolder or a manifest. */
static int holds(const char *dir, srm_task task)
{
    char sub[4200];
    int first = task == SRM_TASK_COUNT ? 0 : (int)task;
    int last = task == SRM_TASK_COUNT ? SRM_TASK_COUNT - 1 : (int)task;
    for (int t = first; t <= last; t++) {
        int len = snprintf(sub, sizeof sub, "%s/%s", dir, task_folders[t]);
        if (len > 0 && (size_t)len < sizeof sub && is_dir(sub)) return 1;
    }
    if (task != SRM_TASK_COUNT) return 0;
    struct stat st;
    int len = snprintf(sub, sizeof sub, "%s/%s", dir, SRM_DATA_MANIFEST);
    return len > 0 && (size_t)len < sizeof sub && stat(sub, &st) == 0 && S_ISREG(st.st_mode);
}

int srm_data_locate_among(srm_task task, const char *const *candidates,
                          const char *const *labels, size_t n, char *out, size_t size)
{
    char looked[2048] = "";
    size_t used = 0;
    for (size_t i = 0; i < n; i++) {
        if (holds(candidates[i], task)) {
            if (strlen(candidates[i]) >= size)
                return SRM_ERROR(SRM_EINVAL, "data folder path too long: %s", candidates[i]);
            strcpy(out, candidates[i]);
            return SRM_OK;
        }
        int w = labels && labels[i]
                    ? snprintf(looked + used, sizeof looked - used, "%s%s (%s)", i ? ", " : "",
                               candidates[i], labels[i])
                    : snprintf(looked + used, sizeof looked - used, "%s%s", i ? ", " : "",
                               candidates[i]);
        if (w > 0) used += (size_t)w < sizeof looked - used ? (size_t)w : sizeof looked - used - 1;
    }
    if (task == SRM_TASK_COUNT)
        return SRM_ERROR(SRM_EIO, "no data folder: no %s and none of wikitext-2/, ptb-char/, "
                         "jsb-chorales/, atis/ in any of: %s", SRM_DATA_MANIFEST,
                         n ? looked : "(no candidates)");
    return SRM_ERROR(SRM_EINVAL, "no %s dataset: no folder %s/ in any of: %s", task_names[task],
                     task_folders[task], n ? looked : "(no candidates)");
}

int srm_data_repository(char *out, size_t size)
{
    char home[4000];
    int found = srm_file_find_repository("data/" SRM_DATA_MANIFEST, home, sizeof home);
    if (found < 0) {
        snprintf(out, size, "(the executable's folder: /proc/self/exe unreadable)");
        return 0;
    }
    snprintf(out, size, "%s/data", home);
    return found;
}

int srm_data_locate(srm_task task, const char *data_dir, char *out, size_t size)
{
    if (data_dir) {
        const char *label = "--data-dir";
        return srm_data_locate_among(task, &data_dir, &label, 1, out, size);
    }
    char repo[4096];
    const char *cand[3], *labels[3];
    size_t n = 0;
    const char *env = getenv("SRM_DATA");
    if (env && env[0]) {
        cand[n] = env;
        labels[n++] = "$SRM_DATA";
    }
    int found = srm_data_repository(repo, sizeof repo);
    cand[n] = repo;
    labels[n++] = found ? "the repository's, found from the executable"
                        : "next to the executable; no data/" SRM_DATA_MANIFEST
                          " there or in its two parents";
    cand[n] = "./data";
    labels[n++] = NULL;
    int rc = srm_data_locate_among(task, cand, labels, n, out, size);
    if (rc != SRM_OK) {
        char msg[2400];
        snprintf(msg, sizeof msg, "%s", srm_error_message());
        rc = SRM_ERROR(rc, "%s; give --data-dir or set SRM_DATA", msg);
    }
    return rc;
}
