/* theory/cascade.h: the truncation bound of a stack of recurrent layers, in one or both
 * directions (proofs-notes/cascade.md).
 *
 * Layer l (l = 1..L) in direction r has state map s -> phi(s, x) that is lambda-contractive in
 * its norm, is L_x-Lipschitz in its input x (the outputs of layer l-1, both directions
 * concatenated, in the same norm; layer 1 reads the data), and every reachable state has norm
 * at most D. The k-truncated stack computes the output at t from the zero state of every layer
 * and direction, run on the inputs of the window W_t alone: [t-k+1, t] for one direction, and
 * [t-k+1, t+k-1] for two (the forward direction starts at the window's left end, the reverse at
 * its right end). Index the window's positions p = 1..P (P = k or 2k-1; t is p = k). Then the
 * gap of layer l at p is at most e_l(p), where
 *   f_l(0) = D, f_l(p) = lambda f_l(p-1) + L_x e_{l-1}(p)         (forward)
 *   b_l(P+1) = D, b_l(p) = lambda b_l(p+1) + L_x e_{l-1}(p)      (reverse)
 *   e_0 = 0, e_l(p) = f_l(p) (one direction), or |(f_l(p), b_l(p))| in the norm (2 or max),
 * and the top layer's gap at t is at most e_L(k). For one layer and one direction this is
 * D lambda^k, the inference proposition; in closed form, with lambda the largest lambda_l,
 *   e_L(k) <= lambda^k sum_l D_l (prod_{m>l} L_x,m) C(k + L - l - 1, L - l)
 * (one direction), so k grows like log(L / eps) / log(1 / lambda) plus O(L log k). */
#ifndef SRM_CASCADE_H
#define SRM_CASCADE_H

#include <stddef.h>

typedef struct {
    double lambda;      /* contraction in the layer's norm, in [0, 1) */
    double lipschitz_x; /* L_x from the layer's input to its state, >= 0 */
    double state_bound; /* D >= 0: every reachable state has norm <= D */
} srm_cascade_unit;

typedef enum { SRM_CASCADE_NORM_2 = 0, SRM_CASCADE_NORM_INF = 1 } srm_cascade_norm;

typedef struct {
    size_t layers, directions; /* directions 1 or 2 */
    srm_cascade_norm norm;
    const srm_cascade_unit *unit; /* layers * directions, l0, l0 reverse, l1, ... */
} srm_cascade;

/* e_L(k) for k >= 1, the bound on the top layer's gap (the output's gap for the recurrent
 * module; a readout adds its Lipschitz factor). SRM_EINVAL for bad constants or k < 1. */
int srm_cascade_gap(const srm_cascade *c, long long k, double *gap);

/* The closed form above for one direction (an upper end of srm_cascade_gap). */
double srm_cascade_gap_closed_form(const srm_cascade *c, long long k);

/* One direction: the smallest k >= 1 with gap(k') <= eps for every k' >= k (exact, from the
 * recursion's monotone tail). Two directions: the smallest k with gap(k) <= eps. And gap(k).
 * SRM_ENUMERIC when the search passes k_max (1e8 steps for one direction, 2e4 windows for
 * two). */
int srm_cascade_k(const srm_cascade *c, double eps, long long *k, double *gap);

#endif
