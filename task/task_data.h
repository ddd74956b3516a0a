/* task/task_data.h: a benchmark task loaded once for every command that needs one (srm train,
 * eval, analyze, table1): the dataset of task/dataset.h through its loader (task/corpus.h,
 * task/music.h, task/atis.h), the decoder's classes and the encoder's vocabulary, optional
 * slices of each split, and the check that a model's shapes fit the task.
 *
 * Layout per task: wikitext2 and ptbchar are token streams (corpus); jsb is chorales of 88-key
 * frames (music), one chorale per sequence, frame t predicting frame t + 1; atis is utterances
 * with a slot tag per word, in the atis-2 layout (train atis-2.train, valid atis-2.dev, test
 * atis.test; the vocabularies are those of atis-2.train). */
#ifndef SRM_TASK_DATA_H
#define SRM_TASK_DATA_H

#include <stddef.h>

#include "core/model.h"
#include "task/atis.h"
#include "task/corpus.h"
#include "task/dataset.h"
#include "task/metric.h"
#include "task/music.h"

typedef struct srm_task_data {
    srm_task task;
    srm_corpus *corpus;   /* wikitext2, ptbchar */
    srm_music *music;     /* jsb */
    srm_atis *atis;       /* atis */
    srm_chunk_tags *tags; /* atis: the slot tags as BIO chunks (slot F1) */
    size_t classes;       /* decoder outputs: vocabulary, 88 keys, or slot tags */
    size_t vocab;         /* encoder rows (0 for jsb, whose inputs are the frames) */
    size_t max_len;       /* longest sequence within the slices (0 for the token streams) */
    size_t limit[SRM_SPLIT_COUNT]; /* tokens (streams) or sequences in use per split */
} srm_task_data;

/* Loads `task` from the data folder that srm_data_locate finds for `data_dir`. max_train,
 * max_valid, max_test slice the splits (tokens or sequences; 0 = all). */
int srm_task_data_load(srm_task task, const char *data_dir, size_t max_train, size_t max_valid,
                       size_t max_test, srm_task_data **out);
void srm_task_data_free(srm_task_data *d);

/* Language-model tasks (wikitext2, ptbchar): a token stream rather than sequences. */
int srm_task_is_lm(srm_task t);

/* Input length of sequence i of a split (jsb: frames - 1 predictions; atis: words). Sequence
 * tasks only. */
size_t srm_task_data_seq_length(const srm_task_data *d, srm_split s, size_t i);

/* SRM_EINVAL naming both shapes when m does not fit the task: outputs = classes, encoder rows =
 * vocab, and for jsb 88 inputs. */
int srm_task_data_check_model(const srm_task_data *d, const srm_model *m);

/* The vocabularies a trained model carries (task/task_vocab.c), as tensors of U8 bytes: the
 * encoder's tokens (wikitext2, ptbchar: the words or characters; atis: the words) and the
 * decoder's slot tags (atis), each a list of NUL-terminated strings in id order. */
#define SRM_TENSOR_VOCAB "vocab"
#define SRM_TENSOR_TAGS "tags"
/* The list for tensor `which` (SRM_TENSOR_VOCAB or SRM_TENSOR_TAGS), malloc'd into *text
 * (*len bytes); NULL and 0 when the task has no such list (jsb; tags of the LMs). */
int srm_task_data_vocab_text(const srm_task_data *d, const char *which, char **text,
                             size_t *len);
/* SRM_EINVAL naming the model and the first entry that differs when the model's stored lists
 * are not the ones d gives; models without them pass. */
int srm_task_data_check_vocab(const srm_task_data *d, const char *model_path);
/* The whitespace-separated tokens of text as ids of the model file's own vocabulary (T of them,
 * malloc'd doubles, as srm run reads token indices); unknown tokens map to <unk> when the
 * vocabulary has it, else SRM_EINVAL naming the token. */
int srm_task_vocab_ids(const char *model_path, const char *text, double **ids, size_t *T);

#endif
