/* tests/test_bound.c: theory/bound.h against closed forms and brute force.
 *
 * Inference: k equals the closed form max(1, ceil(log(C / ((1 - lambda) eps)) / log(1/lambda)))
 * on a grid that avoids exact ties (cases whose real-valued k lies within 1e-9 of an integer
 * are skipped: there rounding decides), and k is minimal: bound(k) <= eps < bound(k - 1),
 * recomputed here with pow. Training: the exact k equals a brute-force scan over every k with
 * the gap recomputed here, and the closed-form k is never smaller. Hand cases with exact ties
 * (lambda = 1/2) check that "<=" is honoured. */
#include <math.h>
#include <stdio.h>

#include "core/error.h"
#include "tests/harness.h"
#include "theory/bound.h"

static void test_inference(void)
{
    long long k;
    double bound;
    CHECK(srm_bound_inference(0.5, 0.25, 1, 1, 1, &k, &bound) == SRM_OK && k == 3 && bound == 0.25,
          "inference hand: lambda 1/2, eps 1/4 -> k 3 (tie honoured), bound %.17g", bound);
    CHECK(srm_bound_inference(0.9, 0.01, 1, 1, 1, &k, &bound) == SRM_OK && k == 66,
          "inference hand: lambda 0.9, eps 0.01 -> k 66 (ln 1000 / ln(1/0.9) = 65.56)");
    const double lambdas[] = {0.05, 0.3, 0.7, 0.9, 0.99, 0.999999};
    const double epss[] = {10, 0.3, 1e-3, 1e-9, 1e-200};
    const double consts[][3] = {{1, 1, 1}, {2.5, 0.3, 4}, {1e3, 1e2, 1e1}};
    int tested = 0, agree = 0, minimal = 0, value = 0;
    for (size_t li = 0; li < 6; li++)
        for (size_t ei = 0; ei < 5; ei++)
            for (size_t ci = 0; ci < 3; ci++) {
                double l = lambdas[li], e = epss[ei];
                double c = consts[ci][0] * consts[ci][1] * consts[ci][2];
                double x = log(c / ((1 - l) * e)) / log(1 / l);
                if (fabs(x - round(x)) < 1e-9) continue;
                if (srm_bound_inference(l, e, consts[ci][0], consts[ci][1], consts[ci][2], &k,
                                        &bound) != SRM_OK)
                    continue;
                tested++;
                long long want = x < 1 ? 1 : (long long)ceil(x);
                agree += k == want;
                double at = c * pow(l, (double)k) / (1 - l);
                double before = c * pow(l, (double)(k - 1)) / (1 - l);
                minimal += at <= e * (1 + 1e-12) && (k == 1 || before > e);
                value += fabs(bound - at) <= 1e-12 * at;
            }
    CHECK(tested >= 80 && agree == tested,
          "inference: k = closed form on %d of %d grid cases", agree, tested);
    CHECK(minimal == tested, "inference: bound(k) <= eps < bound(k - 1) on %d of %d", minimal,
          tested);
    CHECK(value == tested, "inference: reported bound = C lambda^k / (1 - lambda) on %d of %d",
          value, tested);
    CHECK(srm_bound_inference(0, 1e-9, 5, 5, 5, &k, &bound) == SRM_OK && k == 1 && bound == 0,
          "inference: lambda 0 -> k 1, bound 0");
    CHECK(srm_bound_inference(0.9, 1e-9, 0, 5, 5, &k, &bound) == SRM_OK && k == 1 && bound == 0,
          "inference: L_f = 0 -> k 1, bound 0");
    CHECK(srm_bound_inference(1e-300, 1e-9, 1, 1, 1, &k, &bound) == SRM_OK && k == 1,
          "inference: lambda 1e-300 -> k 1 (no underflow trouble)");
}

/* Independent evaluation of the training gap. */
static double gap(double l, double n, double a, double b, double g, double k)
{
    return g * k * pow(l, k) * pow(n, a * b) * (a + 1 / b);
}

static void test_training(void)
{
    srm_bound_training_result r;
    /* g(k) = k / 2^k: 0.5, 0.5, 0.375, 0.25, 0.15625. eps = 0.25 is a tie at k = 4. */
    CHECK(srm_bound_training(0.5, 0.25, 1, 0, 1, 1, &r) == SRM_OK && r.k == 4 && r.gap == 0.25,
          "training hand: k / 2^k <= 1/4 from k = 4 on (got %lld)", r.k);
    /* Rises then falls: lambda 0.99, gamma 1, constant 1: g(1) = 0.99 < eps = 5 < peak 36.6;
     * a search that stops at the first k with g(k) <= eps would answer 1. */
    CHECK(srm_bound_training(0.99, 5, 1, 0, 1, 1, &r) == SRM_OK && r.k > 100 &&
              gap(0.99, 1, 0, 1, 1, (double)r.k) <= 5 &&
              gap(0.99, 1, 0, 1, 1, (double)r.k - 1) > 5,
          "training: eps below the peak but above g(1): k = %lld lies past the peak %.1f", r.k,
          r.k_peak);
    CHECK(srm_bound_training(0.99, 40, 1, 0, 1, 1, &r) == SRM_OK && r.k == 1,
          "training: eps above the peak -> k 1");
    const double lambdas[] = {0.3, 0.7, 0.9, 0.97};
    const double epss[] = {10, 1, 1e-3, 1e-8};
    const double steps[] = {1, 100, 1e4};
    const double alphas[] = {0, 0.1, 1};
    const double betas[] = {0.5, 2};
    const double gammas[] = {0.01, 1, 100};
    int tested = 0, agree = 0, closed_ok = 0, closed_formula = 0, ties = 0;
    double worst_ratio = 0;
    for (int li = 0; li < 4; li++)
        for (int ei = 0; ei < 4; ei++)
            for (int ni = 0; ni < 3; ni++)
                for (int ai = 0; ai < 3; ai++)
                    for (int bi = 0; bi < 2; bi++)
                        for (int gi = 0; gi < 3; gi++) {
                            double l = lambdas[li], e = epss[ei], n = steps[ni], a = alphas[ai],
                                   b = betas[bi], g = gammas[gi];
                            if (srm_bound_training(l, e, n, a, b, g, &r) != SRM_OK) continue;
                            /* Brute force: one past the last k with gap > eps. */
                            long long last = 0, limit = r.k_closed_form + 1000;
                            int tie = 0;
                            for (long long k = 1; k <= limit; k++) {
                                double v = gap(l, n, a, b, g, (double)k);
                                if (fabs(v / e - 1) < 1e-12) tie = 1;
                                if (v > e) last = k;
                            }
                            if (tie) { ties++; continue; }
                            tested++;
                            agree += r.k == last + 1;
                            closed_ok += r.k_closed_form >= r.k && last < r.k_closed_form;
                            double c = g * pow(n, a * b) * (a + 1 / b) * 2 / (M_E * log(1 / l));
                            double x = 2 * log(c / e) / log(1 / l);
                            long long want = x < 1 ? 1 : (long long)ceil(x);
                            closed_formula += fabs(x - round(x)) < 1e-9 || want == r.k_closed_form;
                            if (r.k > 1)
                                worst_ratio = fmax(worst_ratio,
                                                   (double)r.k_closed_form / (double)r.k);
                        }
    CHECK(tested > 800 && agree == tested,
          "training: exact k = brute force on %d of %d grid cases (%d near-ties skipped)", agree,
          tested, ties);
    CHECK(closed_ok == tested,
          "training: closed-form k >= exact k and covers every later k, %d of %d", closed_ok,
          tested);
    CHECK(closed_formula == tested, "training: closed form = ceil(2 ln(C/eps) / ln(1/lambda)), "
                                    "%d of %d", closed_formula, tested);
    printf("# training: closed-form k is at most %.3g times the exact k on this grid\n",
           worst_ratio);
    CHECK(srm_bound_training(0, 1e-9, 10, 1, 1, 1, &r) == SRM_OK && r.k == 1 &&
              r.k_closed_form == 1,
          "training: lambda 0 -> k 1");
    CHECK(srm_bound_training(0.9, 1e-9, 10, 1, 1, 0, &r) == SRM_OK && r.k == 1,
          "training: gamma 0 -> k 1");
    CHECK_CLOSE(srm_bound_training_gap(0.5, 1, 0, 1, 1, 4), 0.25, 0, "training gap at k = 4");
}

static void test_errors(void)
{
    long long k;
    double bound;
    srm_bound_training_result r;
    CHECK(srm_bound_inference(1, 0.1, 1, 1, 1, &k, &bound) == SRM_EINVAL, "error: lambda = 1");
    CHECK(srm_bound_inference(1.5, 0.1, 1, 1, 1, &k, &bound) == SRM_EINVAL, "error: lambda > 1");
    CHECK(srm_bound_inference(-0.1, 0.1, 1, 1, 1, &k, &bound) == SRM_EINVAL, "error: lambda < 0");
    CHECK(srm_bound_inference(NAN, 0.1, 1, 1, 1, &k, &bound) == SRM_EINVAL, "error: lambda NaN");
    CHECK(srm_bound_inference(0.5, 0, 1, 1, 1, &k, &bound) == SRM_EINVAL, "error: eps = 0");
    CHECK(srm_bound_inference(0.5, -1, 1, 1, 1, &k, &bound) == SRM_EINVAL, "error: eps < 0");
    CHECK(srm_bound_inference(0.5, 0.1, -1, 1, 1, &k, &bound) == SRM_EINVAL, "error: L_f < 0");
    CHECK(srm_bound_inference(0.5, 0.1, 1, -1, 1, &k, &bound) == SRM_EINVAL, "error: L_x < 0");
    CHECK(srm_bound_inference(0.5, 0.1, 1, 1, -1, &k, &bound) == SRM_EINVAL, "error: B_x < 0");
    CHECK(srm_bound_inference(nextafter(1, 0), 1e-300, 1, 1, 1, &k, &bound) == SRM_ENUMERIC,
          "error: k beyond 2^53 (%s)", srm_error_message());
    CHECK(srm_bound_training(1, 0.1, 10, 1, 1, 1, &r) == SRM_EINVAL, "error: training lambda 1");
    CHECK(srm_bound_training(0.5, 0, 10, 1, 1, 1, &r) == SRM_EINVAL, "error: training eps 0");
    CHECK(srm_bound_training(0.5, 0.1, 0, 1, 1, 1, &r) == SRM_EINVAL, "error: training steps 0");
    CHECK(srm_bound_training(0.5, 0.1, 10, -1, 1, 1, &r) == SRM_EINVAL, "error: alpha < 0");
    CHECK(srm_bound_training(0.5, 0.1, 10, 1, 0, 1, &r) == SRM_EINVAL, "error: beta = 0");
    CHECK(srm_bound_training(0.5, 0.1, 10, 1, 1, -1, &r) == SRM_EINVAL, "error: gamma < 0");
    CHECK(srm_bound_training(nextafter(1, 0), 1e-300, 10, 1, 1, 1, &r) == SRM_ENUMERIC,
          "error: training k beyond 2^53");
}

int main(void)
{
    test_inference();
    test_training();
    test_errors();
    return srm_test_finish();
}
