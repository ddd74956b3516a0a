/* core/file.h: read a whole file into memory (NUL-terminated, so text parsers can use it too). */
#ifndef SRM_FILE_H
#define SRM_FILE_H

#include <stddef.h>

/* *data (free() it) holds the *len bytes of the file plus a terminating NUL. Errors name the file. */
int srm_file_read(const char *path, char **data, size_t *len);

#endif
