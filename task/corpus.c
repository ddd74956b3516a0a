/* task/corpus.c: loader for Wikitext-2 and PTB-char token streams (see corpus.h). One pass per
 * file over a buffer holding the whole file; the vocabulary is a hash table, so loading is
 * linear in the file size. */
#include "task/corpus.h"

#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/file.h"

static const char *const files[2][SRM_SPLIT_COUNT] = {
    {"train.txt", "valid.txt", "test.txt"},
    {"ptb.char.train.txt", "ptb.char.valid.txt", "ptb.char.test.txt"}};

const char *srm_corpus_file(srm_task task, srm_split split)
{
    return files[task == SRM_TASK_PTBCHAR][split];
}

void srm_corpus_free(srm_corpus *c)
{
    if (!c) return;
    srm_vocab_free(c->vocab);
    for (int s = 0; s < SRM_SPLIT_COUNT; s++) free(c->split[s].ids);
    free(c);
}

/* Appends token `tok` (len bytes) of line `line` of `path` to `sp`. Train adds new words to the
 * vocabulary; valid/test must already know them. */
static int add_token(srm_corpus *c, srm_corpus_split *sp, int train, const char *path,
                     size_t line, const char *tok, size_t len)
{
    int32_t id;
    if (train) {
        SRM_TRY(srm_vocab_intern(c->vocab, tok, len, &id));
    } else {
        id = srm_vocab_find(c->vocab, tok, len);
        if (id < 0)
            return SRM_ERROR(SRM_EINVAL, "%s:%zu: token '%.*s' does not occur in the training data",
                             path, line, (int)(len > 64 ? 64 : len), tok);
    }
    sp->ids[sp->ntokens++] = id;
    return SRM_OK;
}

static int load_split(srm_corpus *c, srm_split split, const char *path)
{
    char *text;
    size_t len;
    SRM_TRY(srm_file_read(path, &text, &len));
    srm_corpus_split *sp = &c->split[split];
    /* Upper bound on the token count: a token needs one byte plus a separator, and each line
     * adds an <eos>; so ntokens <= len + 1. */
    sp->ids = malloc((len + 1) * sizeof *sp->ids);
    if (!sp->ids) {
        free(text);
        return SRM_ERROR(SRM_ENOMEM, "%s: out of memory", path);
    }
    int train = split == SRM_SPLIT_TRAIN, rc = SRM_OK;
    size_t line = 1;
    const char *p = text, *end = text + len;
    while (p < end && rc == SRM_OK) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *stop = nl ? nl : end;
        if (memchr(p, '\0', (size_t)(stop - p))) {
            rc = SRM_ERROR(SRM_EINVAL, "%s:%zu: NUL byte in a text file", path, line);
            break;
        }
        for (const char *q = p; q < stop && rc == SRM_OK;) {
            while (q < stop && srm_data_is_space((unsigned char)*q)) q++;
            const char *t = q;
            while (q < stop && !srm_data_is_space((unsigned char)*q)) q++;
            if (q == t) break;
            if (c->task == SRM_TASK_PTBCHAR && q - t != 1)
                rc = SRM_ERROR(SRM_EINVAL,
                               "%s:%zu: token '%.*s' is not one character (word-level file?)",
                               path, line, (int)(q - t > 64 ? 64 : q - t), t);
            else
                rc = add_token(c, sp, train, path, line, t, (size_t)(q - t));
        }
        if (rc != SRM_OK) break;
        rc = add_token(c, sp, train, path, line, "<eos>", 5);
        if (rc != SRM_OK) break;
        sp->neos++;
        if (train && sp->neos == 1) c->eos = srm_vocab_find(c->vocab, "<eos>", 5);
        if (nl) sp->nlines++;
        line++;
        p = nl ? nl + 1 : end;
    }
    free(text);
    if (rc != SRM_OK) return rc;
    int32_t *shrunk = realloc(sp->ids, (sp->ntokens ? sp->ntokens : 1) * sizeof *shrunk);
    if (shrunk) sp->ids = shrunk;
    return SRM_OK;
}

int srm_corpus_load(srm_task task, const char *data_dir, srm_corpus **out)
{
    *out = NULL;
    if (task != SRM_TASK_WIKITEXT2 && task != SRM_TASK_PTBCHAR)
        return SRM_ERROR(SRM_EINVAL, "task %s is not a token corpus", srm_data_task_name(task));
    srm_corpus *c = calloc(1, sizeof *c);
    if (!c || !(c->vocab = srm_vocab_alloc())) {
        free(c);
        return SRM_ERROR(SRM_ENOMEM, "out of memory");
    }
    c->task = task;
    c->eos = -1;
    for (int s = 0; s < SRM_SPLIT_COUNT; s++) {
        char path[4096];
        int rc = srm_data_path(path, sizeof path, data_dir, srm_data_task_folder(task),
                               srm_corpus_file(task, (srm_split)s));
        if (rc == SRM_OK) rc = load_split(c, (srm_split)s, path);
        if (rc == SRM_OK && c->split[s].ntokens == 0) /* before valid blames its tokens on it */
            rc = SRM_ERROR(SRM_EINVAL, "%s: empty: no tokens", path);
        if (rc != SRM_OK) {
            srm_corpus_free(c);
            return rc;
        }
    }
    *out = c;
    return SRM_OK;
}
