/* core/safetensors.c: reader and writer of the safetensors container (see safetensors.h).
 * The reader trusts nothing in the file: every length, offset and shape is checked before use. */
#include "core/safetensors.h"

#include <errno.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/atomic.h"
#include "core/error.h"
#include "core/file.h"
#include "core/grow.h"
#include "core/meta.h"

#define MAX_HEADER_BYTES (100u << 20) /* the reference implementation's limit */

srm_tensors *srm_tensors_alloc(void) { return calloc(1, sizeof(srm_tensors)); }

void srm_tensors_free(srm_tensors *ts)
{
    if (!ts) return;
    for (size_t i = 0; i < ts->count; i++) {
        free(ts->tensors[i].name);
        if (ts->tensors[i].owned) free(ts->tensors[i].data);
    }
    free(ts->tensors);
    for (size_t i = 0; i < ts->nmeta; i++) {
        free(ts->meta_keys[i]);
        free(ts->meta_values[i]);
    }
    free(ts->meta_keys);
    free(ts->meta_values);
    free(ts->blob);
    free(ts);
}

static srm_tensor *tensors_push(srm_tensors *ts, const char *name, size_t ndim,
                                const size_t *shape)
{
    if (ndim > SRM_TENSOR_MAXDIM) return NULL;
    srm_tensor *nt = srm_grow(ts->tensors, &ts->capacity, ts->count, 8, sizeof *nt);
    if (!nt) return NULL;
    ts->tensors = nt;
    srm_tensor *t = &ts->tensors[ts->count];
    memset(t, 0, sizeof *t);
    t->name = strdup(name);
    if (!t->name) return NULL;
    t->ndim = ndim;
    t->size = 1;
    for (size_t i = 0; i < ndim; i++) {
        t->shape[i] = shape[i];
        t->size *= shape[i];
    }
    ts->count++;
    return t;
}

int srm_tensors_add_view(srm_tensors *ts, const char *name, size_t ndim, const size_t *shape,
                         double *data)
{
    srm_tensor *t = tensors_push(ts, name, ndim, shape);
    if (!t) return SRM_ERROR(SRM_ENOMEM, "cannot add tensor %s", name);
    t->data = data;
    t->owned = 0;
    t->dtype = SRM_DTYPE_F64;
    snprintf(t->dtype_name, sizeof t->dtype_name, "F64");
    return SRM_OK;
}

int srm_tensors_add_bytes(srm_tensors *ts, const char *name, const unsigned char *bytes,
                          size_t nbytes)
{
    srm_tensor *t = tensors_push(ts, name, 1, &nbytes);
    if (!t) return SRM_ERROR(SRM_ENOMEM, "cannot add tensor %s", name);
    t->dtype = SRM_DTYPE_OTHER;
    snprintf(t->dtype_name, sizeof t->dtype_name, "U8");
    t->raw = bytes;
    t->raw_bytes = nbytes;
    return SRM_OK;
}

srm_tensor *srm_tensors_find_mutable(srm_tensors *ts, const char *name)
{
    for (size_t i = 0; i < ts->count; i++)
        if (strcmp(ts->tensors[i].name, name) == 0) return &ts->tensors[i];
    return NULL;
}

void srm_tensor_changed(srm_tensor *t)
{
    if (t->data) t->raw = NULL; /* bytes-only tensors have nothing else to write */
}

int srm_tensors_set_dtype(srm_tensors *ts, const char *name, srm_dtype dtype)
{
    srm_tensor *t = srm_tensors_find_mutable(ts, name);
    if (!t || !t->data || dtype == SRM_DTYPE_OTHER)
        return SRM_ERROR(SRM_EINVAL, "tensor '%s': no floating data to write as %s", name,
                         srm_dtype_name(dtype));
    t->dtype = dtype;
    snprintf(t->dtype_name, sizeof t->dtype_name, "%s", srm_dtype_name(dtype));
    t->raw = NULL;
    return SRM_OK;
}

int srm_tensors_set_meta(srm_tensors *ts, const char *key, const char *value)
{
    for (size_t i = 0; i < ts->nmeta; i++)
        if (strcmp(ts->meta_keys[i], key) == 0) {
            char *v = strdup(value);
            if (!v) return SRM_ERROR(SRM_ENOMEM, "out of memory");
            free(ts->meta_values[i]);
            ts->meta_values[i] = v;
            return SRM_OK;
        }
    char **nk = realloc(ts->meta_keys, (ts->nmeta + 1) * sizeof *nk);
    if (!nk) return SRM_ERROR(SRM_ENOMEM, "out of memory");
    ts->meta_keys = nk;
    char **nv = realloc(ts->meta_values, (ts->nmeta + 1) * sizeof *nv);
    if (!nv) return SRM_ERROR(SRM_ENOMEM, "out of memory");
    ts->meta_values = nv;
    ts->meta_keys[ts->nmeta] = strdup(key);
    ts->meta_values[ts->nmeta] = strdup(value);
    if (!ts->meta_keys[ts->nmeta] || !ts->meta_values[ts->nmeta]) {
        free(ts->meta_keys[ts->nmeta]);
        free(ts->meta_values[ts->nmeta]);
        return SRM_ERROR(SRM_ENOMEM, "out of memory");
    }
    ts->nmeta++;
    return SRM_OK;
}

const srm_tensor *srm_tensors_find(const srm_tensors *ts, const char *name)
{
    return srm_tensors_find_mutable((srm_tensors *)ts, name);
}

const char *srm_tensors_meta(const srm_tensors *ts, const char *key)
{
    for (size_t i = 0; i < ts->nmeta; i++)
        if (strcmp(ts->meta_keys[i], key) == 0) return ts->meta_values[i];
    return NULL;
}

typedef struct {
    size_t begin, end, index;
} span;

static int span_cmp(const void *a, const void *b)
{
    const span *x = a, *y = b;
    return x->begin < y->begin ? -1 : x->begin > y->begin ? 1 : 0;
}

static int json_size(const json_t *v, size_t *out)
{
    if (!json_is_integer(v) || json_integer_value(v) < 0) return 0;
    *out = (size_t)json_integer_value(v);
    return 1;
}

/* __metadata__: every value a string, copied into ts. */
static int parse_metadata(const char *path, json_t *value, srm_tensors *ts)
{
    if (!json_is_object(value))
        return SRM_ERROR(SRM_EINVAL, "%s: __metadata__ is not an object", path);
    const char *mk;
    json_t *mv;
    json_object_foreach(value, mk, mv)
    {
        if (!json_is_string(mv))
            return SRM_ERROR(SRM_EINVAL, "%s: __metadata__ value '%s' is not a string", path,
                             mk);
        SRM_TRY(srm_tensors_set_meta(ts, mk, json_string_value(mv)));
    }
    return SRM_OK;
}

/* The dtypes srm reads: floating ones are widened to double, the others kept as bytes. */
static const struct {
    const char *name;
    srm_dtype dtype;
    size_t size;
} dtypes[] = {{"F64", SRM_DTYPE_F64, 8},   {"F32", SRM_DTYPE_F32, 4},  {"F16", SRM_DTYPE_F16, 2},
              {"BF16", SRM_DTYPE_BF16, 2}, {"I64", SRM_DTYPE_OTHER, 8}, {"I32", SRM_DTYPE_OTHER, 4},
              {"I16", SRM_DTYPE_OTHER, 2}, {"I8", SRM_DTYPE_OTHER, 1},  {"U64", SRM_DTYPE_OTHER, 8},
              {"U32", SRM_DTYPE_OTHER, 4}, {"U16", SRM_DTYPE_OTHER, 2}, {"U8", SRM_DTYPE_OTHER, 1},
              {"BOOL", SRM_DTYPE_OTHER, 1}};

/* One tensor entry's dtype (index into dtypes), shape and element count, and its byte span
 * [begin, end) inside the data of data_len bytes, all checked against each other. */
static int parse_entry(const char *path, const char *key, json_t *value, size_t data_len,
                       size_t *kind, size_t *ndim, size_t *shape, size_t *count, span *sp)
{
    json_t *dt = json_object_get(value, "dtype");
    json_t *sh = json_object_get(value, "shape");
    json_t *off = json_object_get(value, "data_offsets");
    if (!json_is_object(value) || !json_is_string(dt) || !json_is_array(sh) ||
        !json_is_array(off) || json_array_size(off) != 2)
        return SRM_ERROR(SRM_EINVAL, "%s: tensor '%s': needs dtype, shape and data_offsets",
                         path, key);
    const char *dts = json_string_value(dt);
    size_t k = 0, ndt = sizeof dtypes / sizeof dtypes[0];
    while (k < ndt && strcmp(dts, dtypes[k].name) != 0) k++;
    if (k == ndt)
        return SRM_ERROR(SRM_EINVAL, "%s: tensor '%s': dtype %s not supported (F64, F32, F16, "
                         "BF16, integers, BOOL)", path, key, dts);
    *kind = k;
    size_t elt = dtypes[k].size;
    *ndim = json_array_size(sh);
    if (*ndim > SRM_TENSOR_MAXDIM)
        return SRM_ERROR(SRM_EINVAL, "%s: tensor '%s': %zu dimensions (at most %d)", path, key,
                         *ndim, SRM_TENSOR_MAXDIM);
    *count = 1;
    for (size_t i = 0; i < *ndim; i++) {
        if (!json_size(json_array_get(sh, i), &shape[i]))
            return SRM_ERROR(SRM_EINVAL, "%s: tensor '%s': bad shape", path, key);
        if (shape[i] && *count > SIZE_MAX / 8 / shape[i])
            return SRM_ERROR(SRM_EINVAL, "%s: tensor '%s': shape too large", path, key);
        *count *= shape[i];
    }
    if (!json_size(json_array_get(off, 0), &sp->begin) ||
        !json_size(json_array_get(off, 1), &sp->end) || sp->begin > sp->end ||
        sp->end > data_len)
        return SRM_ERROR(SRM_EINVAL,
                         "%s: tensor '%s': data_offsets out of range (data has %zu bytes)", path,
                         key, data_len);
    if (sp->end - sp->begin != *count * elt)
        return SRM_ERROR(SRM_EINVAL, "%s: tensor '%s': %zu bytes for a %s tensor of %zu "
                         "elements", path, key, sp->end - sp->begin, dts, *count);
    return SRM_OK;
}

/* Adds the tensor `key` to ts: its bytes at src as read, and for a floating dtype its data
 * widened to double (srm targets little-endian hosts, x86-64). */
static int add_tensor(const char *path, const char *key, size_t ndim, const size_t *shape,
                      size_t count, size_t kind, const unsigned char *src, srm_tensors *ts)
{
    srm_tensor *t = tensors_push(ts, key, ndim, shape);
    if (!t) return SRM_ERROR(SRM_ENOMEM, "%s: out of memory", path);
    t->dtype = dtypes[kind].dtype;
    snprintf(t->dtype_name, sizeof t->dtype_name, "%s", dtypes[kind].name);
    t->raw = src;
    t->raw_bytes = count * dtypes[kind].size;
    if (t->dtype == SRM_DTYPE_OTHER) return SRM_OK;
    t->data = malloc((count ? count : 1) * sizeof(double));
    t->owned = 1;
    if (!t->data) return SRM_ERROR(SRM_ENOMEM, "%s: out of memory", path);
    for (size_t i = 0; i < count; i++) t->data[i] = srm_dtype_decode(t->dtype, src, i);
    return SRM_OK;
}

/* No two tensors' byte spans overlap (spans sorted in place). */
static int check_overlap(const char *path, span *spans, size_t nspans, const srm_tensors *ts)
{
    qsort(spans, nspans, sizeof *spans, span_cmp);
    for (size_t i = 1; i < nspans; i++)
        if (spans[i].begin < spans[i - 1].end)
            return SRM_ERROR(SRM_EINVAL, "%s: tensors '%s' and '%s' overlap", path,
                             ts->tensors[spans[i - 1].index].name,
                             ts->tensors[spans[i].index].name);
    return SRM_OK;
}

/* Parses the header object into ts (data converted from `data`, `data_len` bytes). */
static int parse_header(const char *path, json_t *root, const unsigned char *data,
                        size_t data_len, srm_tensors *ts)
{
    if (!json_is_object(root))
        return SRM_ERROR(SRM_EINVAL, "%s: safetensors header is not a JSON object", path);
    size_t ntensors = json_object_size(root);
    span *spans = calloc(ntensors ? ntensors : 1, sizeof *spans);
    if (!spans) return SRM_ERROR(SRM_ENOMEM, "%s: out of memory", path);
    size_t nspans = 0;
    int rc = SRM_OK;
    const char *key;
    json_t *value;
    json_object_foreach(root, key, value)
    {
        if (strcmp(key, "__metadata__") == 0) {
            if ((rc = parse_metadata(path, value, ts)) != SRM_OK) break;
            continue;
        }
        size_t kind = 0, ndim = 0, shape[SRM_TENSOR_MAXDIM] = {0}, count = 0;
        span *sp = &spans[nspans];
        rc = parse_entry(path, key, value, data_len, &kind, &ndim, shape, &count, sp);
        if (rc == SRM_OK)
            rc = add_tensor(path, key, ndim, shape, count, kind, data + sp->begin, ts);
        if (rc != SRM_OK) break;
        sp->index = ts->count - 1;
        nspans++;
    }
    if (rc == SRM_OK) rc = check_overlap(path, spans, nspans, ts);
    free(spans);
    return rc;
}

int srm_safetensors_read(const char *path, srm_tensors **out)
{
    *out = NULL;
    char *text = NULL;
    size_t len = 0;
    SRM_TRY(srm_file_read(path, &text, &len));
    unsigned char *buf = (unsigned char *)text;
    if (len < 8) {
        free(buf);
        return SRM_ERROR(SRM_EINVAL, "%s: truncated safetensors file (%zu bytes)", path, len);
    }
    uint64_t hlen = 0;
    for (int i = 7; i >= 0; i--) hlen = (hlen << 8) | buf[i];
    if (hlen > len - 8 || hlen > MAX_HEADER_BYTES) {
        free(buf);
        return SRM_ERROR(SRM_EINVAL, "%s: header length %llu past the end of the file (%zu "
                         "bytes)", path, (unsigned long long)hlen, len);
    }
    json_error_t jerr;
    json_t *root = json_loadb((const char *)buf + 8, (size_t)hlen, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        free(buf);
        return SRM_ERROR(SRM_EINVAL, "%s: bad safetensors header JSON (%s)", path, jerr.text);
    }
    srm_tensors *ts = srm_tensors_alloc();
    int rc = ts ? parse_header(path, root, buf + 8 + hlen, len - 8 - (size_t)hlen, ts)
                : SRM_ERROR(SRM_ENOMEM, "out of memory");
    json_decref(root);
    if (ts) ts->blob = buf; /* the tensors' raw bytes point into it */
    else free(buf);
    if (rc != SRM_OK) {
        srm_tensors_free(ts);
        return rc;
    }
    *out = ts;
    return SRM_OK;
}

/* Bytes of t as written: the bytes read, or its doubles in its dtype. */
static size_t tensor_bytes(const srm_tensor *t)
{
    return t->raw ? t->raw_bytes : t->size * srm_dtype_size(t->dtype);
}

static void write_tensor(const srm_tensor *t, FILE *f)
{
    if (t->raw) {
        fwrite(t->raw, 1, t->raw_bytes, f);
    } else if (t->dtype == SRM_DTYPE_F64) {
        fwrite(t->data, sizeof(double), t->size, f);
    } else {
        unsigned char b[8];
        for (size_t i = 0; i < t->size; i++) {
            srm_dtype_encode(t->dtype, t->data[i], b);
            fwrite(b, 1, srm_dtype_size(t->dtype), f);
        }
    }
}

int srm_safetensors_write(const char *path, const srm_tensors *ts)
{
    json_t *root = json_object(), *meta = json_object();
    if (!root || !meta) {
        json_decref(root);
        json_decref(meta);
        return SRM_ERROR(SRM_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < ts->nmeta; i++)
        json_object_set_new(meta, ts->meta_keys[i], json_string(ts->meta_values[i]));
    json_object_set_new(meta, "srm_version", json_string(SRM_VERSION));
    json_object_set_new(meta, "srm_command", json_string(srm_meta_command()));
    json_object_set_new(meta, "srm_date", json_string(srm_meta_date()));
    if (srm_meta_run()[0]) json_object_set_new(meta, "srm_run", json_string(srm_meta_run()));
    if (srm_meta_has_seed()) {
        char s[32];
        snprintf(s, sizeof s, "%lu", srm_meta_seed());
        json_object_set_new(meta, "srm_seed", json_string(s));
    }
    json_object_set_new(root, "__metadata__", meta);
    size_t offset = 0;
    for (size_t i = 0; i < ts->count; i++) {
        const srm_tensor *t = &ts->tensors[i];
        json_t *shape = json_array();
        for (size_t d = 0; d < t->ndim; d++) json_array_append_new(shape, json_integer((json_int_t)t->shape[d]));
        size_t bytes = tensor_bytes(t);
        json_t *entry = json_pack("{s:s, s:o, s:[I,I]}", "dtype", t->dtype_name, "shape", shape,
                                  "data_offsets", (json_int_t)offset,
                                  (json_int_t)(offset + bytes));
        if (!entry || json_object_set_new(root, t->name, entry) != 0) {
            json_decref(root);
            return SRM_ERROR(SRM_ENOMEM, "out of memory building header");
        }
        offset += bytes;
    }
    char *header = json_dumps(root, JSON_PRESERVE_ORDER | JSON_COMPACT);
    json_decref(root);
    if (!header) return SRM_ERROR(SRM_ENOMEM, "out of memory building header");
    size_t hlen = strlen(header);
    size_t padded = (hlen + 7) / 8 * 8; /* pad with spaces so the data is 8-byte aligned */
    srm_atomic a;
    int rc = srm_atomic_open(&a, path);
    if (rc != SRM_OK) {
        free(header);
        return rc;
    }
    unsigned char len8[8];
    for (int i = 0; i < 8; i++) len8[i] = (unsigned char)((uint64_t)padded >> (8 * i));
    fwrite(len8, 1, 8, a.f);
    fwrite(header, 1, hlen, a.f);
    for (size_t i = hlen; i < padded; i++) fputc(' ', a.f);
    free(header);
    for (size_t i = 0; i < ts->count; i++) write_tensor(&ts->tensors[i], a.f);
    return srm_atomic_commit(&a);
}
