/* cli/report_html.h: what `srm report` (cli/cmd_report.c, which reads DIR and judges each result)
 * shares with its HTML writer (cli/report_html.c): the section record, the folder being read,
 * and the few helpers each side uses from the other. Not a public header; its srm_cli_report_*
 * names keep them apart from core/report.h (the "label: value" printer). */
#ifndef SRM_REPORT_HTML_H
#define SRM_REPORT_HTML_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

enum { NOT_MEASURED = -1, FAIL = 0, PASS = 1 };

typedef struct {
    const char *id, *title, *statement, *bound, *measured, *figure, *figure2;
    char worst[1024]; /* what the worst case was and where; plain text */
    double ratio;     /* worst measured / bound (NaN: not measured) */
    int verdict;
} section;

typedef struct {
    const char *dir;
    double input_bound;
} report_ctx;

/* From cli/cmd_report.c: DIR/name into buf; DIR/name as JSON (NULL when absent or malformed);
 * a number of a JSON object (NaN when missing); lambda of a stability JSON. */
void srm_cli_report_path_in(char *buf, size_t cap, const char *dir, const char *name);
json_t *srm_cli_report_json_optional(const report_ctx *c, const char *name);
double srm_cli_report_json_num(const json_t *j, const char *key);
double srm_cli_report_stability_lambda(const json_t *j);

/* From cli/report_html.c: "PASS", "FAIL" or "NOT MEASURED". */
const char *srm_cli_report_verdict_name(int v);
/* The self-contained report page for sections s[0..n), npass of them PASS, into f. */
void srm_cli_report_html_write(FILE *f, const report_ctx *c, const section *s, size_t n, int npass);

#endif
