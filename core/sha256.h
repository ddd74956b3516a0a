/* core/sha256.h: SHA-256 (FIPS 180-4), for checking the data files against data/MANIFEST.sha256
 * (`srm data verify`) without a library dependency. Streaming: init, update any number of times
 * with any lengths, final. */
#ifndef SRM_SHA256_H
#define SRM_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SRM_SHA256_BYTES 32

typedef struct {
    uint32_t h[8];       /* the chaining state */
    uint64_t bytes;      /* message length so far */
    unsigned char block[64];
    size_t used;         /* bytes of block[] filled */
} srm_sha256;

void srm_sha256_init(srm_sha256 *s);
void srm_sha256_update(srm_sha256 *s, const void *data, size_t len);
void srm_sha256_final(srm_sha256 *s, unsigned char digest[SRM_SHA256_BYTES]);

/* The digest as 64 lowercase hex digits and a NUL. */
void srm_sha256_hex(const unsigned char digest[SRM_SHA256_BYTES], char hex[65]);

/* The sha256 (hex) and size in bytes of a whole file, read in 64 KiB pieces. SRM_EIO naming the
 * path when it cannot be opened or read. */
int srm_sha256_file(const char *path, char hex[65], uint64_t *size);

#endif
