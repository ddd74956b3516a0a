/* task/dataset.h: the four benchmark tasks, their splits, and where their files live.
 *
 * The data folder (holding wikitext-2/, ptb-char/, jsb-chorales/, atis/) is found as follows:
 * an explicit --data-dir is the only place looked at (a typo must not silently fall back to
 * other data); otherwise the candidates are, in order, $SRM_DATA, ./data, ../shared/data
 * (relative to the working directory), and ../shared/data relative to the folder of the running
 * executable and its two parents (found through /proc/self/exe, so srm and the test programs in
 * build/tests/ both find the data from any working directory). A candidate counts only if it
 * holds the task's subfolder; otherwise the error lists every place looked at.
 * Proofs: proofs-notes/data.md. */
#ifndef SRM_DATA_DATASET_H
#define SRM_DATA_DATASET_H

#include <stddef.h>

typedef enum {
    SRM_TASK_WIKITEXT2, /* word-level language model, wikitext-2/{train,valid,test}.txt */
    SRM_TASK_PTBCHAR,   /* character-level language model, ptb-char/ptb.char.*.txt */
    SRM_TASK_JSB,       /* polyphonic music, jsb-chorales/jsb_*.txt */
    SRM_TASK_ATIS,      /* slot filling + intent, atis/atis*.w-intent.iob files */
    SRM_TASK_COUNT
} srm_task;

typedef enum { SRM_SPLIT_TRAIN, SRM_SPLIT_VALID, SRM_SPLIT_TEST, SRM_SPLIT_COUNT } srm_split;

/* "wikitext2", "ptbchar", "jsb", "atis" -> task; SRM_EINVAL naming the choices otherwise. */
int srm_data_task_parse(const char *name, srm_task *task);
const char *srm_data_task_name(srm_task task);   /* "wikitext2" */
const char *srm_data_task_folder(srm_task task); /* "wikitext-2" */
const char *srm_data_split_name(srm_split split); /* "train", "valid", "test" */

/* Finds the data folder for `task` as described above (`data_dir`: --data-dir, or NULL) and
 * writes it to `out`. SRM_EIO listing every place looked at when there is none. */
int srm_data_locate(srm_task task, const char *data_dir, char *out, size_t size);

/* The search itself over explicit candidates; `labels[i]` (or NULL) says where candidate i came
 * from in the error message, e.g. "$SRM_DATA". */
int srm_data_locate_among(srm_task task, const char *const *candidates,
                          const char *const *labels, size_t n, char *out, size_t size);

/* "DIR/FOLDER/FILE" into out; SRM_EINVAL when it does not fit. */
int srm_data_path(char *out, size_t size, const char *dir, const char *folder, const char *file);

/* ASCII whitespace, as Python's bytes.split() uses: space \t \n \r \v \f. */
static inline int srm_data_is_space(unsigned char c)
{
    return c == ' ' || (c >= '\t' && c <= '\r');
}

#endif
