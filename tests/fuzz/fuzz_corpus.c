/* tests/fuzz/fuzz_corpus.c: fuzzes the token-stream corpus loader (task/corpus.h,
 * srm_corpus_load) for Wikitext-2 and PTB-char. Input: one byte choosing the task (even:
 * wikitext2, odd: ptbchar), then the train, valid and test files cut at FF FE (missing ones
 * are empty). An accepted corpus must have every id inside the vocabulary, `<eos>` closing
 * each line, and the line counts the tokens imply. */
#include "tests/fuzz/fuzz_common.h"

#include "task/corpus.h"

static void check_split(const srm_corpus *c, const srm_corpus_split *sp)
{
    size_t vocab = srm_vocab_size(c->vocab), eos = 0;
    for (size_t i = 0; i < sp->ntokens; i++) {
        FUZZ_ASSERT(sp->ids[i] >= 0 && (size_t)sp->ids[i] < vocab);
        eos += sp->ids[i] == c->eos;
    }
    FUZZ_ASSERT(eos >= sp->neos); /* a literal "<eos>" in the text is the same token */
    FUZZ_ASSERT(sp->neos == sp->nlines || sp->neos == sp->nlines + 1);
    FUZZ_ASSERT(sp->ntokens == 0 || sp->ids[sp->ntokens - 1] == c->eos);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    srm_task task = data[0] & 1 ? SRM_TASK_PTBCHAR : SRM_TASK_WIKITEXT2;
    const uint8_t *piece[SRM_SPLIT_COUNT];
    size_t len[SRM_SPLIT_COUNT];
    fuzz_split(data + 1, size - 1, piece, len, SRM_SPLIT_COUNT);
    char path[512], rel[256];
    for (int s = 0; s < SRM_SPLIT_COUNT; s++) {
        snprintf(rel, sizeof rel, "data/%s/%s", srm_data_task_folder(task),
                 srm_corpus_file(task, (srm_split)s));
        fuzz_write(path, sizeof path, rel, piece[s], len[s]);
    }
    fuzz_path(path, sizeof path, "data");
    srm_corpus *c = NULL;
    int rc = srm_corpus_load(task, path, &c);
    if (rc == SRM_OK) {
        FUZZ_ASSERT(c->task == task);
        for (int s = 0; s < SRM_SPLIT_COUNT; s++) check_split(c, &c->split[s]);
    }
    srm_corpus_free(c);
    fuzz_done(rc);
    return 0;
}
