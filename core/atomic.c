/* core/atomic.c: temporary file + fsync + rename, so outputs are all-or-nothing.
 * Only regular files are replaced that way: a symbolic link is followed (the temporary file sits
 * beside its target, which is what gets replaced), a device, FIFO or socket (/dev/null, a pipe)
 * is written directly, and a directory is an error. */
#include "core/atomic.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"

int srm_atomic_open(srm_atomic *a, const char *path)
{
    memset(a, 0, sizeof *a);
    if (strcmp(path, "-") == 0) {
        a->f = stdout;
        a->is_stdout = 1;
        return SRM_OK;
    }
    if (path[0] == '\0') return SRM_ERROR(SRM_EINVAL, "empty output path");
    const char *final = path;
    char resolved[PATH_MAX];
    struct stat st;
    if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
        if (!realpath(path, resolved))
            return SRM_ERROR(SRM_EIO, "%s: cannot follow the symbolic link (%s)", path,
                             strerror(errno));
        final = resolved;
    }
    if (strlen(final) + 32 >= sizeof a->path)
        return SRM_ERROR(SRM_EINVAL, "%s: path too long", path);
    snprintf(a->path, sizeof a->path, "%s", final);
    if (stat(final, &st) == 0) {
        if (S_ISDIR(st.st_mode)) return SRM_ERROR(SRM_EIO, "%s: is a directory", path);
        if (!S_ISREG(st.st_mode)) {
            a->f = fopen(final, "wb");
            a->is_direct = 1;
            if (!a->f) return SRM_ERROR(SRM_EIO, "%s: cannot write (%s)", path, strerror(errno));
            return SRM_OK;
        }
    }
    snprintf(a->tmp, sizeof a->tmp, "%s.tmp.%ld", final, (long)getpid());
    a->f = fopen(a->tmp, "wb");
    if (!a->f) return SRM_ERROR(SRM_EIO, "%s: cannot write (%s)", path, strerror(errno));
    return SRM_OK;
}

/* fsync of the folder holding path, so that the rename itself survives a power loss. */
static int sync_parent(const char *path)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (!slash) snprintf(dir, sizeof dir, ".");
    else if (slash == dir) dir[1] = 0;
    else *slash = 0;
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd < 0) return SRM_ERROR(SRM_EIO, "%s: cannot open its folder to sync (%s)", path,
                                 strerror(errno));
    int bad = fsync(fd) != 0 && errno != EINVAL; /* EINVAL: a file system without dir sync */
    int err = errno;
    close(fd);
    return bad ? SRM_ERROR(SRM_EIO, "%s: syncing its folder failed (%s)", path, strerror(err))
               : SRM_OK;
}

int srm_atomic_commit(srm_atomic *a)
{
    if (a->is_stdout) {
        int bad = fflush(stdout) != 0 || ferror(stdout);
        a->f = NULL;
        return bad ? SRM_ERROR(SRM_EIO, "error writing to standard output") : SRM_OK;
    }
    int bad = fflush(a->f) != 0 || ferror(a->f);
    if (!bad && !a->is_direct) bad = fsync(fileno(a->f)) != 0;
    if (fclose(a->f) != 0) bad = 1;
    a->f = NULL;
    if (a->is_direct) return bad ? SRM_ERROR(SRM_EIO, "%s: write failed", a->path) : SRM_OK;
    if (bad || rename(a->tmp, a->path) != 0) {
        int err = errno;
        remove(a->tmp);
        return SRM_ERROR(SRM_EIO, "%s: write failed (%s)", a->path, strerror(err));
    }
    return sync_parent(a->path);
}

void srm_atomic_abort(srm_atomic *a)
{
    if (a->is_stdout || !a->f) {
        a->f = NULL;
        return;
    }
    fclose(a->f);
    a->f = NULL;
    if (!a->is_direct) remove(a->tmp);
}
