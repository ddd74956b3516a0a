/* task/music.h: JSB Chorales as 88-key piano rolls (Boulanger-Lewandowski 2012 split).
 *
 * Reads the text files jsb_{train,valid,test}.txt: leading `#` lines, then N (chorales), then
 * per chorale a line T followed by T lines "k p1 .. pk" (k active notes, ascending MIDI pitches
 * in 21..108). Every rule is checked (counts, k, range, ascending, nothing after the last
 * chorale) and a violation names the file and line. Frames are stored compactly as the list of
 * active keys per step; srm_music_frames expands a chorale to a dense T x 88 0/1 matrix, key j
 * being MIDI pitch 21 + j (A0 .. C8). */
#ifndef SRM_DATA_MUSIC_H
#define SRM_DATA_MUSIC_H

#include <stddef.h>
#include <stdint.h>

#include "task/dataset.h"

#define SRM_MUSIC_KEYS 88
#define SRM_MUSIC_LOWEST_PITCH 21 /* MIDI pitch of key 0 */

typedef struct {
    size_t nchorales;
    size_t nsteps;          /* time steps (quarter notes) over all chorales */
    size_t nnotes;          /* active notes over all steps */
    size_t *chorale_start;  /* (nchorales + 1) first step of chorale c; the last entry = nsteps */
    size_t *step_start;     /* (nsteps + 1) first note of step t in `keys`; last = nnotes */
    uint8_t *keys;          /* (nnotes) active keys 0..87, ascending within a step */
} srm_music_split;

typedef struct {
    srm_music_split split[SRM_SPLIT_COUNT];
} srm_music;

/* Loads jsb-chorales/jsb_{train,valid,test}.txt from the data folder `data_dir`. */
/* The file name of a split in the data folder's jsb-chorales/ ("jsb_train.txt", ...). */
const char *srm_music_file(srm_split split);
int srm_music_load(const char *data_dir, srm_music **out);
void srm_music_free(srm_music *m);

/* Reads one file into `out` (zeroed first; release with srm_music_split_clear). */
int srm_music_read(const char *path, srm_music_split *out);
void srm_music_split_clear(srm_music_split *s);

/* Length T of chorale c. */
size_t srm_music_length(const srm_music_split *s, size_t chorale);

/* Summary counts of a split (srm data stats): chorale lengths, steps with no note, the most
 * notes in one step, and the lowest and highest key sounded (-1 / SRM_MUSIC_KEYS when none). */
typedef struct {
    size_t min_length, max_length; /* 0 / 0 for an empty split */
    size_t silent_steps, max_notes;
    int min_key, max_key;
} srm_music_stats;
void srm_music_split_stats(const srm_music_split *s, srm_music_stats *out);

/* Writes chorale c as a dense piano roll: frames is (T, 88) row-major, 1.0 where a key sounds. */
void srm_music_frames(const srm_music_split *s, size_t chorale, double *frames);

#endif
