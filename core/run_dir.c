/* core/run_dir.c: output folders with a lock (run_dir.h). */
#include "core/run_dir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"
#include "core/meta.h"

#define LOCK_NAME ".srm.lock"

static void join(char *out, size_t size, const char *dir, const char *name)
{
    snprintf(out, size, "%s/%s", dir, name);
}

/* The lock file's first line: who holds it. */
static void holder(int fd, char *out, size_t size)
{
    ssize_t n = pread(fd, out, size - 1, 0);
    out[n > 0 ? n : 0] = 0;
    out[strcspn(out, "\n")] = 0;
    if (!out[0]) snprintf(out, size, "another srm process");
}

static int take_lock(srm_run_dir *r)
{
    char path[4200], who[512];
    join(path, sizeof path, r->path, LOCK_NAME);
    for (int attempt = 0; attempt < 8; attempt++) {
        int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
        if (fd < 0) return SRM_ERROR(SRM_EINVAL, "%s: cannot create %s (%s)", r->path,
                                     LOCK_NAME, strerror(errno));
        if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
            holder(fd, who, sizeof who);
            close(fd);
            return SRM_ERROR(SRM_EINVAL, "%s is in use: %s holds %s", r->path, who, LOCK_NAME);
        }
        struct stat a, b; /* the holder before us may have removed the file: lock it anew */
        if (fstat(fd, &a) == 0 && stat(path, &b) == 0 && a.st_ino == b.st_ino) {
            char line[4600];
            int len = snprintf(line, sizeof line, "pid %ld: %s\n", (long)getpid(),
                               srm_meta_command());
            if (ftruncate(fd, 0) != 0 || pwrite(fd, line, (size_t)len, 0) < 0) {
                close(fd);
                return SRM_ERROR(SRM_EINVAL, "%s: cannot write %s (%s)", r->path, LOCK_NAME,
                                 strerror(errno));
            }
            r->lock_fd = fd;
            return SRM_OK;
        }
        close(fd);
    }
    return SRM_ERROR(SRM_EINVAL, "%s: its lock file keeps changing", r->path);
}

/* A probe file, so that an unwritable folder is found before any work. */
static int probe(const srm_run_dir *r)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/.srm-probe.%ld", r->path, (long)getpid());
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0)
        return SRM_ERROR(SRM_EINVAL, "%s: the output folder is not writable (%s)", r->path,
                         strerror(errno));
    close(fd);
    unlink(path);
    return SRM_OK;
}

int srm_run_dir_open(srm_run_dir *r, const char *path)
{
    memset(r, 0, sizeof *r);
    r->lock_fd = -1;
    if (strlen(path) >= sizeof r->path - 64)
        return SRM_ERROR(SRM_EINVAL, "%s: path too long", path);
    snprintf(r->path, sizeof r->path, "%s", path);
    if (mkdir(path, 0777) == 0) r->created = 1;
    else if (errno != EEXIST)
        return SRM_ERROR(SRM_EINVAL, "%s: cannot create the output folder (%s)", path,
                         strerror(errno));
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
        return SRM_ERROR(SRM_EINVAL, "%s: not a folder", path);
    int rc = probe(r);
    if (rc == SRM_OK) rc = take_lock(r);
    if (rc != SRM_OK) srm_run_dir_close(r, rc);
    return rc;
}

static int is_empty(const char *path)
{
    DIR *d = opendir(path);
    if (!d) return 0;
    int empty = 1;
    for (struct dirent *e; empty && (e = readdir(d));)
        empty = strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0;
    closedir(d);
    return empty;
}

void srm_run_dir_close(srm_run_dir *r, int rc)
{
    if (r->lock_fd >= 0) {
        char path[4200];
        join(path, sizeof path, r->path, LOCK_NAME);
        unlink(path); /* while still held: a waiting process then locks a new file */
        close(r->lock_fd);
        r->lock_fd = -1;
    }
    if (rc != SRM_OK && r->created && is_empty(r->path)) rmdir(r->path);
    r->created = 0;
}
