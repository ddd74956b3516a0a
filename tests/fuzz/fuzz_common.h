/* tests/fuzz/fuzz_common.h: what the libFuzzer harnesses of tests/fuzz/ share. srm's loaders read
 * from paths, so each harness writes its input into a private scratch folder (in /dev/shm when
 * it exists: no disk traffic) that is removed at exit, then calls the loader on it. Inputs that
 * hold several files are cut at the two bytes FF FE, which text files and UTF-8 never hold. */
#ifndef SRM_FUZZ_COMMON_H
#define SRM_FUZZ_COMMON_H

#define _GNU_SOURCE
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"

#define FUZZ_SEPARATOR "\xff\xfe"

/* A property the harness checks failed: abort, which libFuzzer reports as a crash. */
#define FUZZ_ASSERT(cond)                                                                   \
    do {                                                                                    \
        if (!(cond)) {                                                                      \
            fprintf(stderr, "%s:%d: fuzz property failed: %s\n", __FILE__, __LINE__, #cond); \
            abort();                                                                        \
        }                                                                                   \
    } while (0)

static char fuzz_scratch_dir[256];

static inline int fuzz_remove_entry(const char *path, const struct stat *st, int flag,
                                    struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

static inline void fuzz_remove_scratch(void)
{
    if (fuzz_scratch_dir[0]) nftw(fuzz_scratch_dir, fuzz_remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* The scratch folder, made on the first call inside $FUZZ_SCRATCH_BASE (tests/fuzz/run.sh sets
 * it to a folder it removes afterwards: a crash skips atexit), else /dev/shm or /tmp. */
static inline const char *fuzz_scratch(void)
{
    if (fuzz_scratch_dir[0]) return fuzz_scratch_dir;
    struct stat st;
    const char *base = getenv("FUZZ_SCRATCH_BASE");
    if (!base || !*base)
        base = stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) ? "/dev/shm" : "/tmp";
    snprintf(fuzz_scratch_dir, sizeof fuzz_scratch_dir, "%s/srm-fuzz-XXXXXX", base);
    if (!mkdtemp(fuzz_scratch_dir)) {
        perror("fuzz: mkdtemp");
        abort();
    }
    atexit(fuzz_remove_scratch);
    return fuzz_scratch_dir;
}

/* path = scratch/rel (its parent folders made); aborts when that fails: a harness that cannot
 * write its input tests nothing. */
static inline void fuzz_path(char *path, size_t size, const char *rel)
{
    snprintf(path, size, "%s/%s", fuzz_scratch(), rel);
    for (char *p = path + strlen(fuzz_scratch()) + 1; (p = strchr(p, '/')) != NULL; p++) {
        *p = '\0';
        mkdir(path, 0700);
        *p = '/';
    }
}

/* Writes bytes to scratch/rel and puts its path into `path`. */
static inline void fuzz_write(char *path, size_t size, const char *rel, const uint8_t *data,
                              size_t n)
{
    fuzz_path(path, size, rel);
    FILE *f = fopen(path, "wb");
    if (!f || (n && fwrite(data, 1, n, f) != n) || fclose(f) != 0) {
        perror(path);
        abort();
    }
}

/* Cuts data at FUZZ_SEPARATOR into at most `max` pieces (the last takes the rest); returns the
 * count. Missing pieces are empty. */
static inline size_t fuzz_split(const uint8_t *data, size_t size, const uint8_t **piece,
                                size_t *len, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < max; i++) piece[i] = data, len[i] = 0;
    while (n + 1 < max) {
        const uint8_t *sep = memmem(data, size, FUZZ_SEPARATOR, 2);
        if (!sep) break;
        piece[n] = data, len[n] = (size_t)(sep - data), n++;
        size -= (size_t)(sep - data) + 2, data = sep + 2;
    }
    piece[n] = data, len[n] = size;
    return n + 1;
}

/* Ends a run: with FUZZ_VERBOSE set, says whether the loader accepted the input (or its error
 * message), which shows what a seed or a reproducer exercises; then clears the error. */
static inline void fuzz_done(int rc)
{
    const char *msg = srm_error_message();
    if (getenv("FUZZ_VERBOSE"))
        fprintf(stderr, "fuzz: %s\n",
                rc == SRM_OK ? "accepted" : *msg ? msg : "refused (no message)");
    srm_error_clear();
}

#endif
