/* tests/train_run.h: removing the files of a training run folder (task/train.h writes them),
 * for the tests that train into scratch folders. */
#ifndef SRM_TEST_TRAIN_RUN_H
#define SRM_TEST_TRAIN_RUN_H

#include <stdio.h>
#include <unistd.h>

/* Removes DIR's model, checkpoint, log and result, then DIR itself if it is empty. */
static inline void remove_run(const char *dir)
{
    static const char *const files[] = {"model.safetensors", "checkpoint.safetensors", "log.tsv",
                                        "result.json"};
    char path[512];
    for (size_t i = 0; i < 4; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        remove(path);
    }
    rmdir(dir);
}

#endif
