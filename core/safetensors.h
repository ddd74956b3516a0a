/* core/safetensors.h: the safetensors container (8-byte little-endian header length, JSON
 * header, raw little-endian data).
 *
 * srm reads F64, F32, F16 and BF16 tensors (widened to double, exactly) and keeps every tensor's
 * bytes as read; integer and boolean tensors (I8..I64, U8..U64, BOOL) are kept as bytes only
 * (data NULL). The writer writes a tensor's bytes as read unless it was changed
 * (srm_tensor_changed), and otherwise converts its doubles to its dtype (F64 for views), rounding
 * to nearest. Every malformed file is an error naming the file: truncated data, header length
 * past the end, overlapping or out-of-range offsets, unknown dtype, shape that does not match the
 * byte count. */
#ifndef SRM_SAFETENSORS_H
#define SRM_SAFETENSORS_H

#include <stddef.h>

#define SRM_TENSOR_MAXDIM 4

typedef enum {
    SRM_DTYPE_F64 = 0,
    SRM_DTYPE_F32,
    SRM_DTYPE_F16,
    SRM_DTYPE_BF16,
    SRM_DTYPE_OTHER /* an integer or boolean dtype: bytes only */
} srm_dtype;

typedef struct {
    char *name;
    size_t ndim;
    size_t shape[SRM_TENSOR_MAXDIM];
    size_t size;  /* product of the shape */
    double *data; /* row-major; NULL for SRM_DTYPE_OTHER */
    int owned;    /* data belongs to this tensor (1) or is a view (0) */
    srm_dtype dtype;
    char dtype_name[8];       /* as in the file ("F32", "I64", ...) */
    const unsigned char *raw; /* the bytes as read (NULL for views and changed tensors) */
    size_t raw_bytes;
} srm_tensor;

typedef struct {
    size_t count, capacity;
    srm_tensor *tensors;
    size_t nmeta;
    char **meta_keys, **meta_values; /* the "__metadata__" string map */
    unsigned char *blob;             /* the file read, which raw points into */
} srm_tensors;

srm_tensors *srm_tensors_alloc(void);
void srm_tensors_free(srm_tensors *ts);

/* Adds a view of `data` (not copied) under `name` with the given shape. */
int srm_tensors_add_view(srm_tensors *ts, const char *name, size_t ndim, const size_t *shape,
                         double *data);
/* Adds a bytes-only tensor (e.g. U8 text) of `nbytes` bytes at `bytes` (not copied: it must
 * outlive the write), one dimension of nbytes elements of dtype U8. */
int srm_tensors_add_bytes(srm_tensors *ts, const char *name, const unsigned char *bytes,
                          size_t nbytes);
/* Makes the tensor `name` (added or read) be written as `dtype` from its doubles. */
int srm_tensors_set_dtype(srm_tensors *ts, const char *name, srm_dtype dtype);
/* Marks t's doubles as the truth: the writer converts them instead of copying the bytes read. */
void srm_tensor_changed(srm_tensor *t);
srm_tensor *srm_tensors_find_mutable(srm_tensors *ts, const char *name);
/* x rounded to nearest (ties to even) in dtype (F64, F32, F16 or BF16), as a double. */
double srm_dtype_round(srm_dtype dtype, double x);
/* The next value of dtype below x toward zero (|result| < |x|; 0 stays 0). */
double srm_dtype_toward_zero(srm_dtype dtype, double x);
const char *srm_dtype_name(srm_dtype dtype);
size_t srm_dtype_size(srm_dtype dtype); /* bytes per element; 0 for SRM_DTYPE_OTHER */
/* Element i of little-endian bytes of a floating dtype, widened; and x encoded (rounded). */
double srm_dtype_decode(srm_dtype dtype, const unsigned char *src, size_t i);
void srm_dtype_encode(srm_dtype dtype, double x, unsigned char *dst);
int srm_tensors_set_meta(srm_tensors *ts, const char *key, const char *value);

const srm_tensor *srm_tensors_find(const srm_tensors *ts, const char *name);
const char *srm_tensors_meta(const srm_tensors *ts, const char *key); /* NULL if absent */

int srm_safetensors_read(const char *path, srm_tensors **out);
/* Writes tensors in the given order (bytes as read, or doubles in their dtype), atomically; __metadata__ gains the srm version,
 * command line, seed and date. */
int srm_safetensors_write(const char *path, const srm_tensors *ts);

#endif
