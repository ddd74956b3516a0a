/* core/file.h: read a whole file into memory (NUL-terminated, so text parsers can use it too). */
#ifndef SRM_FILE_H
#define SRM_FILE_H

#include <stddef.h>
#include <stdio.h>

/* fopen(path, mode) for reading an input: a folder, a missing or unreadable file is bad input
 * (SRM_EINVAL, exit status 2) named in the message. */
int srm_file_open(const char *path, const char *mode, FILE **out);

/* *data (free() it) holds the *len bytes of the file plus a terminating NUL. Errors name the file. */
int srm_file_read(const char *path, char **data, size_t *len);

/* The srm repository seen from the running executable: the executable's folder, its parent or
 * its grandparent (srm sits at the repository root, the test programs and build-sanitize/srm below
 * it), whichever first holds the regular file `probe` (a path relative to the repository, e.g.
 * "data/MANIFEST.sha256"). Writes that folder into `home` ("" for "/") and returns 1; returns 0
 * with the executable's folder in `home` when none holds it, -1 when /proc/self/exe is
 * unreadable. */
int srm_file_find_repository(const char *probe, char *home, size_t size);

#endif
