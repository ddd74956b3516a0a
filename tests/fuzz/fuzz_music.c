/* tests/fuzz/fuzz_music.c: fuzzes the JSB Chorales text reader (task/music.h,
 * srm_music_read, which srm_music_load calls on jsb_{train,valid,test}.txt). The input is one
 * such file. An accepted split must be consistent (chorale and step offsets increasing, keys
 * in 0..87 and ascending within a step); its statistics and every chorale's dense piano roll
 * (srm_music_frames) are computed, so ASan sees any offset past the arrays. The .mat copy of
 * the dataset (data/jsb-chorales/JSB_Chorales.mat) has no loader in srm, so nothing to fuzz. */
#include "tests/fuzz/fuzz_common.h"

#include "task/music.h"

static void check_split(const srm_music_split *s)
{
    FUZZ_ASSERT(s->nchorales >= 1);
    FUZZ_ASSERT(s->chorale_start[0] == 0 && s->chorale_start[s->nchorales] == s->nsteps);
    for (size_t c = 0; c < s->nchorales; c++)
        FUZZ_ASSERT(s->chorale_start[c] < s->chorale_start[c + 1]); /* T >= 1 */
    FUZZ_ASSERT(s->step_start[0] == 0 && s->step_start[s->nsteps] == s->nnotes);
    for (size_t t = 0; t < s->nsteps; t++) {
        FUZZ_ASSERT(s->step_start[t] <= s->step_start[t + 1]);
        for (size_t i = s->step_start[t]; i < s->step_start[t + 1]; i++)
            FUZZ_ASSERT(s->keys[i] < SRM_MUSIC_KEYS &&
                        (i == s->step_start[t] || s->keys[i] > s->keys[i - 1]));
    }
}

static void check_frames(const srm_music_split *s)
{
    srm_music_stats st;
    srm_music_split_stats(s, &st);
    FUZZ_ASSERT(st.min_length >= 1 && st.min_length <= st.max_length);
    FUZZ_ASSERT(st.max_notes <= SRM_MUSIC_KEYS);
    double *frames = malloc(st.max_length * SRM_MUSIC_KEYS * sizeof *frames);
    FUZZ_ASSERT(frames != NULL);
    for (size_t c = 0; c < s->nchorales; c++) {
        size_t T = srm_music_length(s, c), on = 0;
        srm_music_frames(s, c, frames);
        for (size_t k = 0; k < T * SRM_MUSIC_KEYS; k++) on += frames[k] == 1.0;
        size_t t0 = s->chorale_start[c];
        FUZZ_ASSERT(on == s->step_start[t0 + T] - s->step_start[t0]);
    }
    free(frames);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[512];
    fuzz_write(path, sizeof path, "jsb_train.txt", data, size);
    srm_music_split s;
    int rc = srm_music_read(path, &s);
    if (rc == SRM_OK) {
        check_split(&s);
        check_frames(&s);
        srm_music_split_clear(&s);
    }
    fuzz_done(rc);
    return 0;
}
