/* sim/stack.h: a stack of recurrent layers in one or both directions, run in double with the
 * reference cell step (core/model.h), as nn.RNN / nn.LSTM with num_layers and bidirectional
 * run it: layer l > 0 reads the outputs h of layer l - 1, both directions concatenated
 * (forward first), and every direction starts from the zero state. The k-truncated stack of
 * proofs-notes/cascade.md is this run on the window W_t alone. */
#ifndef SRM_STACK_H
#define SRM_STACK_H

#include <stddef.h>

#include "core/layout.h"
#include "core/model.h"

/* Every unit of a state dict's recurrent module (core/layout.h), GRUs included, as models;
 * lay keeps the counts and names (its tensor pointers are NULL: the file is freed). */
typedef struct {
    srm_layout lay;
    srm_model *unit[2 * SRM_LAYOUT_MAX_LAYERS];
} srm_stack;

int srm_stack_load(const char *path, const srm_layout_options *opt, srm_stack **out);
void srm_stack_free(srm_stack *s);

/* unit[l * directions + r] is layer l in direction r (r = 1: reverse); unit 0 reads d = its
 * input size, the others n * directions. x is (T, d) row-major; out receives the top layer's
 * outputs (T, n * directions); last (optional) the final states, one srm_model_state_size per
 * unit (the reverse direction's final state is the one at t = 0). */
int srm_stack_run(srm_model *const *unit, size_t layers, size_t directions, const double *x,
                  size_t T, double *out, double *last);

/* The k-truncated stack's output at time t (0-based), into out (n * directions): the stack run
 * on x[t-k+1 .. t] (one direction) or x[t-k+1 .. t+k-1] (two), clipped to [0, T). */
int srm_stack_truncated(srm_model *const *unit, size_t layers, size_t directions,
                        const double *x, size_t T, size_t k, size_t t, double *out);

/* For k = 1..kmax: the largest and the mean over t of the gap between the top layer's outputs
 * and the k-truncated stack's, in the Euclidean norm (max_norm 0) or the max norm (1), over the
 * concatenated directions; O(T kmax (2 kmax) L) steps. max_gap, mean_gap: kmax entries. */
int srm_stack_truncation_gaps(srm_model *const *unit, size_t layers, size_t directions,
                              const double *x, size_t T, size_t kmax, int max_norm,
                              double *max_gap, double *mean_gap);

/* Exact gradient of loss = sum_t <dout_t, out_t> (dout (T, n * directions), out the top layer's
 * outputs) with respect to every unit's parameters, ACCUMULATED into grad[u] (models of unit
 * u's shapes, from srm_model_alloc_like): backpropagation through time in each direction, the
 * input gradients of layer l carried down to layer l - 1 (core/cell.h's backward kernel). */
int srm_stack_grad(srm_model *const *unit, size_t layers, size_t directions, const double *x,
                   size_t T, const double *dout, srm_model *const *grad);

/* The same for the k-truncated stack, loss = sum_t <dout_t, out^k_t> with out^k_t from
 * srm_stack_truncated: each t's term is backpropagated through its own window only (rows of
 * dout that are zero are skipped). O(T k) steps per layer and direction. */
int srm_stack_truncated_grad(srm_model *const *unit, size_t layers, size_t directions,
                             const double *x, size_t T, size_t k, const double *dout,
                             srm_model *const *grad);

#endif
