/* task/train_internal.h: what the parts of task/train.h share across their files: the padded
 * batches of the loaded task (task/task_data.h) and the configuration as a JSON object.
 * task/train_params.c holds the parameter table and the presets, task/train_config.c the
 * configuration <-> JSON, task/train_data.c the batches and evaluation, task/train_files.c the
 * output files, task/train.c the trainer and its SGD loop.
 * Not a public header: other modules use task/train.h. */
#ifndef SRM_TRAIN_INTERNAL_H
#define SRM_TRAIN_INTERNAL_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "task/atis.h"
#include "task/corpus.h"
#include "task/music.h"
#include "task/metric.h"
#include "task/net.h"
#include "task/task_data.h"
#include "task/train.h"

typedef struct {
    size_t t_max, b_max, d, out;
    int32_t *tokens, *targets;
    double *frames, *target_frames;
    unsigned char *mask;
    srm_net_batch b;
} srm_train_batch;

/* Sorts idx[0..n) by the sequences' lengths, ties by index. */
int srm_train_sort_by_length(const srm_task_data *d, srm_split s, size_t *idx, size_t n);

/* Buffers for batches of up to t_max steps by b_max columns/sequences. */
int srm_train_batch_alloc(srm_train_batch *bb, const srm_task_data *d, size_t t_max,
                          size_t b_max);
void srm_train_batch_free(srm_train_batch *bb);
/* Sequences idx[0..nb) of split s as one padded, time-major batch (into bb->b). */
void srm_train_batch_sequences(srm_train_batch *bb, const srm_task_data *d, srm_split s,
                               const size_t *idx, size_t nb);
/* Window [i, i + T) of the token stream cut into B columns of length L (into bb->b). */
void srm_train_batch_window(srm_train_batch *bb, const int32_t *ids, size_t L, size_t B,
                            size_t i, size_t T);

/* Writes o to path atomically (core/atomic.h), indented, keys in order, with a final newline;
 * o == NULL is out of memory. */
int srm_train_write_json(const char *path, json_t *o);

/* The configuration as a new JSON object (result.json embeds it; NULL when out of memory). */
json_t *srm_train_config_object(const srm_train_config *c);
/* Whether c's JSON equals a stored configuration (srm table1's test of a finished run); with
 * `ignore_epochs` the stored epochs count is taken as equal. A CHOICE row the stored one lacks
 * (written before the row existed) equals choice 0, as srm_train_config_from_json reads it. */
int srm_train_config_same(const srm_train_config *want, json_t *stored, int ignore_epochs);

#endif
