/* tests/fuzz/fuzz_resume.c: fuzzes what `srm train --resume DIR` reads and validates before it
 * trains: the configuration stored in DIR/checkpoint.safetensors (srm_train_checkpoint_config),
 * then srm_trainer_alloc with resume, which reads the checkpoint's models and loop state
 * (srm_train_read_checkpoint) and DIR/log.tsv (srm_train_read_log). A resumed trainer that is
 * not done runs one epoch on a tiny JSB dataset, as the command would next.
 * Input: the bytes of checkpoint.safetensors, the two bytes FF FE, the bytes of log.tsv (cut at
 * the first FF FE). Configurations beyond small sizes are skipped: they would only measure the
 * allocator, and their data is the same tiny dataset. */
#include "tests/fuzz/fuzz_common.h"

#include "task/task_data.h"
#include "task/train.h"

static srm_task_data *fuzz_jsb; /* loaded once: 2 train chorales, 1 valid, 1 test */

static void write_jsb(void)
{
    static const char *const files[] = {"jsb_train.txt", "jsb_valid.txt", "jsb_test.txt"};
    static const char *const text[] = {"# tiny\n2\n3\n2 60 64\n1 62\n0\n2\n1 65\n3 60 64 67\n",
                                       "1\n3\n1 60\n2 60 67\n1 72\n", "1\n2\n2 48 55\n1 50\n"};
    char path[512], rel[64];
    for (int s = 0; s < 3; s++) {
        snprintf(rel, sizeof rel, "data/jsb-chorales/%s", files[s]);
        fuzz_write(path, sizeof path, rel, (const uint8_t *)text[s], strlen(text[s]));
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    write_jsb();
    char dir[512];
    fuzz_path(dir, sizeof dir, "data");
    if (srm_task_data_load(SRM_TASK_JSB, dir, 0, 0, 0, &fuzz_jsb) != SRM_OK) {
        fprintf(stderr, "fuzz_resume: tiny jsb data: %s\n", srm_error_message());
        abort();
    }
    return 0;
}

/* Sizes a fuzzed configuration may have here (others are skipped, not run). */
static int small(const srm_train_config *c)
{
    return c->hidden <= 16 && c->epochs <= 64 && c->batch <= 8 && c->eval_batch <= 8 &&
           c->bptt <= 64 && c->trunc <= 4;
}

/* What srm train --resume RUN does up to its first epoch; the code of the first refusal. */
static int resume(const char *run)
{
    srm_train_config c;
    int rc = srm_train_checkpoint_config(run, &c);
    if (rc != SRM_OK) return rc;
    if (!small(&c)) return SRM_ERROR(SRM_EINVAL, "fuzz: configuration too large, skipped");
    srm_trainer *tr = NULL;
    rc = srm_trainer_alloc(&c, fuzz_jsb, run, 1, &tr);
    if (rc == SRM_OK && !srm_trainer_done(tr)) {
        srm_train_epoch e;
        int done;
        rc = srm_trainer_epoch(tr, &e, &done);
    }
    srm_trainer_free(tr);
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *piece[2];
    size_t len[2];
    fuzz_split(data, size, piece, len, 2);
    char path[512], run[512];
    fuzz_write(path, sizeof path, "run/checkpoint.safetensors", piece[0], len[0]);
    fuzz_write(path, sizeof path, "run/log.tsv", piece[1], len[1]);
    fuzz_path(path, sizeof path, "run/model.safetensors");
    remove(path); /* an epoch may have written it */
    fuzz_path(run, sizeof run, "run");
    fuzz_done(resume(run));
    return 0;
}
