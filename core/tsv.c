/* core/tsv.c: the TSV reader (see tsv.h). Errors name the file and line. */
#include "core/tsv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/file.h"

void srm_tsv_free(srm_tsv *t)
{
    if (!t) return;
    for (size_t i = 0; i < t->cols; i++) free(t->names[i]);
    for (size_t i = 0; i < t->ncomments; i++) free(t->comments[i]);
    free(t->names);
    free(t->comments);
    free(t->data);
    free(t);
}

long srm_tsv_column(const srm_tsv *t, const char *name)
{
    for (size_t i = 0; i < t->cols; i++)
        if (strcmp(t->names[i], name) == 0) return (long)i;
    return -1;
}

static int push_ptr(char ***arr, size_t *n, char *s)
{
    char **na = realloc(*arr, (*n + 1) * sizeof *na);
    if (!na || !s) {
        free(s);
        if (na) *arr = na;
        return SRM_ERROR(SRM_ENOMEM, "out of memory");
    }
    *arr = na;
    (*arr)[(*n)++] = s;
    return SRM_OK;
}

int srm_tsv_read(const char *path, srm_tsv **out)
{
    *out = NULL;
    FILE *f;
    SRM_TRY(srm_file_open(path, "r", &f));
    srm_tsv *t = calloc(1, sizeof *t);
    char *line = NULL;
    size_t cap = 0, dcap = 0;
    long lineno = 0;
    int rc = t ? SRM_OK : SRM_ERROR(SRM_ENOMEM, "out of memory");
    ssize_t got;
    while (rc == SRM_OK && (got = getline(&line, &cap, f)) != -1) {
        lineno++;
        while (got > 0 && (line[got - 1] == '\n' || line[got - 1] == '\r')) line[--got] = '\0';
        if (line[0] == '#') {
            const char *c = line + 1;
            if (*c == ' ') c++;
            rc = push_ptr(&t->comments, &t->ncomments, strdup(c));
            continue;
        }
        if (got == 0) continue;
        if (!t->names) {
            char *save = NULL;
            for (char *tok = strtok_r(line, "\t", &save); tok && rc == SRM_OK;
                 tok = strtok_r(NULL, "\t", &save))
                rc = push_ptr(&t->names, &t->cols, strdup(tok));
            continue;
        }
        if (t->rows == dcap) {
            dcap = dcap ? 2 * dcap : 64;
            double *nd = realloc(t->data, dcap * t->cols * sizeof(double));
            if (!nd) {
                rc = SRM_ERROR(SRM_ENOMEM, "out of memory");
                break;
            }
            t->data = nd;
        }
        char *p = line;
        for (size_t j = 0; j < t->cols; j++) {
            char *end;
            errno = 0;
            double v = strtod(p, &end);
            if (end == p || (*end != '\t' && *end != '\0') || (*end == '\0' && j + 1 < t->cols)) {
                rc = SRM_ERROR(SRM_EINVAL, "%s:%ld: expected %zu numeric columns", path, lineno,
                               t->cols);
                break;
            }
            t->data[t->rows * t->cols + j] = v;
            p = *end ? end + 1 : end;
        }
        if (rc == SRM_OK && *p != '\0')
            rc = SRM_ERROR(SRM_EINVAL, "%s:%ld: more than %zu columns", path, lineno, t->cols);
        if (rc == SRM_OK) t->rows++;
    }
    free(line);
    fclose(f);
    if (rc == SRM_OK && !t->names) rc = SRM_ERROR(SRM_EINVAL, "%s: no header line", path);
    if (rc != SRM_OK) {
        srm_tsv_free(t);
        return rc;
    }
    *out = t;
    return SRM_OK;
}
