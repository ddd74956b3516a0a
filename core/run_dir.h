/* core/run_dir.h: an output folder a command writes a run into (srm train, lockstep, analyze).
 * Opening it creates the folder when missing, checks that it is a writable folder before any
 * work starts (a probe file, removed at once), and takes DIR/.srm.lock with flock(2), so that a
 * second process on the same folder stops with exit status 2 naming the holder (pid and
 * command line). Closing releases the lock and, after a failure, removes the folder again when
 * this process created it and it holds nothing (no empty folders left behind). */
#ifndef SRM_RUN_DIR_H
#define SRM_RUN_DIR_H

typedef struct {
    char path[4096];
    int created; /* this process made the folder */
    int lock_fd; /* -1: no lock held */
} srm_run_dir;

/* SRM_EINVAL (exit status 2) when path is not a folder, is not writable or is locked. */
int srm_run_dir_open(srm_run_dir *r, const char *path);
/* rc: the command's result; on failure an empty folder it created is removed. */
void srm_run_dir_close(srm_run_dir *r, int rc);

#endif
