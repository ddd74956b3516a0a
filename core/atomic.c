/* core/atomic.c: temporary file + fsync + rename, so outputs are all-or-nothing. */
#include "core/atomic.h"

#include <stdio.h>
#include <errno.h>
#include <string.h>
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
    if (strlen(path) >= sizeof a->path)
        return SRM_ERROR(SRM_EINVAL, "%s: path too long", path);
    snprintf(a->path, sizeof a->path, "%s", path);
    snprintf(a->tmp, sizeof a->tmp, "%s.tmp.%ld", path, (long)getpid());
    a->f = fopen(a->tmp, "wb");
    if (!a->f) return SRM_ERROR(SRM_EIO, "%s: cannot write (%s)", path, strerror(errno));
    return SRM_OK;
}

int srm_atomic_commit(srm_atomic *a)
{
    if (a->is_stdout) {
        int bad = fflush(stdout) != 0 || ferror(stdout);
        a->f = NULL;
        return bad ? SRM_ERROR(SRM_EIO, "error writing to standard output") : SRM_OK;
    }
    int bad = fflush(a->f) != 0 || ferror(a->f);
    if (!bad) bad = fsync(fileno(a->f)) != 0;
    if (fclose(a->f) != 0) bad = 1;
    a->f = NULL;
    if (bad || rename(a->tmp, a->path) != 0) {
        remove(a->tmp);
        return SRM_ERROR(SRM_EIO, "%s: write failed", a->path);
    }
    return SRM_OK;
}

void srm_atomic_abort(srm_atomic *a)
{
    if (a->is_stdout || !a->f) {
        a->f = NULL;
        return;
    }
    fclose(a->f);
    a->f = NULL;
    remove(a->tmp);
}
