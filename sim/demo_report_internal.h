/* sim/demo_report_internal.h: what the files of the demo report share (sim/demo_report.c, the
 * section table; sim/demo_report_read.c, reading DIR; sim/demo_report_check.c, the verdicts).
 * Not a public header: sim/demo_report.h is. */
#ifndef SRM_DEMO_REPORT_INTERNAL_H
#define SRM_DEMO_REPORT_INTERNAL_H

#include <stddef.h>

#include "core/tsv.h"
#include "sim/demo_report.h"

/* Gaps below STEP_FLOOR times the largest gap are not used in step ratios: the rounding error of
 * a difference of two states (~1e-16 ||s||) is then at most ~1e-8 relative, far below TOL. */
#define SRM_DEMO_STEP_FLOOR 1e-8
#define SRM_DEMO_FIT_FLOOR 1e-8
/* Relative slack for "measured <= bound": rounding in the measured gaps, not modelling error. */
#define SRM_DEMO_TOL 1e-6

/* A TSV of DIR, or *out = NULL when the file does not exist (malformed files are errors). */
int srm_demo_report_tsv(const srm_demo_report_dir *c, const char *name, srm_tsv **out);
/* Column `name` of t into a fresh array (NULL with an error naming `file` if absent). */
double *srm_demo_report_column(const srm_tsv *t, const char *name, const char *file);
/* printf onto the end of buf (cap bytes); truncates silently. */
void srm_demo_report_appendf(char *buf, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The section becomes NOT MEASURED, saying why. */
void srm_demo_report_not_measured(srm_demo_report_section *s, const char *why);
/* The verdict of "measured <= bound" from the worst ratio (relative slack SRM_DEMO_TOL). */
void srm_demo_report_judge_le(srm_demo_report_section *s, double ratio);

/* The verdict of each section (sim/demo_report_check.c). */
int srm_demo_report_definition(const srm_demo_report_dir *c, srm_demo_report_section *s);
int srm_demo_report_rnn_condition(const srm_demo_report_dir *c, srm_demo_report_section *s);
int srm_demo_report_lstm(const srm_demo_report_dir *c, srm_demo_report_section *s);
int srm_demo_report_data_dependent(const srm_demo_report_dir *c, srm_demo_report_section *s);
int srm_demo_report_inference(const srm_demo_report_dir *c, srm_demo_report_section *s);
int srm_demo_report_gradient_gap(const srm_demo_report_dir *c, srm_demo_report_section *s);
int srm_demo_report_smoothness(const srm_demo_report_dir *c, srm_demo_report_section *s);
int srm_demo_report_training(const srm_demo_report_dir *c, srm_demo_report_section *s);
int srm_demo_report_necessity(const srm_demo_report_dir *c, srm_demo_report_section *s);

#endif
