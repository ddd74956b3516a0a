/* sim/demo_report.h: the verdicts of `srm report DIR` (the demo's report.html).
 *
 * scripts/demo.sh writes TSV/JSON files into DIR; this module reads them (by column name,
 * core/tsv.h) and, for every result the paper proves (one note each in proofs-notes/), computes
 * the worst case measured against its bound, their ratio and PASS/FAIL. A missing input makes
 * its section NOT MEASURED; nothing is invented. The HTML page itself is cli/report_html.c: it
 * writes what this module judged and judges nothing. */
#ifndef SRM_DEMO_REPORT_H
#define SRM_DEMO_REPORT_H

#include <jansson.h>
#include <stddef.h>

enum { SRM_DEMO_NOT_MEASURED = -1, SRM_DEMO_FAIL = 0, SRM_DEMO_PASS = 1 };

/* One result: the fixed texts, then what srm_demo_report_judge measured. */
typedef struct {
    const char *id, *title;
    const char *note; /* repository path of the note that states and proves it */
    const char *statement, *bound, *measured, *figure, *figure2;
    char worst[1024]; /* what the worst case was and where; plain text */
    double ratio;     /* worst measured / bound (NaN: not measured) */
    int verdict;      /* SRM_DEMO_PASS, _FAIL or _NOT_MEASURED */
} srm_demo_report_section;

/* The folder being read and the input bound B_x the demo used (for L_f of the models). */
typedef struct {
    const char *dir;
    double input_bound;
} srm_demo_report_dir;

/* The number of sections (their order is that of the notes: definition, conditions, then the
 * inference, gradient, smoothness, training and necessity results). */
size_t srm_demo_report_count(void);

/* Judges every section into s[0..srm_demo_report_count()). Errors: a malformed input file
 * (named with its line by core/tsv.h) or an unreadable model; a missing one is NOT MEASURED. */
int srm_demo_report_judge(const srm_demo_report_dir *c, srm_demo_report_section *s);

/* "PASS", "FAIL" or "NOT MEASURED". */
const char *srm_demo_report_verdict_name(int verdict);

/* DIR/name into buf; DIR/name as JSON (NULL when absent or malformed); a number of a JSON
 * object (NaN for a missing key or null: srm prints non-finite numbers as null); lambda of a
 * `srm stability` JSON (lambda, or lambda_inf for an LSTM). */
void srm_demo_report_path(char *buf, size_t cap, const char *dir, const char *name);
json_t *srm_demo_report_json(const srm_demo_report_dir *c, const char *name);
double srm_demo_report_json_number(const json_t *j, const char *key);
double srm_demo_report_stability_lambda(const json_t *j);

#endif
