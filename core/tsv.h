/* core/tsv.h: reader for srm's own TSV outputs (`#` provenance lines, one header line naming the
 * columns, then numeric rows). Used by `srm report` and the tests to read results by column name. */
#ifndef SRM_TSV_H
#define SRM_TSV_H

#include <stddef.h>

typedef struct {
    size_t rows, cols;
    char **names;  /* cols column names */
    double *data;  /* (rows, cols) row-major; "nan"/"inf" allowed */
    char **comments; /* the `#` lines, without the leading "# " */
    size_t ncomments;
} srm_tsv;

int srm_tsv_read(const char *path, srm_tsv **out);
void srm_tsv_free(srm_tsv *t);
/* Column index by name, or -1. */
long srm_tsv_column(const srm_tsv *t, const char *name);
static inline double srm_tsv_get(const srm_tsv *t, size_t row, size_t col)
{
    return t->data[row * t->cols + col];
}

#endif
