/* tests/fuzz/fuzz_atis.c: fuzzes the ATIS loader (task/atis.h, srm_atis_load). Input: one byte
 * choosing the layout (even: standard, train + test; odd: dev, train + valid + test), then the
 * files of the layout's splits in split order, cut at FF FE (missing ones are empty). An
 * accepted dataset must have utterance offsets that add up, every word, tag and intent id
 * inside its vocabulary and every gold tag inside the train tags plus the extra ones. */
#include "tests/fuzz/fuzz_common.h"

#include "task/atis.h"

static void check_split(const srm_atis *a, const srm_atis_split *s)
{
    size_t words = srm_vocab_size(a->words), tags = srm_vocab_size(a->tags);
    size_t gold = tags + srm_vocab_size(a->extra_tags), intents = srm_vocab_size(a->intents);
    if (!s->file) {
        FUZZ_ASSERT(s->n == 0 && s->nwords == 0);
        return;
    }
    FUZZ_ASSERT(s->start[0] == 0 && s->start[s->n] == s->nwords);
    for (size_t u = 0; u < s->n; u++) {
        FUZZ_ASSERT(s->start[u] <= s->start[u + 1]);
        FUZZ_ASSERT(s->start[u + 1] - s->start[u] <= s->max_words);
        FUZZ_ASSERT(s->intent[u] >= 0 && (size_t)s->intent[u] < intents);
    }
    for (size_t i = 0; i < s->nwords; i++) {
        FUZZ_ASSERT(s->words[i] >= 0 && (size_t)s->words[i] < words);
        FUZZ_ASSERT(s->tags[i] >= 0 && (size_t)s->tags[i] < tags);
        FUZZ_ASSERT(s->gold[i] >= 0 && (size_t)s->gold[i] < gold);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    srm_atis_layout layout = data[0] & 1 ? SRM_ATIS_DEV : SRM_ATIS_STANDARD;
    const uint8_t *piece[SRM_SPLIT_COUNT];
    size_t len[SRM_SPLIT_COUNT], n = 0, nfiles = 0;
    for (int s = 0; s < SRM_SPLIT_COUNT; s++) nfiles += srm_atis_file(layout, (srm_split)s) != NULL;
    fuzz_split(data + 1, size - 1, piece, len, nfiles);
    char path[512], rel[256];
    for (int s = 0; s < SRM_SPLIT_COUNT; s++) {
        const char *file = srm_atis_file(layout, (srm_split)s);
        if (!file) continue;
        snprintf(rel, sizeof rel, "data/atis/%s", file);
        fuzz_write(path, sizeof path, rel, piece[n], len[n]);
        n++;
    }
    fuzz_path(path, sizeof path, "data");
    srm_atis *a = NULL;
    int rc = srm_atis_load(path, layout, &a);
    if (rc == SRM_OK)
        for (int s = 0; s < SRM_SPLIT_COUNT; s++) check_split(a, &a->split[s]);
    srm_atis_free(a);
    fuzz_done(rc);
    return 0;
}
