/* core/matrix.c: dense matrices and the text matrix reader/writer (format in matrix.h). */
#include "core/matrix.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/atomic.h"
#include "core/error.h"
#include "core/file.h"
#include "core/meta.h"

srm_matrix *srm_matrix_alloc(size_t rows, size_t cols)
{
    srm_matrix *m = calloc(1, sizeof *m);
    if (!m) return NULL;
    m->rows = rows;
    m->cols = cols;
    if (rows && cols && rows > ((size_t)-1) / sizeof(double) / cols) {
        free(m);
        return NULL;
    }
    m->data = calloc(rows * cols > 0 ? rows * cols : 1, sizeof(double));
    if (!m->data) {
        free(m);
        return NULL;
    }
    return m;
}

void srm_matrix_free(srm_matrix *m)
{
    if (!m) return;
    free(m->data);
    free(m->lines);
    free(m);
}

/* Parses one line's numbers, appending to *buf. Returns the count or -1 (error recorded). */
static long parse_line(const char *name, long lineno, char *line, double **buf, size_t *len,
                       size_t *cap)
{
    char *hash = strchr(line, '#');
    if (hash) *hash = '\0';
    long count = 0;
    char *p = line;
    for (;;) {
        while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n' || *p == '\v' || *p == '\f')
            p++;
        if (*p == '\0') break;
        char *end = NULL;
        errno = 0;
        double v = strtod(p, &end);
        char *tok_end = p;
        while (*tok_end && !strchr(" \t\r\n\v\f", *tok_end)) tok_end++;
        int hex = 0; /* strtod accepts C99 hex floats; a text matrix means decimal numbers */
        for (const char *q = p; q < tok_end; q++)
            if (*q == 'x' || *q == 'X') hex = 1;
        if (end != tok_end || end == p || hex) {
            int n = (int)(tok_end - p);
            SRM_ERROR(SRM_EINVAL, "%s:%ld: '%.*s' is not a number", name, lineno, n > 40 ? 40 : n,
                      p);
            return -1;
        }
        if (!isfinite(v) || errno == ERANGE) {
            int n = (int)(tok_end - p);
            if (errno == ERANGE && isfinite(v) && v != 0.0) {
                /* underflow to a subnormal: the nearest representable value, accepted */
            } else if (errno == ERANGE && v == 0.0) {
                SRM_ERROR(SRM_EINVAL, "%s:%ld: '%.*s' underflows to 0", name, lineno,
                          n > 40 ? 40 : n, p);
                return -1;
            } else {
                SRM_ERROR(SRM_EINVAL, "%s:%ld: '%.*s' is not finite", name, lineno,
                          n > 40 ? 40 : n, p);
                return -1;
            }
        }
        if (*len == *cap) {
            size_t ncap = *cap ? 2 * *cap : 256;
            double *nb = realloc(*buf, ncap * sizeof **buf);
            if (!nb) {
                SRM_ERROR(SRM_ENOMEM, "%s: out of memory", name);
                return -1;
            }
            *buf = nb;
            *cap = ncap;
        }
        (*buf)[(*len)++] = v;
        count++;
        p = end;
    }
    return count;
}

int srm_matrix_read(const char *path, srm_matrix **out)
{
    *out = NULL;
    int is_stdin = strcmp(path, "-") == 0;
    const char *name = is_stdin ? "<stdin>" : path;
    FILE *f = stdin;
    if (!is_stdin) SRM_TRY(srm_file_open(path, "r", &f));
    char *line = NULL;
    size_t line_cap = 0;
    double *buf = NULL;
    long *lines = NULL;
    size_t len = 0, cap = 0, rows = 0, cols = 0, lines_cap = 0;
    long lineno = 0;
    int rc = SRM_OK;
    ssize_t got;
    while ((got = getline(&line, &line_cap, f)) != -1) {
        lineno++;
        if (memchr(line, '\0', (size_t)got)) {
            rc = SRM_ERROR(SRM_EINVAL, "%s:%ld: binary data (NUL byte)", name, lineno);
            break;
        }
        long c = parse_line(name, lineno, line, &buf, &len, &cap);
        if (c < 0) {
            rc = srm_error_code();
            break;
        }
        if (c == 0) continue;
        if (rows == 0) {
            cols = (size_t)c;
        } else if ((size_t)c != cols) {
            rc = SRM_ERROR(SRM_EINVAL, "%s:%ld: ragged row: %ld numbers, expected %zu", name,
                           lineno, c, cols);
            break;
        }
        if (rows == lines_cap) {
            lines_cap = lines_cap ? 2 * lines_cap : 64;
            long *nl = realloc(lines, lines_cap * sizeof *nl);
            if (!nl) {
                rc = SRM_ERROR(SRM_ENOMEM, "%s: out of memory", name);
                break;
            }
            lines = nl;
        }
        lines[rows++] = lineno;
    }
    if (rc == SRM_OK && ferror(f)) rc = SRM_ERROR(SRM_EIO, "%s: read error", name);
    if (rc == SRM_OK && rows == 0)
        rc = SRM_ERROR(SRM_EINVAL, "%s:%ld: empty matrix (no numbers)", name, lineno);
    free(line);
    if (!is_stdin) fclose(f);
    if (rc != SRM_OK) {
        free(buf);
        free(lines);
        return rc;
    }
    srm_matrix *m = calloc(1, sizeof *m);
    if (!m) {
        free(buf);
        free(lines);
        return SRM_ERROR(SRM_ENOMEM, "%s: out of memory", name);
    }
    m->lines = lines;
    m->rows = rows;
    m->cols = cols;
    m->data = buf;
    *out = m;
    return SRM_OK;
}

int srm_matrix_write(const char *path, const srm_matrix *m, const char *header)
{
    srm_atomic a;
    SRM_TRY(srm_atomic_open(&a, path));
    srm_meta_write(a.f);
    if (header) fprintf(a.f, "# %s\n", header);
    for (size_t i = 0; i < m->rows; i++) {
        for (size_t j = 0; j < m->cols; j++)
            fprintf(a.f, j ? " %.17g" : "%.17g", m->data[i * m->cols + j]);
        fputc('\n', a.f);
    }
    return srm_atomic_commit(&a);
}
