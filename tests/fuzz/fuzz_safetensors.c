/* tests/fuzz/fuzz_safetensors.c: fuzzes the safetensors reader (core/safetensors.h,
 * srm_safetensors_read). The input is a whole .safetensors file. A file the reader accepts is
 * walked (every double, every raw byte, every metadata value), written back with
 * srm_safetensors_write and read again: the copy must hold the same tensors, bytes and
 * metadata (properties checked with FUZZ_ASSERT). */
#include "tests/fuzz/fuzz_common.h"

#include "core/safetensors.h"

/* Touches every byte the reader handed out, so ASan sees any pointer past its buffer. */
static unsigned walk(const srm_tensors *ts)
{
    unsigned sum = 0;
    for (size_t i = 0; i < ts->count; i++) {
        const srm_tensor *t = &ts->tensors[i];
        FUZZ_ASSERT(t->ndim <= SRM_TENSOR_MAXDIM);
        size_t size = 1;
        for (size_t d = 0; d < t->ndim; d++) size *= t->shape[d];
        FUZZ_ASSERT(size == t->size);
        for (size_t k = 0; t->data && k < t->size; k++) sum += t->data[k] == t->data[k];
        for (size_t k = 0; k < t->raw_bytes; k++) sum += t->raw[k];
        FUZZ_ASSERT(srm_tensors_find(ts, t->name) == t); /* names are unique */
    }
    for (size_t i = 0; i < ts->nmeta; i++)
        sum += (unsigned)strlen(ts->meta_values[i]) + (unsigned)strlen(ts->meta_keys[i]);
    return sum;
}

/* b, read back from what was written from a, holds a's tensors and metadata. */
static void check_same(const srm_tensors *a, const srm_tensors *b)
{
    FUZZ_ASSERT(a->count == b->count);
    for (size_t i = 0; i < a->count; i++) {
        const srm_tensor *x = &a->tensors[i], *y = srm_tensors_find(b, x->name);
        FUZZ_ASSERT(y != NULL);
        FUZZ_ASSERT(x->ndim == y->ndim && x->size == y->size && x->dtype == y->dtype);
        FUZZ_ASSERT(strcmp(x->dtype_name, y->dtype_name) == 0);
        FUZZ_ASSERT(memcmp(x->shape, y->shape, x->ndim * sizeof x->shape[0]) == 0);
        FUZZ_ASSERT(x->raw_bytes == y->raw_bytes);
        FUZZ_ASSERT(x->raw_bytes == 0 || memcmp(x->raw, y->raw, x->raw_bytes) == 0);
    }
    for (size_t i = 0; i < a->nmeta; i++) {
        if (strncmp(a->meta_keys[i], "srm_", 4) == 0) continue; /* the writer's provenance */
        const char *v = srm_tensors_meta(b, a->meta_keys[i]);
        FUZZ_ASSERT(v && strcmp(v, a->meta_values[i]) == 0);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[512], copy[512];
    fuzz_write(path, sizeof path, "in.safetensors", data, size);
    fuzz_path(copy, sizeof copy, "copy.safetensors");
    srm_tensors *ts = NULL, *back = NULL;
    int rc = srm_safetensors_read(path, &ts);
    if (rc == SRM_OK) {
        walk(ts);
        if (srm_safetensors_write(copy, ts) == SRM_OK) {
            FUZZ_ASSERT(srm_safetensors_read(copy, &back) == SRM_OK);
            check_same(ts, back);
        }
    }
    srm_tensors_free(back);
    srm_tensors_free(ts);
    fuzz_done(rc);
    return 0;
}
