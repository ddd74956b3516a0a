/* cli/report_html.c: the HTML page of `srm report` (cli/cmd_report.c): escaping, the header
 * with version, date and command, the summary table, the `srm stability` table of the built-in
 * models, and one section per result with a link to its note and its figure inlined as an SVG
 * data URI, so that report.html is one self-contained file. It writes what sim/demo_report.c
 * judged; it judges nothing. */
#include "cli/report_html.h"

#include <dirent.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/meta.h"
#include "sim/demo_report.h"

/* ---- HTML output ---- */
static void html(FILE *f, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&#39;", f); break;
        default: fputc(*s, f);
        }
    }
}

static void html_number(FILE *f, double v, int digits)
{
    if (isnan(v)) fputs("–", f);
    else fprintf(f, "%.*g", digits, v);
}

/* The figure as an <img> with a base64 data URI, so the page stays one self-contained file. */
static void figure(FILE *f, const srm_demo_report_dir *c, const char *name)
{
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char p[4096], rel[256];
    snprintf(rel, sizeof rel, "%s.svg", name);
    srm_demo_report_path(p, sizeof p, c->dir, rel);
    FILE *in = fopen(p, "rb");
    if (!in) {
        fputs("<p class=\"missing\">figure ", f);
        html(f, rel);
        fputs(" is missing</p>\n", f);
        return;
    }
    fputs("<figure><img alt=\"", f);
    html(f, name);
    fputs("\" src=\"data:image/svg+xml;base64,", f);
    unsigned char b[3];
    size_t n;
    while ((n = fread(b, 1, 3, in)) > 0) {
        unsigned v = (unsigned)b[0] << 16 | (n > 1 ? (unsigned)b[1] << 8 : 0) | (n > 2 ? b[2] : 0);
        fputc(b64[v >> 18 & 63], f);
        fputc(b64[v >> 12 & 63], f);
        fputc(n > 1 ? b64[v >> 6 & 63] : '=', f);
        fputc(n > 2 ? b64[v & 63] : '=', f);
    }
    fclose(in);
    fputs("\"><figcaption>", f);
    html(f, name);
    fputs(".svg (also .png in the folder)</figcaption></figure>\n", f);
}

static const char *verdict_class(int v)
{
    return v == SRM_DEMO_PASS ? "pass" : v == SRM_DEMO_FAIL ? "fail" : "nm";
}

/* A path as a URL path: bytes outside [A-Za-z0-9/._~-] percent-encoded (so no HTML escaping is
 * needed either). */
static void url_path(FILE *f, const char *s)
{
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
            strchr("/._~-", ch))
            fputc(ch, f);
        else fprintf(f, "%%%02X", ch);
    }
}

/* The note of a section: its repository path as text, a file:// link to it in the checkout when
 * `home` (the repository's absolute path) is known. A link relative to the report would break as
 * soon as DIR is not inside the repository. */
static void note_link(FILE *f, const char *note, const char *home)
{
    fputs("<dt>Statement and proof</dt><dd>", f);
    if (home) {
        fputs("<a href=\"file://", f);
        url_path(f, home);
        fputc('/', f);
        url_path(f, note);
        fputs("\">", f);
    }
    fputs("<code>", f);
    html(f, note);
    fputs(home ? "</code></a></dd>" : "</code> (in the srm repository)</dd>", f);
}

/* The `srm stability` table of the built-in models (stability/NAME.json). */
static void stability_table(FILE *f, const srm_demo_report_dir *c)
{
    char dpath[4096];
    srm_demo_report_path(dpath, sizeof dpath, c->dir, "stability");
    struct dirent **names = NULL;
    int n = scandir(dpath, &names, NULL, alphasort);
    fputs("<table><tr><th>model</th><th>cell</th><th>n</th><th>‖W_hh‖₂ or a</th>"
          "<th>λ (LSTM: λ_inf)</th><th>L_x or r</th><th>stable</th></tr>\n", f);
    for (int i = 0; i < n; i++) {
        size_t len = strlen(names[i]->d_name);
        if (len > 5 && strcmp(names[i]->d_name + len - 5, ".json") == 0) {
            char rel[512];
            snprintf(rel, sizeof rel, "stability/%s", names[i]->d_name);
            json_t *j = srm_demo_report_json(c, rel);
            const json_t *cell = json_object_get(j, "cell"), *st = json_object_get(j, "stable");
            int lstm = cell && json_is_string(cell) && !strcmp(json_string_value(cell), "lstm");
            fputs("<tr><td>", f);
            fprintf(f, "%.*s</td><td>", (int)(len - 5), names[i]->d_name);
            html(f, cell && json_is_string(cell) ? json_string_value(cell) : "?");
            fprintf(f, "</td><td>%.0f</td><td>", srm_demo_report_json_number(j, "hidden"));
            html_number(f, srm_demo_report_json_number(j, lstm ? "a" : "spectral_norm"), 4);
            fputs("</td><td>", f);
            html_number(f, srm_demo_report_stability_lambda(j), 4);
            fputs("</td><td>", f);
            html_number(f, srm_demo_report_json_number(j, lstm ? "r" : "lipschitz_x"), 4);
            fprintf(f, "</td><td class=\"%s\">%s</td></tr>\n", st && json_is_true(st) ? "pass" : "fail",
                    st && json_is_true(st) ? "yes" : "no");
            json_decref(j);
        }
        free(names[i]);
    }
    free(names);
    fputs("</table>\n", f);
}

static const char CSS[] =
    "body{font-family:DejaVu Sans,Helvetica,Arial,sans-serif;max-width:900px;margin:2em auto;"
    "padding:0 1em;color:#222;line-height:1.45}h1{font-size:1.6em}h2{font-size:1.25em;"
    "border-top:1px solid #ccc;padding-top:1em;margin-top:2em}table{border-collapse:collapse;"
    "margin:1em 0;display:block;max-width:100%;overflow-x:auto}td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left;font-size:.92em}"
    "th{background:#f3f3f3}.pass{color:#0a7a2f;font-weight:bold}.fail{color:#b00020;"
    "font-weight:bold}.nm{color:#8a6d00;font-weight:bold}.meta{color:#555;font-size:.9em}"
    "dt{font-weight:bold;margin-top:.6em}dd{margin-left:1.5em}figure{margin:1em 0}"
    "figure img{width:800px;max-width:100%;border:1px solid #eee}figcaption{color:#666;"
    "font-size:.85em}code{background:#f5f5f5;padding:0 .2em}";

void srm_cli_report_html_write(FILE *f, const srm_demo_report_dir *c,
                               const srm_demo_report_section *s, size_t n, int npass,
                               const char *home)
{
    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
          "<title>srm: Stable Recurrent Models, demo report</title>\n<style>", f);
    fputs(CSS, f);
    fputs("</style></head><body>\n<h1>Stable Recurrent Models: demo report</h1>\n<p "
          "class=\"meta\">srm " SRM_VERSION " · ", f);
    html(f, srm_meta_date());
    fputs(" · <code>", f);
    html(f, srm_meta_command());
    fputs("</code></p>\n<p>Each result of Miller &amp; Hardt (ICLR 2019), stated and proved in "
          "its note of proofs-notes/, is checked on built-in synthetic models (scripts/demo.sh, "
          "fixed seeds). Each section gives the statement, the bound, the worst case measured, "
          "their ratio (how tight the bound is: 1 means attained) and the verdict. Measured ≤ "
          "bound passes with a relative slack of 1e-6 for rounding.</p>\n", f);
    fprintf(f, "<p><b>%d of %zu sections PASS.</b></p>\n<table><tr><th>result</th><th>worst / "
               "bound</th><th>verdict</th></tr>\n", npass, n);
    for (size_t i = 0; i < n; i++) {
        fprintf(f, "<tr><td><a href=\"#%s\">", s[i].id);
        html(f, s[i].title);
        fputs("</a></td><td>", f);
        html_number(f, s[i].ratio, 4);
        fprintf(f, "</td><td class=\"%s\">%s</td></tr>\n", verdict_class(s[i].verdict),
                srm_demo_report_verdict_name(s[i].verdict));
    }
    fputs("</table>\n<h2>The built-in models (srm stability)</h2>\n", f);
    stability_table(f, c);
    for (size_t i = 0; i < n; i++) {
        fprintf(f, "<h2 id=\"%s\">", s[i].id);
        html(f, s[i].title);
        fprintf(f, " — <span class=\"%s\">%s</span></h2>\n<dl>", verdict_class(s[i].verdict),
                srm_demo_report_verdict_name(s[i].verdict));
        note_link(f, s[i].note, home);
        fputs("<dt>Statement</dt><dd>", f);
        html(f, s[i].statement);
        fputs("</dd><dt>Bound checked</dt><dd>", f);
        html(f, s[i].bound);
        fputs("</dd><dt>What is measured</dt><dd>", f);
        html(f, s[i].measured);
        fputs("</dd><dt>Worst case measured</dt><dd>", f);
        html(f, s[i].worst);
        fputs("</dd><dt>Ratio (worst / bound)</dt><dd>", f);
        html_number(f, s[i].ratio, 10);
        fprintf(f, "</dd><dt>Verdict</dt><dd class=\"%s\">%s</dd></dl>\n",
                verdict_class(s[i].verdict), srm_demo_report_verdict_name(s[i].verdict));
        if (s[i].figure2) figure(f, c, s[i].figure2);
        figure(f, c, s[i].figure);
    }
    fputs("</body></html>\n", f);
}
