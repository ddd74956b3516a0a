/* core/file.c: whole-file reads (see file.h). */
#include "core/file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"

int srm_file_open(const char *path, const char *mode, FILE **out)
{
    struct stat st;
    *out = NULL;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return SRM_ERROR(SRM_EINVAL, "%s: is a directory, not a file", path);
    *out = fopen(path, mode);
    if (!*out) return SRM_ERROR(SRM_EINVAL, "%s: cannot open (%s)", path, strerror(errno));
    return SRM_OK;
}

int srm_file_read(const char *path, char **data, size_t *len)
{
    *data = NULL;
    *len = 0;
    FILE *f;
    SRM_TRY(srm_file_open(path, "rb", &f));
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    int rc = buf ? SRM_OK : SRM_ERROR(SRM_ENOMEM, "%s: out of memory", path);
    while (rc == SRM_OK) {
        if (n + 1 >= cap) {
            char *nb = realloc(buf, 2 * cap);
            if (!nb) {
                rc = SRM_ERROR(SRM_ENOMEM, "%s: out of memory", path);
                break;
            }
            buf = nb;
            cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - 1 - n, f);
        n += got;
        if (got == 0) break;
    }
    if (rc == SRM_OK && ferror(f)) rc = SRM_ERROR(SRM_EIO, "%s: read error", path);
    fclose(f);
    if (rc != SRM_OK) {
        free(buf);
        return rc;
    }
    buf[n] = '\0';
    *data = buf;
    *len = n;
    return SRM_OK;
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

int srm_file_find_repository(const char *probe, char *home, size_t size)
{
    char dir[4096];
    ssize_t len = readlink("/proc/self/exe", dir, sizeof dir - 1);
    if (size) home[0] = '\0';
    if (len <= 0) return -1;
    dir[len] = '\0';
    parent_dir(dir); /* the executable's folder */
    char exe_dir[4096];
    memcpy(exe_dir, dir, sizeof dir);
    for (int up = 0; up < 3; up++) {
        char path[8300];
        const char *base = strcmp(dir, "/") == 0 ? "" : dir;
        snprintf(path, sizeof path, "%s/%s", base, probe);
        struct stat st;
        if (stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
            snprintf(home, size, "%s", base) < (int)size)
            return 1;
        if (strcmp(dir, "/") == 0) break;
        parent_dir(dir);
    }
    snprintf(home, size, "%s", strcmp(exe_dir, "/") == 0 ? "" : exe_dir);
    return 0;
}
