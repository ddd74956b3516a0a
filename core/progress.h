/* core/progress.h: a progress line with rate and ETA on stderr, for anything that runs longer
 * than a few seconds. Silent when stderr is not a terminal unless SRM_PROGRESS=1, and silent for
 * the first two seconds; on a terminal redrawn in place a few times per second, otherwise (a log
 * file) one full line every 5 s; never allocates per update. */
#ifndef SRM_PROGRESS_H
#define SRM_PROGRESS_H

#include <stddef.h>

typedef struct srm_progress srm_progress;

srm_progress *srm_progress_alloc(size_t total, const char *label, const char *unit);
void srm_progress_update(srm_progress *p, size_t done);
void srm_progress_free(srm_progress *p); /* finishes the line if one was shown */
/* Clears the line on screen before other output (an epoch line), so that the two never glue;
 * the next update draws it again. */
void srm_progress_break(srm_progress *p);

/* Monotonic wall-clock seconds (for timing epochs and runs). */
double srm_progress_now(void);

#endif
