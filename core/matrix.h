/* core/matrix.h: dense row-major double matrices and the text matrix format.
 *
 * Text format: one row per line, numbers separated by white space, `#` starts a comment, blank
 * lines are ignored, "-" is stdin. Ragged rows, non-numbers, NaN/Inf and empty input are errors
 * that name the file and line. */
#ifndef SRM_MATRIX_H
#define SRM_MATRIX_H

#include <stddef.h>

typedef struct {
    size_t rows, cols;
    double *data; /* (rows, cols) row-major */
    long *lines;  /* file line of each row (srm_matrix_read), so later checks can name it;
                     NULL for matrices built in memory */
} srm_matrix;

srm_matrix *srm_matrix_alloc(size_t rows, size_t cols); /* zero-filled; NULL on failure */
void srm_matrix_free(srm_matrix *m);

int srm_matrix_read(const char *path, srm_matrix **out);
/* Writes provenance `#` lines, an optional `# header` comment line, then the rows with 17
 * significant digits. Atomic (see atomic.h); "-" is stdout. */
int srm_matrix_write(const char *path, const srm_matrix *m, const char *header);

#endif
