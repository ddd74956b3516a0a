/* task/corpus.h: token-stream language-model corpora (Wikitext-2 words, PTB characters).
 *
 * The standard tokenization of pytorch/examples and awd-lstm-lm `data.py`: every line, blank
 * ones included, becomes `line.split() + ['<eos>']`, splitting on ASCII whitespace and treating
 * tokens as byte strings. A line is what Python iterates: each '\n'-terminated line, plus a
 * final piece without '\n' if it is non-empty (PTB-char files end with "\n " and so get one
 * extra `<eos>`). Ids are given in order of first appearance over train; every valid/test token
 * must occur in train (true for both datasets), else the error names the file and line.
 * PTB-char tokens must be single bytes (a longer token means the word-level file was given). */
#ifndef SRM_DATA_CORPUS_H
#define SRM_DATA_CORPUS_H

#include <stddef.h>
#include <stdint.h>

#include "task/dataset.h"
#include "task/vocab.h"

typedef struct {
    int32_t *ids;   /* (ntokens) token ids, `<eos>` after every line */
    size_t ntokens; /* including the `<eos>` tokens */
    size_t nlines;  /* '\n'-terminated lines (the README's line/sentence counts) */
    size_t neos;    /* `<eos>` tokens = lines as Python iterates them (nlines or nlines + 1) */
} srm_corpus_split;

typedef struct {
    srm_task task;   /* SRM_TASK_WIKITEXT2 or SRM_TASK_PTBCHAR */
    srm_vocab *vocab; /* every token of train, ids in order of first appearance */
    int32_t eos;      /* id of `<eos>` */
    srm_corpus_split split[SRM_SPLIT_COUNT];
} srm_corpus;

/* Loads the three splits of `task` from the data folder `data_dir` (the folder holding
 * wikitext-2/ or ptb-char/, e.g. from srm_data_locate). */
int srm_corpus_load(srm_task task, const char *data_dir, srm_corpus **out);
void srm_corpus_free(srm_corpus *c);

/* The file name of a split: "train.txt", "ptb.char.valid.txt", ... */
const char *srm_corpus_file(srm_task task, srm_split split);

#endif
