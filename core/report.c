/* core/report.c: ordered results printed as "label: value" text or one JSON object. */
#include "core/report.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/grow.h"

typedef enum { ITEM_NUMBER, ITEM_INTEGER, ITEM_BOOL, ITEM_STRING, ITEM_ARRAY } item_kind;

typedef struct {
    item_kind kind;
    char *key, *label;
    double number;
    long long integer;
    char *string;
    double *array;
    size_t n;
    int na_negative; /* srm_report_integer_na */
} item;

struct srm_report {
    item *items;
    size_t count, cap;
};

srm_report *srm_report_alloc(void)
{
    srm_report *r = calloc(1, sizeof(srm_report));
    if (!r) SRM_ERROR(SRM_ENOMEM, "out of memory");
    return r;
}

void srm_report_free(srm_report *r)
{
    if (!r) return;
    for (size_t i = 0; i < r->count; i++) {
        free(r->items[i].key);
        free(r->items[i].label);
        free(r->items[i].string);
        free(r->items[i].array);
    }
    free(r->items);
    free(r);
}

static item *push(srm_report *r, item_kind kind, const char *key, const char *label)
{
    item *ni = srm_grow(r->items, &r->cap, r->count, 16, sizeof *ni);
    if (!ni) return NULL;
    r->items = ni;
    item *it = &r->items[r->count];
    memset(it, 0, sizeof *it);
    it->kind = kind;
    it->key = strdup(key);
    it->label = strdup(label ? label : key);
    if (!it->key || !it->label) {
        free(it->key);
        free(it->label);
        return NULL;
    }
    r->count++;
    return it;
}

#define PUSH_OR_FAIL(it, r, kind, key, label)                                               \
    item *it = push((r), (kind), (key), (label));                                           \
    if (!it) return SRM_ERROR(SRM_ENOMEM, "out of memory")

int srm_report_number(srm_report *r, const char *key, const char *label, double v)
{
    PUSH_OR_FAIL(it, r, ITEM_NUMBER, key, label);
    it->number = v;
    return SRM_OK;
}

int srm_report_integer(srm_report *r, const char *key, const char *label, long long v)
{
    PUSH_OR_FAIL(it, r, ITEM_INTEGER, key, label);
    it->integer = v;
    return SRM_OK;
}

int srm_report_integer_na(srm_report *r, const char *key, const char *label, long long v)
{
    PUSH_OR_FAIL(it, r, ITEM_INTEGER, key, label);
    it->integer = v, it->na_negative = 1;
    return SRM_OK;
}

int srm_report_bool(srm_report *r, const char *key, const char *label, int v)
{
    PUSH_OR_FAIL(it, r, ITEM_BOOL, key, label);
    it->integer = v != 0;
    return SRM_OK;
}

int srm_report_string(srm_report *r, const char *key, const char *label, const char *v)
{
    PUSH_OR_FAIL(it, r, ITEM_STRING, key, label);
    it->string = strdup(v ? v : "");
    if (!it->string) return SRM_ERROR(SRM_ENOMEM, "out of memory");
    return SRM_OK;
}

int srm_report_array(srm_report *r, const char *key, const char *label, const double *v,
                     size_t n)
{
    PUSH_OR_FAIL(it, r, ITEM_ARRAY, key, label);
    it->array = malloc((n ? n : 1) * sizeof(double));
    if (!it->array) return SRM_ERROR(SRM_ENOMEM, "out of memory");
    if (n) memcpy(it->array, v, n * sizeof(double));
    it->n = n;
    return SRM_OK;
}

int srm_report_entries(srm_report *r, const srm_report_entry *e, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const srm_report_entry *x = &e[i];
        if (x->kind == SRM_REPORT_NUMBER) SRM_TRY(srm_report_number(r, x->key, x->label, x->value));
        else if (x->kind == SRM_REPORT_INTEGER_NA)
            SRM_TRY(srm_report_integer_na(r, x->key, x->label, (long long)x->value));
        else if (x->kind == SRM_REPORT_INTEGER)
            SRM_TRY(srm_report_integer(r, x->key, x->label, (long long)x->value));
        else SRM_TRY(srm_report_bool(r, x->key, x->label, x->value != 0));
    }
    return SRM_OK;
}

const char *srm_report_format(char *buf, size_t size, double v)
{
    if (isnan(v))
        snprintf(buf, size, "nan");
    else if (isinf(v))
        snprintf(buf, size, v > 0 ? "inf" : "-inf");
    else
        snprintf(buf, size, "%.17g", v);
    return buf;
}

/* The text form of a number: 10 significant digits, n/a for NaN. */
static const char *human(char *buf, size_t size, double v)
{
    if (isnan(v)) snprintf(buf, size, "n/a");
    else if (isinf(v)) snprintf(buf, size, v > 0 ? "inf" : "-inf");
    else snprintf(buf, size, "%.10g", v);
    return buf;
}

/* JSON has no NaN/Inf: they become null (documented in --help of commands that can emit them). */
static json_t *json_number(double v) { return isfinite(v) ? json_real(v) : json_null(); }

int srm_report_print(const srm_report *r, FILE *f, int json)
{
    char buf[64];
    if (!json) {
        size_t width = 0;
        for (size_t i = 0; i < r->count; i++)
            if (strlen(r->items[i].label) > width) width = strlen(r->items[i].label);
        for (size_t i = 0; i < r->count; i++) {
            const item *it = &r->items[i];
            fprintf(f, "%s:%*s ", it->label, (int)(width - strlen(it->label)), "");
            switch (it->kind) {
            case ITEM_NUMBER: fputs(human(buf, sizeof buf, it->number), f); break;
            case ITEM_INTEGER:
                if (it->na_negative && it->integer < 0) fputs("n/a", f);
                else fprintf(f, "%lld", it->integer);
                break;
            case ITEM_BOOL: fputs(it->integer ? "yes" : "no", f); break;
            case ITEM_STRING: fputs(it->string, f); break;
            case ITEM_ARRAY:
                for (size_t j = 0; j < it->n; j++) {
                    if (j) fputc(' ', f);
                    fputs(human(buf, sizeof buf, it->array[j]), f);
                }
                break;
            }
            fputc('\n', f);
        }
        return ferror(f) ? SRM_ERROR(SRM_EIO, "error writing output") : SRM_OK;
    }
    json_t *obj = json_object();
    if (!obj) return SRM_ERROR(SRM_ENOMEM, "out of memory");
    for (size_t i = 0; i < r->count; i++) {
        const item *it = &r->items[i];
        json_t *v = NULL;
        switch (it->kind) {
        case ITEM_NUMBER: v = json_number(it->number); break;
        case ITEM_INTEGER: v = json_integer(it->integer); break;
        case ITEM_BOOL: v = json_boolean(it->integer); break;
        case ITEM_STRING: v = json_string(it->string); break;
        case ITEM_ARRAY:
            v = json_array();
            for (size_t j = 0; v && j < it->n; j++) json_array_append_new(v, json_number(it->array[j]));
            break;
        }
        if (!v || json_object_set_new(obj, it->key, v) != 0) {
            json_decref(obj);
            return SRM_ERROR(SRM_ENOMEM, "out of memory building JSON");
        }
    }
    char *text = json_dumps(obj, JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17));
    json_decref(obj);
    if (!text) return SRM_ERROR(SRM_ENOMEM, "out of memory printing JSON");
    fprintf(f, "%s\n", text);
    free(text);
    return ferror(f) ? SRM_ERROR(SRM_EIO, "error writing output") : SRM_OK;
}

int srm_report_finish(srm_report *r, int rc, FILE *f, int json)
{
    if (rc == SRM_OK) rc = r ? srm_report_print(r, f, json) : srm_error_code();
    srm_report_free(r);
    return rc;
}
