/* core/safetensors.h: the safetensors container (8-byte little-endian header length, JSON
 * header, raw little-endian data).
 *
 * srm reads F32 and F64 tensors (converted to double) and writes F64. Every malformed file is an
 * error naming the file: truncated data, header length past the end, overlapping or out-of-range
 * offsets, unknown dtype, shape that does not match the byte count. */
#ifndef SRM_SAFETENSORS_H
#define SRM_SAFETENSORS_H

#include <stddef.h>

#define SRM_TENSOR_MAXDIM 4

typedef struct {
    char *name;
    size_t ndim;
    size_t shape[SRM_TENSOR_MAXDIM];
    size_t size;  /* product of the shape */
    double *data; /* row-major */
    int owned;    /* data belongs to this tensor (1) or is a view (0) */
} srm_tensor;

typedef struct {
    size_t count, capacity;
    srm_tensor *tensors;
    size_t nmeta;
    char **meta_keys, **meta_values; /* the "__metadata__" string map */
} srm_tensors;

srm_tensors *srm_tensors_alloc(void);
void srm_tensors_free(srm_tensors *ts);

/* Adds a view of `data` (not copied) under `name` with the given shape. */
int srm_tensors_add_view(srm_tensors *ts, const char *name, size_t ndim, const size_t *shape,
                         double *data);
int srm_tensors_set_meta(srm_tensors *ts, const char *key, const char *value);

const srm_tensor *srm_tensors_find(const srm_tensors *ts, const char *name);
const char *srm_tensors_meta(const srm_tensors *ts, const char *key); /* NULL if absent */

int srm_safetensors_read(const char *path, srm_tensors **out);
/* Writes F64, tensors in the given order, atomically; __metadata__ gains the srm version,
 * command line, seed and date. */
int srm_safetensors_write(const char *path, const srm_tensors *ts);

#endif
