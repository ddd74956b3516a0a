/* cli/cmd_bound.c: `srm bound inference|training`, the truncation length k the inference
 * proposition and the training theorem need (theory/bound.h; proofs-notes/inference.md
 * section 5, proofs-notes/training-theorem.md section 3). */
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "core/args.h"
#include "core/error.h"
#include "core/report.h"
#include "theory/bound.h"

#define INFERENCE_USAGE "srm bound inference --lambda L --eps E [--lf 1] [--lx 1] [--bx 1] [--json]"
#define TRAINING_USAGE                                                                        \
    "srm bound training --lambda L --eps E --steps N --alpha A --beta B --gamma G [--json]"
static const char *const bound_usage = INFERENCE_USAGE "\n       " TRAINING_USAGE;
static const char inference_help[] =
    "Smallest k >= 1 with L_f L_x B_x lambda^k / (1 - lambda) <= eps (the inference "
    "proposition), and that bound at k. k >= 1 because a truncated model sees at least one "
    "input.";
static const char training_help[] =
    "Smallest k >= 1 such that gamma k' lambda^k' N^(alpha beta) (alpha + 1/beta) <= eps "
    "for every k' >= k (the training theorem), found exactly: k lambda^k rises up to "
    "1/ln(1/lambda) and falls after it. Also prints the closed-form sufficient k from "
    "k lambda^(k/2) <= 2 / (e ln(1/lambda)), which is never smaller.";

static int require(int given, const char *name)
{
    return given ? SRM_OK : SRM_ERROR(SRM_EINVAL, "--%s is required (usage: srm bound --help)",
                                      name);
}

static int bound_inference(int argc, char **argv)
{
    double lambda = 0, eps = 0, lf = 1, lx = 1, bx = 1;
    int json = 0, have_lambda = 0, have_eps = 0;
    const srm_arg args[] = {
        {"lambda", SRM_ARG_DOUBLE, &lambda, "L", "stability constant, 0 <= L < 1 (required)",
         &have_lambda},
        {"eps", SRM_ARG_DOUBLE, &eps, "E", "wanted output gap, E > 0 (required)", &have_eps},
        {"lf", SRM_ARG_DOUBLE, &lf, "L_f", "Lipschitz constant of the readout f", NULL},
        {"lx", SRM_ARG_DOUBLE, &lx, "L_x", "Lipschitz constant of phi_w in x", NULL},
        {"bx", SRM_ARG_DOUBLE, &bx, "B_x", "input bound ||x_t|| <= B_x", NULL},
        SRM_ARG_JSON(&json, "print one JSON object"),
        SRM_ARGS_END};
    const srm_args_spec spec = {INFERENCE_USAGE, inference_help, args, 0, 0};
    int rc = srm_args_parse_flags(&spec, argc, argv);
    if (rc != SRM_OK) return rc;
    SRM_TRY(require(have_lambda, "lambda"));
    SRM_TRY(require(have_eps, "eps"));
    long long k;
    double bound;
    SRM_TRY(srm_bound_inference(lambda, eps, lf, lx, bx, &k, &bound));
    srm_report *r = srm_report_alloc();
    rc = r ? srm_report_integer(r, "k", "k", k) : srm_error_code();
    if (rc == SRM_OK)
        rc = srm_report_number(r, "bound", "bound L_f L_x B_x lambda^k / (1 - lambda)", bound);
    return srm_report_finish(r, rc, stdout, json);
}

static int bound_training(int argc, char **argv)
{
    double lambda = 0, eps = 0, alpha = 0, beta = 0, gamma = 0;
    unsigned long steps = 0;
    int json = 0, given[6] = {0};
    const srm_arg args[] = {
        {"lambda", SRM_ARG_DOUBLE, &lambda, "L", "stability constant, 0 <= L < 1 (required)",
         &given[0]},
        {"eps", SRM_ARG_DOUBLE, &eps, "E", "wanted weight gap, E > 0 (required)", &given[1]},
        {"steps", SRM_ARG_ULONG, &steps, "N", "gradient steps N >= 1 (required)", &given[2]},
        {"alpha", SRM_ARG_DOUBLE, &alpha, "A", "step sizes alpha / t, A >= 0 (required)",
         &given[3]},
        {"beta", SRM_ARG_DOUBLE, &beta, "B", "smoothness constant, B > 0 (required)", &given[4]},
        {"gamma", SRM_ARG_DOUBLE, &gamma, "G", "gradient-gap constant, G >= 0 (required)",
         &given[5]},
        SRM_ARG_JSON(&json, "print one JSON object"),
        SRM_ARGS_END};
    const srm_args_spec spec = {TRAINING_USAGE, training_help, args, 0, 0};
    int rc = srm_args_parse_flags(&spec, argc, argv);
    if (rc != SRM_OK) return rc;
    const char *names[6] = {"lambda", "eps", "steps", "alpha", "beta", "gamma"};
    for (int j = 0; j < 6; j++) SRM_TRY(require(given[j], names[j]));
    srm_bound_training_result res;
    SRM_TRY(srm_bound_training(lambda, eps, (double)steps, alpha, beta, gamma, &res));
    srm_report *r = srm_report_alloc();
    rc = r ? srm_report_integer(r, "k", "k (exact)", res.k) : srm_error_code();
    if (rc == SRM_OK)
        rc = srm_report_number(r, "gap", "gap gamma k lambda^k N^(alpha beta)(alpha + 1/beta)",
                               res.gap);
    if (rc == SRM_OK)
        rc = srm_report_number(r, "k_peak", "peak of k lambda^k at 1/ln(1/lambda)", res.k_peak);
    if (rc == SRM_OK)
        rc = srm_report_integer(r, "k_closed_form", "k (closed form)", res.k_closed_form);
    return srm_report_finish(r, rc, stdout, json);
}

int srm_cmd_bound(int argc, char **argv)
{
    if (argc < 2)
        return SRM_ERROR(SRM_EINVAL, "expected 'inference' or 'training' (see srm bound --help)");
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        printf("usage: %s\n\nTruncation length k needed by the inference bound "
               "(proofs-notes/inference.md)\n"
               "or the training bound (proofs-notes/training-theorem.md).\n"
               "See srm bound inference --help and srm bound training --help.\n",
               bound_usage);
        return -1;
    }
    if (strcmp(argv[1], "inference") == 0) return bound_inference(argc - 1, argv + 1);
    if (strcmp(argv[1], "training") == 0) return bound_training(argc - 1, argv + 1);
    return SRM_ERROR(SRM_EINVAL, "unknown bound '%s': expected 'inference' or 'training'",
                     argv[1]);
}
