/* tests/fuzz/fuzz_matrix.c: fuzzes the text matrix reader (core/matrix.h, srm_matrix_read).
 * The input is a whole text matrix file. An accepted matrix must be non-empty, finite, with
 * increasing row line numbers; it is written back with srm_matrix_write (%.17g) and read again,
 * which must give the same numbers bit for bit. */
#include "tests/fuzz/fuzz_common.h"

#include <math.h>

#include "core/matrix.h"

static void check_matrix(const srm_matrix *m)
{
    FUZZ_ASSERT(m->rows > 0 && m->cols > 0 && m->lines != NULL);
    for (size_t i = 0; i < m->rows; i++) {
        FUZZ_ASSERT(m->lines[i] >= 1 && (i == 0 || m->lines[i] > m->lines[i - 1]));
        for (size_t j = 0; j < m->cols; j++) FUZZ_ASSERT(isfinite(m->data[i * m->cols + j]));
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[512], copy[512];
    fuzz_write(path, sizeof path, "in.txt", data, size);
    fuzz_path(copy, sizeof copy, "copy.txt");
    srm_matrix *m = NULL, *back = NULL;
    int rc = srm_matrix_read(path, &m);
    if (rc == SRM_OK) {
        check_matrix(m);
        FUZZ_ASSERT(srm_matrix_write(copy, m, "fuzz copy") == SRM_OK);
        FUZZ_ASSERT(srm_matrix_read(copy, &back) == SRM_OK);
        FUZZ_ASSERT(back->rows == m->rows && back->cols == m->cols);
        FUZZ_ASSERT(memcmp(back->data, m->data, m->rows * m->cols * sizeof(double)) == 0);
    }
    srm_matrix_free(back);
    srm_matrix_free(m);
    fuzz_done(rc);
    return 0;
}
