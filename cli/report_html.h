/* cli/report_html.h: the HTML page of `srm report` (cli/cmd_report.c). The sections and their
 * verdicts come from sim/demo_report.h; this writer only prints them. */
#ifndef SRM_REPORT_HTML_H
#define SRM_REPORT_HTML_H

#include <stddef.h>
#include <stdio.h>

#include "sim/demo_report.h"

/* The self-contained report page for sections s[0..n), npass of them PASS, into f. `home` is the
 * repository's absolute path (each section links to its note there), or NULL when unknown (the
 * note's repository path is shown without a link). */
void srm_cli_report_html_write(FILE *f, const srm_demo_report_dir *c,
                               const srm_demo_report_section *s, size_t n, int npass,
                               const char *home);

#endif
