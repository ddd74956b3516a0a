/* task/music.c: reader for the JSB Chorales text files (see music.h). The file is read line by
 * line because every record is one line and errors must name the line. */
#include "task/music.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/file.h"

static const char *const files[SRM_SPLIT_COUNT] = {"jsb_train.txt", "jsb_valid.txt",
                                                   "jsb_test.txt"};

const char *srm_music_file(srm_split split) { return files[split]; }

typedef struct {
    const char *path;
    char *p, *end; /* unread part of the buffer */
    size_t line;   /* number of the line last returned */
} reader;

/* Next line that is not blank; `#` lines are comments only before the first record. Returns
 * NULL at the end of the file. The line is NUL-terminated in place. */
static char *next_line(reader *r, int allow_comment)
{
    while (r->p < r->end) {
        char *s = r->p, *nl = memchr(s, '\n', (size_t)(r->end - s));
        if (nl) {
            *nl = '\0';
            r->p = nl + 1;
        } else {
            r->p = r->end;
        }
        r->line++;
        char *q = s;
        while (*q && srm_data_is_space((unsigned char)*q)) q++;
        if (*q == '\0') continue;
        if (*q == '#' && allow_comment) continue;
        return s;
    }
    return NULL;
}

/* Parses the integers of a line into v (at most cap); *n is their count. */
static int parse_ints(reader *r, char *s, long *v, size_t cap, size_t *n)
{
    *n = 0;
    for (;;) {
        while (*s && srm_data_is_space((unsigned char)*s)) s++;
        if (*s == '\0') return SRM_OK;
        char *endp;
        errno = 0;
        long x = strtol(s, &endp, 10);
        if (endp == s || (*endp && !srm_data_is_space((unsigned char)*endp)) || errno == ERANGE) {
            char *e = s;
            while (*e && !srm_data_is_space((unsigned char)*e)) e++;
            return SRM_ERROR(SRM_EINVAL, "%s:%zu: '%.*s' is not an integer", r->path, r->line,
                             (int)(e - s > 32 ? 32 : e - s), s);
        }
        if (*n == cap)
            return SRM_ERROR(SRM_EINVAL, "%s:%zu: more than %zu numbers on a line", r->path,
                             r->line, cap);
        v[(*n)++] = x;
        s = endp;
    }
}

void srm_music_split_clear(srm_music_split *s)
{
    free(s->chorale_start);
    free(s->step_start);
    free(s->keys);
    memset(s, 0, sizeof *s);
}

/* One line holding a single positive count ("N" or "T"); `what` names it in errors. */
static int read_count(reader *r, const char *what, long max, long *out, int allow_comment)
{
    long v[SRM_MUSIC_KEYS + 2];
    size_t n;
    char *s = next_line(r, allow_comment);
    if (!s) return SRM_ERROR(SRM_EINVAL, "%s:%zu: file ends where %s was expected", r->path,
                             r->line + 1, what);
    SRM_TRY(parse_ints(r, s, v, sizeof v / sizeof v[0], &n));
    if (n != 1 || v[0] < 1 || v[0] > max)
        return SRM_ERROR(SRM_EINVAL, "%s:%zu: expected %s (one integer in 1..%ld)", r->path,
                         r->line, what, max);
    *out = v[0];
    return SRM_OK;
}

static int parse(reader *r, srm_music_split *s, size_t len)
{
    long nch;
    /* Bounds from the file size keep the arrays exact-sized without a second pass: every
     * step is a line of >= 2 bytes, every note >= 2 more. */
    SRM_TRY(read_count(r, "the number of chorales", 1000000, &nch, 1));
    s->chorale_start = malloc(((size_t)nch + 1) * sizeof *s->chorale_start);
    s->step_start = malloc((len / 2 + 2) * sizeof *s->step_start);
    s->keys = malloc((len / 2 + 1) * sizeof *s->keys);
    if (!s->chorale_start || !s->step_start || !s->keys)
        return SRM_ERROR(SRM_ENOMEM, "%s: out of memory", r->path);
    s->step_start[0] = 0;
    for (long c = 0; c < nch; c++) {
        long T;
        char what[96];
        snprintf(what, sizeof what, "the length of chorale %ld of %ld", c + 1, nch);
        SRM_TRY(read_count(r, what, 1000000, &T, 0));
        s->chorale_start[c] = s->nsteps;
        for (long t = 0; t < T; t++) {
            long v[SRM_MUSIC_KEYS + 2];
            size_t n;
            char *line = next_line(r, 0);
            if (!line)
                return SRM_ERROR(SRM_EINVAL,
                                 "%s:%zu: file ends inside chorale %ld of %ld (step %ld of %ld)",
                                 r->path, r->line + 1, c + 1, nch, t + 1, T);
            SRM_TRY(parse_ints(r, line, v, sizeof v / sizeof v[0], &n));
            if (v[0] < 0 || v[0] > SRM_MUSIC_KEYS)
                return SRM_ERROR(SRM_EINVAL, "%s:%zu: note count k=%ld outside 0..88", r->path,
                                 r->line, v[0]);
            if ((size_t)v[0] != n - 1)
                return SRM_ERROR(SRM_EINVAL,
                                 "%s:%zu: step line 'k p1 .. pk' has k=%ld but %zu pitches",
                                 r->path, r->line, v[0], n - 1);
            for (size_t i = 1; i < n; i++) {
                long p = v[i];
                if (p < SRM_MUSIC_LOWEST_PITCH || p >= SRM_MUSIC_LOWEST_PITCH + SRM_MUSIC_KEYS)
                    return SRM_ERROR(SRM_EINVAL, "%s:%zu: pitch %ld outside 21..108", r->path,
                                     r->line, p);
                if (i > 1 && p <= v[i - 1])
                    return SRM_ERROR(SRM_EINVAL, "%s:%zu: pitches not strictly ascending (%ld "
                                     "after %ld)", r->path, r->line, p, v[i - 1]);
                s->keys[s->nnotes++] = (uint8_t)(p - SRM_MUSIC_LOWEST_PITCH);
            }
            s->step_start[++s->nsteps] = s->nnotes;
        }
    }
    s->chorale_start[nch] = s->nsteps;
    s->nchorales = (size_t)nch;
    if (next_line(r, 0))
        return SRM_ERROR(SRM_EINVAL, "%s:%zu: data after the last of %ld chorales", r->path,
                         r->line, nch);
    return SRM_OK;
}

int srm_music_read(const char *path, srm_music_split *out)
{
    memset(out, 0, sizeof *out);
    char *text;
    size_t len;
    SRM_TRY(srm_file_read(path, &text, &len));
    if (memchr(text, '\0', len)) {
        free(text);
        return SRM_ERROR(SRM_EINVAL, "%s: NUL byte in a text file", path);
    }
    reader r = {path, text, text + len, 0};
    int rc = parse(&r, out, len);
    free(text);
    if (rc != SRM_OK) srm_music_split_clear(out);
    return rc;
}

int srm_music_load(const char *data_dir, srm_music **out)
{
    *out = NULL;
    srm_music *m = calloc(1, sizeof *m);
    if (!m) return SRM_ERROR(SRM_ENOMEM, "out of memory");
    for (int s = 0; s < SRM_SPLIT_COUNT; s++) {
        char path[4096];
        int rc = srm_data_path(path, sizeof path, data_dir, "jsb-chorales", files[s]);
        if (rc == SRM_OK) rc = srm_music_read(path, &m->split[s]);
        if (rc != SRM_OK) {
            srm_music_free(m);
            return rc;
        }
    }
    *out = m;
    return SRM_OK;
}

void srm_music_free(srm_music *m)
{
    if (!m) return;
    for (int s = 0; s < SRM_SPLIT_COUNT; s++) srm_music_split_clear(&m->split[s]);
    free(m);
}

size_t srm_music_length(const srm_music_split *s, size_t chorale)
{
    return s->chorale_start[chorale + 1] - s->chorale_start[chorale];
}

void srm_music_frames(const srm_music_split *s, size_t chorale, double *frames)
{
    size_t t0 = s->chorale_start[chorale], T = srm_music_length(s, chorale);
    memset(frames, 0, T * SRM_MUSIC_KEYS * sizeof *frames);
    for (size_t t = 0; t < T; t++)
        for (size_t i = s->step_start[t0 + t]; i < s->step_start[t0 + t + 1]; i++)
            frames[t * SRM_MUSIC_KEYS + s->keys[i]] = 1.0;
}

void srm_music_split_stats(const srm_music_split *s, srm_music_stats *out)
{
    *out = (srm_music_stats){.min_length = (size_t)-1, .min_key = SRM_MUSIC_KEYS, .max_key = -1};
    for (size_t c = 0; c < s->nchorales; c++) {
        size_t T = srm_music_length(s, c);
        if (T < out->min_length) out->min_length = T;
        if (T > out->max_length) out->max_length = T;
    }
    if (s->nchorales == 0) out->min_length = 0;
    for (size_t t = 0; t < s->nsteps; t++) {
        size_t k = s->step_start[t + 1] - s->step_start[t];
        out->silent_steps += k == 0;
        if (k > out->max_notes) out->max_notes = k;
    }
    for (size_t i = 0; i < s->nnotes; i++) {
        if (s->keys[i] < out->min_key) out->min_key = s->keys[i];
        if (s->keys[i] > out->max_key) out->max_key = s->keys[i];
    }
}
