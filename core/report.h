/* core/report.h: what a command prints, as text or as one JSON object.
 *
 * A command adds its results in order (number, integer, boolean, string, number array); the
 * report prints them either as aligned "label: value" lines or, with --json, as one JSON object
 * keyed by the machine names. Numbers always carry 17 significant digits. */
#ifndef SRM_REPORT_H
#define SRM_REPORT_H

#include <stddef.h>
#include <stdio.h>

typedef struct srm_report srm_report;

/* NULL (with an SRM_ENOMEM error recorded) when out of memory. */
srm_report *srm_report_alloc(void);
void srm_report_free(srm_report *r);

/* `key` is the JSON key; `label` is the text-mode label (NULL: use the key). The text shows
 * numbers to 10 significant digits and NaN as n/a; JSON keeps every digit (NaN, Inf: null). */
int srm_report_number(srm_report *r, const char *key, const char *label, double v);
int srm_report_integer(srm_report *r, const char *key, const char *label, long long v);
/* An integer whose negative values mean "none": JSON keeps v, the text shows n/a. */
int srm_report_integer_na(srm_report *r, const char *key, const char *label, long long v);
int srm_report_bool(srm_report *r, const char *key, const char *label, int v);
int srm_report_string(srm_report *r, const char *key, const char *label, const char *v);
int srm_report_array(srm_report *r, const char *key, const char *label, const double *v,
                     size_t n);

/* Many results at once, in order: a command's table of (kind, key, label, value) rows instead
 * of one call per result. Integers and booleans travel as doubles (exact below 2^53). */
typedef enum {
    SRM_REPORT_NUMBER,
    SRM_REPORT_INTEGER,
    SRM_REPORT_BOOL,
    SRM_REPORT_INTEGER_NA /* srm_report_integer_na */
} srm_report_kind;
typedef struct {
    srm_report_kind kind;
    const char *key, *label;
    double value;
} srm_report_entry;
int srm_report_entries(srm_report *r, const srm_report_entry *e, size_t n);

int srm_report_print(const srm_report *r, FILE *f, int json);

/* The end of a command: prints r to f (text, or JSON with json != 0) when rc is SRM_OK, frees
 * r, and returns rc (or the print error). r may be NULL when rc already says why. */
int srm_report_finish(srm_report *r, int rc, FILE *f, int json);

/* Formats a double with 17 significant digits (%.17g) into buf (>= 32 bytes). */
const char *srm_report_format(char *buf, size_t size, double v);

#endif
