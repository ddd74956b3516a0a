/* core/file.c: whole-file reads (see file.h). */
#include "core/file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"

int srm_file_read(const char *path, char **data, size_t *len)
{
    *data = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f) return SRM_ERROR(SRM_EIO, "%s: cannot open (%s)", path, strerror(errno));
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    int rc = buf ? SRM_OK : SRM_ERROR(SRM_ENOMEM, "%s: out of memory", path);
    while (rc == SRM_OK) {
        if (n + 1 >= cap) {
            char *nb = realloc(buf, 2 * cap);
            if (!nb) {
                rc = SRM_ERROR(SRM_ENOMEM, "%s: out of memory", path);
                break;
            }
            buf = nb;
            cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - 1 - n, f);
        n += got;
        if (got == 0) break;
    }
    if (rc == SRM_OK && ferror(f)) rc = SRM_ERROR(SRM_EIO, "%s: read error", path);
    fclose(f);
    if (rc != SRM_OK) {
        free(buf);
        return rc;
    }
    buf[n] = '\0';
    *data = buf;
    *len = n;
    return SRM_OK;
}
