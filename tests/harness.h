/* tests/harness.h: the tiny in-tree test harness.
 *
 * Each tests/test_*.c is one program. CHECK prints one PASS/FAIL line per property (with the
 * measured values on failure); srm_test_finish prints "N passed, N failed" and returns the exit
 * status (non-zero on any failure). tests/run.sh adds the counts of all programs. */
#ifndef SRM_TEST_HARNESS_H
#define SRM_TEST_HARNESS_H

#include <math.h>
#include <stdio.h>

static int srm_test_passed, srm_test_failed;

#define CHECK(cond, ...)                                                                    \
    do {                                                                                    \
        if (cond) {                                                                         \
            srm_test_passed++;                                                              \
            printf("PASS ");                                                                \
        } else {                                                                            \
            srm_test_failed++;                                                              \
            printf("FAIL [%s:%d] ", __FILE__, __LINE__);                                    \
        }                                                                                   \
        printf(__VA_ARGS__);                                                                \
        printf("\n");                                                                       \
        fflush(stdout);                                                                     \
    } while (0)

/* |a - b| <= tol * max(1, |b|) (relative for large values, absolute near zero). */
#define CHECK_CLOSE(a, b, tol, what)                                                        \
    do {                                                                                    \
        double ca_ = (a), cb_ = (b), ct_ = (tol);                                           \
        double cs_ = fabs(cb_) > 1.0 ? fabs(cb_) : 1.0;                                     \
        CHECK(fabs(ca_ - cb_) <= ct_ * cs_, "%s: got %.17g expected %.17g (tol %.1e)",      \
              (what), ca_, cb_, ct_);                                                       \
    } while (0)

static inline int srm_test_finish(void)
{
    printf("%d passed, %d failed\n", srm_test_passed, srm_test_failed);
    return srm_test_failed != 0;
}

#endif
