/* core/args.c: the option parser and --help renderer shared by every subcommand. */
#include "core/args.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"

static const srm_arg *find_arg(const srm_args_spec *spec, const char *name, size_t len)
{
    for (const srm_arg *a = spec->args; a && a->name; a++)
        if (strlen(a->name) == len && strncmp(a->name, name, len) == 0) return a;
    return NULL;
}

static int parse_value(const srm_arg *a, const char *text)
{
    char *end = NULL;
    errno = 0;
    switch (a->kind) {
    case SRM_ARG_DOUBLE: {
        double v = strtod(text, &end);
        if (end == text || *end != '\0' || errno == ERANGE || !isfinite(v))
            return SRM_ERROR(SRM_EINVAL, "--%s: '%s' is not a finite number", a->name, text);
        *(double *)a->dest = v;
        return SRM_OK;
    }
    case SRM_ARG_LONG: {
        long v = strtol(text, &end, 10);
        if (end == text || *end != '\0' || errno == ERANGE)
            return SRM_ERROR(SRM_EINVAL, "--%s: '%s' is not an integer", a->name, text);
        *(long *)a->dest = v;
        return SRM_OK;
    }
    case SRM_ARG_ULONG: {
        const char *p = text;
        while (*p == ' ') p++;
        if (*p == '-')
            return SRM_ERROR(SRM_EINVAL, "--%s: '%s' is negative", a->name, text);
        unsigned long v = strtoul(text, &end, 10);
        if (end == text || *end != '\0' || errno == ERANGE)
            return SRM_ERROR(SRM_EINVAL, "--%s: '%s' is not a non-negative integer", a->name,
                             text);
        *(unsigned long *)a->dest = v;
        return SRM_OK;
    }
    case SRM_ARG_SEED: {
        unsigned long v = strtoul(text, &end, 10);
        if (end == text || *end != '\0' || errno == ERANGE || text[0] == '-' || v == 0 ||
            v > 4294967295UL)
            return SRM_ERROR(SRM_EINVAL, "--%s: '%s' is not a seed in 1..4294967295", a->name,
                             text);
        *(unsigned long *)a->dest = v;
        return SRM_OK;
    }
    case SRM_ARG_STRING:
        *(const char **)a->dest = text;
        return SRM_OK;
    case SRM_ARG_FLAG:
        break;
    }
    return SRM_ERROR(SRM_EINVAL, "--%s takes no value", a->name);
}

int srm_args_parse(const srm_args_spec *spec, int argc, char **argv, const char **positional,
                   size_t *npositional)
{
    size_t np = 0;
    int only_positional = 0;
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        if (!only_positional && strcmp(s, "--") == 0) {
            only_positional = 1;
            continue;
        }
        if (!only_positional && (strcmp(s, "--help") == 0 || strcmp(s, "-h") == 0)) {
            srm_args_print_help(spec, stdout);
            return -1;
        }
        if (!only_positional && s[0] == '-' && s[1] == '-' && s[2] != '\0') {
            const char *name = s + 2;
            const char *eq = strchr(name, '=');
            size_t len = eq ? (size_t)(eq - name) : strlen(name);
            const srm_arg *a = find_arg(spec, name, len);
            if (!a)
                return SRM_ERROR(SRM_EINVAL, "unknown option '%.*s' for '%s' (see %s --help)",
                                 (int)(len + 2), s, argv[0], spec->usage);
            if (a->given) *a->given = 1;
            if (a->kind == SRM_ARG_FLAG) {
                if (eq) return SRM_ERROR(SRM_EINVAL, "--%s takes no value", a->name);
                *(int *)a->dest = 1;
                continue;
            }
            const char *value;
            if (eq) {
                value = eq + 1;
            } else {
                if (i + 1 >= argc)
                    return SRM_ERROR(SRM_EINVAL, "--%s needs a value (%s)", a->name,
                                     a->meta ? a->meta : "value");
                value = argv[++i];
            }
            SRM_TRY(parse_value(a, value));
            continue;
        }
        if (np >= spec->max_positional)
            return SRM_ERROR(SRM_EINVAL, "unexpected argument '%s' (usage: %s)", s, spec->usage);
        positional[np++] = s;
    }
    if (np < spec->min_positional)
        return SRM_ERROR(SRM_EINVAL, "missing argument (usage: %s)", spec->usage);
    *npositional = np;
    return SRM_OK;
}

void srm_args_print_help(const srm_args_spec *spec, FILE *f)
{
    fprintf(f, "usage: %s\n\n%s\n\noptions:\n", spec->usage, spec->summary);
    for (const srm_arg *a = spec->args; a && a->name; a++) {
        char left[64];
        if (a->kind == SRM_ARG_FLAG)
            snprintf(left, sizeof left, "--%s", a->name);
        else
            snprintf(left, sizeof left, "--%s %s", a->name, a->meta ? a->meta : "V");
        fprintf(f, "  %-22s %s", left, a->help);
        /* One convention: a required option says "(required" in its help, which then shows
         * no default; options whose default is not a value of their own end in "[...]". */
        size_t hl = strlen(a->help);
        if (strstr(a->help, "(required") || (hl && a->help[hl - 1] == ']')) {
            fputc('\n', f);
            continue;
        }
        switch (a->kind) {
        case SRM_ARG_DOUBLE: fprintf(f, " [%.15g]", *(double *)a->dest); break;
        case SRM_ARG_LONG: fprintf(f, " [%ld]", *(long *)a->dest); break;
        case SRM_ARG_ULONG:
        case SRM_ARG_SEED: fprintf(f, " [%lu]", *(unsigned long *)a->dest); break;
        case SRM_ARG_STRING: {
            const char *v = *(const char **)a->dest;
            fprintf(f, " [%s]", v ? v : "none");
            break;
        }
        case SRM_ARG_FLAG: fprintf(f, " [%s]", *(int *)a->dest ? "on" : "off"); break;
        }
        fputc('\n', f);
    }
    fprintf(f, "  %-22s %s\n", "--help", "show this help and exit");
}

int srm_args_parse_long_list(const char *option, const char *text, long *out, size_t cap,
                             size_t *count)
{
    size_t n = 0;
    const char *p = text;
    if (*p == '\0') return SRM_ERROR(SRM_EINVAL, "--%s: empty list", option);
    while (*p) {
        char *end = NULL;
        errno = 0;
        long v = strtol(p, &end, 10);
        if (end == p || errno == ERANGE || v <= 0 || (*end != ',' && *end != '\0'))
            return SRM_ERROR(SRM_EINVAL, "--%s: '%s' is not a comma-separated list of positive "
                             "integers", option, text);
        if (n >= cap)
            return SRM_ERROR(SRM_EINVAL, "--%s: more than %zu values", option, cap);
        out[n++] = v;
        p = *end == ',' ? end + 1 : end;
        if (*end == ',' && *p == '\0')
            return SRM_ERROR(SRM_EINVAL, "--%s: trailing comma in '%s'", option, text);
    }
    *count = n;
    return SRM_OK;
}

int srm_args_parse_flags(const srm_args_spec *spec, int argc, char **argv)
{
    size_t npos = 0;
    return srm_args_parse(spec, argc, argv, NULL, &npos);
}

const char *srm_args_prescan(int argc, char **argv, const char *name)
{
    size_t len = strlen(name);
    int help = strcmp(name, "help") == 0;
    const char *found = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0) break;
        if (help && strcmp(a, "-h") == 0) return a;
        if (strncmp(a, "--", 2) != 0 || strncmp(a + 2, name, len) != 0) continue;
        if (a[2 + len] == '=') found = a + 3 + len;
        else if (a[2 + len] == '\0' && help) return a;
        else if (a[2 + len] == '\0' && i + 1 < argc) found = argv[++i];
    }
    return found;
}
