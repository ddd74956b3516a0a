/* cli/sweep_grid.c: the grid of srm sweep plan (cli/sweep_grid.h), from the command line (a,b,c
 * lists, N-M integer ranges, =TEXT for TEXT as written, on/off for flags without a value,
 * positional arguments first) and from a grid file (NAME VALUE... per line, whitespace between
 * values, so a value may hold commas; errors name FILE:LINE). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/sweep_grid.h"
#include "core/error.h"
#include "core/file.h"

void srm_sweep_grid_free(grid *g)
{
    for (size_t i = 0; i < g->n; i++) {
        free(g->a[i].name);
        for (size_t j = 0; j < g->a[i].n; j++) free(g->a[i].value[j]);
    }
    g->n = 0;
}

static int add_value(axis *x, const char *v, size_t len, const char *where)
{
    if (x->n == MAX_VALUES)
        return SRM_ERROR(SRM_EINVAL, "%s: --%s: more than %d values", where, x->name, MAX_VALUES);
    if (len == 0) return SRM_ERROR(SRM_EINVAL, "%s: --%s: an empty value", where, x->name);
    if (memchr(v, '\n', len) || memchr(v, '\r', len)) /* jobs.txt holds one job per line */
        return SRM_ERROR(SRM_EINVAL, "%s: --%s: a value with a line break", where, x->name);
    x->value[x->n] = strndup(v, len);
    if (!x->value[x->n]) return SRM_ERROR(SRM_ENOMEM, "out of memory");
    x->n++;
    return SRM_OK;
}

/* One item: N-M (integers, N <= M, at most MAX_VALUES) expands, =TEXT is TEXT as written (a
 * literal 2020-01), anything else is itself. */
static int add_item(axis *x, const char *v, size_t len, const char *where)
{
    char buf[64], *end;
    if (len > 0 && v[0] == '=') return add_value(x, v + 1, len - 1, where);
    if (len < sizeof buf && len > 2 && isdigit((unsigned char)v[0])) {
        memcpy(buf, v, len), buf[len] = '\0';
        char *dash = strchr(buf, '-');
        if (dash && dash > buf && isdigit((unsigned char)dash[1])) {
            long lo = strtol(buf, &end, 10), hi;
            if (end == dash) {
                hi = strtol(dash + 1, &end, 10);
                if (*end != '\0' || hi < lo || hi - lo >= MAX_VALUES)
                    return SRM_ERROR(SRM_EINVAL, "%s: --%s: '%s' is not a range N-M with N <= "
                                     "M (at most %d values)", where, x->name, buf, MAX_VALUES);
                for (long i = lo; i <= hi; i++) {
                    char num[32];
                    int w = snprintf(num, sizeof num, "%ld", i);
                    SRM_TRY(add_value(x, num, (size_t)w, where));
                }
                return SRM_OK;
            }
        }
    }
    return add_value(x, v, len, where);
}

/* Values of one flag: split at commas (not for the command's list flag) or at whitespace (the
 * grid file, sep " \t"); on/off makes it a flag without a value. */
static int set_axis(grid *g, const char *name, const char *text, const char *seps,
                    const char *where)
{
    for (size_t i = 0; i < g->n; i++)
        if (strcmp(g->a[i].name, name) == 0)
            return SRM_ERROR(SRM_EINVAL, "%s: --%s given twice", where, name);
    if (g->n == MAX_AXES) return SRM_ERROR(SRM_EINVAL, "%s: more than %d flags", where, MAX_AXES);
    axis *x = &g->a[g->n];
    memset(x, 0, sizeof *x);
    if (!(x->name = strdup(name))) return SRM_ERROR(SRM_ENOMEM, "out of memory");
    g->n++;
    if (!*seps) { /* the command's list flag: one value, commas and all */
        SRM_TRY(add_value(x, text, strlen(text), where));
    } else if (seps[0] == ',') { /* a,b,c: an empty item is an error */
        for (const char *p = text;; p++) {
            size_t len = strcspn(p, seps);
            SRM_TRY(add_item(x, p, len, where));
            if (!p[len]) break;
            p += len;
        }
    } else { /* the grid file: words */
        for (const char *p = text + strspn(text, seps); *p; p += strspn(p, seps)) {
            size_t len = strcspn(p, seps);
            SRM_TRY(add_item(x, p, len, where));
            p += len;
        }
    }
    if (x->n == 0) return SRM_ERROR(SRM_EINVAL, "%s: --%s: no value", where, name);
    size_t onoff = 0;
    for (size_t j = 0; j < x->n; j++)
        onoff += strcmp(x->value[j], "on") == 0 || strcmp(x->value[j], "off") == 0;
    x->boolean = onoff == x->n;
    if (onoff && !x->boolean) /* no srm flag takes on or off as its value */
        return SRM_ERROR(SRM_EINVAL, "%s: --%s: on/off (a flag without a value) mixed with "
                         "other values", where, name);
    return SRM_OK;
}

static int check_name(const char *name, const char *where)
{
    static const char *const reserved[] = {"out", "resume", "json", "help", "reuse", "force"};
    if (!*name || !isalpha((unsigned char)*name))
        return SRM_ERROR(SRM_EINVAL, "%s: '%s' is not a flag name", where, name);
    for (const char *p = name; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_')
            return SRM_ERROR(SRM_EINVAL, "%s: '%s' is not a flag name", where, name);
    for (size_t i = 0; i < sizeof reserved / sizeof reserved[0]; i++)
        if (strcmp(name, reserved[i]) == 0)
            return SRM_ERROR(SRM_EINVAL, "%s: --%s is set by srm sweep itself", where, name);
    return SRM_OK;
}

/* The grid file: NAME VALUE... per line; '#' starts a comment; errors name FILE:LINE. */
int srm_sweep_grid_file(const char *path, grid *g)
{
    char *text;
    size_t len;
    SRM_TRY(srm_file_read(path, &text, &len));
    int rc = SRM_OK;
    size_t lineno = 0;
    for (char *line = text, *next; rc == SRM_OK && line && *line; line = next) {
        next = strchr(line, '\n');
        if (next) *next++ = '\0';
        lineno++;
        char *hash = strchr(line, '#'), where[4200];
        if (hash) *hash = '\0';
        line += strspn(line, " \t\r");
        if (!*line) continue;
        snprintf(where, sizeof where, "%s:%zu", path, lineno);
        char *name = line, *vals = line + strcspn(line, " \t\r");
        if (*vals) *vals++ = '\0';
        vals[strcspn(vals, "\r")] = '\0';
        if (name[0] == '-' && name[1] == '-') name += 2;
        rc = check_name(name, where);
        if (rc == SRM_OK) rc = set_axis(g, name, vals, " \t", where);
    }
    free(text);
    return rc;
}

/* The command's positional arguments (before its first flag: axes @1, @2, ..., each value an
 * absolute path when it names a file) and flags: --name value, --name=value, or --name alone
 * (on). */
int srm_sweep_grid_flags(int argc, char **argv, const srm_sweep_command *cmd, grid *g)
{
    int npos = 0;
    for (; npos < argc && strncmp(argv[npos], "--", 2) != 0; npos++) {
        char name[16];
        snprintf(name, sizeof name, "@%d", npos + 1);
        SRM_TRY(set_axis(g, name, argv[npos], ",", "plan"));
        axis *x = &g->a[g->n - 1];
        for (size_t j = 0; j < x->n; j++) {
            char abs[4096];
            if (access(x->value[j], F_OK) != 0 || !realpath(x->value[j], abs)) continue;
            char *copy = strdup(abs);
            if (!copy) return SRM_ERROR(SRM_ENOMEM, "out of memory");
            free(x->value[j]), x->value[j] = copy;
        }
    }
    for (int i = npos; i < argc; i++) {
        const char *a = argv[i];
        if (strncmp(a, "--", 2) != 0)
            return SRM_ERROR(SRM_EINVAL, "plan: '%s' is not a --flag of srm %s "
                             "(positional arguments come first)", a, cmd->name);
        char name[128];
        const char *eq = strchr(a + 2, '='), *value;
        size_t nlen = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
        if (nlen >= sizeof name) return SRM_ERROR(SRM_EINVAL, "flag name too long: %s", a);
        memcpy(name, a + 2, nlen), name[nlen] = '\0';
        SRM_TRY(check_name(name, "plan"));
        if (eq) value = eq + 1;
        else if (i + 1 < argc && strncmp(argv[i + 1], "--", 2) != 0) value = argv[++i];
        else value = "on";
        int list = cmd->list_flag && strcmp(name, cmd->list_flag) == 0;
        SRM_TRY(set_axis(g, name, value, list ? "" : ",", "plan"));
    }
    return SRM_OK;
}

