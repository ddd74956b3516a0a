/* task/atis.h: ATIS slot filling (BIO tags) with intents, the JointSLU *.w-intent.iob files.
 *
 * A line is `BOS w1 .. wn EOS<TAB>O t1 .. tn INTENT`; both halves are split on any ASCII
 * whitespace (one train line has an extra space after the tab). The halves must have the same
 * length, start with BOS / O and end with EOS / an intent; the tags must be `O`, `B-x` or `I-x`.
 * Any violation names the file and line. BOS/EOS and their tags are dropped: an utterance is n
 * words, n slot tags and one intent (multi-intents such as `atis_flight#atis_airfare` are one
 * label, as in the README counts).
 *
 * Vocabularies come from the train split only, ids in order of first appearance:
 *   words:   `<unk>` = 0, then train words; unknown valid/test words map to `<unk>`;
 *   tags:    `O` = 0, then train tags; tags unseen in training map to `O`;
 *   intents: `<unk>` = 0, then train intents; intents unseen in training map to `<unk>`, a
 *            class no training utterance has, so such utterances count as intent errors, as in
 *            the standard evaluation (5 of the 893 test utterances).
 * Layouts: SRM_ATIS_STANDARD is the usual evaluation (train = atis.train, 4,978; no valid;
 * test = atis.test, 893); SRM_ATIS_DEV is for model selection (train = atis-2.train, 4,478;
 * valid = atis-2.dev, 500; test = atis.test). */
#ifndef SRM_DATA_ATIS_H
#define SRM_DATA_ATIS_H

#include <stddef.h>
#include <stdint.h>

#include "task/dataset.h"
#include "task/vocab.h"

typedef enum { SRM_ATIS_STANDARD, SRM_ATIS_DEV } srm_atis_layout;

typedef struct {
    const char *file;  /* file name in atis/, NULL for an absent split (then all counts are 0) */
    size_t n;          /* utterances */
    size_t nwords;     /* words over all utterances, BOS/EOS excluded */
    size_t max_words;  /* longest utterance */
    size_t *start;     /* (n + 1) utterance u is words/tags [start[u], start[u+1]) */
    int32_t *words;    /* (nwords) word ids */
    int32_t *tags;     /* (nwords) slot tag ids (a tag absent from train: O, id 0) for the loss */
    int32_t *gold;     /* (nwords) slot tags as written, for F1: a tag absent from train has id
                        * (train tag count) + its id in srm_atis.extra_tags, which no model
                        * predicts, so its chunk counts as missed */
    int32_t *intent;   /* (n) intent ids */
    /* Raw counts of this file, before mapping to the train vocabularies. */
    size_t distinct_words, distinct_tags, distinct_intents;
    size_t new_words;      /* distinct words absent from train */
    size_t unknown_words;  /* word tokens mapped to <unk> */
    size_t unseen_tags;    /* tag tokens mapped to O */
    size_t unseen_intents; /* utterances whose intent mapped to <unk> */
    srm_vocab *new_tags;   /* tags absent from train, in order of first appearance */
    srm_vocab *new_intents; /* intents absent from train, in order of first appearance */
} srm_atis_split;

typedef struct {
    srm_atis_layout layout;
    srm_vocab *words;   /* <unk>, then the train words */
    srm_vocab *tags;    /* O, then the other train tags */
    srm_vocab *intents; /* <unk>, then the train intents */
    srm_vocab *extra_tags; /* tags of valid and test absent from train, by first appearance */
    srm_atis_split split[SRM_SPLIT_COUNT];
} srm_atis;

/* Loads the files of `layout` from atis/ in the data folder `data_dir`. */
int srm_atis_load(const char *data_dir, srm_atis_layout layout, srm_atis **out);
void srm_atis_free(srm_atis *a);

/* File name of a split in a layout, or NULL (the valid split of SRM_ATIS_STANDARD). */
const char *srm_atis_file(srm_atis_layout layout, srm_split split);

#endif
