/* tests/fuzz/fuzz_tsv.c: fuzzes the TSV reader (core/tsv.h, srm_tsv_read), which `srm report`
 * and the tests use on srm's own outputs. The input is a whole .tsv file. An accepted table is
 * walked: every comment, every column name (srm_tsv_column finds its first occurrence) and
 * every cell through srm_tsv_get. */
#include "tests/fuzz/fuzz_common.h"

#include "core/tsv.h"

static unsigned walk(const srm_tsv *t)
{
    unsigned sum = 0;
    FUZZ_ASSERT(t->cols > 0 && t->names != NULL);
    for (size_t i = 0; i < t->ncomments; i++) sum += (unsigned)strlen(t->comments[i]);
    for (size_t j = 0; j < t->cols; j++) {
        long k = srm_tsv_column(t, t->names[j]);
        FUZZ_ASSERT(k >= 0 && (size_t)k <= j && strcmp(t->names[k], t->names[j]) == 0);
    }
    for (size_t r = 0; r < t->rows; r++)
        for (size_t j = 0; j < t->cols; j++) sum += srm_tsv_get(t, r, j) > 0;
    FUZZ_ASSERT(srm_tsv_column(t, "no\tsuch") == -1);
    return sum;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[512];
    fuzz_write(path, sizeof path, "in.tsv", data, size);
    srm_tsv *t = NULL;
    int rc = srm_tsv_read(path, &t);
    if (rc == SRM_OK) walk(t);
    srm_tsv_free(t);
    fuzz_done(rc);
    return 0;
}
