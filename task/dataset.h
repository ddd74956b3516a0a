/* task/dataset.h: the four benchmark tasks, their splits, where their files live, and the
 * check of the data files against data/MANIFEST.sha256.
 *
 * The data folder (holding wikitext-2/, ptb-char/, jsb-chorales/, atis/) is found as follows:
 * an explicit --data-dir is the only place looked at (a typo must not silently fall back to
 * other data); otherwise the candidates are, in order, $SRM_DATA, the repository's data/ (found
 * from the running executable through /proc/self/exe: the first of its folder and that
 * folder's two parents that holds data/MANIFEST.sha256, so srm at the repository root and the
 * test programs in build/tests/ both find it from any working directory), and ./data. A
 * candidate counts only if it holds the task's subfolder; otherwise the error lists every place
 * looked at. Proofs: proofs-notes/data.md. */
#ifndef SRM_DATA_DATASET_H
#define SRM_DATA_DATASET_H

#include <stddef.h>
#include <stdint.h>

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
 * writes it to `out`. task == SRM_TASK_COUNT accepts a folder holding any of the four task
 * subfolders or a MANIFEST.sha256 (srm data verify). SRM_EIO listing every place looked at
 * when there is none. */
int srm_data_locate(srm_task task, const char *data_dir, char *out, size_t size);

/* The search itself over explicit candidates; `labels[i]` (or NULL) says where candidate i came
 * from in the error message, e.g. "$SRM_DATA". */
int srm_data_locate_among(srm_task task, const char *const *candidates,
                          const char *const *labels, size_t n, char *out, size_t size);

/* The repository's data folder: DIR/data for the first DIR of the executable's folder and its
 * two parents where DIR/data/MANIFEST.sha256 exists. 0 when there is none (out then holds the
 * executable's folder + "/data", for messages); 1 when found. */
int srm_data_repository(char *out, size_t size);

/* "DIR/FOLDER/FILE" into out; SRM_EINVAL when it does not fit. */
int srm_data_path(char *out, size_t size, const char *dir, const char *folder, const char *file);

/* ASCII whitespace, as Python's bytes.split() uses: space \t \n \r \v \f. */
static inline int srm_data_is_space(unsigned char c)
{
    return c == ' ' || (c >= '\t' && c <= '\r');
}

/* ---- the manifest (data/MANIFEST.sha256) ---- */

#define SRM_DATA_MANIFEST "MANIFEST.sha256"

typedef enum {
    SRM_DATA_FILE_OK,
    SRM_DATA_FILE_SIZE,    /* the size differs (the sha256 is then not computed) */
    SRM_DATA_FILE_SHA256,  /* same size, different sha256 */
    SRM_DATA_FILE_MISSING  /* no such file, or it cannot be read */
} srm_data_file_status;

typedef struct {
    char *path;                      /* relative to the data folder */
    uint64_t want_size, size;        /* size: of the file found (0 when missing) */
    char want_sha256[65], sha256[65]; /* sha256: "" unless computed */
    srm_data_file_status status;
} srm_data_file;

/* "ok", "MISMATCH size", "MISMATCH sha256", "missing". */
const char *srm_data_file_status_name(srm_data_file_status s);

/* Reads `manifest` (lines "SHA256 SIZE PATH"; '#' lines and blank lines are comments) and checks
 * every listed file under `dir`: *files receives n entries in manifest order (free with
 * srm_data_files_free), *bad the number not SRM_DATA_FILE_OK. SRM_EINVAL for a manifest that
 * cannot be read or is malformed ("MANIFEST:LINE: ..."). A mismatch is not an error here. */
int srm_data_verify(const char *dir, const char *manifest, srm_data_file **files, size_t *n,
                    size_t *bad);
void srm_data_files_free(srm_data_file *files, size_t n);

#endif
