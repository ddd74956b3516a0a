/* task/dataset.c: task names, the data-folder search (see dataset.h), and whole-file reading. */
#include "task/dataset.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"

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

int srm_data_locate_among(srm_task task, const char *const *candidates,
                          const char *const *labels, size_t n, char *out, size_t size)
{
    char looked[768] = "";
    size_t used = 0;
    for (size_t i = 0; i < n; i++) {
        char sub[4096];
        int len = snprintf(sub, sizeof sub, "%s/%s", candidates[i], task_folders[task]);
        if (len > 0 && (size_t)len < sizeof sub && is_dir(sub)) {
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
    return SRM_ERROR(SRM_EIO, "no %s dataset: no folder %s/ in any of: %s", task_names[task],
                     task_folders[task], n ? looked : "(no candidates)");
}

/* Strips the last path component of an absolute path in place ("/a/b" -> "/a", "/a" -> "/"). */
static void parent_dir(char *path)
{
    char *slash = strrchr(path, '/');
    if (!slash) return;
    if (slash == path)
        path[1] = '\0';
    else
        *slash = '\0';
}

int srm_data_locate(srm_task task, const char *data_dir, char *out, size_t size)
{
    if (data_dir) {
        const char *label = "--data-dir";
        return srm_data_locate_among(task, &data_dir, &label, 1, out, size);
    }
    enum { MAX_CANDIDATES = 8 };
    static char exe_candidates[3][4200];
    const char *cand[MAX_CANDIDATES], *labels[MAX_CANDIDATES];
    size_t n = 0;
    const char *env = getenv("SRM_DATA");
    if (env && env[0]) {
        cand[n] = env;
        labels[n++] = "$SRM_DATA";
    }
    cand[n] = "./data";
    labels[n++] = NULL;
    cand[n] = "../shared/data";
    labels[n++] = NULL;
    /* ../shared/data next to the executable's folder and its two parents; the repo root holds
     * srm itself, build/tests/ the test programs. */
    char dir[4096];
    ssize_t len = readlink("/proc/self/exe", dir, sizeof dir - 1);
    if (len > 0) {
        dir[len] = '\0';
        parent_dir(dir); /* the executable's folder */
        for (int up = 0; up < 3 && strcmp(dir, "/") != 0; up++) {
            char base[4096];
            strcpy(base, dir);
            parent_dir(base);
            snprintf(exe_candidates[up], sizeof exe_candidates[up], "%s%s",
                     strcmp(base, "/") == 0 ? "" : base, "/shared/data");
            int dup = 0;
            for (size_t i = 0; i < n; i++) dup |= strcmp(cand[i], exe_candidates[up]) == 0;
            if (!dup) {
                cand[n] = exe_candidates[up];
                labels[n++] = "next to the executable";
            }
            strcpy(dir, base);
        }
    }
    int rc = srm_data_locate_among(task, cand, labels, n, out, size);
    if (rc != SRM_OK) {
        char msg[1024];
        snprintf(msg, sizeof msg, "%s", srm_error_message());
        rc = SRM_ERROR(rc, "%s; give --data-dir or set SRM_DATA", msg);
    }
    return rc;
}

