/* task/task_vocab.c: the vocabularies a trained model carries (task/task_data.h): the encoder's
 * words (or characters) and, for ATIS, the decoder's slot tags, as U8 tensors of NUL-terminated
 * strings in id order, so that a model file says which token each row means. */
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
