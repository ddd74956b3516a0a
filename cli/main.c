/* cli/main.c: the srm command-line program. Dispatches to subcommands, records the command line
 * for provenance, and is the one place where errors are printed and turned into exit codes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "core/error.h"
#include "core/meta.h"

#define SRM_WEAK_COMMAND(name, help) int srm_cmd_##name(int, char **) __attribute__((weak));
SRM_COMMAND_LIST(SRM_WEAK_COMMAND)
#undef SRM_WEAK_COMMAND

/* OpenBLAS's own API (not in <gsl/gsl_cblas.h>). srm's matrices are small enough that threads
 * cost more than they give, and nested threading on 2 cores was slow: default to one thread
 * unless the user sets OPENBLAS_NUM_THREADS. */
void openblas_set_num_threads(int num_threads);

typedef struct {
    const char *name, *help;
    int (*run)(int, char **);
} command;

static const command commands[] = {
#define SRM_TABLE_COMMAND(name, help) {#name, help, srm_cmd_##name},
    SRM_COMMAND_LIST(SRM_TABLE_COMMAND)
#undef SRM_TABLE_COMMAND
};

static void usage(FILE *f)
{
    fprintf(f, "srm %s: a laboratory for stable recurrent models (Miller & Hardt, ICLR 2019)\n\n"
               "usage: srm COMMAND [options]   (srm COMMAND --help for each command)\n\n"
               "commands:\n", SRM_VERSION);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (commands[i].run) fprintf(f, "  %-11s %s\n", commands[i].name, commands[i].help);
    fprintf(f, "\nenvironment: SRM_DATA (data folder), SRM_DATE (fixed date in provenance),\n"
               "             SRM_PROGRESS=0|1 (progress line),\n"
               "             OPENBLAS_NUM_THREADS (default 1)\n");
}

int main(int argc, char **argv)
{
    srm_meta_init(argc, argv);
    if (!getenv("OPENBLAS_NUM_THREADS")) openblas_set_num_threads(1);
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
        printf("srm %s\n", SRM_VERSION);
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (!commands[i].run || strcmp(argv[1], commands[i].name) != 0) continue;
        srm_error_clear();
        int rc = commands[i].run(argc - 1, argv + 1);
        if (rc == 0) return 0;
        if (rc < 0) return 0;      /* --help was printed */
        if (rc == SRM_NO) return 1; /* the report said why */
        const char *msg = srm_error_message();
        fprintf(stderr, "srm %s: %s\n", argv[1], msg[0] ? msg : "failed");
        return srm_error_exit_status(rc);
    }
    fprintf(stderr, "srm: unknown command '%s' (see srm --help)\n", argv[1]);
    return 2;
}
