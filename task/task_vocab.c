/* task/task_vocab.c: the vocabularies a trained model carries (task/task_data.h): the encoder's
 * words (or characters) and, for ATIS, the decoder's slot tags, as U8 tensors of NUL-terminated
 * strings in id order, so that a model file says which token each row means. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/safetensors.h"
#include "task/task_data.h"

/* The vocabulary behind tensor `which` ("vocab" or "tags"), or NULL when the task has none. */
static const srm_vocab *vocab_of(const srm_task_data *d, const char *which)
{
    int tags = strcmp(which, SRM_TENSOR_TAGS) == 0;
    if (d->corpus) return tags ? NULL : d->corpus->vocab;
    if (d->atis) return tags ? d->atis->tags : d->atis->words;
    return NULL;
}

int srm_task_data_vocab_text(const srm_task_data *d, const char *which, char **text,
                             size_t *len)
{
    *text = NULL, *len = 0;
    const srm_vocab *v = vocab_of(d, which);
    if (!v) return SRM_OK;
    size_t n = srm_vocab_size(v), total = 0;
    for (size_t i = 0; i < n; i++) total += srm_vocab_word_length(v, (int32_t)i) + 1;
    char *t = malloc(total ? total : 1);
    if (!t) return SRM_ERROR(SRM_ENOMEM, "out of memory for the vocabulary");
    for (size_t i = 0, at = 0; i < n; i++) {
        size_t l = srm_vocab_word_length(v, (int32_t)i);
        memcpy(t + at, srm_vocab_word(v, (int32_t)i), l + 1); /* with its NUL */
        at += l + 1;
    }
    *text = t, *len = total;
    return SRM_OK;
}

/* Where two NUL-separated lists first differ: the entry index. */
static size_t first_difference(const char *a, size_t la, const char *b, size_t lb)
{
    size_t entry = 0;
    for (size_t i = 0; i < la && i < lb && a[i] == b[i]; i++) entry += a[i] == '\0';
    return entry;
}

int srm_task_data_check_vocab(const srm_task_data *d, const char *model_path)
{
    srm_tensors *ts = NULL;
    SRM_TRY(srm_safetensors_read(model_path, &ts));
    const char *names[] = {SRM_TENSOR_VOCAB, SRM_TENSOR_TAGS};
    int rc = SRM_OK;
    for (size_t k = 0; k < 2 && rc == SRM_OK; k++) {
        const srm_tensor *t = srm_tensors_find(ts, names[k]);
        if (!t) continue; /* models written before srm stored vocabularies */
        char *want = NULL;
        size_t len = 0;
        rc = srm_task_data_vocab_text(d, names[k], &want, &len);
        if (rc == SRM_OK && (len != t->raw_bytes || memcmp(want, t->raw, len) != 0))
            rc = SRM_ERROR(SRM_EINVAL, "%s: its '%s' differs from the one %s's train split gives "
                           "(first at entry %zu): the data changed since the model was trained",
                           model_path, names[k], srm_data_task_name(d->task),
                           first_difference(want, len, (const char *)t->raw, t->raw_bytes));
        free(want);
    }
    srm_tensors_free(ts);
    return rc;
}

/* The id of token tok (len bytes) in the NUL-separated list, or -1. */
static long find_token(const char *list, size_t bytes, const char *tok, size_t len)
{
    long id = 0;
    for (size_t at = 0; at < bytes; id++) {
        size_t l = strnlen(list + at, bytes - at);
        if (l == len && memcmp(list + at, tok, len) == 0) return id;
        at += l + 1;
    }
    return -1;
}

int srm_task_vocab_ids(const char *model_path, const char *text, double **ids, size_t *T)
{
    *ids = NULL, *T = 0;
    srm_tensors *ts = NULL;
    SRM_TRY(srm_safetensors_read(model_path, &ts));
    const srm_tensor *v = srm_tensors_find(ts, SRM_TENSOR_VOCAB);
    size_t cap = strlen(text) / 2 + 1, n = 0;
    double *out = v ? malloc(cap * sizeof *out) : NULL;
    int rc = !v ? SRM_ERROR(SRM_EINVAL, "%s has no '%s' tensor (models srm train wrote carry "
                            "one): --text needs it", model_path, SRM_TENSOR_VOCAB)
             : !out ? SRM_ERROR(SRM_ENOMEM, "out of memory") : SRM_OK;
    const char *list = v ? (const char *)v->raw : NULL, *p = text;
    long unk = v ? find_token(list, v->raw_bytes, "<unk>", 5) : -1;
    while (rc == SRM_OK && *p) {
        while (isspace((unsigned char)*p)) p++;
        const char *start = p;
        while (*p && !isspace((unsigned char)*p)) p++;
        if (p == start) break;
        long id = find_token(list, v->raw_bytes, start, (size_t)(p - start));
        if (id < 0 && unk < 0)
            rc = SRM_ERROR(SRM_EINVAL, "--text: token '%.*s' is not in %s's vocabulary (which "
                           "has no <unk>)", (int)(p - start), start, model_path);
        out[n++] = (double)(id < 0 ? unk : id);
    }
    if (rc == SRM_OK && n == 0) rc = SRM_ERROR(SRM_EINVAL, "--text: no tokens");
    srm_tensors_free(ts);
    if (rc != SRM_OK) return free(out), rc;
    *ids = out, *T = n;
    return SRM_OK;
}
