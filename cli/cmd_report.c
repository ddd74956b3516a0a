/* cli/cmd_report.c: `srm report DIR`, the demo's report.html (issue 3).
 *
 * sim/demo_report.h reads the TSV/JSON files scripts/demo.sh wrote into DIR and judges every
 * result of the paper against its bound (one note each in proofs-notes/); cli/report_html.c
 * writes them into one self-contained HTML page, each section linked to its note; this file
 * parses the command line and prints the summary (one line per section, PASS/FAIL counts). */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/commands.h"
#include "cli/common.h"
#include "cli/report_html.h"
#include "core/args.h"
#include "core/atomic.h"
#include "core/error.h"
#include "core/report.h"
#include "sim/demo_report.h"

/* The summary: the output file, one "title (worst/bound R): VERDICT" line per section, counts. */
static int print_summary(const char *out, const srm_demo_report_section *s, size_t n, int json)
{
    int count[3] = {0, 0, 0}; /* NOT MEASURED, FAIL, PASS */
    for (size_t i = 0; i < n; i++) count[s[i].verdict + 1]++;
    srm_report *r = srm_report_alloc();
    int rc = r ? srm_report_string(r, "out", "report", out) : srm_error_code();
    for (size_t i = 0; rc == SRM_OK && i < n; i++) {
        char label[160];
        snprintf(label, sizeof label, "%s (worst/bound %.4g)", s[i].title, s[i].ratio);
        rc = srm_report_string(r, s[i].id, label, srm_demo_report_verdict_name(s[i].verdict));
    }
    if (rc == SRM_OK) rc = srm_report_integer(r, "sections", "sections", (long long)n);
    if (rc == SRM_OK) rc = srm_report_integer(r, "pass", "PASS", count[2]);
    if (rc == SRM_OK) rc = srm_report_integer(r, "fail", "FAIL", count[1]);
    if (rc == SRM_OK) rc = srm_report_integer(r, "not_measured", "NOT MEASURED", count[0]);
    return srm_report_finish(r, rc, stdout, json);
}

/* report.html, written atomically; sections link to their notes in the repository if found. */
static int write_html(const char *out, const srm_demo_report_dir *c,
                      const srm_demo_report_section *s, size_t n)
{
    char home[4096], *abs = NULL;
    if (srm_cli_find_home("proofs-notes/README.md", home, sizeof home))
        abs = realpath(home, NULL);
    int npass = 0;
    for (size_t i = 0; i < n; i++) npass += s[i].verdict == SRM_DEMO_PASS;
    srm_atomic a;
    int rc = srm_atomic_open(&a, out);
    if (rc == SRM_OK) {
        srm_cli_report_html_write(a.f, c, s, n, npass, abs);
        rc = srm_atomic_commit(&a);
    }
    free(abs);
    return rc;
}

int srm_cmd_report(int argc, char **argv)
{
    const char *out = NULL;
    double input_bound = 1.0;
    int json = 0;
    const srm_arg args[] = {
        {"out", SRM_ARG_STRING, &out, "FILE", "output HTML (default DIR/report.html)", NULL},
        {"input-bound", SRM_ARG_DOUBLE, &input_bound, "B",
         "input bound B_x the demo used (for the model constants that give L_f)", NULL},
        {"json", SRM_ARG_FLAG, &json, NULL, "print the summary as one JSON object", NULL},
        {NULL, 0, NULL, NULL, NULL, NULL}};
    const srm_args_spec spec = {
        "srm report DIR [--out DIR/report.html] [--json]",
        "Assembles the outputs of scripts/demo.sh in DIR into one self-contained report.html: "
        "for every result of the paper (stated and proved in its note of proofs-notes/, which "
        "its section links to) the statement, the bound, the worst case measured, their ratio, "
        "PASS/FAIL and the figure (SVG inlined). Prints the number of sections that PASS and "
        "FAIL; a missing input makes its section NOT MEASURED.",
        args, 1, 1};
    const char *pos[1];
    size_t npos = 0;
    int rc = srm_args_parse(&spec, argc, argv, pos, &npos);
    if (rc != SRM_OK) return rc;
    srm_demo_report_dir c = {pos[0], input_bound};
    DIR *d = opendir(c.dir);
    if (!d) return SRM_ERROR(SRM_EIO, "%s: cannot open the folder", c.dir);
    closedir(d);
    char default_out[4096];
    srm_demo_report_path(default_out, sizeof default_out, c.dir, "report.html");
    if (!out) out = default_out;

    size_t n = srm_demo_report_count();
    srm_demo_report_section *s = calloc(n, sizeof *s);
    if (!s) return SRM_ERROR(SRM_ENOMEM, "out of memory");
    rc = srm_demo_report_judge(&c, s);
    if (rc == SRM_OK) rc = write_html(out, &c, s, n);
    if (rc == SRM_OK) rc = print_summary(out, s, n, json);
    free(s);
    return rc;
}
