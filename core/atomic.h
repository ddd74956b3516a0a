/* core/atomic.h: write a file so that a failure never leaves a corrupt or half-written output.
 *
 * srm_atomic_open writes into "PATH.tmp.PID"; srm_atomic_commit flushes, fsyncs and renames it
 * over PATH; srm_atomic_abort removes it. An existing PATH is untouched until the commit. The
 * path "-" writes to stdout directly; so does a path that names a device, FIFO or socket; a
 * symbolic link is followed and its target replaced. */
#ifndef SRM_ATOMIC_H
#define SRM_ATOMIC_H

#include <stdio.h>

typedef struct {
    FILE *f;
    char path[4096];
    char tmp[4200];
    int is_stdout;
    int is_direct; /* not a regular file: written in place */
} srm_atomic;

int srm_atomic_open(srm_atomic *a, const char *path);
int srm_atomic_commit(srm_atomic *a); /* on error the temporary file is removed */
void srm_atomic_abort(srm_atomic *a);

#endif
