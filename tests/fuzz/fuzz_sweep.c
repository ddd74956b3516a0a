/* tests/fuzz/fuzz_sweep.c: fuzzes the two readers of srm sweep (cli/sweep_grid.h,
 * cli/sweep.h). Byte 0 even: the rest is a grid file for srm_sweep_grid_file; odd: a
 * sweep.json for srm_sweep_manifest_read. An accepted grid has 1..MAX_AXES axes, each a valid
 * flag name with 1..MAX_VALUES non-empty one-line values, on/off all or none of them. An
 * accepted manifest has jobs with unique ids that are file names, line i + 1 for job i and
 * one-line commands; written back with srm_sweep_manifest_write it reads back equal, and
 * jobs.txt holds one line per job. */
#include "tests/fuzz/fuzz_common.h"

#include <ctype.h>
#include <jansson.h>

#include "cli/sweep.h"
#include "cli/sweep_grid.h"

static void check_grid(const grid *g)
{
    FUZZ_ASSERT(g->n >= 1 && g->n <= MAX_AXES);
    for (size_t i = 0; i < g->n; i++) {
        const axis *x = &g->a[i];
        FUZZ_ASSERT(isalpha((unsigned char)x->name[0]));
        FUZZ_ASSERT(x->n >= 1 && x->n <= MAX_VALUES);
        size_t onoff = 0;
        for (size_t j = 0; j < x->n; j++) {
            FUZZ_ASSERT(x->value[j][0] != '\0' && !strpbrk(x->value[j], "\n\r"));
            onoff += strcmp(x->value[j], "on") == 0 || strcmp(x->value[j], "off") == 0;
        }
        FUZZ_ASSERT(x->boolean ? onoff == x->n : onoff == 0);
    }
}

static size_t count_lines(const char *path)
{
    FILE *f = fopen(path, "rb");
    FUZZ_ASSERT(f != NULL);
    size_t n = 0;
    for (int c; (c = fgetc(f)) != EOF;) n += c == '\n';
    fclose(f);
    return n;
}

static void check_manifest(json_t *m)
{
    json_t *jobs = json_object_get(m, "jobs"), *job, *again = NULL;
    size_t i;
    json_array_foreach(jobs, i, job) {
        const char *id = json_string_value(json_object_get(job, "id"));
        FUZZ_ASSERT(id && *id && id[0] != '.' && !strchr(id, '/'));
        FUZZ_ASSERT(json_integer_value(json_object_get(job, "line")) == (json_int_t)i + 1);
        FUZZ_ASSERT(!strpbrk(json_string_value(json_object_get(job, "command")), "\n\r"));
    }
    char dir[512], jobs_txt[600];
    fuzz_path(dir, sizeof dir, "back/x");
    dir[strlen(dir) - 2] = '\0'; /* the folder back/ */
    FUZZ_ASSERT(srm_sweep_manifest_write(dir, m) == SRM_OK);
    FUZZ_ASSERT(srm_sweep_manifest_read(dir, &again) == SRM_OK && again != NULL);
    FUZZ_ASSERT(json_equal(m, again));
    snprintf(jobs_txt, sizeof jobs_txt, "%s/jobs.txt", dir);
    FUZZ_ASSERT(count_lines(jobs_txt) == json_array_size(jobs));
    json_decref(again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[512];
    int rc;
    if (size == 0) return 0;
    if (data[0] % 2 == 0) {
        fuzz_write(path, sizeof path, "in.grid", data + 1, size - 1);
        grid g = {0};
        rc = srm_sweep_grid_file(path, &g);
        if (rc == SRM_OK && g.n) check_grid(&g);
        srm_sweep_grid_free(&g);
    } else {
        fuzz_write(path, sizeof path, "in/sweep.json", data + 1, size - 1);
        path[strlen(path) - strlen("/sweep.json")] = '\0';
        json_t *m = NULL;
        rc = srm_sweep_manifest_read(path, &m);
        if (rc == SRM_OK) FUZZ_ASSERT(m != NULL);
        if (m) check_manifest(m);
        json_decref(m);
    }
    fuzz_done(rc);
    return 0;
}
