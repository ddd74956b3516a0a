/* core/meta.c: the command line, seed and date every output records (see meta.h).
 * SRM_DATE in the environment overrides the date, so that runs can be compared byte for byte. */
#include "core/meta.h"

#include <stdlib.h>
#include <unistd.h>
#include <string.h>
#include <time.h>

static char meta_command[8192];
static char meta_date[64];
static unsigned long meta_seed;
static int meta_seed_set;

static void append_quoted(char *dst, size_t cap, const char *arg)
{
    size_t len = strlen(dst);
    int plain = arg[0] != '\0';
    for (const char *p = arg; *p; p++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=,:+@%",
                    *p))
            plain = 0;
    if (len && len + 1 < cap) dst[len++] = ' ';
    if (!plain && len + 1 < cap) dst[len++] = '\'';
    for (const char *p = arg; *p && len + 5 < cap; p++) {
        if (*p == '\'' && !plain) {
            memcpy(dst + len, "'\\''", 4);
            len += 4;
        } else if (*p == '\n') {
            dst[len++] = ' '; /* keep the provenance on one line */
        } else {
            dst[len++] = *p;
        }
    }
    if (!plain && len + 1 < cap) dst[len++] = '\'';
    dst[len] = '\0';
}

void srm_meta_init(int argc, char **argv)
{
    meta_command[0] = '\0';
    for (int i = 0; i < argc; i++) append_quoted(meta_command, sizeof meta_command, argv[i]);
    const char *fixed = getenv("SRM_DATE");
    if (fixed && *fixed) {
        snprintf(meta_date, sizeof meta_date, "%s", fixed);
    } else {
        time_t now = time(NULL);
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(meta_date, sizeof meta_date, "%Y-%m-%dT%H:%M:%SZ", &tm);
    }
}

static char meta_run[64];

void srm_meta_set_run(const char *id) { snprintf(meta_run, sizeof meta_run, "%s", id ? id : ""); }
const char *srm_meta_run(void) { return meta_run; }

void srm_meta_new_run(char *out, size_t size)
{
    const char *fixed = getenv("SRM_RUN_ID");
    if (fixed && *fixed) snprintf(out, size, "%s", fixed);
    else snprintf(out, size, "%s-%ld", srm_meta_date(), (long)getpid());
}

void srm_meta_set_seed(unsigned long seed)
{
    meta_seed = seed;
    meta_seed_set = 1;
}

int srm_meta_has_seed(void) { return meta_seed_set; }
unsigned long srm_meta_seed(void) { return meta_seed; }
const char *srm_meta_command(void) { return meta_command[0] ? meta_command : "(library)"; }
const char *srm_meta_date(void) { return meta_date[0] ? meta_date : "unknown"; }

/* OpenBLAS's own queries (its cblas.h; srm includes GSL's, which lacks them). */
char *openblas_get_config(void);
char *openblas_get_corename(void);
int openblas_get_num_threads(void);

const char *srm_meta_blas(void)
{
    static char text[512];
    const char *core = openblas_get_corename();
    snprintf(text, sizeof text, "%s; core %s; %d thread%s", openblas_get_config(),
             core ? core : "unknown", openblas_get_num_threads(),
             openblas_get_num_threads() == 1 ? "" : "s");
    return text;
}

void srm_meta_write(FILE *f)
{
    fprintf(f, "# srm %s\n# command: %s\n", SRM_VERSION, srm_meta_command());
    if (meta_seed_set) fprintf(f, "# seed: %lu\n", meta_seed);
    fprintf(f, "# date: %s\n", srm_meta_date());
    if (meta_run[0]) fprintf(f, "# run: %s\n", meta_run);
}
