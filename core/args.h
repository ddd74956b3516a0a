/* core/args.h: one option parser for every srm subcommand.
 *
 * A command declares a table of options (name, kind, destination, default text, help); the
 * parser fills the destinations, collects positional arguments, and renders `--help` with every
 * default in brackets, as kann does. Numbers are parsed strictly: trailing junk, NaN and Inf
 * are errors that name the option. Both `--name value` and `--name=value` are accepted. */
#ifndef SRM_ARGS_H
#define SRM_ARGS_H

#include <stddef.h>
#include <stdio.h>

typedef enum {
    SRM_ARG_FLAG,   /* int*: set to 1 when present */
    SRM_ARG_DOUBLE, /* double* (finite) */
    SRM_ARG_LONG,   /* long* */
    SRM_ARG_ULONG,  /* unsigned long* (non-negative) */
    SRM_ARG_SEED,   /* unsigned long* in 1..2^32-1: GSL's mt19937 keeps 32 bits and maps 0 to
                       4357, so other values would silently alias */
    SRM_ARG_STRING  /* const char** */
} srm_arg_kind;

typedef struct {
    const char *name;      /* without the leading "--" */
    srm_arg_kind kind;
    void *dest;            /* the destination already holds the default value */
    const char *meta;      /* value placeholder in help, e.g. "L" (NULL for flags) */
    const char *help;      /* one line; the default is appended from `dest` */
    int *given;            /* optional: set to 1 when the option appears */
} srm_arg;

/* The --json flag of a command that prints a report (core/report.h), and the entry that ends
 * every table. */
#define SRM_ARG_JSON(dest, help) {"json", SRM_ARG_FLAG, (dest), NULL, (help), NULL}
#define SRM_ARGS_END {NULL, 0, NULL, NULL, NULL, NULL}

typedef struct {
    const char *usage;     /* e.g. "srm norm [options] [FILE|-]" */
    const char *summary;   /* one paragraph describing the command */
    const srm_arg *args;   /* terminated by an entry with name == NULL */
    size_t min_positional, max_positional;
} srm_args_spec;

/* Parses argv[1..argc-1] (argv[0] is the subcommand name). Positional arguments are stored in
 * `positional` (at most `max_positional`), their count in `*npositional`.
 * Returns SRM_OK, SRM_EINVAL on a bad argument, or -1 when --help was printed (the caller
 * then exits 0). A lone "-" is a positional argument (stdin). */
int srm_args_parse(const srm_args_spec *spec, int argc, char **argv, const char **positional,
                   size_t *npositional);

/* The value of --NAME V or --NAME=V in argv before parsing (the last one wins, as in
 * srm_args_parse), NULL when absent; for NAME "help", a non-NULL pointer when --help or -h is
 * given, exactly as srm_args_parse sees them (nothing after "--" counts). Commands whose help
 * depends on other flags (srm train, srm table1) look ahead with it. */
const char *srm_args_prescan(int argc, char **argv, const char *name);

/* srm_args_parse for a command that takes no positional arguments. */
int srm_args_parse_flags(const srm_args_spec *spec, int argc, char **argv);

void srm_args_print_help(const srm_args_spec *spec, FILE *stream);

/* Parses a comma-separated list of positive integers ("1,2,4,8") into `out` (capacity `cap`). */
int srm_args_parse_long_list(const char *option, const char *text, long *out, size_t cap,
                             size_t *count);

#endif
