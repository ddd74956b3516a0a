/* tests/fuzz/fuzz_args.c: fuzzes the option parser (core/args.h): srm_args_parse on a spec with
 * every kind of option, srm_args_prescan, and srm_args_parse_long_list on the value of --ks.
 * The input is the command line: cut at NUL bytes into argv[1..] (argv[0] is "fuzz"). A
 * successful parse must leave every value in its kind's range; --help is rendered to a sink. */
#include "tests/fuzz/fuzz_common.h"

#include <math.h>

#include "core/args.h"

#define FUZZ_MAX_ARGS 64

typedef struct {
    int flag, json, given_double, given_seed;
    double x;
    long n;
    unsigned long count, seed;
    const char *out, *ks;
} options;

static int parse(options *o, int argc, char **argv, const char **pos, size_t *npos)
{
    const srm_arg args[] = {
        {"flag", SRM_ARG_FLAG, &o->flag, NULL, "a flag", NULL},
        {"x", SRM_ARG_DOUBLE, &o->x, "X", "a finite double", &o->given_double},
        {"n", SRM_ARG_LONG, &o->n, "N", "a long", NULL},
        {"count", SRM_ARG_ULONG, &o->count, "C", "a non-negative count", NULL},
        {"seed", SRM_ARG_SEED, &o->seed, "S", "a seed", &o->given_seed},
        {"out", SRM_ARG_STRING, &o->out, "DIR", "a string (required)", NULL},
        {"ks", SRM_ARG_STRING, &o->ks, "K1,K2", "a list [1,2,4]", NULL},
        SRM_ARG_JSON(&o->json, "print JSON"),
        SRM_ARGS_END};
    const srm_args_spec spec = {"fuzz [options] [A [B]]", "The fuzzing spec.", args, 0, 2};
    return srm_args_parse(&spec, argc, argv, pos, npos);
}

static void check(const options *o, const char **pos, size_t npos, int argc, char **argv)
{
    FUZZ_ASSERT(npos <= 2);
    for (size_t i = 0; i < npos; i++) FUZZ_ASSERT(pos[i] != NULL);
    FUZZ_ASSERT(isfinite(o->x));
    FUZZ_ASSERT(o->seed >= 1 && o->seed <= 4294967295UL);
    FUZZ_ASSERT(o->flag == 0 || o->flag == 1);
    /* the lookahead does not know which options take values, so it may disagree with the
     * parse (a value "--" ends its scan); it must only stay inside argv */
    const char *seen = srm_args_prescan(argc, argv, "out");
    FUZZ_ASSERT(seen == NULL || strlen(seen) < 1u << 20);
    if (o->ks) {
        long list[8];
        size_t n = 0;
        if (srm_args_parse_long_list("ks", o->ks, list, 8, &n) == SRM_OK) {
            FUZZ_ASSERT(n >= 1 && n <= 8);
            for (size_t i = 0; i < n; i++) FUZZ_ASSERT(list[i] > 0);
        }
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    if (!freopen("/dev/null", "w", stdout)) abort(); /* --help output */
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1), *argv[FUZZ_MAX_ARGS + 1];
    FUZZ_ASSERT(text != NULL);
    memcpy(text, data, size);
    text[size] = '\0';
    int argc = 0;
    argv[argc++] = "fuzz";
    for (char *p = text; p <= text + size && argc < FUZZ_MAX_ARGS; p += strlen(p) + 1)
        argv[argc++] = p;
    argv[argc] = NULL;
    options o = {.x = 0.5, .n = -3, .count = 7, .seed = 1};
    const char *pos[2] = {NULL, NULL};
    size_t npos = 0;
    srm_args_prescan(argc, argv, "help");
    int rc = parse(&o, argc, argv, pos, &npos);
    if (rc == SRM_OK) check(&o, pos, npos, argc, argv);
    fuzz_done(rc);
    free(text);
    return 0;
}
