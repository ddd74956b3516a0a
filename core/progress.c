/* core/progress.c: the progress line (see progress.h). */
#include "core/progress.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct srm_progress {
    size_t total;
    char label[64], unit[16];
    double start, last;
    int enabled, shown, tty; /* tty: redrawn in place; otherwise one line per update */
    int open;                /* a tty line is on screen, not yet ended */
};

double srm_progress_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

srm_progress *srm_progress_alloc(size_t total, const char *label, const char *unit)
{
    srm_progress *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    p->total = total;
    snprintf(p->label, sizeof p->label, "%s", label);
    snprintf(p->unit, sizeof p->unit, "%s", unit ? unit : "steps");
    p->start = p->last = srm_progress_now();
    const char *env = getenv("SRM_PROGRESS");
    p->tty = isatty(STDERR_FILENO);
    p->enabled = env ? strcmp(env, "0") != 0 : p->tty;
    return p;
}

static void format_duration(char *buf, size_t size, double s)
{
    if (s < 0 || s > 1e7)
        snprintf(buf, size, "?");
    else if (s < 60)
        snprintf(buf, size, "%.0fs", s);
    else if (s < 3600)
        snprintf(buf, size, "%dm%02ds", (int)(s / 60), (int)s % 60);
    else
        snprintf(buf, size, "%dh%02dm", (int)(s / 3600), ((int)s % 3600) / 60);
}

void srm_progress_update(srm_progress *p, size_t done)
{
    if (!p || !p->enabled) return;
    double t = srm_progress_now();
    double every = p->tty ? 0.25 : 5.0; /* a log file gets a line every 5 s */
    if (t - p->start < 2.0 || (t - p->last < every && done < p->total)) return;
    p->last = t;
    double elapsed = t - p->start, rate = done ? (double)done / elapsed : 0.0;
    char eta[32], el[32];
    format_duration(eta, sizeof eta, rate > 0 ? (double)(p->total - done) / rate : -1);
    format_duration(el, sizeof el, elapsed);
    fprintf(stderr, "%s%s: %zu/%zu %s (%.1f%%), %.3g %s/s, elapsed %s, ETA %s%s",
            p->tty ? "\r\033[K" : "", p->label, done, p->total, p->unit,
            p->total ? 100.0 * (double)done / (double)p->total : 100.0, rate, p->unit, el, eta,
            p->tty ? "" : "\n");
    fflush(stderr);
    p->shown = 1, p->open = p->tty;
}

void srm_progress_break(srm_progress *p)
{
    if (!p || !p->open) return;
    fputs("\r\033[K", stderr); /* the next line of other output starts at column 0 */
    fflush(stderr);
    p->open = 0;
}

void srm_progress_free(srm_progress *p)
{
    if (!p) return;
    if (p->open) fputc('\n', stderr);
    free(p);
}
