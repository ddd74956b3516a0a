/* tests/scratch.h: the scratch folder of a test program that writes files: created with a
 * unique name under /tmp, files addressed by name inside it, removed at the end. */
#ifndef SRM_TEST_SCRATCH_H
#define SRM_TEST_SCRATCH_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char scratch_dir[256];

/* Creates /tmp/PREFIX-XXXXXX; 0 (with a FAIL line) when it cannot. */
static inline int scratch_open(const char *prefix)
{
    snprintf(scratch_dir, sizeof scratch_dir, "/tmp/%s-XXXXXX", prefix);
    if (mkdtemp(scratch_dir)) return 1;
    printf("FAIL cannot create a temporary folder\n");
    return 0;
}

static inline void scratch_close(void)
{
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", scratch_dir);
    if (system(cmd) != 0) printf("  (could not remove %s)\n", scratch_dir);
}

/* SCRATCH/name; four buffers in rotation, so a call can take several paths. */
static inline const char *path_in(const char *name)
{
    static char buf[4][1024];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", scratch_dir, name);
    return buf[k];
}

static inline void write_file(const char *name, const char *text, size_t len)
{
    FILE *f = fopen(path_in(name), "wb");
    if (!f) return;
    fwrite(text, 1, len, f);
    fclose(f);
}

static inline void write_text(const char *name, const char *text)
{
    write_file(name, text, strlen(text));
}

#endif
