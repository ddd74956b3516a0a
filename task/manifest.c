/* task/manifest.c: the check of a data folder against its manifest (data/MANIFEST.sha256, see
 * task/dataset.h): every listed file's size, then its sha256 (core/sha256.h). */
#include "task/dataset.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/error.h"
#include "core/file.h"
#include "core/sha256.h"

const char *srm_data_file_status_name(srm_data_file_status s)
{
    static const char *const names[] = {"ok", "MISMATCH size", "MISMATCH sha256", "missing"};
    return s <= SRM_DATA_FILE_MISSING ? names[s] : "?";
}

void srm_data_files_free(srm_data_file *files, size_t n)
{
    for (size_t i = 0; files && i < n; i++) free(files[i].path);
    free(files);
}

/* One manifest line "SHA256 SIZE PATH" (NUL-terminated, no newline) into f. A path must stay
 * inside the data folder: relative, without ".." components. */
static int parse_line(const char *manifest, size_t lineno, char *line, srm_data_file *f)
{
    char *hex = line, *sp = strchr(line, ' ');
    size_t nhex = sp ? (size_t)(sp - hex) : 0;
    int hex_ok = nhex == 64;
    for (size_t i = 0; hex_ok && i < 64; i++)
        hex_ok = (hex[i] >= '0' && hex[i] <= '9') || (hex[i] >= 'a' && hex[i] <= 'f');
    if (!hex_ok)
        return SRM_ERROR(SRM_EINVAL, "%s:%zu: expected 'SHA256 SIZE PATH' with 64 lowercase hex "
                         "digits first", manifest, lineno);
    char *size = sp + 1, *end;
    sp = strchr(size, ' ');
    errno = 0;
    unsigned long long v = strtoull(size, &end, 10);
    if (!sp || end != sp || size[0] < '0' || size[0] > '9' || errno == ERANGE || v > SIZE_MAX)
        return SRM_ERROR(SRM_EINVAL, "%s:%zu: expected a size in bytes after the sha256",
                         manifest, lineno);
    char *path = sp + 1;
    if (path[0] == '\0' || path[0] == '/' || strcmp(path, "..") == 0 ||
        strncmp(path, "../", 3) == 0 || strstr(path, "/../") ||
        (strlen(path) >= 3 && strcmp(path + strlen(path) - 3, "/..") == 0))
        return SRM_ERROR(SRM_EINVAL, "%s:%zu: the path must be relative to the data folder "
                         "(got '%s')", manifest, lineno, path);
    memcpy(f->want_sha256, hex, 64);
    f->want_sha256[64] = '\0';
    f->want_size = (uint64_t)v;
    f->path = strdup(path);
    return f->path ? SRM_OK : SRM_ERROR(SRM_ENOMEM, "out of memory");
}

/* Reads the manifest into files[0..n) (sizes and sha256 not yet checked). */
static int read_manifest(const char *manifest, srm_data_file **files, size_t *n)
{
    char *text;
    size_t len;
    if (srm_file_read(manifest, &text, &len) != SRM_OK) {
        char msg[1200];
        snprintf(msg, sizeof msg, "%s", srm_error_message());
        return SRM_ERROR(SRM_EINVAL, "manifest: %s", msg); /* bad input, not bad data */
    }
    size_t cap = 1;
    for (size_t i = 0; i < len; i++) cap += text[i] == '\n';
    srm_data_file *f = calloc(cap, sizeof *f);
    int rc = f ? SRM_OK : SRM_ERROR(SRM_ENOMEM, "out of memory");
    size_t count = 0, lineno = 0;
    for (char *line = text; rc == SRM_OK && line < text + len; lineno++) {
        char *nl = strchr(line, '\n');
        if (nl) *nl = '\0';
        if (nl && nl > line && nl[-1] == '\r') nl[-1] = '\0';
        if (line[0] != '\0' && line[0] != '#')
            rc = parse_line(manifest, lineno + 1, line, &f[count++]);
        line = nl ? nl + 1 : text + len;
    }
    if (rc == SRM_OK && count == 0)
        rc = SRM_ERROR(SRM_EINVAL, "%s: lists no files", manifest);
    free(text);
    if (rc != SRM_OK) {
        srm_data_files_free(f, count);
        return rc;
    }
    *files = f, *n = count;
    return SRM_OK;
}

/* Size first (cheap, and a truncated file shows as such), then the sha256. */
static void check_file(const char *dir, srm_data_file *f)
{
    char path[4200];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s", dir, f->path);
    f->status = SRM_DATA_FILE_MISSING;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) return;
    f->size = (uint64_t)st.st_size;
    if (f->size != f->want_size) {
        f->status = SRM_DATA_FILE_SIZE;
        return;
    }
    uint64_t size;
    if (srm_sha256_file(path, f->sha256, &size) != SRM_OK) {
        srm_error_clear(); /* unreadable: reported as missing */
        f->sha256[0] = '\0';
        return;
    }
    f->size = size;
    f->status = size != f->want_size                     ? SRM_DATA_FILE_SIZE
                : strcmp(f->sha256, f->want_sha256) != 0 ? SRM_DATA_FILE_SHA256
                                                          : SRM_DATA_FILE_OK;
}

int srm_data_verify(const char *dir, const char *manifest, srm_data_file **files, size_t *n,
                    size_t *bad)
{
    *files = NULL, *n = 0, *bad = 0;
    SRM_TRY(read_manifest(manifest, files, n));
    for (size_t i = 0; i < *n; i++) {
        check_file(dir, &(*files)[i]);
        *bad += (*files)[i].status != SRM_DATA_FILE_OK;
    }
    return SRM_OK;
}
